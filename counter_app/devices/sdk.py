"""Readers sold with a vendor library (华视 termb, 神思 SDT, 精伦 …): the
widely used InitComm / Authenticate / Read_Content API loaded with ctypes.

The sequence per read: ``InitComm(port)`` → ``Authenticate()`` (a card is
on the reader) → ``Read_Content(1)`` (text and photo) → getters
``GetPeopleName(char *buf, int *len)`` … → ``CloseComm()``. Every call
returns 1 on success. Text comes in the vendor's encoding (GB 18030 by
default, a superset of GBK that also holds Ext. B names such as 𠮷).
Some libraries prefix every name (``CVR_InitComm``): ``sdk_symbol_prefix``.
Optional getters (certificate type, English name, photo …) may be absent;
a library with no getters at all writes ``wz.txt`` and ``zp.bmp`` instead
(``sdk_output_dir``), read and deleted at once.
"""

from __future__ import annotations

import ctypes
import io
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.devices.basetext import parse_base_text
from counter_app.devices.card import CardData, CardError
from counter_app.devices.settings import DeviceSettings
from counter_app.domain.identifiers import IdType
from counter_app.i18n import _, listing

# One reader, one library: calls never overlap (the SDKs are not reentrant).
_CALLS = threading.Lock()
_BUF = 4096
PHOTO_BUF = 64 * 1024
REQUIRED = ("InitComm", "Authenticate", "Read_Content", "CloseComm")
# Without these the SDK writes wz.txt (and zp.bmp) where it runs instead.
GETTERS = (
    "GetPeopleName",
    "GetPeopleSex",
    "GetPeopleBirthday",
    "GetPeopleIDCode",
    "GetStartDate",
    "GetEndDate",
)


def _date(text: str, what: str) -> date:
    digits = "".join(c for c in text if c.isdigit())
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise CardError(
            _("读卡器返回的{what}“{text}”不是日期，请重新读卡").format(
                what=what, text=text
            )
        ) from None


class SdkReader:
    name = "sdk"

    def __init__(self, settings: DeviceSettings) -> None:
        self.settings = settings
        self._lib: ctypes.CDLL | None = None

    # -- loading -----------------------------------------------------------
    def _load(self) -> ctypes.CDLL:
        if self._lib is not None:
            return self._lib
        path = self.settings.sdk_library
        if not path:
            raise CardError(_("未配置读卡器驱动库（sdk_library），请在站点配置中填写"))
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            raise CardError(
                _("读卡器驱动库 {path} 无法加载：{reason}").format(
                    path=path, reason=str(exc)
                )
            ) from None
        missing = [n for n in REQUIRED if self._symbol(lib, n) is None]
        getters = [n for n in GETTERS if self._symbol(lib, n) is None]
        if len(getters) < len(GETTERS):  # some getters: then all of them
            missing += getters
        if missing:
            raise CardError(
                _(
                    "读卡器驱动库 {path} 缺少函数 {names}，与本程序支持的接口不符"
                ).format(path=path, names=listing(missing))
            )
        self._lib = lib
        return lib

    def _symbol(self, lib: ctypes.CDLL, name: str) -> Any:
        try:
            fn = getattr(lib, self.settings.sdk_symbol_prefix + name)
        except AttributeError:
            return None
        fn.restype = ctypes.c_int
        return fn

    # -- the driver ----------------------------------------------------------
    def probe(self) -> str:
        """Load the library and open the port; "" when both work."""
        try:
            with _CALLS:
                lib = self._load()
                self._open(lib)
                self._symbol(lib, "CloseComm")()
        except CardError as exc:
            return str(exc)
        return ""

    def _open(self, lib: ctypes.CDLL) -> None:
        port = self.settings.sdk_port
        if self._symbol(lib, "InitComm")(ctypes.c_int(port)) != 1:
            raise CardError(
                _(
                    "读卡器未连接（端口 {port}）：请检查读卡器的数据线和电源，"
                    "或在设备设置中核对端口"
                ).format(port=port)
            )

    def read(self) -> CardData:
        with _CALLS:
            lib = self._load()
            self._open(lib)
            try:
                return self._read_open(lib)
            finally:
                self._symbol(lib, "CloseComm")()

    def _read_open(self, lib: ctypes.CDLL) -> CardData:
        if self._symbol(lib, "Authenticate")() != 1:
            raise CardError(_("读卡器上没有证件：请将证件平放在读卡区，再按读卡"))
        if self._symbol(lib, "Read_Content")(ctypes.c_int(1)) != 1:
            raise CardError(_("读取证件失败：请将证件重新放平，稍停一秒再读"))
        if self._symbol(lib, "GetPeopleName") is None:
            return self._from_files()
        text = self._text_getter(lib)
        kind = text("GetCertType", optional=True).strip().upper()
        number = text("GetPeopleIDCode")
        card_type = IdType.RESIDENT_ID
        if kind == "I":
            card_type = IdType.FOREIGN_PERMANENT
        elif kind == "J":
            card_type = (
                IdType.TAIWAN_RESIDENCE
                if number.startswith("83")
                else IdType.HK_MACAO_RESIDENCE
            )
        end = text("GetEndDate")
        sex = text("GetPeopleSex")
        return CardData(
            card_type=card_type,
            name=text("GetPeopleName").strip(),
            sex=_sex(sex),
            birth_date=_date(text("GetPeopleBirthday"), _("出生日期")),
            id_number=number,
            valid_from=_date(text("GetStartDate"), _("有效期起始日期")),
            valid_to=None if "长期" in end else _date(end, _("有效期截止日期")),
            ethnicity=text("GetPeopleNation", optional=True),
            address=text("GetPeopleAddress", optional=True),
            authority=text("GetDepartment", optional=True),
            english_name=text("GetEnName", optional=True),
            nationality=text("GetNationality", optional=True),
            permit_number=text("GetPassCheckID", optional=True),
            photo=self._photo(lib),
        )

    def _from_files(self) -> CardData:
        """SDKs without getters: ``wz.txt`` (the chip's text block) and
        ``zp.bmp`` in their output folder, deleted once read — personal
        data does not stay on disk."""
        folder = Path(self.settings.sdk_output_dir or os.getcwd())
        text_file, photo_file = folder / "wz.txt", folder / "zp.bmp"
        try:
            raw = text_file.read_bytes()
        except OSError as exc:
            raise CardError(
                _("读卡器驱动未输出证件信息文件 {path}：{reason}").format(
                    path=str(text_file), reason=exc.strerror or str(exc)
                )
            ) from None
        finally:
            text_file.unlink(missing_ok=True)
        try:
            bmp = photo_file.read_bytes()
        except OSError:
            bmp = b""
        finally:
            photo_file.unlink(missing_ok=True)
        f = parse_base_text(raw)
        number = f["id"]
        card_type = IdType.RESIDENT_ID
        if f["cert_type"] == "J":
            card_type = (
                IdType.TAIWAN_RESIDENCE
                if number.startswith("83")
                else IdType.HK_MACAO_RESIDENCE
            )
        end = f["end"]
        return CardData(
            card_type=card_type,
            name=f["name"],
            sex=_sex(f["sex"]),
            birth_date=_date(f["birth"], _("出生日期")),
            id_number=number,
            valid_from=_date(f["start"], _("有效期起始日期")),
            valid_to=None if "长期" in end else _date(end, _("有效期截止日期")),
            ethnicity=f["nation"],
            address=f["address"],
            authority=f["authority"],
            permit_number=f.get("pass_id", ""),
            issue_count=int(f["issues"]) if f.get("issues", "").isdigit() else 0,
            photo=_png(bmp),
        )

    def _text_getter(self, lib: ctypes.CDLL) -> Callable[..., str]:
        encoding = self.settings.sdk_encoding

        def get(name: str, *, optional: bool = False) -> str:
            fn = self._symbol(lib, name)
            if fn is None:
                return ""
            buf = ctypes.create_string_buffer(_BUF)
            size = ctypes.c_int(_BUF)
            if fn(buf, ctypes.byref(size)) != 1:
                if optional:
                    return ""
                raise CardError(_("读卡器未返回{name}，请重新读卡").format(name=name))
            raw = buf.raw[: max(0, min(size.value, _BUF))].split(b"\0", 1)[0]
            return raw.decode(encoding, errors="replace").strip()

        return get

    def _photo(self, lib: ctypes.CDLL) -> bytes:
        """The photo as PNG (SDKs hand out a BMP decoded from the chip)."""
        fn = self._symbol(lib, "GetBMPData")
        if fn is None:
            return b""
        buf = ctypes.create_string_buffer(PHOTO_BUF)
        size = ctypes.c_int(PHOTO_BUF)
        if fn(buf, ctypes.byref(size)) != 1 or size.value <= 0:
            return b""
        return _png(buf.raw[: size.value])


def _sex(text: str) -> str:
    return "F" if text.strip() in ("女", "2", "F") else "M"


def _png(bmp: bytes) -> bytes:
    """The photo as PNG; b"" when there is none or it cannot be read (a
    card without a usable photo still fills the form)."""
    if not bmp:
        return b""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(bmp)) as im:
            out = io.BytesIO()
            im.convert("RGB").save(out, "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError):
        return b""

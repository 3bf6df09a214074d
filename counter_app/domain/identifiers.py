"""Identity documents, credit codes and phone numbers: normalise, check, mask.

Checks follow the published standards: GB 11643 (resident identity number,
MOD 11-2 check), GB 32100 (unified social credit code, MOD 31 check), and the
formats of HK/Macao/Taiwan permits, passports and foreign permanent residence
cards. Every input is normalised first (full-width → ASCII, spaces removed,
upper case), so "１１０１０５ …ｘ" typed with a Chinese IME is accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from counter_app.domain.errors import DomainError
from counter_app.domain.text import shown
from counter_app.i18n import N_, _


class InvalidIdentifier(DomainError, ValueError):
    """An identifier or phone number that fails its format or check code."""


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"
    HK_MACAO_RESIDENCE = "hk_macao_residence"
    TAIWAN_RESIDENCE = "taiwan_residence"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    PASSPORT = "passport"
    FOREIGN_PERMANENT = "foreign_permanent"
    USCC = "uscc"


ID_TYPE_LABELS: dict[IdType, str] = {
    IdType.RESIDENT_ID: N_("居民身份证"),
    IdType.HK_MACAO_RESIDENCE: N_("港澳居民居住证"),
    IdType.TAIWAN_RESIDENCE: N_("台湾居民居住证"),
    IdType.HK_MACAO_PERMIT: N_("港澳居民来往内地通行证"),
    IdType.TAIWAN_PERMIT: N_("台湾居民来往大陆通行证"),
    IdType.PASSPORT: N_("护照"),
    IdType.FOREIGN_PERMANENT: N_("外国人永久居留身份证"),
    IdType.USCC: N_("统一社会信用代码"),
}

ID_FIELD = "id_number"
USCC_FIELD = "uscc"
PHONE_FIELD = "phone"

# GB 11643: weight of position i is 2**(17 - i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum) mod 11

# GB/T 2260 province-level codes (first two digits of an area code).
_PROVINCES = frozenset(
    str(n)
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    )
)

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100 registration department (1st char) → allowed categories (2nd char).
_USCC_CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政: 律所, 公证处, 法律服务所, 鉴定, 仲裁, 其他
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他登记管理部门
}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), drop every space incl. U+3000, upper-case."""
    folded = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return "".join(folded.split()).upper()


def _fail(message: str, field: str | None, default: str) -> InvalidIdentifier:
    return InvalidIdentifier(message, field=field or default)


def _mod11_2(body17: str) -> str:
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _check_gb11643(
    code: str, *, doc: str, today: date | None, field: str | None
) -> str:
    """Structure, birth date and MOD 11-2 check of an 18-character number."""
    if not code:
        raise _fail(_("请填写{doc}号码").format(doc=doc), field, ID_FIELD)
    if len(code) == 15 and code.isdigit():
        raise _fail(
            _("这是15位旧版号码，请提供18位{doc}号码").format(doc=doc), field, ID_FIELD
        )
    if len(code) != 18:
        raise _fail(
            _("{doc}号码应为18位，现为{count}位").format(doc=doc, count=len(code)),
            field,
            ID_FIELD,
        )
    for position, char in enumerate(code, start=1):
        ok = char.isascii() and (char.isdigit() or (position == 18 and char == "X"))
        if not ok:
            raise _fail(
                _(
                    "{doc}号码第{position}位“{char}”无效：前17位只能是数字，"
                    "最后一位是数字或X"
                ).format(doc=doc, position=position, char=shown(char)),
                field,
                ID_FIELD,
            )
    if code[0] not in "12345678":
        raise _fail(
            _("{doc}号码第1位应为1至8，现为“{char}”").format(doc=doc, char=code[0]),
            field,
            ID_FIELD,
        )
    if code[:2] not in _PROVINCES:
        raise _fail(
            _("{doc}号码前两位“{code}”不是有效的省级行政区划代码").format(
                doc=doc, code=code[:2]
            ),
            field,
            ID_FIELD,
        )
    _check_birth(code[6:14], doc=doc, today=today, field=field)
    if _mod11_2(code[:17]) != code[17]:
        raise _fail(
            _("{doc}号码校验码不正确，请逐位核对号码，特别是最后一位").format(doc=doc),
            field,
            ID_FIELD,
        )
    return code


def _check_birth(text: str, *, doc: str, today: date | None, field: str | None) -> date:
    shown = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        birth = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise _fail(
            _("{doc}号码中的出生日期{birth}不是有效日期").format(doc=doc, birth=shown),
            field,
            ID_FIELD,
        ) from None
    if birth.year < 1900:
        raise _fail(
            _("{doc}号码中的出生日期{birth}早于1900年，请核对").format(
                doc=doc, birth=shown
            ),
            field,
            ID_FIELD,
        )
    if birth > (today or date.today()):
        raise _fail(
            _("{doc}号码中的出生日期{birth}晚于今天，请核对").format(
                doc=doc, birth=shown
            ),
            field,
            ID_FIELD,
        )
    return birth


def validate_resident_id(
    text: str, *, today: date | None = None, field: str | None = None
) -> str:
    """The normalised 18-character resident identity number, or InvalidIdentifier.

    The message says what is wrong (length, a character, first digit, birth
    date, check code) without revealing the expected check character.
    """
    return _check_gb11643(normalize(text), doc=_("身份证"), today=today, field=field)


def _validate_residence_permit(
    text: str, *, prefixes: tuple[str, ...], doc: str, field: str | None
) -> str:
    code = _check_gb11643(normalize(text), doc=doc, today=None, field=field)
    if not code.startswith(prefixes):
        raise _fail(
            _("{doc}号码应以{prefixes}开头").format(
                doc=doc, prefixes="/".join(prefixes)
            ),
            field,
            ID_FIELD,
        )
    return code


@dataclass(frozen=True)
class ResidentIdInfo:
    area_code: str
    birth_date: date
    sex: Literal["M", "F"]

    def age_on(self, day: date) -> int:
        """Full years of age on ``day``."""
        had_birthday = (day.month, day.day) >= (
            self.birth_date.month,
            self.birth_date.day,
        )
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


def resident_id_info(code: str) -> ResidentIdInfo:
    """Area, birth date and sex encoded in a valid 18-character number."""
    valid = validate_resident_id(code)
    birth = date(int(valid[6:10]), int(valid[10:12]), int(valid[12:14]))
    sex: Literal["M", "F"] = "M" if int(valid[16]) % 2 == 1 else "F"
    return ResidentIdInfo(area_code=valid[:6], birth_date=birth, sex=sex)


def _uscc_check(body17: str) -> str:
    total = sum(
        _USCC_CHARS.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True)
    )
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(text: str, *, field: str | None = None) -> str:
    """The normalised unified social credit code (GB 32100), or InvalidIdentifier."""
    code = normalize(text)
    doc = _("统一社会信用代码")
    if not code:
        raise _fail(_("请填写{doc}").format(doc=doc), field, USCC_FIELD)
    if len(code) != 18:
        raise _fail(
            _("{doc}应为18位，现为{count}位").format(doc=doc, count=len(code)),
            field,
            USCC_FIELD,
        )
    for position, char in enumerate(code, start=1):
        if char not in _USCC_CHARS:
            raise _fail(
                _(
                    "{doc}第{position}位“{char}”无效：只能是数字和除I、O、Z、S、V"
                    "以外的大写字母"
                ).format(doc=doc, position=position, char=shown(char)),
                field,
                USCC_FIELD,
            )
    categories = _USCC_CATEGORIES.get(code[0])
    if categories is None:
        raise _fail(
            _("{doc}第1位（登记管理部门）“{char}”无效，应为1至9、A、N或Y").format(
                doc=doc, char=code[0]
            ),
            field,
            USCC_FIELD,
        )
    if code[1] not in categories:
        raise _fail(
            _("{doc}第2位（机构类别）“{char}”与登记管理部门“{dept}”不符").format(
                doc=doc, char=code[1], dept=code[0]
            ),
            field,
            USCC_FIELD,
        )
    if not code[2:8].isdigit():
        raise _fail(
            _("{doc}第3至8位应为6位数字的行政区划代码，现为“{area}”").format(
                doc=doc, area=code[2:8]
            ),
            field,
            USCC_FIELD,
        )
    if _uscc_check(code[:17]) != code[17]:
        raise _fail(
            _("{doc}校验码不正确，请逐位核对代码，特别是最后一位").format(doc=doc),
            field,
            USCC_FIELD,
        )
    return code


_HK_MACAO_PERMIT = re.compile(r"[HM](\d{8}|\d{10})")
_TAIWAN_PERMIT = re.compile(r"\d{8}|[0-9A-Z]{10,12}")
_PRC_PASSPORT = re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7}")
_ANY_PASSPORT = re.compile(r"[0-9A-Z]{5,17}")
_PERMANENT_2017 = re.compile(r"[A-Z]{3}\d{12}")


def _format_error(doc: str, rule: str, field: str | None) -> InvalidIdentifier:
    return _fail(
        _("{doc}号码格式不正确：{rule}").format(doc=doc, rule=rule), field, ID_FIELD
    )


def validate_passport(text: str, *, prc: bool = False, field: str | None = None) -> str:
    """A passport number: 5–17 letters/digits; ``prc`` requires E+8 digits or
    E+letter+7 digits (ordinary PRC e-passports)."""
    code = normalize(text)
    doc = _("护照")
    if prc and not _PRC_PASSPORT.fullmatch(code):
        raise _format_error(
            doc, _("中国护照应为E加8位数字，或E加1个字母再加7位数字"), field
        )
    if not _ANY_PASSPORT.fullmatch(code):
        raise _format_error(doc, _("应为5至17位字母或数字"), field)
    return code


def validate_foreign_permanent(text: str, *, field: str | None = None) -> str:
    """2023 card: 18 characters starting with 9, MOD 11-2 check;
    2017 card: 3 letters (nationality) + 12 digits."""
    code = normalize(text)
    doc = _("外国人永久居留身份证")
    if _PERMANENT_2017.fullmatch(code):
        return code
    if len(code) == 18 and code.startswith("9"):
        if not (code[:17].isdigit() and (code[17].isdigit() or code[17] == "X")):
            raise _format_error(
                doc, _("新版证件号码前17位应为数字，最后一位是数字或X"), field
            )
        if _mod11_2(code[:17]) != code[17]:
            raise _fail(
                _("{doc}号码校验码不正确，请逐位核对号码，特别是最后一位").format(
                    doc=doc
                ),
                field,
                ID_FIELD,
            )
        return code
    raise _format_error(
        doc,
        _("新版为以9开头的18位号码，旧版为3个字母加12位数字；现为{count}位").format(
            count=len(code)
        ),
        field,
    )


def validate_identifier(id_type: IdType, text: str, *, field: str | None = None) -> str:
    """Check ``text`` as a document of ``id_type``; return its normalised form."""
    doc = _(ID_TYPE_LABELS[id_type])
    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(text, field=field)
    if id_type is IdType.HK_MACAO_RESIDENCE:
        return _validate_residence_permit(
            text, prefixes=("810000", "820000"), doc=doc, field=field
        )
    if id_type is IdType.TAIWAN_RESIDENCE:
        return _validate_residence_permit(
            text, prefixes=("830000",), doc=doc, field=field
        )
    if id_type is IdType.USCC:
        return validate_uscc(text, field=field)
    if id_type is IdType.PASSPORT:
        return validate_passport(text, field=field)
    if id_type is IdType.FOREIGN_PERMANENT:
        return validate_foreign_permanent(text, field=field)
    code = normalize(text)
    if id_type is IdType.HK_MACAO_PERMIT:
        if not _HK_MACAO_PERMIT.fullmatch(code):
            raise _format_error(
                doc, _("应为H（香港）或M（澳门）加8位数字，旧版加10位数字"), field
            )
        return code
    # Taiwan permit; a one-off permit may print its version letter in brackets.
    code = code.replace("(", "").replace(")", "")
    if not _TAIWAN_PERMIT.fullmatch(code):
        raise _format_error(
            doc, _("应为8位数字，一次有效通行证为10至12位字母或数字"), field
        )
    return code


# -- phones -----------------------------------------------------------------

_EXTENSION = re.compile(r"(?:转|分机|EXT\.?|X|#|,)(\d{1,6})$")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SERVICE = re.compile(r"(400|800)(\d{3})(\d{4})")


def _landline(digits: str) -> tuple[str, str] | None:
    """Split ``0AREA LOCAL`` into area code and local number, if plausible."""
    if not digits.startswith("0"):
        return None
    # 010 and 020–029 are three digits; every other area code has four.
    if len(digits) < 3:
        return None
    area_len = 3 if digits[1] in "12" else 4
    area, local = digits[:area_len], digits[area_len:]
    if len(local) in (7, 8) and local[0] != "0":
        return area, local
    return None


def validate_phone(text: str, *, field: str | None = None) -> str:
    """A mainland mobile ("13812345678"), landline ("010-12345678",
    "0755-1234567转123" with extension) or 400/800 number ("400-123-4567")."""
    raw = normalize(text)
    if not raw:
        raise _fail(_("请填写联系电话"), field, PHONE_FIELD)
    extension = ""
    match = _EXTENSION.search(raw)
    if match:
        extension, raw = match.group(1), raw[: match.start()]
    raw = raw.replace("(", "").replace(")", "")
    international = raw.startswith(("+86", "0086"))
    if international:
        raw = raw.removeprefix("+").removeprefix("00")[2:]
    parts = [p for p in raw.split("-") if p]
    digits = "".join(parts)
    if not digits.isdigit():
        raise _fail(
            _("联系电话“{text}”含有数字以外的字符").format(text=shown(text)),
            field,
            PHONE_FIELD,
        )
    if not international and len(digits) == 13 and digits.startswith("86"):
        international, digits = True, digits[2:]
    if _MOBILE.fullmatch(digits) and not extension:
        return digits
    service = _SERVICE.fullmatch(digits)
    if service and not extension:
        return "-".join(service.groups())
    if international and not digits.startswith("0"):
        digits = "0" + digits
    split = _landline(digits)
    if split is None and not extension and len(parts) > 1:
        # "010-12345678-123": a trailing dash group may be the extension.
        head = "".join(parts[:-1])
        split = _landline("0" + head if international and head[0] != "0" else head)
        if split is not None and len(parts[-1]) <= 6:
            extension = parts[-1]
        else:
            split = None
    if split is not None:
        number = "-".join(split)
        # "转" keeps the extension unambiguous: "0755-1234567-8" could also
        # be read as the 8-digit local number 12345678.
        return f"{number}转{extension}" if extension else number
    if digits.startswith("1") and len(digits) != 11:
        raise _fail(
            _("手机号码应为11位数字，以13至19开头，现为{count}位").format(
                count=len(digits)
            ),
            field,
            PHONE_FIELD,
        )
    raise _fail(
        _(
            "联系电话“{text}”无法识别：请填写11位手机号码，"
            "或带区号的固定电话（如010-12345678）"
        ).format(text=shown(text)),
        field,
        PHONE_FIELD,
    )


# -- masking and test data --------------------------------------------------


def mask_identifier(code: str) -> str:
    """ "110101********1234" for 18 characters; otherwise first 2 + last 2."""
    value = normalize(code)
    keep_head, keep_tail = (6, 4) if len(value) >= 18 else (2, 2)
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    hidden = len(value) - keep_head - keep_tail
    return value[:keep_head] + "*" * hidden + value[-keep_tail:]


def mask_phone(text: str) -> str:
    """ "138****5678"; landlines keep the area code and last 4 digits."""
    try:
        value = validate_phone(text)
    except InvalidIdentifier:
        value = normalize(text)
        if len(value) <= 4:
            return "*" * len(value)
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    if _MOBILE.fullmatch(value):
        return value[:3] + "****" + value[-4:]
    head, local = value.split("转")[0].split("-")[:2]
    if head in ("400", "800"):
        return head + "-***-" + value[-4:]
    return head + "-" + "*" * (len(local) - 4) + local[-4:]


def make_resident_id(area: str, birth: date, seq: int) -> str:
    """An 18-character number with a correct check digit (tests, demo data)."""
    if not (len(area) == 6 and area.isdigit()):
        raise ValueError(f"area must be 6 digits, got {area!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be 0..999, got {seq}")
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + _mod11_2(body)


def make_uscc(body17: str) -> str:
    """``body17`` plus its GB 32100 check character (tests, demo data)."""
    body = normalize(body17)
    if len(body) != 17 or any(c not in _USCC_CHARS for c in body):
        raise ValueError(f"body must be 17 characters of {_USCC_CHARS}, got {body17!r}")
    return body + _uscc_check(body)

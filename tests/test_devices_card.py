"""The ID card reader drivers without Qt: recorded cards through the domain
checks, the ctypes driver against a compiled fake vendor library, the
keyboard-wedge timing and the settings."""

from __future__ import annotations

import ctypes
import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from counter_app.devices.card import CardError, CardRejected, check_card, ethnic_name
from counter_app.devices.readers import open_reader
from counter_app.devices.sdk import SdkReader
from counter_app.devices.settings import DeviceSettings
from counter_app.devices.simulator import SimulatorReader
from counter_app.devices.wedge import WedgeBuffer, wedge_id_type
from counter_app.domain.identifiers import IdType, make_resident_id
from tests.devices_fakesdk import PORT, build_fake_sdk

TODAY = date(2026, 11, 25)


@pytest.fixture
def sim() -> SimulatorReader:
    reader = open_reader(DeviceSettings())
    assert isinstance(reader, SimulatorReader)
    return reader


def test_recorded_cards_pass_the_domain_checks(sim: SimulatorReader) -> None:
    seen = {}
    for key in ("resident", "rare_name", "foreign_permanent"):
        sim.put(key)
        seen[key] = check_card(sim.read(), today=TODAY)
    for key in ("hk_macao_residence", "taiwan_residence"):
        sim.put(key)
        seen[key] = check_card(sim.read(), today=TODAY)
    assert seen["rare_name"].name == "李𠮷祥"
    assert seen["rare_name"].ethnicity == "土家"  # chip code 15
    assert seen["rare_name"].valid_to is None  # 长期
    assert seen["foreign_permanent"].card_type is IdType.FOREIGN_PERMANENT
    assert seen["foreign_permanent"].id_number.startswith("9")
    assert seen["foreign_permanent"].nationality == "USA"
    assert seen["hk_macao_residence"].id_number.startswith("810000")
    assert seen["hk_macao_residence"].permit_number == "H12345678"
    assert seen["taiwan_residence"].card_type is IdType.TAIWAN_RESIDENCE
    with Image.open(io.BytesIO(seen["resident"].photo)) as im:
        assert im.size == (102, 126)


def test_expired_card_is_refused_with_its_date(sim: SimulatorReader) -> None:
    sim.put("expired")
    card = sim.read()
    with pytest.raises(CardRejected) as err:
        check_card(card, today=TODAY)
    assert "2026-03-01" in str(err.value) and "过期" in str(err.value)
    # The day before it ran out it was still good.
    assert check_card(card, today=date(2026, 2, 28)).name == "王秀英"


def test_bad_check_digit_on_a_card_is_refused(sim: SimulatorReader) -> None:
    sim.put("bad_number")
    with pytest.raises(CardRejected, match="校验码"):
        check_card(sim.read(), today=TODAY)


def test_read_error_replays_as_card_error(sim: SimulatorReader) -> None:
    sim.put("read_error")
    with pytest.raises(CardError, match="重新读取"):
        sim.read()


def test_simulator_cycles_through_the_recorded_cards(sim: SimulatorReader) -> None:
    names = []
    for _ in range(len(sim.keys())):
        try:
            names.append(sim.read().name)
        except CardError:
            names.append("error")
    assert names[:2] == ["张伟", "李𠮷祥"] and names[-1] == "error"
    assert sim.read().name == "张伟"  # round again


def test_sex_that_contradicts_the_number_is_refused(sim: SimulatorReader) -> None:
    from dataclasses import replace

    sim.put("resident")
    card = replace(sim.read(), sex="F")  # the number says male
    with pytest.raises(CardRejected, match="不一致"):
        check_card(card, today=TODAY)


def test_ethnic_codes() -> None:
    assert ethnic_name("01") == "汉"
    assert ethnic_name("56") == "基诺"
    assert ethnic_name("97") == "其他"
    assert ethnic_name("蒙古族") == "蒙古"


# -- the ctypes driver against a compiled fake SDK ----------------------------

RARE_ID = make_resident_id("433101", date(1992, 8, 1), 46)
CARD = {
    "name": "李𠮷祥",
    "sex": "女",
    "nation": "土家",
    "birth": "19920801",
    "address": "湖南省吉首市人民北路12号",
    "id": RARE_ID,
    "authority": "吉首市公安局",
    "start": "20120801",
    "end": "长期",
}


def _settings(lib: Path, **kw: object) -> DeviceSettings:
    values = {"card_reader": "sdk", "sdk_library": str(lib), "sdk_port": str(PORT)}
    values.update({k: str(v) for k, v in kw.items()})
    return DeviceSettings.from_mapping(values)


def _calls(lib: Path) -> list[str]:
    so = ctypes.CDLL(str(lib))
    buf = ctypes.create_string_buffer(4096)
    so.fake_calls(buf, 4096)
    return [c for c in buf.value.decode().split(";") if c]


def test_sdk_reads_a_card_with_a_rare_name_and_photo(tmp_path: Path) -> None:
    lib = build_fake_sdk(tmp_path, CARD)
    reader = open_reader(_settings(lib))
    assert isinstance(reader, SdkReader)
    assert reader.probe() == ""
    card = check_card(reader.read(), today=TODAY)
    assert card.name == "李𠮷祥"  # GB 18030 four-byte character intact
    assert (card.sex, card.ethnicity, card.id_number) == ("F", "土家", RARE_ID)
    assert card.birth_date == date(1992, 8, 1)
    assert card.valid_from == date(2012, 8, 1) and card.valid_to is None
    assert card.address.startswith("湖南省") and card.authority == "吉首市公安局"
    with Image.open(io.BytesIO(card.photo)) as im:
        assert im.format == "PNG" and im.size == (102, 126)
        assert im.convert("RGB").getpixel((50, 60)) == (20, 40, 160)
    calls = _calls(lib)
    assert calls[-4:] == ["InitComm(1001)", "Authenticate", "Read_Content", "CloseComm"]


def test_sdk_with_symbol_prefix_and_foreigner_card(tmp_path: Path) -> None:
    from counter_app.domain.identifiers import _mod11_2

    body = "91184019800704" + "010"
    number = body + _mod11_2(body)
    card = {
        **CARD,
        "name": "约翰·史密斯",
        "sex": "1",
        "birth": "19800704",
        "id": number,
        "end": "20340110",
        "cert_type": "I",
        "en_name": "SMITH, JOHN",
        "nationality": "USA",
    }
    lib = build_fake_sdk(tmp_path, card, prefix="CVR_", photo=False)
    read = SdkReader(_settings(lib, sdk_symbol_prefix="CVR_")).read()
    got = check_card(read, today=TODAY)
    assert got.card_type is IdType.FOREIGN_PERMANENT
    assert (got.english_name, got.nationality, got.sex) == ("SMITH, JOHN", "USA", "M")
    assert got.valid_to == date(2034, 1, 10) and got.photo == b""


def test_sdk_failures_name_the_cause_and_always_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = build_fake_sdk(tmp_path, CARD)
    reader = SdkReader(_settings(lib))
    monkeypatch.setenv("FAKE_SDK_NO_CARD", "1")
    with pytest.raises(CardError, match="没有证件"):
        reader.read()
    assert _calls(lib)[-1] == "CloseComm"
    monkeypatch.delenv("FAKE_SDK_NO_CARD")
    monkeypatch.setenv("FAKE_SDK_READ_FAIL", "1")
    with pytest.raises(CardError, match="读取证件失败"):
        reader.read()
    assert _calls(lib)[-1] == "CloseComm"
    wrong_port = SdkReader(_settings(lib, sdk_port=1))
    assert "端口 1" in wrong_port.probe()
    with pytest.raises(CardError, match="未连接"):
        wrong_port.read()


def test_sdk_library_problems_are_explained(tmp_path: Path) -> None:
    missing = SdkReader(_settings(tmp_path / "nope.so"))
    assert "无法加载" in missing.probe()
    # a library without the reader API (libm is on every system)
    partial = tmp_path / "partial.c"
    partial.write_text("int InitComm(int p) { return 1; }\n")
    import shutil
    import subprocess

    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    so = tmp_path / "libpartial.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(partial)], check=True)
    problem = SdkReader(_settings(so)).probe()
    assert "缺少函数" in problem and "Authenticate" in problem
    assert "sdk_library" in SdkReader(DeviceSettings(card_reader="sdk")).probe()


# -- keyboard wedge -------------------------------------------------------------


def test_wedge_takes_a_fast_burst_and_ignores_typing() -> None:
    number = make_resident_id("110105", date(1985, 3, 12), 123)
    fast = WedgeBuffer(max_gap_ms=60)
    got = None
    for i, ch in enumerate(number.lower() + "\r"):
        got = fast.feed(ch, at_ms=1000 + i * 8)
    assert got == number
    slow = WedgeBuffer(max_gap_ms=60)
    for i, ch in enumerate(number + "\r"):
        got = slow.feed(ch, at_ms=1000 + i * 150)
    assert got is None
    assert wedge_id_type(number) is IdType.RESIDENT_ID
    hk = make_resident_id("810000", date(1992, 11, 20), 3)
    assert wedge_id_type(hk) is IdType.HK_MACAO_RESIDENCE
    assert wedge_id_type("12345") is None


def test_settings_from_environment_and_bad_values() -> None:
    s = DeviceSettings.from_env(
        {
            "COUNTER_DEVICE_CARD_READER": "SDK",
            "COUNTER_DEVICE_SDK_LIBRARY": "/opt/r/libtermb.so",
            "COUNTER_DEVICE_SDK_PORT": "2",
            "HOME": "/root",
        }
    )
    assert (s.card_reader, s.sdk_library, s.sdk_port) == (
        "sdk",
        "/opt/r/libtermb.so",
        2,
    )
    bad = DeviceSettings.from_mapping({"card_reader": "magic", "sdk_port": "x"})
    assert bad.card_reader == "simulator" and bad.sdk_port == 1001
    assert len(bad.problems) == 2


def test_sdk_writing_files_is_read_and_the_files_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter_app.devices.basetext import make_base_text, parse_base_text
    from tests.devices_fakesdk import build_file_sdk

    hk = make_resident_id("810000", date(1992, 11, 20), 3)
    block = make_base_text(
        {
            "name": "陈𠮷欣",  # a surrogate pair in UTF-16: still one character
            "sex": "2",
            "nation": "",
            "birth": "19921120",
            "address": "广东省深圳市福田区福华三路100号",
            "id": hk,
            "authority": "深圳市公安局福田分局",
            "start": "20230601",
            "end": "20280601",
            "pass_id": "H12345678",
            "issues": "01",
            "cert_type": "J",
        }
    )
    assert parse_base_text(block)["pass_id"] == "H12345678"
    out = tmp_path / "out"
    out.mkdir()
    lib = build_file_sdk(tmp_path, block)
    monkeypatch.setenv("FAKE_SDK_OUT", str(out))
    reader = SdkReader(_settings(lib, sdk_output_dir=out))
    card = check_card(reader.read(), today=TODAY)
    assert card.card_type is IdType.HK_MACAO_RESIDENCE
    assert (card.name, card.sex, card.id_number) == ("陈𠮷欣", "F", hk)
    assert card.permit_number == "H12345678" and card.issue_count == 1
    assert card.valid_to == date(2028, 6, 1)
    with Image.open(io.BytesIO(card.photo)) as im:
        assert im.size == (102, 126)
    assert list(out.iterdir()) == []  # wz.txt and zp.bmp deleted once read
    elsewhere = tmp_path / "elsewhere"  # the SDK writes where we do not look
    elsewhere.mkdir()
    monkeypatch.setenv("FAKE_SDK_OUT", str(elsewhere))
    with pytest.raises(CardError, match=r"wz\.txt"):
        reader.read()


def test_base_text_of_a_foreigner_card_is_refused_plainly() -> None:
    from counter_app.devices.basetext import make_base_text, parse_base_text

    with pytest.raises(CardError, match="外国人永久居留身份证"):
        parse_base_text(make_base_text({"cert_type": "I"}))
    with pytest.raises(CardError, match="不完整"):
        parse_base_text(b"\x00" * 100)

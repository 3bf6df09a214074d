from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import (
    ID_TYPE_LABELS,
    IdType,
    InvalidIdentifier,
    ResidentIdInfo,
    make_resident_id,
    make_uscc,
    mask_identifier,
    mask_phone,
    normalize,
    resident_id_info,
    validate_identifier,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

# Reference implementations written from the standards, independent of the
# module under test.
GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def reference_id_check(body17: str) -> str:
    total = sum(int(c) * w for c, w in zip(body17, GB11643_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def reference_uscc_check(body17: str) -> str:
    weights = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, …
    total = sum(
        USCC_ALPHABET.index(c) * w for c, w in zip(body17, weights, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


VALID_ID = "11010519491231002X"  # the example printed in GB 11643


def message_of(excinfo: pytest.ExceptionInfo[InvalidIdentifier]) -> str:
    return str(excinfo.value)


# -- normalisation ----------------------------------------------------------


def test_normalize_full_width_spaces_and_case() -> None:
    assert normalize("１１０１０５ １９４９１２３１００２ｘ") == VALID_ID
    assert normalize("\u3000110105\t19491231 002x\n") == VALID_ID
    assert normalize("11010519491231002\u200bx") == VALID_ID


@pytest.mark.parametrize(
    "typed",
    [
        VALID_ID,
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 1949 1231 002X",
        "110105\u300019491231\u3000002x",
        " 11010519491231002X ",
    ],
)
def test_resident_id_accepts_normalised_input(typed: str) -> None:
    assert validate_resident_id(typed) == VALID_ID


def test_uscc_example_and_normalisation() -> None:
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_uscc("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"


# -- resident id: every kind of error --------------------------------------


def test_wrong_length_says_how_many() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_resident_id("1101051949123100")
    assert "18位" in message_of(excinfo)
    assert "16位" in message_of(excinfo)
    assert excinfo.value.field == "id_number"


def test_fifteen_digit_old_number_asks_for_eighteen() -> None:
    with pytest.raises(InvalidIdentifier, match=r"15位旧版.*18位"):
        validate_resident_id("110105491231002")


def test_empty_input() -> None:
    with pytest.raises(InvalidIdentifier, match="请填写"):
        validate_resident_id("  ")


def test_illegal_character_names_position() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_resident_id("1101051949I231002X")
    assert "第11位" in message_of(excinfo)
    assert "“I”" in message_of(excinfo)


def test_x_only_allowed_last() -> None:
    with pytest.raises(InvalidIdentifier, match="第17位"):
        validate_resident_id("1101051949123100XX")


def test_first_digit_must_be_one_to_eight() -> None:
    code = "9" + VALID_ID[1:]
    with pytest.raises(InvalidIdentifier, match="第1位应为1至8"):
        validate_resident_id(code)


def test_unknown_province() -> None:
    code = make_resident_id("190105", date(1980, 1, 1), 1)
    with pytest.raises(InvalidIdentifier, match="“19”"):
        validate_resident_id(code)


@pytest.mark.parametrize("birth", ["19490231", "19491301", "19490001", "19490100"])
def test_impossible_birth_date(birth: str) -> None:
    body = "110105" + birth + "002"
    with pytest.raises(InvalidIdentifier, match="不是有效日期"):
        validate_resident_id(body + reference_id_check(body))


def test_future_birth_date() -> None:
    code = make_resident_id("110105", date(2030, 1, 1), 1)
    with pytest.raises(InvalidIdentifier, match="晚于今天"):
        validate_resident_id(code, today=date(2026, 11, 23))
    assert validate_resident_id(code, today=date(2030, 1, 1)) == code


def test_birth_before_1900() -> None:
    code = make_resident_id("110105", date(1899, 12, 31), 1)
    with pytest.raises(InvalidIdentifier, match="早于1900年"):
        validate_resident_id(code)


def test_wrong_check_code_does_not_leak_expected_value() -> None:
    wrong = VALID_ID[:17] + "5"
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_resident_id(wrong)
    assert "校验码不正确" in message_of(excinfo)
    assert "X" not in message_of(excinfo)


def test_field_override_and_error_types() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_resident_id("123", field="agent_id_number")
    assert excinfo.value.field == "agent_id_number"
    assert isinstance(excinfo.value, DomainError)
    assert isinstance(excinfo.value, ValueError)


def test_resident_id_info() -> None:
    info = resident_id_info("11010519491231002x")
    assert info == ResidentIdInfo(
        area_code="110105", birth_date=date(1949, 12, 31), sex="F"
    )
    male = resident_id_info(make_resident_id("440305", date(2000, 2, 29), 11))
    assert male.sex == "M"
    assert male.age_on(date(2026, 2, 28)) == 25
    assert male.age_on(date(2026, 3, 1)) == 26
    with pytest.raises(InvalidIdentifier):
        resident_id_info("110105194912310021")


# -- properties -------------------------------------------------------------

areas = st.sampled_from(["110105", "310115", "440305", "510107", "650102", "810000"])
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 1))
seqs = st.integers(min_value=0, max_value=999)


@settings(max_examples=200, deadline=None)
@given(area=areas, birth=births, seq=seqs)
def test_make_resident_id_round_trips(area: str, birth: date, seq: int) -> None:
    code = make_resident_id(area, birth, seq)
    assert code[17] == reference_id_check(code[:17])
    assert validate_resident_id(code.lower()) == code
    info = resident_id_info(code)
    assert (info.area_code, info.birth_date) == (area, birth)
    assert info.sex == ("M" if seq % 2 else "F")


@settings(max_examples=200, deadline=None)
@given(
    area=areas,
    birth=births,
    seq=seqs,
    position=st.integers(min_value=0, max_value=17),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_rejected(
    area: str, birth: date, seq: int, position: int, delta: int
) -> None:
    code = make_resident_id(area, birth, seq)
    old = code[position]
    new = str(delta) if old == "X" else str((int(old) + delta) % 10)
    changed = code[:position] + new + code[position + 1 :]
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(changed)


@settings(max_examples=100, deadline=None)
@given(birth=births, seq=seqs, position=st.integers(14, 16), delta=st.integers(1, 9))
def test_sequence_typo_is_caught_by_the_check_code(
    birth: date, seq: int, position: int, delta: int
) -> None:
    code = make_resident_id("110105", birth, seq)
    new = str((int(code[position]) + delta) % 10)
    with pytest.raises(InvalidIdentifier, match="校验码"):
        validate_resident_id(code[:position] + new + code[position + 1 :])


uscc_bodies = st.builds(
    lambda dept_cat, area, rest: dept_cat + area + rest,
    st.sampled_from(["91", "92", "93", "11", "12", "51", "52", "53", "N2", "Y1"]),
    st.sampled_from(["110108", "350100", "440300", "100000"]),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=200, deadline=None)
@given(body=uscc_bodies)
def test_make_uscc_round_trips(body: str) -> None:
    code = make_uscc(body)
    assert code[17] == reference_uscc_check(body)
    assert validate_uscc(code.lower()) == code


@settings(max_examples=200, deadline=None)
@given(
    body=uscc_bodies,
    position=st.integers(min_value=8, max_value=17),
    shift=st.integers(min_value=1, max_value=30),
)
def test_uscc_single_character_change_breaks_check(
    body: str, position: int, shift: int
) -> None:
    code = make_uscc(body)
    new = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    with pytest.raises(InvalidIdentifier, match="校验码"):
        validate_uscc(code[:position] + new + code[position + 1 :])


# -- USCC errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "请填写"),
        ("91350100M000100Y4", "17位"),
        ("91350100M000100I43", "第16位“I”"),
        ("B1350100M000100Y43", "第1位"),
        ("94350100M000100Y43", "第2位"),
        ("9135A100M000100Y43", "行政区划"),
        ("91350100M000100Y44", "校验码"),
    ],
)
def test_uscc_errors(code: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_uscc(code)
    assert fragment in str(excinfo.value)
    assert excinfo.value.field == "uscc"


def test_make_uscc_rejects_bad_body() -> None:
    with pytest.raises(ValueError):
        make_uscc("91350100M000100I4")
    with pytest.raises(ValueError):
        make_resident_id("11010", date(2000, 1, 1), 1)


# -- other documents --------------------------------------------------------


def test_every_id_type_has_a_label() -> None:
    assert set(ID_TYPE_LABELS) == set(IdType)


def test_residence_permits() -> None:
    hk = make_resident_id("810000", date(1990, 5, 1), 21)
    macao = make_resident_id("820000", date(1990, 5, 1), 21)
    taiwan = make_resident_id("830000", date(1990, 5, 1), 21)
    assert validate_identifier(IdType.HK_MACAO_RESIDENCE, hk) == hk
    assert validate_identifier(IdType.HK_MACAO_RESIDENCE, macao) == macao
    assert validate_identifier(IdType.TAIWAN_RESIDENCE, taiwan) == taiwan
    with pytest.raises(InvalidIdentifier, match="830000"):
        validate_identifier(IdType.TAIWAN_RESIDENCE, hk)
    with pytest.raises(InvalidIdentifier, match="810000/820000"):
        validate_identifier(IdType.HK_MACAO_RESIDENCE, VALID_ID)
    with pytest.raises(InvalidIdentifier, match=r"港澳居民居住证.*校验码"):
        wrong = "1" if hk[17] == "0" else "0"
        validate_identifier(IdType.HK_MACAO_RESIDENCE, hk[:17] + wrong)


@pytest.mark.parametrize(
    ("id_type", "typed", "expected"),
    [
        (IdType.RESIDENT_ID, "11010519491231002x", VALID_ID),
        (IdType.HK_MACAO_PERMIT, "h12345678", "H12345678"),
        (IdType.HK_MACAO_PERMIT, "Ｍ１２３４５６７８９０", "M1234567890"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.TAIWAN_PERMIT, "0123456789(b)", "0123456789B"),
        (IdType.PASSPORT, "e12345678", "E12345678"),
        (IdType.PASSPORT, "EA1234567", "EA1234567"),
        (IdType.PASSPORT, "X1234567", "X1234567"),
        (IdType.FOREIGN_PERMANENT, "usa310106800101", "USA310106800101"),
        (IdType.USCC, "91350100M000100Y43", "91350100M000100Y43"),
    ],
)
def test_validate_identifier_accepts(
    id_type: IdType, typed: str, expected: str
) -> None:
    assert validate_identifier(id_type, typed) == expected


def test_foreign_permanent_2023_version() -> None:
    body = "93115619800101001"
    code = body + reference_id_check(body)
    assert validate_identifier(IdType.FOREIGN_PERMANENT, code) == code
    wrong = body + ("0" if code[17] != "0" else "1")
    with pytest.raises(InvalidIdentifier, match="校验码"):
        validate_identifier(IdType.FOREIGN_PERMANENT, wrong)


@pytest.mark.parametrize(
    ("id_type", "typed", "fragment"),
    [
        (IdType.HK_MACAO_PERMIT, "C12345678", "H（香港）或M（澳门）"),
        (IdType.HK_MACAO_PERMIT, "H1234567", "H（香港）或M（澳门）"),
        (IdType.TAIWAN_PERMIT, "1234567", "8位数字"),
        (IdType.PASSPORT, "E12", "5至17位"),
        (IdType.PASSPORT, "E1234-5678", "5至17位"),
        (IdType.FOREIGN_PERMANENT, "US310106800101", "现为14位"),
        (IdType.FOREIGN_PERMANENT, "9311561980010100AX", "前17位"),
    ],
)
def test_validate_identifier_rejects(
    id_type: IdType, typed: str, fragment: str
) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_identifier(id_type, typed)
    assert fragment in str(excinfo.value)
    assert excinfo.value.field == "id_number"


def test_prc_passport_format() -> None:
    from counter_app.domain.identifiers import validate_passport

    assert validate_passport("E12345678", prc=True) == "E12345678"
    with pytest.raises(InvalidIdentifier, match="E加8位数字"):
        validate_passport("G12345678", prc=True)
    with pytest.raises(InvalidIdentifier, match="E加8位数字"):
        validate_passport("EI1234567", prc=True)


# -- phones -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("＋８６ １３８１２３４５６７８", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("010-62345678", "010-62345678"),
        ("(010)62345678", "010-62345678"),
        ("（０１０）６２３４５６７８", "010-62345678"),
        ("0755 8765 4321", "0755-87654321"),
        ("0571-8765432", "0571-8765432"),
        ("+86 10 6234 5678", "010-62345678"),
        ("010-62345678-123", "010-62345678转123"),
        ("010-62345678转123", "010-62345678转123"),
        ("0755 1234567 ext. 8", "0755-1234567转8"),
        ("400-820-8820", "400-820-8820"),
        ("4008208820", "400-820-8820"),
        ("800 810 8888", "800-810-8888"),
    ],
)
def test_validate_phone(typed: str, expected: str) -> None:
    assert validate_phone(typed) == expected
    assert validate_phone(expected) == expected


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("", "请填写"),
        ("1381234567", "现为10位"),
        ("138123456789", "现为12位"),
        ("12812345678", "无法识别"),
        ("62345678", "带区号"),
        ("010-0234567", "带区号"),
        ("138abc45678", "数字以外"),
        ("13812345678转12", "无法识别"),
    ],
)
def test_invalid_phone(typed: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_phone(typed)
    assert fragment in str(excinfo.value)
    assert excinfo.value.field == "phone"


# -- masking ----------------------------------------------------------------


def test_mask_identifier() -> None:
    assert mask_identifier("110101199001011234") == "110101********1234"
    assert mask_identifier("11010119900101123x") == "110101********123X"
    assert mask_identifier("H12345678") == "H1*****78"
    assert mask_identifier("ABCD") == "****"
    assert mask_identifier("") == ""


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("010-62345678-123") == "010-****5678"
    assert mask_phone("0571-8765432") == "0571-***5432"
    assert mask_phone("400-820-8820") == "400-***-8820"
    assert mask_phone("12345") == "12*45"


def test_make_resident_id_known_value() -> None:
    assert make_resident_id("110105", date(1949, 12, 31), 2) == VALID_ID
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidIdentifier, match="晚于今天"):
        validate_resident_id(make_resident_id("110105", tomorrow, 1))

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.numbering import (
    AcceptanceNumber,
    InvalidAcceptanceNumber,
    format_acceptance_number,
    looks_like_acceptance_number,
    parse_acceptance_number,
)

DAY = date(2026, 11, 23)


def test_format() -> None:
    number = format_acceptance_number(
        site_code="330106", window_code="07", day=DAY, sequence=42
    )
    assert number == "33010607202611230042"
    assert len(number) == 20


def test_five_digit_sequence_beyond_9999() -> None:
    number = format_acceptance_number(
        site_code="330106", window_code="07", day=DAY, sequence=10_000
    )
    assert number.endswith("2026112310000")
    parsed = parse_acceptance_number(number, site_code_len=6, window_code_len=2)
    assert parsed.sequence == 10_000


@pytest.mark.parametrize(
    ("site", "window", "sequence", "field"),
    [
        ("33010", "07", 1, "site_code"),
        ("3301060000000", "07", 1, "site_code"),
        ("330106ab", "07", 1, "site_code"),
        ("330106", "7", 1, "window_code"),
        ("330106", "07-1", 1, "window_code"),
        ("330106", "07", 0, "sequence"),
        ("330106", "07", 100_000, "sequence"),
    ],
)
def test_bad_parts(site: str, window: str, sequence: int, field: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        format_acceptance_number(
            site_code=site, window_code=window, day=DAY, sequence=sequence
        )
    assert isinstance(excinfo.value, InvalidAcceptanceNumber)
    assert excinfo.value.field == field


def test_parse() -> None:
    parsed = parse_acceptance_number(
        " ３３０１０６０７２０２６１１２３００４２ ", site_code_len=6, window_code_len=2
    )
    assert parsed == AcceptanceNumber(
        site_code="330106", window_code="07", day=DAY, sequence=42
    )
    assert str(parsed) == "33010607202611230042"


@pytest.mark.parametrize(
    "text",
    [
        "3301060720261123004",  # too short
        "33010607202613230042",  # month 13
        "3301060720261123004A",  # letter in the sequence
        "330106072026112300042",  # 5 digits with a leading zero
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidAcceptanceNumber):
        parse_acceptance_number(text, site_code_len=6, window_code_len=2)


site_codes = st.text(alphabet="0123456789ABCDEFGHJK", min_size=6, max_size=12)
window_codes = st.text(alphabet="0123456789AB", min_size=2, max_size=4)


@settings(max_examples=200, deadline=None)
@given(
    site=site_codes,
    window=window_codes,
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.integers(min_value=1, max_value=99_999),
)
def test_round_trip(site: str, window: str, day: date, sequence: int) -> None:
    text = format_acceptance_number(
        site_code=site, window_code=window, day=day, sequence=sequence
    )
    parsed = parse_acceptance_number(
        text, site_code_len=len(site), window_code_len=len(window)
    )
    assert parsed == AcceptanceNumber(site, window, day, sequence)
    assert looks_like_acceptance_number(text)
    assert looks_like_acceptance_number(text.lower())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("33010607202611230042", True),
        ("3301060720261123 0042", True),
        ("11010519491231002X", False),  # an ID number
        ("13812345678", False),
        ("张三", False),
        ("营业执照", False),
        ("33010607202699990042", False),  # no date inside
        ("", False),
    ],
)
def test_looks_like(text: str, expected: bool) -> None:
    assert looks_like_acceptance_number(text) is expected

"""The desk's one rule for free text (``counter_app.domain.text``), by hand
worked cases and by properties over hostile text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.text import (
    QUERY_MAX,
    TextError,
    clean_query,
    clean_text,
    shown,
)
from tests.hostile_strategies import BIDI, CONTROL, ZERO_WIDTH, hostile_text


@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("  王  明 ", False, "王 明"),
        ("王\x00明\x1b[31m", False, "王明[31m"),
        ("abc\u202efdp.exe", False, "abcfdp.exe"),
        ("李\u200d明\ufeff", False, "李明"),
        ("李\u200d明", True, "李\u200d明"),
        ("第一行\r\n第二行\r第三行\u2028第四", True, "第一行\n第二行\n第三行\n第四"),
        ("第一行\r\n第二行", False, "第一行 第二行"),
        ("a\tb\x0bc", False, "a b c"),
        ("行尾空格   \n  下一行", True, "行尾空格\n  下一行"),
        (
            "<b>&amp;'; DROP TABLE applications;--",
            False,
            "<b>&amp;'; DROP TABLE applications;--",
        ),
        ("𠮷\U00030000\ue000", False, "𠮷\U00030000\ue000"),
        (None, False, ""),
    ],
)
def test_hand_worked_cases(value: object, multiline: bool, expected: str) -> None:
    assert clean_text(value, field="f", label="字段", multiline=multiline) == expected


def test_refusals_name_the_field() -> None:
    with pytest.raises(TextError) as err:
        clean_text("王\ud800明", field="name", label="申请人姓名")
    assert err.value.field == "name" and "申请人姓名" in str(err.value)
    with pytest.raises(TextError) as err:
        clean_text("𠮷" * 65, field="name", label="申请人姓名", max_len=64)
    assert "最多 64 个字，现有 65 个" in str(err.value)
    assert clean_text("𠮷" * 64, field="name", label="x", max_len=64) == "𠮷" * 64
    with pytest.raises(TextError):
        clean_text(12, field="name", label="申请人姓名")


def test_shown_and_queries() -> None:
    assert shown("王\ud800明\x00" + "长" * 30, limit=5) == "王\ufffd明长长…"
    assert shown("\u200b\x00") == "\ufffd"
    assert clean_query("  王\u200b明 \ud800 ") == "王明"
    assert len(clean_query("x" * 10_000)) == QUERY_MAX


INVISIBLE = set(CONTROL + BIDI + ZERO_WIDTH) - {"\n"}


@settings(max_examples=300, deadline=None)
@given(value=hostile_text, multiline=st.booleans())
def test_properties(value: str, multiline: bool) -> None:
    try:
        out = clean_text(value, field="f", label="f", max_len=500, multiline=multiline)
    except TextError:
        return
    assert len(out) <= 500
    assert out == out.strip()
    allowed = {"\u200c", "\u200d"} if multiline else set()
    assert not (set(out) & (INVISIBLE - allowed))
    assert multiline or "\n" not in out
    # normalising twice changes nothing: what is stored reads back equal
    assert (
        clean_text(out, field="f", label="f", max_len=500, multiline=multiline) == out
    )

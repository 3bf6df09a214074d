"""Date, time and count wording for printed documents."""

from __future__ import annotations

from datetime import date, datetime

from counter_app.i18n import _


def fmt_date(day: date) -> str:
    return _("{year}年{month}月{day}日").format(
        year=day.year, month=day.month, day=day.day
    )


def fmt_datetime(moment: datetime) -> str:
    return _("{year}年{month}月{day}日 {hour:02d}:{minute:02d}").format(
        year=moment.year,
        month=moment.month,
        day=moment.day,
        hour=moment.hour,
        minute=moment.minute,
    )


def blank_date() -> str:
    """A date line filled in by hand."""
    return _("　　　　年　　月　　日")


def printable(text: str) -> str:
    """``text`` as paper can carry it: line breaks kept, tabs as spaces,
    other control characters dropped, and broken Unicode (a lone surrogate,
    which no PDF string can hold) shown as U+FFFD instead of failing."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(_printable_char(c) for c in text)


def _printable_char(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    if char == "\n":
        return char
    if code < 0x20 or 0x7F <= code < 0xA0:
        return ""
    return char

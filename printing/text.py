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

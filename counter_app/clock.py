"""Local time for records. One place, so tests and demo seeding can set it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

_now: Callable[[], datetime] = lambda: datetime.now().astimezone()  # noqa: E731


def now() -> datetime:
    return _now()


def today() -> date:
    return _now().date()


def now_iso() -> str:
    return _now().isoformat(timespec="seconds")


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (None restores the system clock)."""
    global _now
    _now = fn or (lambda: datetime.now().astimezone())

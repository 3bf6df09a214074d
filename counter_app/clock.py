"""Local time for records. One place, so tests and demo seeding can set it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def restored() -> Iterator[Callable[[], datetime]]:
    """Put back the clock set on entry (and yield it), whatever is set inside:
    a test's fixed day survives the demo seeding that moves the clock visit by
    visit."""
    before = _now
    try:
        yield before
    finally:
        set_clock(before)

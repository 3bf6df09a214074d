"""排队叫号 rules: business types, ticket numbers, waiting and service times.

A ticket number is the business type's letter and a daily sequence (A001).
The desk's own fallback queue numbers from :data:`LOCAL_FIRST_SEQ` so a
ticket issued while the platform was unreachable never repeats one the
platform issued the same day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from counter_app.domain.errors import DomainError
from counter_app.i18n import N_, _

TYPE_PATTERN = re.compile(r"^[A-Z]$")
LOCAL_FIRST_SEQ = 501
MAX_SEQ = 999
STATUSES = ("waiting", "called", "done", "skipped")


@dataclass(frozen=True)
class BusinessType:
    code: str
    name: str


#: The hall's business types when the site has not set its own [T].
DEFAULT_TYPES: tuple[BusinessType, ...] = (
    BusinessType("A", N_("综合受理")),
    BusinessType("B", N_("社保医保")),
    BusinessType("C", N_("不动产登记")),
    BusinessType("D", N_("取件出件")),
)


class QueueError(DomainError):
    """A queue action that cannot be done, in words a clerk can act on."""


def check_type(code: str) -> str:
    code = (code or "").strip().upper()
    if not TYPE_PATTERN.match(code):
        raise QueueError(
            _("业务类型“{code}”无效：应为一个大写字母（如 A）。").format(code=code)
        )
    return code


def parse_types(text: str) -> list[str]:
    """The types a window serves, from a setting such as "A,B" (order kept,
    duplicates dropped)."""
    out: list[str] = []
    for part in re.split(r"[,，\s]+", text or ""):
        if part.strip():
            code = check_type(part)
            if code not in out:
                out.append(code)
    return out


def ticket_number(business_type: str, seq: int) -> str:
    if not 1 <= seq <= MAX_SEQ:
        raise QueueError(
            _("今日“{code}”类号码已发完（最多 {max} 个）。").format(
                code=business_type, max=MAX_SEQ
            )
        )
    return f"{check_type(business_type)}{seq:03d}"


def seconds_between(start: str | None, end: str | None) -> int | None:
    """Whole seconds from ``start`` to ``end`` (ISO 8601); None when either
    is missing or the order is wrong (a clock set back)."""
    if not start or not end:
        return None
    try:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return None
    seconds = int(delta.total_seconds())
    return seconds if seconds >= 0 else None


def call_text(number: str, window_code: str) -> str:
    """What the hall display shows and speaks."""
    return _("请 {number} 号到 {window} 号窗口办理").format(
        number=number, window=window_code
    )

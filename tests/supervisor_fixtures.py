"""Applications made through the window's own services at pinned times, for
the supervisor tests (daily log, exports, statistics, day close)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from counter_app import clock
from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

PLAIN_ITEM = "GG00302001"  # 居住证申领: 10 working days, 4 materials, no conditions
DEFERRABLE_ITEM = "XK00201001"  # 公共场所卫生许可: the layout plan may be deferred
TZ = datetime.now().astimezone().tzinfo


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute)).replace(tzinfo=TZ)


def pin(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def window_ctx(
    username: str, *, window: str = "01", role: str = "clerk", name: str = ""
) -> DeskContext:
    return DeskContext(
        username=username,
        display_name=name or username,
        role=role,
        site_code="320102001",
        window_code=window,
    )


def make(
    store: Store,
    ctx: DeskContext,
    *,
    when: datetime,
    decision: Decision = Decision.ACCEPT,
    name: str = "王𠮷",
    seq: int = 1,
    intake_seconds: int | None = 120,
) -> apps.DecisionResult:
    """One application decided at ``when`` by ``ctx``."""
    pin(when)
    code = DEFERRABLE_ITEM if decision is Decision.ACCEPT_DEFERRED else PLAIN_ITEM
    item = get_item(store.db, code)
    entries = [
        MaterialEntry(
            m.key,
            MaterialState.ORIGINAL if m.originals else MaterialState.COPY,
            m.originals,
            m.copies,
        )
        for m in item.materials_for({})
    ]
    kwargs: dict[str, Any] = {}
    if decision is Decision.NOTICE:
        entries[0].state, entries[0].problem = MaterialState.MISSING, "未提交"
    elif decision is Decision.REJECT:
        kwargs = {
            "reason": "不属于本机关职权范围",
            "reason_code": "not_competent",
            "competent_organ": "市卫生健康委员会",
        }
    elif decision is Decision.ACCEPT_DEFERRED:
        layout = next(e for e in entries if e.key == "layout")
        layout.state = MaterialState.DEFERRED
        kwargs = {"promise_date": when.date() + timedelta(days=7)}
    applicant = Applicant(
        name=name,
        id_number=make_resident_id("320102", date(1980, 5, 17), seq),
        phone="13812345678",
    )
    form = IntakeForm(
        item_codes=[code],
        applicant=applicant,
        materials=entries,
        intake_seconds=intake_seconds,
    )
    return apps.decide(store, ctx, form, decision, **kwargs)[0]


def add_users(store: Store) -> None:
    from counter_app.services.users import add_user

    for username, name, role in (
        ("clerk01", "王晓明", "clerk"),
        ("clerk02", "李𠮷祥", "clerk"),
        ("chief01", "张堃", "supervisor"),
    ):
        add_user(
            store,
            username=username,
            display_name=name,
            role=role,
            password="counter123",
            must_change=False,
        )

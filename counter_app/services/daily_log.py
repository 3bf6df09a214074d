"""The daily log (业务日志): every consultation and application of a period,
filtered by window, clerk, department or item, with totals and a statement
of how complete each window's records are on this desk."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.errors import DomainError
from counter_app.domain.evaluation import LEVELS
from counter_app.domain.identifiers import mask_identifier
from counter_app.domain.status import DECISION_LABELS, Decision, Status, status_label
from counter_app.domain.workdays import WorkCalendar, days_left
from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.store.calendar import load_calendar
from counter_app.store.db import Store

RUNNING = (Status.SUBMITTED.value, Status.IN_REVIEW.value)

KIND_APPLICATION = "application"
KIND_CONSULTATION = "consultation"
RECEIVED_STATES = ("original", "copy", "e_cert", "reused")
LEVEL_LABELS: dict[int, str] = dict(LEVELS)


@dataclass(frozen=True)
class LogFilter:
    start: date
    end: date
    window_code: str = ""
    clerk: str = ""
    department: str = ""
    item_code: str = ""

    @classmethod
    def day(cls, day: date, **kwargs: str) -> LogFilter:
        return cls(start=day, end=day, **kwargs)

    def period_text(self) -> str:
        if self.start == self.end:
            return _("{year}年{month}月{day}日").format(
                year=self.start.year, month=self.start.month, day=self.start.day
            )
        return _("{start} 至 {end}").format(
            start=self.start.isoformat(), end=self.end.isoformat()
        )

    def describe(self) -> str:
        parts = [
            _("窗口：{window}").format(window=self.window_code or _("全部")),
            _("经办人：{clerk}").format(clerk=self.clerk or _("全部")),
        ]
        if self.department:
            parts.append(_("部门：{department}").format(department=self.department))
        if self.item_code:
            parts.append(_("事项：{item}").format(item=self.item_code))
        return _("；").join(parts)


def effective_filter(ctx: DeskContext, wanted: LogFilter) -> LogFilter:
    """A clerk sees only the own window and the own records; a supervisor
    the whole site with whatever filters were asked for."""
    if wanted.start > wanted.end:
        raise DomainError(_("开始日期不能晚于结束日期。"), field="start")
    if ctx.is_supervisor:
        return wanted
    return replace(wanted, window_code=ctx.window_code, clerk=ctx.username)


@dataclass(frozen=True)
class LogEntry:
    kind: str
    at: datetime
    acceptance_no: str
    item_code: str
    item_name: str
    department: str
    applicant_name: str
    id_masked: str
    decision: str
    materials: int | None
    due_date: date | None
    due_provisional: bool
    status: str
    evaluation: int | None
    window_code: str
    clerk: str
    clerk_name: str
    agent_name: str = ""
    assisted: bool = False
    # Working days overdue (positive) by the desk's one rule; None = not.
    overdue_days: int | None = None
    follow_up: str | None = None
    # 排队叫号: the ticket the applicant was served under (migration 0018)
    ticket_no: str = ""
    wait_seconds: int | None = None
    service_seconds: int | None = None

    @property
    def bad_rating(self) -> bool:
        return self.evaluation is not None and self.evaluation <= 2

    @property
    def helper_text(self) -> str:
        """代理人 and 帮办 for the log's agent column."""
        parts = []
        if self.agent_name:
            parts.append(_("代理：{name}").format(name=self.agent_name))
        if self.assisted:
            parts.append(_("帮办"))
        return _("；").join(parts)

    @property
    def overdue_text(self) -> str:
        if not self.overdue_days:
            return ""
        return _("超期 {days} 个工作日").format(days=self.overdue_days)

    @property
    def rating_text(self) -> str:
        """The rating; a bad one with its follow-up state (已回访/待回访)."""
        if self.evaluation is None:
            return ""
        if not self.bad_rating:
            return str(self.evaluation)
        state = _("已回访") if self.follow_up else _("待回访")
        return _("{level} 差评・{state}").format(level=self.evaluation, state=state)

    @property
    def kind_label(self) -> str:
        return _("咨询") if self.kind == KIND_CONSULTATION else _("办件")

    @property
    def decision_label(self) -> str:
        if not self.decision:
            return ""
        return _(DECISION_LABELS[Decision(self.decision)])

    @property
    def status_label(self) -> str:
        return status_label(Status(self.status)) if self.status else ""

    @property
    def due_text(self) -> str:
        if self.due_date is None:
            return ""
        text = self.due_date.isoformat()
        return _("{date}（预计）").format(date=text) if self.due_provisional else text

    @property
    def evaluation_label(self) -> str:
        if self.evaluation is None:
            return ""
        return _("{label}（{level}）").format(
            label=_(LEVEL_LABELS[self.evaluation]), level=self.evaluation
        )


@dataclass(frozen=True)
class LogTotals:
    consultations: int = 0
    applications: int = 0
    accepted: int = 0
    committed: int = 0
    deferred: int = 0
    notified: int = 0
    rejected: int = 0
    materials: int = 0
    evaluations: int = 0
    good_ratings: int = 0
    bad_ratings: int = 0
    bad_followed: int = 0
    overdue: int = 0
    queued: int = 0
    wait_seconds: int = 0
    service_seconds: int = 0
    service_count: int = 0

    def pairs(self) -> list[tuple[str, str]]:
        return self._pairs() + self._queue_pairs()

    def _queue_pairs(self) -> list[tuple[str, str]]:
        """Waiting and service times, on days the hall queue was used."""
        if not self.queued:
            return []
        pairs = [
            (_("排队取号办件"), str(self.queued)),
            (_("平均等候"), minutes_text(self.wait_seconds / self.queued)),
        ]
        if self.service_count:
            average = self.service_seconds / self.service_count
            pairs.append((_("平均办理（叫号至受理）"), minutes_text(average)))
        return pairs

    def _pairs(self) -> list[tuple[str, str]]:
        return [
            (_("咨询"), str(self.consultations)),
            (_("办件"), str(self.applications)),
            (_("受理"), str(self.accepted)),
            (_("告知承诺受理"), str(self.committed)),
            (_("容缺受理"), str(self.deferred)),
            (_("一次性告知"), str(self.notified)),
            (_("不予受理"), str(self.rejected)),
            (_("收取材料"), str(self.materials)),
            (_("评价"), str(self.evaluations)),
            (_("满意评价（4–5）"), str(self.good_ratings)),
            (_("差评（1–2）"), str(self.bad_ratings)),
            (_("差评已回访"), str(self.bad_followed)),
            (_("超期办件"), str(self.overdue)),
        ]


@dataclass(frozen=True)
class WindowCoverage:
    """Up to when a window's records are on this desk."""

    window_code: str
    own: bool
    as_of: str | None

    def text(self) -> str:
        if self.own:
            # The own window's records are all here; as_of says whether the
            # platform has them too.
            if self.as_of is None:
                return _("窗口 {window}：本机记录完整（尚未同步到平台）").format(
                    window=self.window_code
                )
            return _("窗口 {window}：本机记录完整（最近同步 {time}）").format(
                window=self.window_code, time=_short_time(self.as_of)
            )
        if self.as_of is None:
            return _("窗口 {window}：未同步").format(window=self.window_code)
        return _("窗口 {window}：截至 {time}").format(
            window=self.window_code, time=_short_time(self.as_of)
        )


@dataclass(frozen=True)
class DailyLog:
    filters: LogFilter
    entries: list[LogEntry]
    totals: LogTotals
    coverage: list[WindowCoverage]
    generated_at: datetime = field(default_factory=clock.now)

    def coverage_text(self) -> str:
        return _("；").join(c.text() for c in self.coverage)


def daily_log(store: Store, ctx: DeskContext, wanted: LogFilter) -> DailyLog:
    """The log for ``wanted`` as far as ``ctx`` may see it."""
    f = effective_filter(ctx, wanted)
    db = store.db
    names = clerk_names(db)
    apps = _application_entries(
        db, ctx.site_code, f, names, load_calendar(db), clock.today()
    )
    consults = _consultation_entries(db, ctx.site_code, f, names)
    entries = list(heapq.merge(apps, consults, key=lambda e: e.at))
    totals = _totals(entries)
    windows = {e.window_code for e in entries}
    if f.window_code:
        windows = {f.window_code}
    cover = coverage(db, ctx, windows, all_windows=not f.window_code)
    return DailyLog(f, entries, totals, cover)


def clerk_names(db: Database) -> dict[str, str]:
    return {
        row[0]: row[1] for row in db.execute("SELECT username, display_name FROM users")
    }


def coverage(
    db: Database, ctx: DeskContext, windows: Iterable[str], *, all_windows: bool = False
) -> list[WindowCoverage]:
    """Each window's sync state: its own window is complete here; the others
    are complete up to the time the sync last brought their records
    (``window_pushed:<window>``), or not at all ("未同步"). With no window
    given, a supervisor sees every window the sync has heard of."""
    state = {
        row[0]: row[1]
        for row in db.execute(
            "SELECT key, value FROM sync_state"
            " WHERE key LIKE 'window_pushed:%' OR key = 'last_success'"
        )
    }
    wanted = set(windows)
    if ctx.is_supervisor and all_windows:
        wanted |= {k.split(":", 1)[1] for k in state if k.startswith("window_")}
    result = []
    for window in sorted(wanted):
        own = window == ctx.window_code
        key = "last_success" if own else "window_pushed:" + window
        result.append(WindowCoverage(window, own, state.get(key)))
    return result


def _where(
    f: LogFilter, site_code: str, *, consultation: bool
) -> tuple[str, list[Any]]:
    clauses = ["day BETWEEN ? AND ?", "site_code = ?"]
    params: list[Any] = [f.start.isoformat(), f.end.isoformat(), site_code]
    if f.window_code:
        clauses.append("window_code = ?")
        params.append(f.window_code)
    if f.clerk:
        clauses.append("clerk = ?")
        params.append(f.clerk)
    if f.item_code:
        clauses.append("item_code = ?")
        params.append(f.item_code)
    if f.department:
        if consultation:
            clauses.append(
                "item_code IN (SELECT code FROM catalog_items WHERE department = ?)"
            )
        else:
            clauses.append("department = ?")
        params.append(f.department)
    return " AND ".join(clauses), params


def _application_entries(
    db: Database,
    site_code: str,
    f: LogFilter,
    names: dict[str, str],
    calendar: WorkCalendar,
    today: date,
) -> Iterator[LogEntry]:
    where, params = _where(f, site_code, consultation=False)
    received = ",".join(f"'{s}'" for s in RECEIVED_STATES)
    sql = (
        "SELECT a.created_at, a.acceptance_no, a.item_code, a.item_name,"
        " a.department, a.applicant_name, a.applicant_type, a.id_number, a.uscc,"
        " a.decision, a.due_date, a.due_provisional, a.status, a.window_code,"
        " a.clerk,"
        " (SELECT COUNT(*) FROM application_materials m"
        f"   WHERE m.application_id = a.id AND m.state IN ({received})),"
        " (SELECT e.level FROM evaluations e WHERE e.application_id = a.id"
        "   ORDER BY e.created_at DESC LIMIT 1),"
        " (SELECT COALESCE(e.follow_up, '') FROM evaluations e"
        "   WHERE e.application_id = a.id ORDER BY e.created_at DESC LIMIT 1),"
        " a.agent_name, a.assisted,"
        " (SELECT t.ticket_no FROM application_tickets t"
        "   WHERE t.application_id = a.id),"
        " (SELECT t.wait_seconds FROM application_tickets t"
        "   WHERE t.application_id = a.id),"
        " (SELECT t.service_seconds FROM application_tickets t"
        "   WHERE t.application_id = a.id)"
        f" FROM applications a WHERE {where} ORDER BY a.created_at, a.acceptance_no"
    )
    for row in db.execute(sql, params):
        (
            created,
            number,
            item_code,
            item_name,
            department,
            name,
            applicant_type,
            id_number,
            uscc,
            decision,
            due,
            provisional,
            status,
            window,
            clerk,
            materials,
            level,
            follow_up,
            agent_name,
            assisted,
            ticket_no,
            wait_seconds,
            service_seconds,
        ) = row
        code = uscc if applicant_type == "organisation" and uscc else id_number
        due_day = date.fromisoformat(due) if due else None
        overdue = None
        if due_day is not None and status in RUNNING:
            left = days_left(calendar, today, due_day).days
            overdue = -left if left < 0 else None
        yield LogEntry(
            kind=KIND_APPLICATION,
            at=_local(created),
            acceptance_no=number or "",
            item_code=item_code,
            item_name=item_name,
            department=department,
            applicant_name=name,
            id_masked=mask_identifier(code) if code else "",
            decision=decision or "",
            materials=int(materials),
            due_date=due_day,
            due_provisional=bool(provisional),
            status=status,
            evaluation=level,
            window_code=window,
            clerk=clerk,
            clerk_name=names.get(clerk, clerk),
            agent_name=agent_name or "",
            assisted=bool(assisted),
            overdue_days=overdue,
            follow_up=follow_up or None,
            ticket_no=ticket_no or "",
            wait_seconds=wait_seconds,
            service_seconds=service_seconds,
        )


def _consultation_entries(
    db: Database, site_code: str, f: LogFilter, names: dict[str, str]
) -> Iterator[LogEntry]:
    where, params = _where(f, site_code, consultation=True)
    sql = (
        "SELECT c.created_at, c.item_code, c.bundle_code,"
        " COALESCE(i.name, b.name, ''), COALESCE(i.department, ''),"
        " c.applicant_name, c.window_code, c.clerk"
        " FROM consultations c"
        " LEFT JOIN catalog_items i ON i.code = c.item_code"
        " LEFT JOIN bundles b ON b.code = c.bundle_code"
        f" WHERE {where} ORDER BY c.created_at"
    )
    for (
        created,
        item_code,
        bundle,
        item_name,
        department,
        name,
        window,
        clerk,
    ) in db.execute(sql, params):
        yield LogEntry(
            kind=KIND_CONSULTATION,
            at=_local(created),
            acceptance_no="",
            item_code=item_code or bundle or "",
            item_name=item_name,
            department=department,
            applicant_name=name or "",
            id_masked="",
            decision="",
            materials=None,
            due_date=None,
            due_provisional=False,
            status="",
            evaluation=None,
            window_code=window,
            clerk=clerk,
            clerk_name=names.get(clerk, clerk),
        )


def _totals(entries: Iterable[LogEntry]) -> LogTotals:
    counts = dict.fromkeys(
        (
            "consultations",
            "applications",
            "accepted",
            "committed",
            "deferred",
            "notified",
            "rejected",
            "materials",
            "evaluations",
            "good_ratings",
            "bad_ratings",
            "bad_followed",
            "overdue",
            "queued",
            "wait_seconds",
            "service_seconds",
            "service_count",
        ),
        0,
    )
    for e in entries:
        if e.kind == KIND_CONSULTATION:
            counts["consultations"] += 1
            continue
        counts["applications"] += 1
        counts["materials"] += e.materials or 0
        if e.decision == Decision.ACCEPT:
            counts["accepted"] += 1
        elif e.decision == Decision.ACCEPT_COMMITMENT:
            counts["committed"] += 1
        elif e.decision == Decision.ACCEPT_DEFERRED:
            counts["deferred"] += 1
        elif e.decision == Decision.NOTICE:
            counts["notified"] += 1
        elif e.decision == Decision.REJECT:
            counts["rejected"] += 1
        if e.evaluation is not None:
            counts["evaluations"] += 1
            counts["good_ratings"] += e.evaluation >= 4
            if e.bad_rating:
                counts["bad_ratings"] += 1
                counts["bad_followed"] += bool(e.follow_up)
        if e.overdue_days:
            counts["overdue"] += 1
        if e.wait_seconds is not None:
            counts["queued"] += 1
            counts["wait_seconds"] += e.wait_seconds
        if e.service_seconds is not None:
            counts["service_count"] += 1
            counts["service_seconds"] += e.service_seconds
    return LogTotals(**counts)


def minutes_text(seconds: float) -> str:
    return _("{minutes} 分钟").format(minutes=f"{seconds / 60:.1f}")


def _local(text: str) -> datetime:
    """Stored times are local ISO with offset; shown and exported as the
    desk's wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=None)


def _short_time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")

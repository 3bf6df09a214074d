"""Figures for the supervisor: decisions and deliveries per day, window and
clerk; intake time; overdue and nearly due applications; on-time
completion; satisfaction and the follow-up of bad ratings.

Each figure is one aggregate query over an index range (see migration
0004_supervisor), so the view opens quickly over millions of rows.
Decisions are counted on the day they were taken at the window; a notice
later supplemented still counts as a notice on its day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.workdays import (
    WorkCalendar,
    days_left,
    due_date_or_provisional,
)
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import WindowCoverage, clerk_names, coverage
from counter_app.store import settings
from counter_app.store.calendar import load_calendar
from counter_app.store.db import Store

OPEN_STATUSES = ("submitted", "in_review")
LIST_LIMIT = 200


class GroupBy(StrEnum):
    DAY = "day"
    WINDOW = "window"
    CLERK = "clerk"


@dataclass(frozen=True)
class StatsFilter:
    start: date
    end: date
    window_code: str = ""
    clerk: str = ""


@dataclass
class VolumeRow:
    key: str
    label: str
    applications: int = 0
    accepted: int = 0
    deferred: int = 0
    notified: int = 0
    rejected: int = 0
    delivered: int = 0
    intake_seconds_total: int = 0
    intake_count: int = 0

    @property
    def average_intake_seconds(self) -> float | None:
        if not self.intake_count:
            return None
        return self.intake_seconds_total / self.intake_count


@dataclass(frozen=True)
class DueItem:
    application_id: str
    acceptance_no: str
    item_name: str
    applicant_name: str
    window_code: str
    clerk: str
    due_date: date
    due_provisional: bool
    # Working days left (positive) or overdue (negative), from today.
    working_days: int
    count_provisional: bool


@dataclass(frozen=True)
class DueList:
    total: int
    items: list[DueItem]


@dataclass(frozen=True)
class OnTime:
    completed: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.completed if self.completed else None


@dataclass(frozen=True)
class BadRating:
    evaluation_id: str
    application_id: str
    acceptance_no: str
    item_name: str
    level: int
    reasons: str
    comment: str
    day: date
    window_code: str
    clerk: str
    deadline: date
    deadline_provisional: bool
    followed_up_at: str | None
    follow_up: str

    @property
    def state(self) -> str:
        """ "done", "late" (done after the deadline), "overdue" or "open"."""
        if self.followed_up_at:
            done_on = date.fromisoformat(self.followed_up_at[:10])
            return "late" if done_on > self.deadline else "done"
        return "overdue" if clock.today() > self.deadline else "open"


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    good: int
    by_level: dict[int, int]
    bad: list[BadRating]
    follow_up_days: int

    @property
    def rate(self) -> float | None:
        return self.good / self.ratings if self.ratings else None


@dataclass(frozen=True)
class QueueTimes:
    """排队叫号: applications served under a ticket, with the waiting time
    (ticket to call) and the service time (call to decision), by window."""

    tickets: int = 0
    average_wait: float | None = None
    longest_wait: int | None = None
    average_service: float | None = None
    by_window: dict[str, tuple[int, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class StatsReport:
    filters: StatsFilter
    today: date
    by_day: list[VolumeRow]
    by_window: list[VolumeRow]
    by_clerk: list[VolumeRow]
    totals: VolumeRow
    overdue: DueList
    due_soon: DueList
    on_time: OnTime
    satisfaction: Satisfaction
    coverage: list[WindowCoverage] = field(default_factory=list)
    queue: QueueTimes = field(default_factory=QueueTimes)


def effective_filter(ctx: DeskContext, wanted: StatsFilter) -> StatsFilter:
    if ctx.is_supervisor:
        return wanted
    return StatsFilter(wanted.start, wanted.end, ctx.window_code, ctx.username)


def report(store: Store, ctx: DeskContext, wanted: StatsFilter) -> StatsReport:
    """Every figure of the statistics view for ``wanted`` (a clerk's view
    is limited to the own window and records)."""
    f = effective_filter(ctx, wanted)
    db = store.db
    names = clerk_names(db)
    calendar = load_calendar(db)
    today = clock.today()
    rollups = volume_rollups(db, ctx.site_code, f, names)
    by_day = rollups[GroupBy.DAY]
    by_window = rollups[GroupBy.WINDOW]
    by_clerk = rollups[GroupBy.CLERK]
    totals = VolumeRow(
        "", "", *(sum(getattr(r, n) for r in by_window) for n in _COUNTS)
    )
    windows = [r.key for r in by_window] or ([f.window_code] if f.window_code else [])
    return StatsReport(
        filters=f,
        today=today,
        by_day=by_day,
        by_window=by_window,
        by_clerk=by_clerk,
        totals=totals,
        overdue=overdue(db, ctx.site_code, f, calendar, today),
        due_soon=due_soon(db, ctx.site_code, f, calendar, today),
        on_time=on_time(db, ctx.site_code, f),
        satisfaction=satisfaction(db, f, calendar),
        coverage=coverage(db, ctx, windows, all_windows=not f.window_code),
        queue=queue_times(db, ctx.site_code, f),
    )


def queue_times(db: Database, site_code: str, f: StatsFilter) -> QueueTimes:
    where, params = _filters(f, site_code, prefix="a.")
    span = [f.start.isoformat(), f.end.isoformat()]
    rows = db.execute(
        "SELECT a.window_code, COUNT(*), AVG(t.wait_seconds), MAX(t.wait_seconds),"
        " SUM(t.service_seconds), COUNT(t.service_seconds)"
        # From the tickets (this desk's callers, a few per application at
        # most) to their applications by key: left to itself the planner
        # walked a million applications by day and probed for a ticket
        # each (9 s at 1M, with no tickets at all).
        " FROM application_tickets t CROSS JOIN applications a"
        " ON a.id = t.application_id"
        f" WHERE a.day BETWEEN ? AND ? AND {where} AND t.wait_seconds IS NOT NULL"
        " GROUP BY a.window_code ORDER BY a.window_code",
        span + params,
    ).fetchall()
    if not rows:
        return QueueTimes()
    tickets = sum(int(r[1]) for r in rows)
    waits = sum(float(r[2]) * int(r[1]) for r in rows)
    service_total = sum(int(r[4] or 0) for r in rows)
    service_count = sum(int(r[5]) for r in rows)
    return QueueTimes(
        tickets=tickets,
        average_wait=waits / tickets,
        longest_wait=max(int(r[3]) for r in rows),
        average_service=service_total / service_count if service_count else None,
        by_window={str(r[0]): (int(r[1]), float(r[2])) for r in rows},
    )


def _filters(f: StatsFilter, site_code: str, prefix: str = "") -> tuple[str, list[Any]]:
    clauses = [f"{prefix}site_code = ?"]
    params: list[Any] = [site_code]
    if f.window_code:
        clauses.append(f"{prefix}window_code = ?")
        params.append(f.window_code)
    if f.clerk:
        clauses.append(f"{prefix}clerk = ?")
        params.append(f.clerk)
    return " AND ".join(clauses), params


_COUNTS = (
    "applications",
    "accepted",
    "deferred",
    "notified",
    "rejected",
    "delivered",
    "intake_seconds_total",
    "intake_count",
)


def volume_rollups(
    db: Database,
    site_code: str,
    f: StatsFilter,
    names: dict[str, str] | None = None,
) -> dict[GroupBy, list[VolumeRow]]:
    """Decisions taken (by intake day) and deliveries (by delivery day),
    summed by day, by window and by clerk — in one statement: one pass over
    the intake index and one over the delivery index make the (day, window,
    clerk) cube, which SQLite sums three ways. A million applications stay
    in SQLite; three short lists come back."""
    where, params = _filters(f, site_code)
    span = [f.start.isoformat(), f.end.isoformat()]
    sums = ", ".join(f"SUM({c})" for c in _COUNTS)
    rollups = " UNION ALL ".join(
        f"SELECT {n}, {column}, {sums} FROM cube GROUP BY {column}"
        for n, column in enumerate(("day", "window_code", "clerk"))
    )
    rows = db.execute(
        "WITH cube AS MATERIALIZED ("
        " SELECT day, window_code, clerk, COUNT(*) AS applications,"
        " SUM(decision IN ('accept', 'accept_commitment')) AS accepted,"
        " SUM(decision = 'accept_deferred') AS deferred,"
        " SUM(decision = 'notice') AS notified, SUM(decision = 'reject') AS rejected,"
        " 0 AS delivered, COALESCE(SUM(intake_seconds), 0) AS intake_seconds_total,"
        " COUNT(intake_seconds) AS intake_count"
        f" FROM applications WHERE day BETWEEN ? AND ? AND {where}"
        " GROUP BY day, window_code, clerk"
        " UNION ALL"
        " SELECT delivered_on, window_code, clerk, 0, 0, 0, 0, 0, COUNT(*), 0, 0"
        f" FROM applications WHERE delivered_on BETWEEN ? AND ? AND {where}"
        " GROUP BY delivered_on, window_code, clerk"
        f") {rollups}",
        span + params + span + params,
    ).fetchall()
    groups = (GroupBy.DAY, GroupBy.WINDOW, GroupBy.CLERK)
    out: dict[GroupBy, list[VolumeRow]] = {g: [] for g in groups}
    for n, key, *counts in rows:
        group = groups[n]
        out[group].append(VolumeRow(key, _label(group, key, names), *counts))
    for group in groups:
        out[group].sort(key=lambda r: r.key)
    return out


def _label(group: GroupBy, key: str, names: dict[str, str] | None) -> str:
    if group is GroupBy.CLERK and names:
        return names.get(key, key)
    return key


def _due_items(
    db: Database, sql: str, params: list[Any], calendar: WorkCalendar, today: date
) -> list[DueItem]:
    items = []
    for app_id, number, item, name, window, clerk, due, provisional in db.execute(
        sql, params
    ):
        due_day = date.fromisoformat(due)
        count = days_left(calendar, today, due_day)
        items.append(
            DueItem(
                app_id,
                number or "",
                item,
                name,
                window,
                clerk,
                due_day,
                bool(provisional),
                count.days,
                count.provisional,
            )
        )
    return items


_DUE_COLUMNS = (
    "id, acceptance_no, item_name, applicant_name, window_code, clerk, due_date,"
    " due_provisional"
)


def overdue(
    db: Database, site_code: str, f: StatsFilter, calendar: WorkCalendar, today: date
) -> DueList:
    """Open applications past their due date, today, whatever the period."""
    where, params = _filters(f, site_code)
    statuses = ",".join(f"'{s}'" for s in OPEN_STATUSES)
    cond = f"status IN ({statuses}) AND due_date < ? AND {where}"
    args = [today.isoformat(), *params]
    total = db.execute(f"SELECT COUNT(*) FROM applications WHERE {cond}", args)
    items = _due_items(
        db,
        f"SELECT {_DUE_COLUMNS} FROM applications WHERE {cond}"
        f" ORDER BY due_date, acceptance_no LIMIT {LIST_LIMIT}",
        args,
        calendar,
        today,
    )
    return DueList(int(total.fetchone()[0]), items)


def due_soon(
    db: Database,
    site_code: str,
    f: StatsFilter,
    calendar: WorkCalendar,
    today: date,
    *,
    working_days: int = 2,
) -> DueList:
    """Open applications due today or within the next ``working_days``."""
    where, params = _filters(f, site_code)
    last = due_date_or_provisional(calendar, today, working_days).date
    statuses = ",".join(f"'{s}'" for s in OPEN_STATUSES)
    cond = f"status IN ({statuses}) AND due_date BETWEEN ? AND ? AND {where}"
    args = [today.isoformat(), last.isoformat(), *params]
    total = db.execute(f"SELECT COUNT(*) FROM applications WHERE {cond}", args)
    items = _due_items(
        db,
        f"SELECT {_DUE_COLUMNS} FROM applications WHERE {cond}"
        f" ORDER BY due_date, acceptance_no LIMIT {LIST_LIMIT}",
        args,
        calendar,
        today,
    )
    return DueList(int(total.fetchone()[0]), items)


def on_time(db: Database, site_code: str, f: StatsFilter) -> OnTime:
    """Of the applications completed (decided by the back office) in the
    period, how many were completed by their due date."""
    where, params = _filters(f, site_code)
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(completed_on <= due_date), 0)"
        " FROM applications WHERE completed_on BETWEEN ? AND ?"
        f" AND due_date IS NOT NULL AND {where}",
        [f.start.isoformat(), f.end.isoformat(), *params],
    ).fetchone()
    return OnTime(int(row[0]), int(row[1]))


def satisfaction(db: Database, f: StatsFilter, calendar: WorkCalendar) -> Satisfaction:
    """Ratings given in the period; bad ones (1–2) with their follow-up
    and its local deadline (bad_rating_follow_up_days working days)."""
    clauses = ["e.day BETWEEN ? AND ?"]
    params: list[Any] = [f.start.isoformat(), f.end.isoformat()]
    if f.window_code:
        clauses.append("e.window_code = ?")
        params.append(f.window_code)
    if f.clerk:
        clauses.append("e.clerk = ?")
        params.append(f.clerk)
    where = " AND ".join(clauses)
    by_level = dict.fromkeys(range(1, 6), 0)
    for level, n in db.execute(
        f"SELECT e.level, COUNT(*) FROM evaluations e WHERE {where} GROUP BY e.level",
        params,
    ):
        by_level[int(level)] = int(n)
    days = settings.get_int(db, "bad_rating_follow_up_days") or 15
    bad = []
    for row in db.execute(
        "SELECT e.id, e.application_id, COALESCE(a.acceptance_no, ''),"
        " COALESCE(a.item_name, ''), e.level, e.reasons, COALESCE(e.comment, ''),"
        " e.day, e.window_code, e.clerk, e.follow_up_at, COALESCE(e.follow_up, '')"
        " FROM evaluations e LEFT JOIN applications a ON a.id = e.application_id"
        f" WHERE {where} AND e.level <= 2 ORDER BY e.day, e.created_at"
        f" LIMIT {LIST_LIMIT}",
        params,
    ):
        (
            eid,
            app_id,
            number,
            item,
            level,
            reasons,
            comment,
            day,
            window,
            clerk,
            done_at,
            text,
        ) = row
        given = date.fromisoformat(day)
        deadline = due_date_or_provisional(calendar, given, days)
        bad.append(
            BadRating(
                eid,
                app_id,
                number,
                item,
                int(level),
                _reasons_text(reasons),
                comment,
                given,
                window,
                clerk,
                deadline.date,
                deadline.provisional,
                done_at,
                text,
            )
        )
    return Satisfaction(
        ratings=sum(by_level.values()),
        good=by_level[4] + by_level[5],
        by_level=by_level,
        bad=bad,
        follow_up_days=days,
    )


def _reasons_text(raw: str) -> str:
    import json

    try:
        values = json.loads(raw or "[]")
    except ValueError:
        return raw
    return "、".join(str(v) for v in values)

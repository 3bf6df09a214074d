"""Read side of the workspace: the applications list and the detail view.

One search box takes an acceptance number, a name (any length, rare
characters included), an ID number (whole or its last 4), a phone number or
an item. Every branch is answered from an index — the name branch from
``application_terms`` (single characters and bigrams) — so a desk with a
million applications still answers within a frame or two. Lists show ID
numbers and phones masked; reading a full record writes ``record.read`` to
the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.identifiers import (
    InvalidIdentifier,
    mask_identifier,
    mask_phone,
    normalize,
    validate_phone,
)
from counter_app.domain.status import Status
from counter_app.domain.text import clean_query
from counter_app.domain.workdays import (
    WorkCalendar,
    days_left,
)
from counter_app.i18n import _
from counter_app.services.applications import NotFound
from counter_app.services.context import DeskContext
from counter_app.store import records
from counter_app.store.calendar import load_calendar
from counter_app.store.db import Store
from counter_app.store.events import add_event

# Statuses whose promised deadline is still running at the back office.
RUNNING = (Status.SUBMITTED.value, Status.IN_REVIEW.value)
_ID_TAIL = re.compile(r"[0-9]{3}[0-9X]")
_DIGITS = re.compile(r"[0-9]+")
_ID_FULL = re.compile(r"[0-9A-Z]{8,18}")
_LIST_COLUMNS = (
    "a.id, a.acceptance_no, a.created_at, a.item_code, a.item_name,"
    " a.applicant_name, a.org_name, a.id_number, a.phone, a.status, a.due_date,"
    " a.due_provisional, a.window_code"
)


@dataclass(frozen=True)
class ApplicationQuery:
    """What the list shows: search text and filters (all optional)."""

    text: str = ""
    statuses: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    window_code: str = ""
    overdue_only: bool = False


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the last row of the previous page."""

    created_at: str
    id: str


@dataclass(frozen=True)
class ListRow:
    id: str
    acceptance_no: str
    created_at: str
    item_code: str
    item_name: str
    applicant_name: str
    id_masked: str
    phone_masked: str
    status: Status
    window_code: str
    due_date: date | None
    due_provisional: bool
    days_left: int | None  # working days; negative = overdue by that many


@dataclass(frozen=True)
class Page:
    rows: list[ListRow]
    next_cursor: Cursor | None


@dataclass
class RecordView:
    """A full record for the detail view (unmasked: the read is audited)."""

    record: dict[str, Any]
    timeline: list[dict[str, Any]]
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    days_left: int | None = None
    # user name -> display name, for the actors of the timeline
    actors: dict[str, str] = field(default_factory=dict)


def search_terms(text: str) -> list[str]:
    """Index terms that every match must carry: bigrams of the text (or the
    single character itself)."""
    chars = list(text)
    if len(chars) == 1:
        return chars
    return sorted({"".join(chars[i : i + 2]) for i in range(len(chars) - 1)})


# Above this many likely matches a search reads the list in its own order
# and tests each row (the first page fills after a few thousand rows);
# below it, the matches are collected from the indexes and sorted.
DENSE_MATCHES = 5000


def _source(
    db: Database, query: ApplicationQuery, *, for_page: bool
) -> tuple[str, list[Any], str, list[Any]]:
    """(FROM clause, its params, a WHERE condition, its params)."""
    text = clean_query(query.text)
    if not text:
        if for_page and query.overdue_only and _overdue(db) > DENSE_MATCHES:
            # many overdue: read in list order rather than sort them all
            return " FROM applications a INDEXED BY applications_created", [], "", []
        return " FROM applications a", [], "", []
    branches = _text_branches(db, text)
    if not branches:
        return " FROM applications a", [], "0", []
    params = [p for _b, ps in branches for p in ps]
    if for_page and _estimate(db, text, branches) > DENSE_MATCHES:
        condition = " OR ".join(f"({b})" for b, _ps in branches)
        return (
            " FROM applications a INDEXED BY applications_created",
            [],
            f"({condition})",
            params,
        )
    # Few matches: collect them from the indexes first; CROSS JOIN fixes
    # that order, so a rare hit never turns into a scan in list order.
    candidates = " UNION ".join(
        f"SELECT rowid AS rid FROM applications WHERE {b}" for b, _ps in branches
    )
    return (
        f" FROM ({candidates}) AS c CROSS JOIN applications a ON a.rowid = c.rid",
        params,
        "",
        [],
    )


def _overdue(db: Database) -> int:
    return int(
        db.execute(
            "SELECT COUNT(*) FROM applications WHERE status IN ("
            + ",".join("?" * len(RUNNING))
            + ") AND due_date < ?",
            [*RUNNING, clock.today().isoformat()],
        ).fetchone()[0]
    )


def _estimate(db: Database, text: str, branches: list[tuple[str, list[Any]]]) -> int:
    """Likely matches, from index counts only (a millisecond or two)."""
    total = 0
    for branch, params in branches:
        if branch.startswith("item_code IN"):
            total += db.execute(
                f"SELECT COUNT(*) FROM applications WHERE {branch}", params
            ).fetchone()[0]
        elif branch.startswith("id IN"):
            total += min(
                db.execute(
                    "SELECT COUNT(*) FROM application_terms WHERE term = ?", [term]
                ).fetchone()[0]
                for term in search_terms(text)
            )
    return int(total)


def _where(query: ApplicationQuery, condition: str = "") -> tuple[str, list[Any]]:
    """The filters; ``condition`` (the search, when read in list order) first."""
    clauses: list[str] = [condition] if condition else []
    params: list[Any] = []
    if query.statuses:
        clauses.append("a.status IN (" + ",".join("?" * len(query.statuses)) + ")")
        params.extend(query.statuses)
    if query.date_from:
        clauses.append("a.day >= ?")
        params.append(query.date_from.isoformat())
    if query.date_to:
        clauses.append("a.day <= ?")
        params.append(query.date_to.isoformat())
    if query.window_code:
        clauses.append("a.window_code = ?")
        params.append(query.window_code)
    if query.overdue_only:
        clauses.append(
            "a.status IN (" + ",".join("?" * len(RUNNING)) + ") AND a.due_date < ?"
        )
        params.extend([*RUNNING, clock.today().isoformat()])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _text_branches(db: Database, text: str) -> list[tuple[str, list[Any]]]:
    """Conditions (each answered by an index) for whatever the text might be:
    an acceptance number, an ID number or its last 4, a phone, an item, a
    name."""
    code = normalize(text).upper()
    branches: list[tuple[str, list[Any]]] = []
    if _DIGITS.fullmatch(code) and len(code) >= 12:
        # acceptance numbers, whole or a leading part
        branches.append(
            ("acceptance_no >= ? AND acceptance_no < ?", [code, code + "~"])
        )
    if len(code) >= 8 and _ID_FULL.fullmatch(code):
        branches.append(("id_number = ?", [code]))
        branches.append(("agent_id_number = ?", [code]))
    if _ID_TAIL.fullmatch(code):
        branches.append(("substr(id_number, -4) = ?", [code]))
        branches.append(("substr(phone, -4) = ?", [code]))
    phone = _phone(text)
    if phone:
        branches.append(("phone = ?", [phone]))
    items = _matching_items(db, text)
    if items:
        branches.append(("item_code IN (" + ",".join("?" * len(items)) + ")", items))
    terms = search_terms(text)
    if terms and not _DIGITS.fullmatch(code):
        sub = " INTERSECT ".join(
            "SELECT application_id FROM application_terms WHERE term = ?"
            for _t in terms
        )
        branches.append(
            (
                f"id IN ({sub}) AND (instr(applicant_name, ?) > 0"
                " OR instr(coalesce(agent_name, ''), ?) > 0"
                " OR instr(coalesce(org_name, ''), ?) > 0)",
                [*terms, text, text, text],
            )
        )
    return branches


def _phone(text: str) -> str:
    if not re.fullmatch(r"[0-9０-９ +()（）-]{7,}", text):
        return ""
    try:
        return validate_phone(text)
    except InvalidIdentifier:
        return ""


def _matching_items(db: Database, text: str) -> list[str]:
    """Catalog items whose code or name contains the text (a small table)."""
    if len(text) < 2:
        return []
    rows = db.execute(
        "SELECT code FROM catalog_items WHERE instr(name, ?) > 0 OR code = ?"
        " OR instr(pinyin_initials, lower(?)) = 1",
        [text, text.upper(), text],
    ).fetchall()
    return [str(r[0]) for r in rows]


def list_page(
    store: Store,
    query: ApplicationQuery,
    *,
    after: Cursor | None = None,
    limit: int = 100,
) -> Page:
    """One page of the list, newest first; pass ``next_cursor`` for the next."""
    db = store.db
    source, params, condition, condition_params = _source(db, query, for_page=True)
    where, where_params = _where(query, condition)
    params += condition_params + where_params
    if after is not None:
        where += " AND " if where else " WHERE "
        where += "(a.created_at < ? OR (a.created_at = ? AND a.id < ?))"
        params.extend([after.created_at, after.created_at, after.id])
    sql = (
        f"SELECT {_LIST_COLUMNS}{source}{where}"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT ?"
    )
    raw = db.execute(sql, [*params, limit + 1]).fetchall()
    more = len(raw) > limit
    raw = raw[:limit]
    calendar = load_calendar(db)
    today = clock.today()
    days: dict[tuple[str, date | None], int | None] = {}
    rows = [_list_row(r, calendar, today, days) for r in raw]
    cursor = Cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return Page(rows, cursor)


def count(store: Store, query: ApplicationQuery) -> int:
    fast = _term_count(store.db, query)
    if fast is not None:
        return fast
    source, params, condition, condition_params = _source(
        store.db, query, for_page=False
    )
    where, where_params = _where(query, condition)
    row = store.db.execute(
        f"SELECT COUNT(*){source}{where}", params + condition_params + where_params
    ).fetchone()
    return int(row[0])


def _term_count(db: Database, query: ApplicationQuery) -> int | None:
    """A 1- or 2-character name search without filters is counted straight
    from the term index: an application carries the term exactly when one of
    its names contains the text. None when that does not apply."""
    text = clean_query(query.text)
    if not text or len(text) > 2 or query != ApplicationQuery(text=query.text):
        return None
    branches = _text_branches(db, text)
    if len(branches) != 1 or not branches[0][0].startswith("id IN"):
        return None
    row = db.execute(
        "SELECT COUNT(*) FROM application_terms WHERE term = ?", [text]
    ).fetchone()
    return int(row[0])


def window_codes(store: Store) -> list[str]:
    return [
        str(r[0])
        for r in store.db.execute(
            "SELECT DISTINCT window_code FROM applications ORDER BY window_code"
        )
    ]


def _days_left(
    calendar: WorkCalendar, today: date, status: str, due: date | None
) -> int | None:
    if due is None or status not in RUNNING:
        return None
    return days_left(calendar, today, due).days


def _list_row(
    r: Any,
    calendar: WorkCalendar,
    today: date,
    days: dict[tuple[str, date | None], int | None],
) -> ListRow:
    """``days`` memoises working days left per (status, due date) in a page."""
    due = date.fromisoformat(r[10]) if r[10] else None
    key = (r[9], due)
    if key not in days:
        days[key] = _days_left(calendar, today, r[9], due)
    return ListRow(
        id=r[0],
        acceptance_no=r[1] or "",
        created_at=r[2],
        item_code=r[3],
        item_name=r[4],
        applicant_name=r[5] or r[6] or "",
        id_masked=mask_identifier(r[7]) if r[7] else "",
        phone_masked=mask_phone(r[8]) if r[8] else "",
        status=Status(r[9]),
        due_date=due,
        due_provisional=bool(r[11]),
        window_code=r[12],
        days_left=days[key],
    )


def read_record(store: Store, ctx: DeskContext, application_id: str) -> RecordView:
    """The full record with its timeline; the read itself is audited."""
    with store.transaction() as db:
        record = records.application(db, application_id)
        if record is None:
            raise NotFound(_("找不到该办件，可能已被删除或尚未同步。"))
        add_event(
            db,
            kind="record.read",
            actor=ctx.username,
            application_id=application_id,
            detail={"role": ctx.role},
        )
        timeline = records.timeline(db, application_id)
        evaluations = [
            dict(r)
            for r in db.query(
                "SELECT id, level, reasons, comment, created_at, follow_up"
                " FROM evaluations WHERE application_id = ? ORDER BY created_at",
                [application_id],
            )
        ]
        names = {str(e["actor"]) for e in timeline}
        actors = {
            str(r["username"]): str(r["display_name"])
            for r in db.query("SELECT username, display_name FROM users")
            if r["username"] in names
        }
    due = date.fromisoformat(record["due_date"]) if record.get("due_date") else None
    days = _days_left(load_calendar(store.db), clock.today(), record["status"], due)
    return RecordView(record, timeline, evaluations, days, actors)


def open_evaluation(store: Store, application_id: str) -> str | None:
    """A bad rating of this application still waiting for its follow-up."""
    row = store.db.execute(
        "SELECT id FROM evaluations WHERE application_id = ? AND level <= 2"
        " AND follow_up IS NULL ORDER BY created_at DESC LIMIT 1",
        [application_id],
    ).fetchone()
    return None if row is None else str(row[0])

"""The desk's own queue, in its store: used while the platform cannot be
reached (numbers from 501 on, see :mod:`counter_app.domain.hall`)."""

from __future__ import annotations

import uuid
from typing import Any

from counter_app import clock
from counter_app.domain.hall import (
    DEFAULT_TYPES,
    LOCAL_FIRST_SEQ,
    BusinessType,
    QueueError,
    check_type,
    ticket_number,
)
from counter_app.hall.tickets import SOURCE_LOCAL, HallState, Ticket, TypeState
from counter_app.i18n import _
from counter_app.store.db import Store

RECENT_CALLS = 8


class LocalQueue:
    source = SOURCE_LOCAL

    def __init__(
        self, store: Store, *, types: tuple[BusinessType, ...] = DEFAULT_TYPES
    ) -> None:
        self.store = store
        self.types = types

    def _known(self, code: str) -> str:
        code = check_type(code)
        if code not in {t.code for t in self.types}:
            raise QueueError(_("本大厅没有“{code}”类业务。").format(code=code))
        return code

    def issue(self, business_type: str) -> Ticket:
        code = self._known(business_type)
        day = clock.today().isoformat()
        with self.store.transaction() as db:
            last = db.execute(
                "SELECT MAX(seq) FROM hall_tickets WHERE day = ? AND business_type = ?",
                [day, code],
            ).fetchone()[0]
            seq = int(last) + 1 if last else LOCAL_FIRST_SEQ
            ticket_id = "L" + uuid.uuid4().hex
            db.execute(
                "INSERT INTO hall_tickets (id, day, business_type, number, seq,"
                " status, issued_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?)",
                [ticket_id, day, code, ticket_number(code, seq), seq, clock.now_iso()],
            )
            return _ticket(_row(db, ticket_id))

    def call_next(self, *, window_code: str, types: list[str]) -> Ticket | None:
        day = clock.today().isoformat()
        codes = [check_type(t) for t in types]
        marks = ",".join("?" for _c in codes) or "''"
        with self.store.transaction() as db:
            # A ticket transferred to this window goes first, then the
            # oldest waiting ticket of the types served here.
            row = db.execute(
                "SELECT id FROM hall_tickets WHERE day = ? AND status = 'waiting'"
                " AND (target_window = ? OR (target_window IS NULL"
                f" AND business_type IN ({marks})))"
                " ORDER BY target_window IS NULL, issued_at, seq LIMIT 1",
                [day, window_code, *codes],
            ).fetchone()
            if row is None:
                return None
            now = clock.now_iso()
            db.execute(
                "UPDATE hall_tickets SET status = 'called', window_code = ?,"
                " called_at = COALESCE(called_at, ?), announced_at = ?,"
                " calls = calls + 1 WHERE id = ?",
                [window_code, now, _announced(), row[0]],
            )
            return _ticket(_row(db, row[0]))

    def recall(self, ticket: Ticket) -> Ticket:
        with self.store.transaction() as db:
            changed = db.execute(
                "UPDATE hall_tickets SET announced_at = ?, calls = calls + 1"
                " WHERE id = ? AND status = 'called'",
                [_announced(), ticket.id],
            ).rowcount
            if not changed:
                raise QueueError(_("号码 {n} 不在叫号中。").format(n=ticket.number))
            return _ticket(_row(db, ticket.id))

    def _finish(self, ticket: Ticket, status: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE hall_tickets SET status = ?, finished_at = ?"
                " WHERE id = ? AND status = 'called'",
                [status, clock.now_iso(), ticket.id],
            )

    def skip(self, ticket: Ticket) -> None:
        self._finish(ticket, "skipped")

    def finish(self, ticket: Ticket) -> None:
        self._finish(ticket, "done")

    def transfer(self, ticket: Ticket, *, window_code: str) -> Ticket:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE hall_tickets SET status = 'waiting', target_window = ?,"
                " window_code = NULL WHERE id = ? AND status = 'called'",
                [window_code, ticket.id],
            )
            return _ticket(_row(db, ticket.id))

    def hall_state(self) -> HallState:
        day = clock.today().isoformat()
        # read by the hall display's server thread, beside the store worker
        with self.store.read() as db:
            waiting = dict(
                db.execute(
                    "SELECT business_type, COUNT(*) FROM hall_tickets"
                    " WHERE day = ? AND status = 'waiting' GROUP BY business_type",
                    [day],
                ).fetchall()
            )
            rows = db.execute(
                "SELECT * FROM hall_tickets WHERE day = ? AND status = 'called'"
                " ORDER BY announced_at DESC LIMIT ?",
                [day, RECENT_CALLS],
            )
            names = [d[0] for d in rows.description]
            found = rows.fetchall()
        called = [_ticket(dict(zip(names, r, strict=True))) for r in found]
        types = [
            TypeState(t.code, _(t.name), int(waiting.get(t.code, 0)))
            for t in self.types
        ]
        return HallState(types=types, called=called, source=self.source)


def _announced() -> str:
    # to the microsecond: the display orders calls of the same second
    return clock.now().isoformat(timespec="microseconds")


def _row(db: Any, ticket_id: str) -> dict[str, Any]:
    cur = db.execute("SELECT * FROM hall_tickets WHERE id = ?", [ticket_id])
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        raise QueueError(_("找不到该号码。"))
    return dict(zip(names, row, strict=True))


def _ticket(row: dict[str, Any]) -> Ticket:
    return Ticket(
        id=row["id"],
        number=row["number"],
        business_type=row["business_type"],
        status=row["status"],
        issued_at=row["issued_at"],
        source=SOURCE_LOCAL,
        window_code=row["window_code"] or "",
        called_at=row["called_at"] or "",
        calls=int(row["calls"]),
    )

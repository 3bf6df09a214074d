"""排队叫号 on the platform: one queue per site, shared by its windows.

A kiosk (an enrolled desk of the site) issues tickets per business type;
windows call the next ticket of the types they serve, recall, skip
(过号), finish, or transfer a ticket to another window, which calls it
before anything else. Every request is a desk's and reaches only its own
site: a ticket of another site answers 404 like an unknown one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import Depends, FastAPI

from sync import protocol as p

from . import feed, wire
from .db import Conn, Database

#: The hall's day and times are China's (UTC+8), whatever the server's zone.
SITE_ZONE = timezone(timedelta(hours=8))
DEFAULT_TYPES = (
    ("A", "综合受理"),
    ("B", "社保医保"),
    ("C", "不动产登记"),
    ("D", "取件出件"),
)
MAX_SEQ = 999
RECENT_CALLS = 8

ErrorFactory = Callable[[int, str, str], Exception]


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "business_type": row["business_type"],
        "status": row["status"],
        "window_code": row["window_code"] or "",
        "issued_at": row["issued_at"],
        "called_at": row["called_at"] or "",
        "calls": int(row["calls"]),
    }


def site_types(conn: Conn, site_code: str) -> list[tuple[str, str]]:
    rows = conn.all(
        "SELECT code, name FROM queue_types WHERE site_code = ? ORDER BY position",
        (site_code,),
    )
    return [(r["code"], r["name"]) for r in rows] or list(DEFAULT_TYPES)


def set_types(db: Database, site_code: str, types: list[tuple[str, str]]) -> None:
    """The site's business types, in kiosk order (``central queue-types``)."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM queue_types WHERE site_code = ?", (site_code,))
        for position, (code, name) in enumerate(types):
            conn.execute(
                "INSERT INTO queue_types (site_code, code, name, position)"
                " VALUES (?, ?, ?, ?)",
                (site_code, code, name, position),
            )


class Queue:
    def __init__(
        self, db: Database, clock: Callable[[], datetime], error: ErrorFactory
    ) -> None:
        self.db, self.clock, self.error = db, clock, error

    def _now(self) -> tuple[str, str]:
        now = self.clock().astimezone(SITE_ZONE)
        return now.date().isoformat(), now.isoformat(timespec="seconds")

    def _announced(self) -> str:
        # to the microsecond: the display orders calls of the same second
        return self.clock().astimezone(SITE_ZONE).isoformat(timespec="microseconds")

    def _lock_site(self, conn: Conn, site_code: str) -> None:
        # Issuing and calling read then write: one at a time per site
        # (SQLite writers are serialized already).
        if conn.postgres:
            conn.raw.execute(
                "SELECT pg_advisory_xact_lock(7303, hashtext(%s))", (site_code,)
            )

    def hall(self, desk: feed.Desk) -> dict[str, Any]:
        day, _now = self._now()
        with self.db.transaction(write=False) as conn:
            types = site_types(conn, desk.site_code)
            waiting = {
                r["business_type"]: int(r["n"])
                for r in conn.all(
                    "SELECT business_type, COUNT(*) AS n FROM queue_tickets"
                    " WHERE site_code = ? AND day = ? AND status = 'waiting'"
                    " GROUP BY business_type",
                    (desk.site_code, day),
                )
            }
            called = conn.all(
                "SELECT * FROM queue_tickets WHERE site_code = ? AND day = ?"
                " AND status = 'called' ORDER BY announced_at DESC LIMIT ?",
                (desk.site_code, day, RECENT_CALLS),
            )
        return {
            "types": [
                {"code": c, "name": n, "waiting": waiting.get(c, 0)} for c, n in types
            ],
            "called": [_row_json(r) for r in called],
            "source": "central",
        }

    def issue(self, desk: feed.Desk, business_type: str) -> dict[str, Any]:
        day, now = self._now()
        with self.db.transaction() as conn:
            self._lock_site(conn, desk.site_code)
            if business_type not in {c for c, _n in site_types(conn, desk.site_code)}:
                raise self.error(404, p.ERROR_NOT_FOUND, "本大厅没有该类业务")
            last = conn.scalar(
                "SELECT MAX(seq) FROM queue_tickets WHERE site_code = ? AND day = ?"
                " AND business_type = ?",
                (desk.site_code, day, business_type),
            )
            seq = int(last or 0) + 1
            if seq > MAX_SEQ:
                raise self.error(409, p.ERROR_QUEUE_CONFLICT, "今日该类号码已发完")
            ticket_id = uuid.uuid4().hex
            conn.execute(
                "INSERT INTO queue_tickets (id, site_code, day, business_type,"
                " number, seq, status, issued_by, issued_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?, ?)",
                (
                    ticket_id,
                    desk.site_code,
                    day,
                    business_type,
                    f"{business_type}{seq:03d}",
                    seq,
                    desk.id,
                    now,
                ),
            )
            return self._get(conn, desk, ticket_id)

    def call_next(self, desk: feed.Desk, types: list[str]) -> dict[str, Any] | None:
        day, now = self._now()
        codes = list(dict.fromkeys(types))
        marks = ",".join("?" for _c in codes) or "''"
        with self.db.transaction() as conn:
            self._lock_site(conn, desk.site_code)
            row = conn.one(
                "SELECT id FROM queue_tickets WHERE site_code = ? AND day = ?"
                " AND status = 'waiting' AND (target_window = ?"
                f" OR (target_window IS NULL AND business_type IN ({marks})))"
                " ORDER BY CASE WHEN target_window IS NULL THEN 1 ELSE 0 END,"
                " issued_at, seq LIMIT 1",
                (desk.site_code, day, desk.window_code, *codes),
            )
            if row is None:
                return None
            conn.execute(
                "UPDATE queue_tickets SET status = 'called', window_code = ?,"
                " called_at = COALESCE(called_at, ?), announced_at = ?,"
                " calls = calls + 1 WHERE id = ?",
                (desk.window_code, now, self._announced(), row["id"]),
            )
            return self._get(conn, desk, row["id"])

    def act(
        self, desk: feed.Desk, ticket_id: str, action: str, window_code: str = ""
    ) -> dict[str, Any]:
        _day, now = self._now()
        with self.db.transaction() as conn:
            self._lock_site(conn, desk.site_code)
            ticket = self._get(conn, desk, ticket_id)
            if (
                ticket["status"] != "called"
                or ticket["window_code"] != desk.window_code
            ):
                raise self.error(409, p.ERROR_QUEUE_CONFLICT, "该号码不在本窗口叫号中")
            if action == "recall":
                sql = "UPDATE queue_tickets SET announced_at = ?, calls = calls + 1"
                params: tuple[Any, ...] = (self._announced(),)
            elif action == "transfer":
                sql = (
                    "UPDATE queue_tickets SET status = 'waiting', window_code = NULL,"
                    " target_window = ?"
                )
                params = (window_code,)
            else:
                status = "skipped" if action == "skip" else "done"
                sql = "UPDATE queue_tickets SET status = ?, finished_at = ?"
                params = (status, now)
            conn.execute(sql + " WHERE id = ?", (*params, ticket_id))
            return self._get(conn, desk, ticket_id)

    def _get(self, conn: Conn, desk: feed.Desk, ticket_id: str) -> dict[str, Any]:
        row = conn.one(
            "SELECT * FROM queue_tickets WHERE id = ? AND site_code = ?",
            (ticket_id, desk.site_code),
        )
        if row is None:  # another site's ticket answers as an unknown one
            raise self.error(404, p.ERROR_NOT_FOUND, "找不到该号码")
        return _row_json(row)


def add_routes(
    app: FastAPI,
    db: Database,
    *,
    clock: Callable[[], datetime],
    current_desk: Callable[..., feed.Desk],
    error: ErrorFactory,
) -> None:
    queue = Queue(db, clock, error)
    # a variable in an annotation would not resolve (future annotations)
    desk_dep = Depends(current_desk)

    @app.get(p.PATH_QUEUE_HALL)
    def get_hall(desk: feed.Desk = desk_dep) -> dict[str, Any]:
        return queue.hall(desk)

    @app.post(p.PATH_QUEUE_TICKETS)
    def post_ticket(
        req: wire.QueueIssueIn, desk: feed.Desk = desk_dep
    ) -> dict[str, Any]:
        return queue.issue(desk, req.business_type)

    @app.post(p.PATH_QUEUE_CALL)
    def post_call(req: wire.QueueCallIn, desk: feed.Desk = desk_dep) -> dict[str, Any]:
        return {"ticket": queue.call_next(desk, req.types)}

    def _checked(ticket_id: str) -> str:
        if len(ticket_id) != 32 or any(c not in "0123456789abcdef" for c in ticket_id):
            raise error(404, p.ERROR_NOT_FOUND, "找不到该号码")
        return ticket_id

    @app.post(p.PATH_QUEUE_TICKETS + "/{ticket_id}/transfer")
    def post_transfer(
        ticket_id: str, req: wire.QueueTransferIn, desk: feed.Desk = desk_dep
    ) -> dict[str, Any]:
        return queue.act(desk, _checked(ticket_id), "transfer", req.window_code)

    def _route(action: str) -> Callable[..., dict[str, Any]]:
        def handler(ticket_id: str, desk: feed.Desk = desk_dep) -> dict[str, Any]:
            return queue.act(desk, _checked(ticket_id), action)

        return handler

    for action in ("recall", "skip", "done"):
        app.post(p.PATH_QUEUE_TICKETS + "/{ticket_id}/" + action)(_route(action))

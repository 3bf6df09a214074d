"""The changes feed desks pull: append, read by cursor, snapshot, prune.

A row's audience follows its columns: no site and no desk → every desk
(catalog, calendar); ``desk_id`` → that desk only (status of its own
applications); ``site_code`` without ``desk_id`` → every desk of the site
except ``origin_desk_id`` (users, other windows' applications).

Cursors are ``EPOCH.SEQ`` (``EPOCH.s.SEQ.RANK.KEY`` while paging through a
snapshot). A cursor from another database epoch, or older than the pruned
part of the feed, gets a full snapshot (``resnapshot=true``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sync import protocol as p

from .db import Conn, Database

DEFAULT_RETENTION_DAYS = 30

_AUDIENCE = (
    "((c.site_code IS NULL AND c.desk_id IS NULL) OR c.desk_id = ?"
    " OR (c.desk_id IS NULL AND c.site_code = ?"
    " AND (c.origin_desk_id IS NULL OR c.origin_desk_id <> ?)))"
)
# Snapshot order: what a desk needs first comes first.
_RANK = {
    p.CHANGE_CATALOG_META: 0,
    p.CHANGE_CATALOG_ITEM: 1,
    p.CHANGE_CALENDAR_YEAR: 2,
    p.CHANGE_USER: 3,
    p.CHANGE_APPLICATION_STATUS: 4,
    p.CHANGE_SITE_APPLICATION: 5,
    p.CHANGE_WINDOW_PUSH: 6,
}


@dataclass(frozen=True)
class Desk:
    id: str
    site_code: str
    window_code: str
    name: str


def emit(
    conn: Conn,
    kind: str,
    body: dict[str, Any],
    *,
    entity_id: str,
    site_code: str | None = None,
    desk_id: str | None = None,
    origin_desk_id: str | None = None,
) -> None:
    conn.lock_feed()
    conn.execute(
        "INSERT INTO changes (kind, site_code, desk_id, origin_desk_id, entity_id,"
        " body, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            kind,
            site_code,
            desk_id,
            origin_desk_id,
            entity_id,
            json.dumps(body, ensure_ascii=False),
            p.utc_now_iso(),
        ),
    )


def read_changes(
    db: Database, desk: Desk, *, since: str | None, limit: int
) -> p.ChangesResponse:
    limit = max(1, min(limit, p.MAX_CHANGES_LIMIT))
    with db.transaction(write=False) as conn:
        epoch = str(conn.scalar("SELECT value FROM meta WHERE key = 'epoch'"))
        pruned = int(
            conn.scalar("SELECT value FROM meta WHERE key = 'pruned_through'") or 0
        )
        # Max first: with writers serialized, every seq below it is committed.
        top = int(conn.scalar("SELECT COALESCE(MAX(seq), 0) FROM changes") or 0)
        top = max(top, pruned)  # the feed may be empty after pruning
        parsed = _parse_cursor(since, epoch=epoch, pruned=pruned)
        if parsed is None:
            return _snapshot_page(
                conn, desk, epoch=epoch, seq=top, after=None, limit=limit
            )
        if isinstance(parsed, _SnapshotCursor):
            return _snapshot_page(
                conn, desk, epoch=epoch, seq=parsed.seq, after=parsed.after, limit=limit
            )
        rows = conn.all(
            "SELECT c.seq, c.kind, c.body FROM changes c WHERE c.seq > ? AND c.seq <= ?"
            " AND " + _AUDIENCE + " ORDER BY c.seq LIMIT ?",
            (parsed, top, desk.id, desk.site_code, desk.id, limit + 1),
        )
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        p.Change(seq=int(r["seq"]), kind=str(r["kind"]), body=json.loads(r["body"]))
        for r in rows
    ]
    # Without more rows, jump to the top so invisible rows are not rescanned.
    last = changes[-1]["seq"] if more else max(top, parsed)
    return p.ChangesResponse(
        changes=changes,
        cursor=f"{epoch}.{last}",
        more=more,
        resnapshot=False,
        server_time=p.utc_now_iso(),
    )


@dataclass(frozen=True)
class _SnapshotCursor:
    seq: int
    after: tuple[int, str]


def _parse_cursor(
    since: str | None, *, epoch: str, pruned: int
) -> int | _SnapshotCursor | None:
    if not since:
        return None
    parts = since.split(".", 4)
    if parts[0] != epoch:
        return None
    try:
        if len(parts) == 2:
            seq = int(parts[1])
            return None if seq < pruned else seq
        if len(parts) == 5 and parts[1] == "s":
            return _SnapshotCursor(int(parts[2]), (int(parts[3]), parts[4]))
    except ValueError:
        return None
    return None


def _snapshot_page(
    conn: Conn,
    desk: Desk,
    *,
    epoch: str,
    seq: int,
    after: tuple[int, str] | None,
    limit: int,
) -> p.ChangesResponse:
    entries = sorted(_snapshot_entries(conn, desk), key=lambda e: (e[0], e[1]))
    if after is not None:
        entries = [e for e in entries if (e[0], e[1]) > after]
    page, more = entries[:limit], len(entries) > limit
    cursor = f"{epoch}.{seq}"
    if more:
        rank, key, _, _ = page[-1]
        cursor = f"{epoch}.s.{seq}.{rank}.{key}"
    return p.ChangesResponse(
        changes=[p.Change(seq=seq, kind=kind, body=body) for _, _, kind, body in page],
        cursor=cursor,
        more=more,
        resnapshot=True,
        server_time=p.utc_now_iso(),
    )


def _snapshot_entries(
    conn: Conn, desk: Desk
) -> list[tuple[int, str, str, dict[str, Any]]]:
    out: list[tuple[int, str, str, dict[str, Any]]] = []

    def add(kind: str, key: str, body: dict[str, Any]) -> None:
        out.append((_RANK[kind], key, kind, body))

    meta = conn.scalar("SELECT value FROM meta WHERE key = 'catalog_meta'")
    if meta:
        add(p.CHANGE_CATALOG_META, "", json.loads(meta))
    for r in conn.all("SELECT code, body FROM catalog_items WHERE deleted = 0"):
        add(p.CHANGE_CATALOG_ITEM, str(r["code"]), json.loads(r["body"]))
    for r in conn.all("SELECT year, body FROM calendar_years"):
        add(p.CHANGE_CALENDAR_YEAR, f"{int(r['year']):06d}", json.loads(r["body"]))
    for r in conn.all("SELECT * FROM users WHERE site_code = ?", (desk.site_code,)):
        add(p.CHANGE_USER, str(r["username"]), dict(user_body(r)))
    for r in conn.all(
        "SELECT * FROM applications WHERE site_code = ?", (desk.site_code,)
    ):
        if r["desk_id"] == desk.id:
            add(p.CHANGE_APPLICATION_STATUS, str(r["id"]), dict(status_body(conn, r)))
        else:
            add(p.CHANGE_SITE_APPLICATION, str(r["id"]), dict(site_body(r)))
    for r in conn.all(
        "SELECT * FROM desk_pushes WHERE site_code = ? AND desk_id <> ?",
        (desk.site_code, desk.id),
    ):
        add(p.CHANGE_WINDOW_PUSH, str(r["desk_id"]), dict(push_body(r)))
    return out


def record_push(db: Database, desk: Desk) -> None:
    """A push with nothing refused: the desk's records are in up to now.
    The other desks of the site hear of it, so a site-wide log can say, per
    window, up to when it is complete."""
    now = p.utc_now_iso()
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO desk_pushes (desk_id, site_code, window_code, pushed_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (desk_id) DO UPDATE SET"
            " site_code = excluded.site_code, window_code = excluded.window_code,"
            " pushed_at = excluded.pushed_at",
            (desk.id, desk.site_code, desk.window_code, now),
        )
        row = conn.one("SELECT * FROM desk_pushes WHERE desk_id = ?", (desk.id,))
        assert row is not None
        emit(
            conn,
            p.CHANGE_WINDOW_PUSH,
            dict(push_body(row)),
            entity_id=desk.id,
            site_code=desk.site_code,
            origin_desk_id=desk.id,
        )


def push_body(row: dict[str, Any]) -> p.WindowPushBody:
    return p.WindowPushBody(
        site_code=str(row["site_code"]),
        window_code=str(row["window_code"]),
        desk_id=str(row["desk_id"]),
        pushed_at=str(row["pushed_at"]),
    )


def user_body(row: dict[str, Any]) -> p.UserBody:
    return p.UserBody(
        username=str(row["username"]),
        display_name=str(row["display_name"]),
        role=str(row["role"]),
        site_code=str(row["site_code"]),
        password_verifier=str(row["password_verifier"]),
        active=bool(row["active"]),
    )


def status_body(conn: Conn, row: dict[str, Any]) -> p.StatusChangeBody:
    last = conn.one(
        "SELECT note, at FROM status_history WHERE application_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (row["id"],),
    )
    return p.StatusChangeBody(
        application_id=str(row["id"]),
        acceptance_no=str(row["acceptance_no"] or ""),
        status=str(row["status"]),
        version=int(row["version"]),
        note=str(last["note"]) if last else "",
        at=str(last["at"]) if last else str(row["updated_at"]),
    )


#: Fields of an application only its own desk may see (central/authz.py):
#: the status key opens the applicant's public status page.
OWNER_ONLY_FIELDS = frozenset({"status_key", "status_url"})


def site_body(row: dict[str, Any]) -> p.SiteApplicationBody:
    record = {
        k: v for k, v in json.loads(row["body"]).items() if k not in OWNER_ONLY_FIELDS
    }
    return p.SiteApplicationBody(
        application_id=str(row["id"]),
        desk_id=str(row["desk_id"]),
        window_code=str(row["window_code"]),
        acceptance_no=str(row["acceptance_no"] or ""),
        status=str(row["status"]),
        version=int(row["version"]),
        record=record,
        updated_at=str(row["updated_at"]),
    )


def prune(db: Database, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Drop feed rows older than the retention; cursors before them resnapshot."""
    cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat(
        timespec="milliseconds"
    )
    with db.transaction() as conn:
        conn.lock_feed()
        top = conn.scalar("SELECT MAX(seq) FROM changes WHERE at < ?", (cutoff,))
        if top is None:
            return 0
        removed = conn.execute("DELETE FROM changes WHERE seq <= ?", (top,))
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('pruned_through', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(top),),
        )
    return removed

"""The changes feed desks pull: append, read by cursor, snapshot, prune.

A row's audience follows its columns: no site and no desk → every desk
(catalog, calendar); ``desk_id`` → that desk only (status of its own
applications); ``site_code`` without ``desk_id`` → every desk of the site
except ``origin_desk_id`` (users, other windows' applications).

Cursors are ``EPOCH.SEQ`` (``EPOCH.s.SEQ.RANK.KEY`` while paging through a
snapshot). A cursor from another database epoch, or older than the pruned
part of the feed, gets a full snapshot (``resnapshot=true``).

Every page costs what it returns, whatever the site's size: an incremental
page is three indexed range scans of ``changes`` (the desk's rows, its
site's, everyone's; migration 2's indexes), a snapshot page keyset scans of
the current tables in (rank, key) order, resuming after the cursor's key.
The guarantees a desk may rely on are written in sync/protocol.py
(``CURSOR_CONTRACT``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sync import protocol as p

from .db import Conn, Database

DEFAULT_RETENTION_DAYS = 30

# The audience condition as three disjoint range scans, each on an index
# and cut at the page size, merged in seq order.
AUDIENCE_PAGE = (
    "SELECT seq, kind, body FROM ("
    " SELECT * FROM (SELECT seq, kind, body FROM changes"
    "  WHERE desk_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?) AS own"
    " UNION ALL"
    " SELECT * FROM (SELECT seq, kind, body FROM changes"
    "  WHERE site_code = ? AND desk_id IS NULL AND seq > ? AND seq <= ?"
    "  AND (origin_desk_id IS NULL OR origin_desk_id <> ?)"
    "  ORDER BY seq LIMIT ?) AS site"
    " UNION ALL"
    " SELECT * FROM (SELECT seq, kind, body FROM changes"
    "  WHERE site_code IS NULL AND desk_id IS NULL AND seq > ? AND seq <= ?"
    "  ORDER BY seq LIMIT ?) AS everyone"
    ") AS audience ORDER BY seq LIMIT ?"
)


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
    """Queue a feed row; the transaction writes it just before its commit
    (``Conn.flush_changes``: the feed lock is held that briefly)."""
    conn.pending_changes.append(
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
        n = limit + 1
        rows = conn.all(
            AUDIENCE_PAGE,
            (
                *(desk.id, parsed, top, n),
                *(desk.site_code, parsed, top, desk.id, n),
                *(parsed, top, n, n),
            ),
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
            rank, key = int(parts[3]), parts[4]
            if not 0 <= rank < len(_SOURCES) or (
                rank == _CALENDAR_RANK and not key.isdigit()
            ):
                return None
            return _SnapshotCursor(int(parts[2]), (rank, key))
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
    start_rank, start_key = after if after is not None else (0, None)
    page: list[_Entry] = []
    for rank, source in enumerate(_SOURCES):
        if rank < start_rank or len(page) > limit:
            continue
        key = start_key if rank == start_rank else None
        page.extend(source(conn, desk, key, limit + 1 - len(page)))
    page, more = page[:limit], len(page) > limit
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


# (rank, key, kind, body); a snapshot is every source's entries in order.
_Entry = tuple[int, str, str, dict[str, Any]]


def _catalog_meta(conn: Conn, desk: Desk, after: str | None, n: int) -> list[_Entry]:
    meta = conn.scalar("SELECT value FROM meta WHERE key = 'catalog_meta'")
    if not meta or after is not None:
        return []
    return [(0, "", p.CHANGE_CATALOG_META, json.loads(meta))]


def _catalog_items(conn: Conn, desk: Desk, after: str | None, n: int) -> list[_Entry]:
    rows = conn.all(
        "SELECT code, body FROM catalog_items WHERE deleted = 0 AND code > ?"
        " ORDER BY code LIMIT ?",
        (after or "", n),
    )
    kind = p.CHANGE_CATALOG_ITEM
    return [(1, str(r["code"]), kind, json.loads(r["body"])) for r in rows]


def _calendar_years(conn: Conn, desk: Desk, after: str | None, n: int) -> list[_Entry]:
    rows = conn.all(
        "SELECT year, body FROM calendar_years WHERE year > ? ORDER BY year LIMIT ?",
        (int(after) if after else -1, n),
    )
    kind = p.CHANGE_CALENDAR_YEAR
    return [(2, f"{int(r['year']):06d}", kind, json.loads(r["body"])) for r in rows]


def _users(conn: Conn, desk: Desk, after: str | None, n: int) -> list[_Entry]:
    rows = conn.all(
        "SELECT * FROM users WHERE site_code = ? AND username > ?"
        " ORDER BY username LIMIT ?",
        (desk.site_code, after or "", n),
    )
    kind = p.CHANGE_USER
    return [(3, str(r["username"]), kind, dict(user_body(r))) for r in rows]


# Keyset pages of a site's applications (migration 2's indexes).
# The last status note comes in the same statement (no query per row).
_LAST = (
    "(SELECT s.{0} FROM status_history s WHERE s.application_id = a.id"
    " ORDER BY s.id DESC LIMIT 1) AS last_{0}"
)
OWN_APPLICATIONS_PAGE = (
    f"SELECT a.*, {_LAST.format('note')}, {_LAST.format('at')} FROM applications a"
    " WHERE a.site_code = ? AND a.desk_id = ? AND a.id > ? ORDER BY a.id LIMIT ?"
)
SITE_APPLICATIONS_PAGE = (
    "SELECT * FROM applications WHERE site_code = ? AND id > ? AND desk_id <> ?"
    " ORDER BY id LIMIT ?"
)


def _own_applications(
    conn: Conn, desk: Desk, after: str | None, n: int
) -> list[_Entry]:
    rows = conn.all(OWN_APPLICATIONS_PAGE, (desk.site_code, desk.id, after or "", n))
    kind = p.CHANGE_APPLICATION_STATUS
    return [(4, str(r["id"]), kind, dict(status_body_of(r, r))) for r in rows]


def _site_applications(
    conn: Conn, desk: Desk, after: str | None, n: int
) -> list[_Entry]:
    rows = conn.all(SITE_APPLICATIONS_PAGE, (desk.site_code, after or "", desk.id, n))
    kind = p.CHANGE_SITE_APPLICATION
    return [(5, str(r["id"]), kind, dict(site_body(r))) for r in rows]


def _window_pushes(conn: Conn, desk: Desk, after: str | None, n: int) -> list[_Entry]:
    rows = conn.all(
        "SELECT * FROM desk_pushes WHERE site_code = ? AND desk_id > ?"
        " AND desk_id <> ? ORDER BY desk_id LIMIT ?",
        (desk.site_code, after or "", desk.id, n),
    )
    kind = p.CHANGE_WINDOW_PUSH
    return [(6, str(r["desk_id"]), kind, dict(push_body(r))) for r in rows]


_CALENDAR_RANK = 2  # its keys are years, compared as numbers
# In rank order: what a desk needs first comes first.
_SOURCES = (
    _catalog_meta,
    _catalog_items,
    _calendar_years,
    _users,
    _own_applications,
    _site_applications,
    _window_pushes,
)


def record_push(conn: Conn, desk: Desk) -> None:
    """A push with nothing refused: the desk's records are in up to now.
    The other desks of the site hear of it, so a site-wide log can say, per
    window, up to when it is complete. In the push's own transaction."""
    now = p.utc_now_iso()
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
        "SELECT note AS last_note, at AS last_at FROM status_history"
        " WHERE application_id = ? ORDER BY id DESC LIMIT 1",
        (row["id"],),
    )
    return status_body_of(row, last)


def status_body_of(
    row: dict[str, Any], last: dict[str, Any] | None
) -> p.StatusChangeBody:
    """``last``: the application's last status_history ``last_note`` and
    ``last_at`` (None or NULLs: none yet)."""
    note = last.get("last_note") if last else None
    at = last.get("last_at") if last else None
    return p.StatusChangeBody(
        application_id=str(row["id"]),
        acceptance_no=str(row["acceptance_no"] or ""),
        status=str(row["status"]),
        version=int(row["version"]),
        note=str(note) if at is not None else "",
        at=str(at) if at is not None else str(row["updated_at"]),
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

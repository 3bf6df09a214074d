"""Checking and archiving the audit chain (see ``store/events.py``).

Verification walks the events in ``seq`` order, recomputes each SM3 hash and
names the first broken link: an *altered* event (its content no longer
matches its hash, or it was rewritten and re-hashed so the next link no
longer points at it), a *deleted* one (a gap in the sequence, or events the
platform already acknowledged missing at the end) or a *reordered* one.

Retention: events older than ``audit.keep_days`` (default 180, never less:
网络安全法 Art. 21 asks for six months) move to ``events_archive`` with
their hashes; ``audit_archives`` keeps the boundary, the anchor from which
the live table's chain is checked. Events the platform has not acknowledged
are never archived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlite_utils import Database

from counter_app import clock
from counter_app.store import settings
from counter_app.store.events import (
    EVENT_COLUMNS,
    KIND_AUDIT_ARCHIVED,
    add_event,
    archive_anchor,
    chain_head,
)
from sync import protocol as p

KEEP_DAYS_KEY: Final = "audit.keep_days"
MIN_KEEP_DAYS: Final = 180
#: sync_state: the highest sequence the platform acknowledged (contiguous).
PUSHED_SEQ_KEY: Final = "audit.pushed_seq"


@dataclass(frozen=True)
class Verification:
    count: int  # events checked and intact
    first_seq: int  # where the walk started (0: no event)
    last_seq: int  # the last event examined
    broken: p.AuditBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def keep_days(db: Database) -> int:
    """The retention in days; a stored value under the minimum counts as it."""
    try:
        value = int(settings.get(db, KEEP_DAYS_KEY) or MIN_KEEP_DAYS)
    except ValueError:
        value = MIN_KEEP_DAYS
    return max(MIN_KEEP_DAYS, value)


def pushed_seq(db: Database) -> int:
    row = db.execute(
        "SELECT value FROM sync_state WHERE key = ?", [PUSHED_SEQ_KEY]
    ).fetchone()
    return int(row[0]) if row is not None and str(row[0]).isdigit() else 0


def _rows(db: Database, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def _hash_known(db: Database) -> Callable[[str], bool]:
    def known(value: str) -> bool:
        return (
            db.execute(
                # A scan (no index since 0016): asked only about a broken link.
                "SELECT 1 FROM events WHERE hash = ? UNION ALL"
                " SELECT 1 FROM events_archive WHERE hash = ? LIMIT 1",
                [value, value],
            ).fetchone()
            is not None
        )

    return known


def verify(db: Database, *, since: date | None = None) -> Verification:
    """The whole chain, archive included; or from the first event on or
    after ``since`` (its link to earlier events is taken as given)."""
    union = (
        f"SELECT {EVENT_COLUMNS} FROM events_archive UNION ALL"
        f" SELECT {EVENT_COLUMNS} FROM events"
    )
    anchor_seq, anchor_hash = 0, p.GENESIS_HASH
    if since is not None:
        first = db.execute(
            f"SELECT seq, prev_hash FROM ({union}) WHERE at >= ? ORDER BY seq LIMIT 1",
            [since.isoformat()],
        ).fetchone()
        if first is None:
            return Verification(0, 0, 0, None)
        anchor_seq, anchor_hash = int(first[0]) - 1, str(first[1])
    rows = _rows(
        db, f"SELECT * FROM ({union}) WHERE seq > ? ORDER BY seq", [anchor_seq]
    )
    return _walk(db, rows, anchor_seq, anchor_hash)[0]


def verify_live(db: Database) -> tuple[Verification, str]:
    """The live table from the archive anchor (each sync round); also
    returns the head hash as recomputed from the rows ("" when broken)."""
    anchor_seq, anchor_hash = archive_anchor(db)
    rows = _rows(
        db,
        f"SELECT {EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq",
        [anchor_seq],
    )
    return _walk(db, rows, anchor_seq, anchor_hash)


def _walk(
    db: Database, rows: Iterator[dict[str, Any]], anchor_seq: int, anchor_hash: str
) -> tuple[Verification, str]:
    seen: list[int] = []

    def counted() -> Iterator[dict[str, Any]]:
        for row in rows:
            seen.append(int(row["seq"]))
            yield row

    count, broken, head = p.check_chain(
        counted(),
        anchor_seq=anchor_seq,
        anchor_hash=anchor_hash,
        hash_known=_hash_known(db),
    )
    last = seen[-1] if seen else anchor_seq
    if broken is None:
        broken = _tail_break(db, last)
    result = Verification(count, anchor_seq + 1 if seen else 0, last, broken)
    return result, head if broken is None else ""


def _tail_break(db: Database, last_seq: int) -> p.AuditBreak | None:
    """Events the platform acknowledged but the desk no longer holds."""
    acked = pushed_seq(db)
    if acked <= last_seq:
        return None
    at_row = db.execute(
        "SELECT at FROM events WHERE seq = ? UNION ALL"
        " SELECT at FROM events_archive WHERE seq = ?",
        [last_seq, last_seq],
    ).fetchone()
    missing = f"{last_seq + 1}" if acked == last_seq + 1 else f"{last_seq + 1}–{acked}"
    return p.AuditBreak(
        seq=last_seq + 1,
        at=str(at_row[0]) if at_row else "",
        problem=p.BREAK_DELETED,
        detail=missing,
    )


def head_report(db: Database, *, walk: bool) -> p.AuditHead:
    """What the desk tells the platform after pushing its events."""
    head_seq, head_hash = chain_head(db)
    anchor_seq, _ = archive_anchor(db)
    count = db.execute(
        "SELECT COUNT(*) FROM events WHERE seq > ? AND seq <= ?",
        [anchor_seq, head_seq],
    ).fetchone()[0]
    report = p.AuditHead(
        head_seq=head_seq, head_hash=head_hash, count=int(count), anchor_seq=anchor_seq
    )
    if walk:
        result, recomputed = verify_live(db)
        if result.broken is not None:
            report["broken"] = result.broken
        elif recomputed and result.last_seq == head_seq:
            report["chain_hash"] = recomputed
    return report


def archive_old(db: Database, *, actor: str = "system") -> int:
    """Move events older than the retention that the platform has
    acknowledged to ``events_archive``; returns how many moved. Call inside
    a write transaction."""
    before = (clock.today() - timedelta(days=keep_days(db))).isoformat()
    upto = db.execute(
        "SELECT MAX(seq) FROM events WHERE at < ? AND seq <= ?",
        [before, pushed_seq(db)],
    ).fetchone()[0]
    if upto is None:
        return 0
    first, last_hash, count = db.execute(
        "SELECT MIN(seq), (SELECT hash FROM events WHERE seq = ?), COUNT(*)"
        " FROM events WHERE seq <= ?",
        [upto, upto],
    ).fetchone()
    now = clock.now_iso()
    db.execute(
        f"INSERT INTO events_archive ({EVENT_COLUMNS}, archived_at)"
        f" SELECT {EVENT_COLUMNS}, ? FROM events WHERE seq <= ?",
        [now, upto],
    )
    db.execute("INSERT INTO audit_archiving (flag) VALUES (1)")
    db.execute("DELETE FROM events WHERE seq <= ?", [upto])
    db.execute("DELETE FROM audit_archiving")
    db.execute(
        "INSERT INTO audit_archives (first_seq, last_seq, last_hash, count, before,"
        " archived_at, archived_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [first, upto, last_hash, count, before, now, actor],
    )
    add_event(
        db,
        kind=KIND_AUDIT_ARCHIVED,
        actor=actor,
        target=f"events:{first}-{upto}",
        detail={"count": count, "before": before},
    )
    return int(count)

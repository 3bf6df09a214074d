"""Retention: closed applications older than a setting (default 3 years)
move out of the hot tables into ``applications_archive`` and
``status_history_archive`` (migration 3).

The hot tables then hold what desks need (open applications and closed
ones within the retention), so a desk's first pull (the feed's snapshot)
never carries archived ones, and the hot indexes stay the size of the
working set. Archived rows are kept for the record (audit, statistics);
the platform no longer serves them to desks or on the status page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync import protocol as p

from .db import Database

DEFAULT_ARCHIVE_AFTER_DAYS = 3 * 365
#: Finished for good: nothing more happens to these at the window.
CLOSED_STATUSES = (p.STATUS_DELIVERED, p.STATUS_REJECTED, p.STATUS_WITHDRAWN)
_CHUNK = 500  # rows per transaction: writers never wait long behind it

_APP_COLUMNS = (
    "id, desk_id, site_code, window_code, acceptance_no, status, version, body,"
    " updated_at"
)


def archive_closed(
    db: Database,
    *,
    older_than_days: int = DEFAULT_ARCHIVE_AFTER_DAYS,
    now: datetime | None = None,
) -> int:
    """Move closed applications last changed before the cutoff, with their
    status history; returns how many moved. 0 days or less: nothing."""
    if older_than_days <= 0:
        return 0
    moment = now or datetime.now(UTC)
    cutoff = (moment - timedelta(days=older_than_days)).isoformat(
        timespec="milliseconds"
    )
    closed = ", ".join("?" for _ in CLOSED_STATUSES)
    moved = 0
    while True:
        with db.transaction() as conn:
            ids = [
                str(r["id"])
                for r in conn.all(
                    f"SELECT id FROM applications WHERE updated_at < ?"
                    f" AND status IN ({closed}) ORDER BY updated_at LIMIT ?",
                    (cutoff, *CLOSED_STATUSES, _CHUNK),
                )
            ]
            if not ids:
                return moved
            marks = ", ".join("?" for _ in ids)
            conn.execute(
                f"INSERT INTO applications_archive ({_APP_COLUMNS}, archived_at)"
                f" SELECT {_APP_COLUMNS}, ? FROM applications WHERE id IN ({marks})"
                " ON CONFLICT (id) DO NOTHING",
                (p.utc_now_iso(), *ids),
            )
            conn.execute(
                "INSERT INTO status_history_archive"
                " (id, application_id, status, source, note, at)"
                " SELECT id, application_id, status, source, note, at"
                f" FROM status_history WHERE application_id IN ({marks})"
                " ON CONFLICT (id) DO NOTHING",
                ids,
            )
            conn.execute(
                f"DELETE FROM status_history WHERE application_id IN ({marks})", ids
            )
            conn.execute(f"DELETE FROM applications WHERE id IN ({marks})", ids)
            moved += len(ids)

"""Store maintenance: give freed pages back to the disk, refresh the query
planner's statistics, merge the full-text indexes.

Runs while holding the data dir's sync lock (the one every sync round takes,
``sync.runner.sync_lock``), so it never rewrites the file under a sync. The
app may stay open: VACUUM waits for its writes (busy timeout) like any
other writer.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from counter_app.i18n import _, listing
from counter_app.store.db import Store
from counter_app.store.events import add_event
from sync.runner import SyncBusy, sync_lock


@dataclass(frozen=True)
class MaintenanceReport:
    bytes_before: int
    bytes_after: int
    free_pages_before: int
    page_size: int
    vacuumed: bool
    fts_tables: tuple[str, ...]
    seconds: float
    skipped: str | None = None

    @property
    def freed(self) -> int:
        return self.bytes_before - self.bytes_after

    def message(self) -> str:
        lines = [
            _(
                "数据库维护完成，用时 {seconds:.1f} 秒：{before} → {after}，"
                "释放 {freed}。"
            ).format(
                seconds=self.seconds,
                before=_size(self.bytes_before),
                after=_size(self.bytes_after),
                freed=_size(max(0, self.freed)),
            ),
            _(
                "已更新查询统计（ANALYZE、PRAGMA optimize）并合并全文索引：{tables}。"
            ).format(tables=listing(self.fts_tables) or _("（无）")),
        ]
        if self.skipped:
            lines.append(self.skipped)
        return "\n".join(lines)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{n / 1024:.0f} KB"


def _files_size(path: Path) -> int:
    return sum(
        p.stat().st_size
        for p in (path, path.with_name(path.name + "-wal"))
        if p.exists()
    )


def run_maintenance(
    data_dir: Path, *, actor: str, key: bytes | None = None
) -> MaintenanceReport:
    """VACUUM (when the disk has room for the copy it writes), ANALYZE,
    FTS5 ``optimize`` and ``PRAGMA optimize``, under the sync lock. Raises
    ``sync.runner.SyncBusy`` while a sync is running. ``key``: the desk key
    when the caller has the store open already."""
    started = time.perf_counter()
    with sync_lock(data_dir, wait=False), Store.open(data_dir, key=key) as store:
        db = store.db
        path = store.path
        page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
        free_pages = int(db.execute("PRAGMA freelist_count").fetchone()[0])
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _files_size(path)
        fts = tuple(
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%' ORDER BY name"
            )
        )
        with store.transaction() as tx:
            for table in fts:
                tx.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        # VACUUM writes a copy of the database (in the temp dir, then through
        # the WAL): without that much room it would fail half-way.
        room = min(
            shutil.disk_usage(path.parent).free,
            shutil.disk_usage(_temp_dir()).free,
        )
        skipped = None
        if room > 2 * before:
            db.execute("VACUUM")
            vacuumed = True
        else:
            vacuumed = False
            skipped = _(
                "磁盘剩余空间不足（需要约 {need}，剩余 {free}），未整理数据库文件；"
                "请清理磁盘后再运行维护。"
            ).format(need=_size(2 * before), free=_size(room))
        db.execute("ANALYZE")
        db.execute("PRAGMA optimize")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = _files_size(path)
        report = MaintenanceReport(
            bytes_before=before,
            bytes_after=after,
            free_pages_before=free_pages,
            page_size=page_size,
            vacuumed=vacuumed,
            fts_tables=fts,
            seconds=time.perf_counter() - started,
            skipped=skipped,
        )
        with store.transaction() as tx:
            add_event(
                tx,
                kind="store.maintenance",
                actor=actor,
                target="store",
                detail={
                    "bytes_before": before,
                    "bytes_after": after,
                    "vacuumed": vacuumed,
                },
            )
    return report


def _temp_dir() -> Path:
    import tempfile

    return Path(tempfile.gettempdir())


#: The day close gives free pages back only when they are worth a VACUUM:
#: at least this much, and this share of the file (after a sync compacted a
#: long offline period, say). Otherwise new records reuse them anyway.
RECLAIM_MIN_BYTES = 32 * 1024 * 1024
RECLAIM_MIN_SHARE = 0.2


def reclaim_if_worth_it(store: Store, *, actor: str) -> MaintenanceReport | None:
    """The light maintenance the day close runs: ``PRAGMA optimize`` always
    (cheap: it analyzes only what changed a lot), the whole maintenance
    when free pages make up enough of the file, never while a sync runs.
    Returns the maintenance's report, or None when it did not run."""
    db = store.db
    db.execute("PRAGMA optimize")
    page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    free = int(db.execute("PRAGMA freelist_count").fetchone()[0])
    if free * page_size < RECLAIM_MIN_BYTES or free < pages * RECLAIM_MIN_SHARE:
        return None
    try:
        return run_maintenance(store.data_dir, actor=actor, key=store.key)
    except SyncBusy:
        return None  # the next day close tries again

"""Store size per application, before and after a clean sync.

    .venv/bin/python bench/bench_store_size.py [--applications 100000]

1. A desk enrolled with a real central server (loopback) takes N demo
   applications through the services (``seed_demo``: consultations, every
   kind of decision, back-office results, deliveries, ratings — the path the
   window takes, one transaction each). Its file size then is the figure
   *before sync* (target ≤ 6 KB per application).
2. Sync rounds until nothing is left; the engine deletes acknowledged ops.
   The file keeps its size (the freed pages are reused by new records);
   ``main.py maintenance`` then gives them back (VACUUM), and the size
   after it is the figure *after a clean sync* (target ≤ 3 KB).

KB = 1,000 bytes, the database and its WAL (checkpointed). Where the bytes
go is printed per table and index (SQLite's dbstat over a plain copy made
in a temporary directory and deleted at once; the encrypted file is ~3 %
larger: SQLCipher keeps 80 bytes of each 4 KB page for its IV and HMAC).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = Path(tempfile.mkdtemp(prefix="bench-store-"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
# a throw-away token and key in a temporary directory: opt in like the tests
os.environ["COUNTER_TEST_KEYRING"] = "1"
os.environ["XDG_DATA_HOME"] = str(_TMP / "keyring")

from counter_app.services.demo import seed_demo  # noqa: E402
from counter_app.services.maintenance import run_maintenance  # noqa: E402
from counter_app.store.db import Store  # noqa: E402
from sync.engine import EngineConfig  # noqa: E402
from sync.runner import sync_once  # noqa: E402
from tests.central_fixtures import start_central  # noqa: E402
from tests.sync_fixtures import make_desk  # noqa: E402

KB = 1000


def _size(store: Store) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = store.path.with_name(store.path.name + "-wal")
    return store.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _where(store: Store, n: int, top: int = 12) -> None:
    """Bytes per application of the largest tables and indexes."""
    plain = _TMP / "plain-copy.sqlite3"
    try:
        store.db.execute("ATTACH DATABASE ? AS plain KEY ''", [str(plain)])
        store.db.execute("SELECT sqlcipher_export('plain')")
        store.db.execute("DETACH DATABASE plain")
        conn = sqlite3.connect(plain)
        rows = conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
        conn.close()
    finally:
        plain.unlink(missing_ok=True)
    for name, size in rows[:top]:
        print(f"    {name:42} {size / n:8,.0f} B per application")
    rest = sum(size for _name, size in rows[top:])
    print(f"    {'(the other ' + str(len(rows) - top) + ')':42} {rest / n:8,.0f}")


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    args = parser.parse_args()
    n = args.applications
    with start_central(_TMP / "central") as server:
        desk = make_desk(server, _TMP / "desk")
        with Store.open(desk.data_dir) as store:
            with store.transaction() as db:  # the default: no log of acked ops
                db.execute("DELETE FROM settings WHERE key = 'outbox.keep_days'")
            started = time.perf_counter()
            made = seed_demo(store, applications=n)
            seeded = time.perf_counter() - started
            ops = store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            before = _size(store)
            print(
                f"seeded {made:,} applications through the services in "
                f"{seeded:.0f} s; {ops:,} ops waiting"
            )
            _where(store, made)
        kb = before / made / KB
        print(
            f"store before sync: {kb:.2f} KB per application ({made:,} applications,"
            f" {before / 1e6:.1f} MB; target <= 6 KB: {_verdict(kb, 6.0)})"
        )
        started = time.perf_counter()
        acked = rounds = 0
        # The outbox is as after a clean sync once every op is acknowledged
        # and none is left, even when the pull fails (before the keyset
        # feed, the platform refused its own cursor past one snapshot page).
        config = EngineConfig(batch_max=500, pull_limit=5000)
        while True:
            rounds += 1
            report = sync_once(desk.data_dir, config=config)
            acked += report.acked
            pushed = report.remaining_ops == 0 and report.dead_letters == 0
            if report.clean or (pushed and report.acked == 0) or rounds >= 20:
                break
        synced = time.perf_counter() - started
        with Store.open(desk.data_dir) as store:
            left = store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            free = int(store.db.execute("PRAGMA freelist_count").fetchone()[0])
            page = int(store.db.execute("PRAGMA page_size").fetchone()[0])
            compacted = _size(store)
        print(
            f"sync: {acked:,} ops acknowledged in {rounds} round(s), {synced:.0f} s"
            f" ({'clean' if report.clean else 'push clean, then: ' + report.error});"
            f" {left} ops left in the outbox"
        )
        print(
            f"after the sync, before maintenance: {compacted / made / KB:.2f} KB per"
            f" application, of which {free * page / 1e6:.1f} MB free pages (reused"
            " by new records)"
        )
        maintenance = run_maintenance(desk.data_dir, actor="bench")
        with Store.open(desk.data_dir) as store:
            after = _size(store)
            _where(store, made)
        kb = after / made / KB
        print(
            f"maintenance (VACUUM, ANALYZE) took {maintenance.seconds:.1f} s,"
            f" freed {maintenance.freed / 1e6:.1f} MB"
        )
        print(
            f"store after a clean sync: {kb:.2f} KB per application"
            f" ({made:,} applications, {after / 1e6:.1f} MB; target <= 3 KB:"
            f" {_verdict(kb, 3.0)})"
        )
    shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

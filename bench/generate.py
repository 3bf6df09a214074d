"""A realistic desk store of any size, for every scale benchmark.

    python -m bench.generate --applications 1000000 --years 5 --windows 30 \\
        --out DIR [--catalog-items 3000] [--own-window 01] [--seed 11]

Opens ``DIR`` as the app does (``Store.open``: the real migrations, SQLCipher
with the desk key from ``COUNTER_KEY_FILE`` or the keyring), gives it the
shipped catalog and calendar plus the synthetic county catalog
(``bench.gen_catalog``), the demo users (password ``counter123``) and one
desk identity (site 320102001, window ``--own-window``), then bulk-inserts
``--applications`` applications over the last ``--years`` years of working
days, spread over ``--windows`` windows of the site, with executemany in
big transactions. The schema's indexes and triggers are in place when it
ends; during the load the big tables' indexes are dropped and built again,
and the search-term trigger's rule is applied once, in key order (a test
checks the terms against what the trigger itself makes).

What a desk holds after a clean sync (see ``bench/gen_records.py``): its
own window's applications with materials, events (an intact SM3 chain, the
old part archived by the day closes), evaluations, print jobs,
consultations, day closes and scan files; the other windows' applications
as the feed's read-only copies. No outbox rows: everything is acknowledged.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import gen_pipeline  # noqa: E402
from bench.gen_audit import EVENT_ROW, build_chain  # noqa: E402
from bench.gen_records import (  # noqa: E402
    APP_COLUMNS,
    MATERIAL_COLUMNS,
    Event,
    Item,
    WorkingDays,
)
from counter_app import clock  # noqa: E402
from counter_app.store.db import CACHE_KIB, Store  # noqa: E402

SITE = "320102001"
DESK_ID = "desk-320102001-generated"
LOAD_CACHE_KIB = 1_048_576  # 1 GiB of page cache while loading
# Indexes of these tables are built once after the load (the same SQL,
# from sqlite_master): sorting once is cheaper than a million inserts into
# each.
DEFERRED_INDEXES = ("applications", "application_materials", "application_terms")
# Triggers dropped for the load and put back after it: the first's whole
# effect the generated rows already carry (it sets completed_on/delivered_on
# only where the row has none); the search-term trigger's rule is applied
# once to every application (TERMS_FILL), its terms inserted in key order
# instead of eight million times at random places in the term table.
DEFERRED_TRIGGERS = ("applications_completed_insert", "applications_terms_insert")
# The term trigger's rule (migration 0003) over the whole table, sorted.
TERMS_FILL = """
    INSERT OR IGNORE INTO application_terms (term, application_id)
    SELECT substr(name, n, size) AS term, id
    FROM (SELECT id, applicant_name AS name FROM applications UNION ALL
          SELECT id, agent_name FROM applications UNION ALL
          SELECT id, org_name FROM applications) AS names,
         term_positions,
         (SELECT 1 AS size UNION ALL SELECT 2) AS sizes
    WHERE name IS NOT NULL AND n + size - 1 <= length(name)
    ORDER BY term, id
"""


@dataclass(frozen=True)
class Summary:
    applications: int
    own: int
    events: int
    archived_events: int
    scans: int
    seconds: float
    cpu_seconds: float  # this process and the row worker
    size_bytes: int


def _items(store: Store) -> list[Item]:
    db = store.db
    mats: dict[str, list[tuple[str, str, int, int, bool]]] = {}
    for code, key, name, originals, copies, can_defer in db.execute(
        "SELECT item_code, key, name, originals, copies, can_defer"
        " FROM catalog_materials WHERE condition IS NULL ORDER BY item_code, position"
    ):
        mats.setdefault(code, []).append(
            (key, name, int(originals), int(copies), bool(can_defer))
        )
    return [
        Item(code, name, dept, int(days), bool(spot), tuple(mats.get(code, ())))
        for code, name, dept, days, spot in db.execute(
            "SELECT code, name, department, promised_days, on_the_spot"
            " FROM catalog_items ORDER BY code"
        )
    ]


def _catalog(store: Store, items: int) -> None:
    from counter_app.domain.catalog import parse_catalog
    from counter_app.services.setup import ensure_seeded
    from counter_app.store.catalog import store_catalog

    ensure_seeded(store)
    if items > 41:
        from bench.gen_catalog import county_catalog

        catalog = parse_catalog(json.dumps(county_catalog(items), ensure_ascii=False))
        with store.transaction() as tx:
            store_catalog(tx, catalog)


def _identity(
    store: Store, *, own_window: str, windows: list[str], server_url: str
) -> None:
    from counter_app.services.demo import seed_users
    from counter_app.store import settings

    seed_users(store)  # clerk01, clerk02, chief01 with the demo password
    with store.transaction() as db:
        settings.put(db, "site_code", SITE)
        settings.put(db, "window_code", own_window)
        settings.put(db, "desk_id", DESK_ID)
        if server_url:
            settings.put(db, "server_url", server_url)
        verifier, changed = db.execute(
            "SELECT password_verifier, updated_at FROM users WHERE username = 'clerk01'"
        ).fetchone()
        # The other windows' clerks, as the feed brings the site's users.
        db.conn.executemany(
            "INSERT OR IGNORE INTO users (username, display_name, role,"
            " password_verifier, site_code, active, updated_at, pulled_verifier)"
            " VALUES (?, ?, 'clerk', ?, ?, 1, ?, ?)",
            [
                (f"clerk{w}{s}", f"{w}号窗口{s}", verifier, SITE, changed, verifier)
                for w in windows
                if w != own_window
                for s in "ab"
            ],
        )


def _insert(store: Store, batch: gen_pipeline.Batch) -> None:
    """One transaction for a batch of days."""
    rows, closes = batch.rows, batch.closes
    with store.transaction() as db:
        c = db.conn
        c.executemany(
            f"INSERT INTO applications ({APP_COLUMNS}) VALUES"
            f" ({','.join('?' * APP_COLUMNS.count(',') + '?')})",
            rows.applications,
        )
        c.executemany(
            f"INSERT INTO application_materials ({MATERIAL_COLUMNS})"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            rows.materials,
        )
        c.executemany(
            "INSERT INTO evaluations (id, application_id, level, reasons, channel,"
            " clerk, window_code, created_at, day, follow_up, follow_up_by,"
            " follow_up_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows.evaluations,
        )
        c.executemany(
            "INSERT INTO print_jobs (application_id, document, printer, copies,"
            " reprint, status, actor, created_at, finished_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            rows.print_jobs,
        )
        c.executemany(
            "INSERT INTO consultations (id, item_code, answers, applicant_name,"
            " phone, clerk, site_code, window_code, created_at, day, application_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows.consultations,
        )
        c.executemany(
            "INSERT INTO window_sequences (site_code, window_code, day,"
            " last_sequence) VALUES (?,?,?,?)",
            rows.sequences,
        )
        c.executemany(
            "INSERT INTO day_closes (site_code, window_code, day, closed_at,"
            " closed_by, totals, pending_ops) VALUES (?,?,?,?,?,?,0)",
            closes,
        )
        c.executemany(
            "INSERT OR IGNORE INTO blobs (sha256, size, mime, pages, created_at,"
            " uploaded_at) VALUES (?,?,?,?,?,?)",
            batch.blobs,
        )
        c.executemany(
            "INSERT INTO material_files (application_id, material_key, sha256,"
            " position, pages, rotation, source, original_name, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            batch.files,
        )


def _defer(conn: object) -> list[str]:
    """Drop the deferred indexes and triggers; returns their SQL."""
    marks = ",".join("?" * len(DEFERRED_INDEXES))
    names = ",".join("?" * len(DEFERRED_TRIGGERS))
    found = conn.execute(  # type: ignore[attr-defined]
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND"
        f" ((type = 'index' AND tbl_name IN ({marks}))"
        f" OR (type = 'trigger' AND name IN ({names})))",
        [*DEFERRED_INDEXES, *DEFERRED_TRIGGERS],
    ).fetchall()
    for kind, name, _sql in found:
        conn.execute(f'DROP {kind.upper()} "{name}"')  # type: ignore[attr-defined]
    return [str(sql) for _k, _n, sql in found]


def _audit(store: Store, events: list[Event], *, windows: list[str]) -> tuple[int, int]:
    from counter_app.store.audit import PUSHED_SEQ_KEY, keep_days
    from sync.state import put_state

    # The events of the set-up (users) come first; they are rewritten
    # unchanged, as the archiving step moves events.
    prefix = store.db.execute(f"SELECT {EVENT_ROW} FROM events ORDER BY seq").fetchall()
    chain = build_chain(
        events,
        keep_days=keep_days(store.db),
        actor="chief01",
        seed=len(events),
        prefix=[tuple(r) for r in prefix],
    )
    now = clock.now_iso()
    with store.transaction() as db:
        c = db.conn
        c.execute("INSERT INTO audit_archiving (flag) VALUES (1)")
        c.execute("DELETE FROM events")
        c.execute("DELETE FROM audit_archiving")
        c.executemany(
            f"INSERT INTO events_archive ({EVENT_ROW}, archived_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            chain.archived,
        )
        c.executemany(
            "INSERT INTO audit_archives (first_seq, last_seq, last_hash, count,"
            " before, archived_at, archived_by) VALUES (?,?,?,?,?,?,?)",
            chain.boundaries,
        )
        c.executemany(
            f"INSERT INTO events ({EVENT_ROW}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            chain.live,
        )
        # after a clean sync: the platform holds every event and record
        put_state(db, PUSHED_SEQ_KEY, str(chain.head_seq))
        put_state(db, "last_success", now)
        put_state(db, "cursor", str(chain.head_seq * 7))
        for window in windows:
            put_state(db, f"window_pushed:{window}", now)
    return chain.head_seq, len(chain.archived)


def generate(
    out: Path,
    *,
    applications: int,
    years: float,
    windows: int,
    catalog_items: int = 3000,
    own_window: str = "01",
    seed: int = 11,
    scans: bool = True,
    server_url: str = "",
    key: bytes | None = None,
    progress: Callable[[str], None] = print,
) -> Summary:
    """``key``: the desk key's lookup by default; ``store.db.PLAIN`` makes
    the unencrypted baseline store."""
    started = time.perf_counter()
    store = Store.open(out, key=key)
    try:
        if store.db.execute("SELECT 1 FROM applications LIMIT 1").fetchone():
            raise SystemExit(f"{out} already holds applications; give an empty folder")
        from counter_app.store.calendar import load_calendar

        now = clock.now()
        today = now.date()
        first = today - timedelta(days=round(365.25 * years))
        # The desk was set up on its first day: catalog, users and their
        # events are dated then, before the history that follows.
        with clock.restored() as running:
            clock.set_clock(
                lambda: running() - timedelta(days=(today - first).days + 1)
            )
            _catalog(store, catalog_items)
            windows_list = [f"{n:02d}" for n in range(1, windows + 1)]
            if own_window not in windows_list:
                windows_list[0] = own_window
            _identity(
                store,
                own_window=own_window,
                windows=windows_list,
                server_url=server_url,
            )
        wd = WorkingDays(load_calendar(store.db), first, today)
        items = _items(store)
        progress(
            f"catalog {len(items):,} items, {len(wd.past):,} working days"
            f" {wd.past[0]} … {today}, {windows} windows"
            f" ({time.perf_counter() - started:.1f} s)"
        )
        conn = store.db.conn
        conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        conn.execute("PRAGMA synchronous = OFF")
        kwargs = {
            "items": items,
            "windows": windows,
            "own_window": own_window,
            "site_code": SITE,
            "desk_id": DESK_ID,
            "tz": clock.now().tzinfo,
            "days": wd,
            "seed": seed,
            "scans": scans,
            "people": max(1000, applications // 3),
        }
        deferred = _defer(conn)
        events: list[Event] = []
        made = own = files = 0
        for batch in gen_pipeline.run(
            kwargs, applications, data_dir=out, key=store.key
        ):
            _insert(store, batch)
            events.extend(batch.rows.events)
            made += len(batch.rows.applications)
            own += sum(last for *_k, last in batch.rows.sequences)
            files += len(batch.files)
            rate = made / (time.perf_counter() - started)
            progress(f"  {made:,}/{applications:,} applications ({rate:,.0f}/s)")
        with store.transaction() as db:
            db.execute(TERMS_FILL)
            for sql in deferred:
                db.execute(sql)
        progress(
            f"search terms and indexes built ({len(deferred)})"
            f" ({time.perf_counter() - started:.1f} s)"
        )
        head, archived = _audit(store, events, windows=windows_list)
        progress(
            f"audit chain: {head:,} events ({archived:,} archived)"
            f" ({time.perf_counter() - started:.1f} s)"
        )
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return Summary(
        applications=made,
        own=own,
        events=head,
        archived_events=archived,
        scans=files,
        seconds=time.perf_counter() - started,
        cpu_seconds=_cpu(),
        size_bytes=(out / "counter.sqlite3").stat().st_size,
    )


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--windows", type=int, default=30)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--catalog-items", type=int, default=3000)
    parser.add_argument("--own-window", default="01")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-scans", action="store_true")
    parser.add_argument(
        "--server-url", default="", help="record an enrollment with this platform"
    )
    args = parser.parse_args(argv)
    s = generate(
        args.out,
        applications=args.applications,
        years=args.years,
        windows=args.windows,
        catalog_items=args.catalog_items,
        own_window=args.own_window,
        seed=args.seed,
        scans=not args.no_scans,
        server_url=args.server_url,
    )
    print(
        f"generated {s.applications:,} applications ({s.own:,} of this window,"
        f" {s.events:,} events, {s.archived_events:,} archived, {s.scans:,} scan"
        f" files) in {s.seconds:.1f} s (CPU {s.cpu_seconds:.1f} s);"
        f" {s.size_bytes / 1e6:,.0f} MB,"
        f" {s.size_bytes / max(s.applications, 1) / 1024:.2f} KB per application"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

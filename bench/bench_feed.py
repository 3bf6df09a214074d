"""First-pull benchmark: a new (or replaced) desk pulls its site's state from
the platform's feed, at several site sizes.

    .venv/bin/python bench/bench_feed.py [--sizes 2000 8000 32000 300000]
        [--page 500] [--sample-pages 20] [--http-up-to 32000]
        [--log-rows 10000 100000 1000000]

For each size, a fresh SQLite platform database is filled with bulk SQL
(not through HTTP): a 300-item catalog, 3 calendar years, 30 users, the
site's applications spread over 10 windows (the pulling desk is one of
them: a replaced PC), and a tenth as many at a neighbouring site.

First, incremental pulls: ~200 changes for one desk's site while the log
since its cursor holds 10k, 100k, 1M changes of other sites (the cost
should follow what is returned, not the log), beside the single-OR
audience query the feed used before.

Then the first pull. Prints, per size: the time per snapshot page in process (read + JSON
encoding) at the start and deep inside the applications (keyset: it should
not grow with the site), and up to ``--http-up-to`` applications the whole
first pull through a real ``python -m central serve`` over loopback
(target: 32,000 applications in < 10 s). Ends with the flatness ratio: the
largest size's median page time over the smallest's (target ≤ 1.3).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from central import admin, feed
from central.db import Conn, Database
from sync import protocol as p
from tests.central_fixtures import PostgresCluster, start_central, start_postgres

SITE, NEIGHBOUR = "S3301020", "S3301030"
WINDOWS = [f"W{i:02d}" for i in range(1, 11)]
STATUSES = [
    p.STATUS_SUBMITTED,
    p.STATUS_IN_REVIEW,
    p.STATUS_APPROVED,
    p.STATUS_RESULT_READY,
    p.STATUS_DELIVERED,
    p.STATUS_NOTIFIED_TO_SUPPLEMENT,
]


def _record(rng: random.Random, app_id: str, number: str, status: str) -> str:
    """An application record of realistic size (~700 bytes of JSON)."""
    return json.dumps(
        {
            "id": app_id,
            "acceptance_no": number,
            "status": status,
            "item_code": f"XK{rng.randrange(10**8):08d}",
            "item_name": "食品经营许可（新办）",
            "applicant_name": "张" + "伟芳娜秀英敏静丽强磊军"[rng.randrange(11)],
            "applicant_id_masked": "3301**********" + f"{rng.randrange(10**4):04d}",
            "phone_masked": "138****" + f"{rng.randrange(10**4):04d}",
            "accepted_at": "2026-11-20T09:12:00+08:00",
            "due_date": "2026-12-04",
            "clerk": "clerk01",
            "materials": [
                {"name": name, "received": True, "copies": 1}
                for name in ("居民身份证", "营业执照", "经营场所证明", "申请书")
            ],
            "status_key": uuid.uuid4().hex[:16],
        },
        ensure_ascii=False,
    )


def _bulk(conn: Conn, sql: str, rows: Any) -> None:
    if conn.postgres:
        with conn.raw.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)
    else:
        conn.raw.executemany(sql, rows)


def _database(path: Path, pg: PostgresCluster | None) -> Database:
    if pg is not None:
        return Database(url=pg.new_database())
    return Database(sqlite_path=path)


def fill(db: Database, *, size: int, desk_ids: list[str]) -> float:
    """Bulk rows for one site of ``size`` applications; returns seconds."""
    rng = random.Random(size)
    t0 = time.perf_counter()
    now = p.utc_now_iso()
    with db.transaction() as conn:
        _bulk(
            conn,
            "INSERT INTO catalog_items (code, body, version) VALUES (?, ?, 'v1')",
            (
                (f"XK{i:08d}", json.dumps({"code": f"XK{i:08d}", "pad": "材" * 300}))
                for i in range(300)
            ),
        )
        _bulk(
            conn,
            "INSERT INTO calendar_years (year, body) VALUES (?, ?)",
            (
                (y, json.dumps({"year": y, "days": ["x"] * 40}))
                for y in (2025, 2026, 2027)
            ),
        )
        _bulk(
            conn,
            "INSERT INTO users (username, display_name, role, site_code,"
            " password_verifier, updated_at) VALUES (?, ?, 'clerk', ?, ?, ?)",
            ((f"u{i:03d}", f"用户{i}", SITE, "v" * 120, now) for i in range(30)),
        )

        def apps(site: str, count: int, desks: list[str]) -> Any:
            for i in range(count):
                desk = desks[i % len(desks)]
                window = WINDOWS[i % len(WINDOWS)]
                app_id = str(uuid.UUID(int=rng.getrandbits(128)))
                number = f"{site}{window}20261120{i:06d}"
                status = STATUSES[i % len(STATUSES)]
                body = _record(rng, app_id, number, status)
                yield (app_id, desk, site, window, number, status, body, now)

        sql = (
            "INSERT INTO applications (id, desk_id, site_code, window_code,"
            " acceptance_no, status, version, body, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)"
        )
        _bulk(conn, sql, apps(SITE, size, desk_ids))
        others = [f"n-{w}" for w in WINDOWS]
        _bulk(conn, sql, apps(NEIGHBOUR, size // 10, others))
        conn.execute(
            "INSERT INTO status_history (application_id, status, source, note, at)"
            " SELECT id, status, 'desk', '', updated_at FROM applications"
            " WHERE desk_id = ?",
            (desk_ids[0],),
        )
    with db.transaction() as conn:
        conn.execute("ANALYZE")
    return time.perf_counter() - t0


def _page(db: Database, desk: feed.Desk, cursor: str | None, limit: int) -> Any:
    t0 = time.perf_counter()
    page = feed.read_changes(db, desk, since=cursor, limit=limit)
    json.dumps(page, ensure_ascii=False)  # what the HTTP layer encodes
    return page, (time.perf_counter() - t0) * 1000


def sample(
    db: Database, desk: feed.Desk, *, cursor: str | None, pages: int, limit: int
) -> list[float]:
    """Times of up to ``pages`` full pages from ``cursor`` (a last, partial
    page is not a page's cost)."""
    times = []
    for _ in range(pages):
        page, ms = _page(db, desk, cursor, limit)
        if len(page["changes"]) == limit:
            times.append(ms)
        cursor = page["cursor"]
        if not page["more"]:
            break
    return times


def http_first_pull(
    db: Database, db_path: Path, token: str, limit: int
) -> tuple[float, int, int]:
    """The whole first pull over loopback: seconds, pages, changes."""
    # Serves db.url, or else workdir/central.db.
    with start_central(db_path.parent, database_url=db.url) as srv:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        cursor, pages, changes = None, 0, 0
        t0 = time.perf_counter()
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["since"] = cursor
            resp = session.get(srv.base_url + p.PATH_CHANGES, params=params, timeout=60)
            resp.raise_for_status()
            body = resp.json()
            pages, changes = pages + 1, changes + len(body["changes"])
            cursor = body["cursor"]
            if not body["more"]:
                return time.perf_counter() - t0, pages, changes


def limit_pages(args: argparse.Namespace) -> int:
    """Rows the deep sample reads: it starts that far before the end."""
    return int(args.page * args.sample_pages)


def run_size(
    size: int, args: argparse.Namespace, root: Path, pg: PostgresCluster | None
) -> float:
    path = root / f"site-{size}" / "central.db"
    db = _database(path, pg)
    db.create_schema()
    new = admin.create_desk(db, site_code=SITE, window_code=WINDOWS[0], name="窗口1")
    token = admin.enroll(db, code=new.enrollment_code, desk_name="窗口1")["token"]
    desk_ids = [new.desk_id] + [f"d-{w}" for w in WINDOWS[1:]]
    seconds = fill(db, size=size, desk_ids=desk_ids)
    desk = feed.Desk(new.desk_id, SITE, WINDOWS[0], "窗口1")
    print(f"{size:,} site applications (generated in {seconds:.1f} s)", flush=True)
    first = sample(db, desk, cursor=None, pages=args.sample_pages, limit=args.page)
    # Deep inside the other windows' applications: the last pages by key.
    with db.transaction(write=False) as conn:
        deep_key = conn.scalar(
            "SELECT id FROM applications WHERE site_code = ? AND desk_id <> ?"
            " ORDER BY id LIMIT 1 OFFSET ?",
            (SITE, desk.id, max(0, int(size * 0.9) - limit_pages(args) - 1)),
        )
        epoch = conn.scalar("SELECT value FROM meta WHERE key = 'epoch'")
    deep = sample(
        db,
        desk,
        cursor=f"{epoch}.s.0.5.{deep_key}",
        pages=args.sample_pages,
        limit=args.page,
    )
    db.close()
    pages = first + deep
    median = statistics.median(pages)
    p95 = sorted(pages)[max(0, int(len(pages) * 0.95) - 1)]
    print(
        f"  time per page at {size:,} site applications: median {median:.1f} ms,"
        f" p95 {p95:.1f} ms (first pages {statistics.median(first):.1f} ms,"
        f" deep pages {statistics.median(deep):.1f} ms; {args.page} per page)",
        flush=True,
    )
    if size <= args.http_up_to:
        total, count, changes = http_first_pull(db, path, token, args.page)
        print(
            f"  first pull over HTTP, {size:,} site applications: {total:.2f} s"
            f" ({count} pages, {changes:,} changes, {total / count * 1000:.0f} ms"
            " per page); target < 10 s at 32,000",
            flush=True,
        )
    path.unlink(missing_ok=True)
    return median


# The audience condition before the split (one OR over the whole range;
# NOT INDEXED: the schema then had no index it could use).
_OLD_AUDIENCE = (
    "SELECT c.seq, c.kind, c.body FROM changes c NOT INDEXED"
    " WHERE c.seq > ? AND c.seq <= ?"
    " AND ((c.site_code IS NULL AND c.desk_id IS NULL) OR c.desk_id = ?"
    " OR (c.desk_id IS NULL AND c.site_code = ?"
    " AND (c.origin_desk_id IS NULL OR c.origin_desk_id <> ?)))"
    " ORDER BY c.seq LIMIT ?"
)


def run_log(
    rows: int, root: Path, pg: PostgresCluster | None, *, mine: int = 200
) -> None:
    """An incremental pull of ``mine`` changes for one desk while the log
    since its cursor holds ``rows`` changes of 3,000 other sites."""
    path = root / f"log-{rows}" / "central.db"
    db = _database(path, pg)
    db.create_schema()
    every = max(1, rows // mine)
    body = json.dumps({"record": {"pad": "办" * 100}}, ensure_ascii=False)
    now = p.utc_now_iso()

    def log() -> Any:
        for i in range(rows):
            site = SITE if i % every == 0 else f"S{i % 3000:07d}"
            origin = f"d-{site}-{i % 10}"
            yield ("site_application", site, None, origin, str(i), body, now)

    t0 = time.perf_counter()
    with db.transaction() as conn:
        _bulk(
            conn,
            "INSERT INTO changes (kind, site_code, desk_id, origin_desk_id,"
            " entity_id, body, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            log(),
        )
    with db.transaction() as conn:
        conn.execute("ANALYZE")
        epoch = conn.scalar("SELECT value FROM meta WHERE key = 'epoch'")
    made = time.perf_counter() - t0
    desk = feed.Desk("reader", SITE, WINDOWS[0], "reader")
    times, got = [], 0
    for _ in range(21):  # ms each: a median of many rides out load spikes
        t0 = time.perf_counter()
        cursor, got = f"{epoch}.0", 0
        while True:
            page = feed.read_changes(db, desk, since=cursor, limit=500)
            got += len(page["changes"])
            cursor = page["cursor"]
            if not page["more"]:
                break
        times.append((time.perf_counter() - t0) * 1000)
    with db.transaction(write=False) as conn:
        sql = _OLD_AUDIENCE
        if conn.postgres:  # no OR across indexes: the old schema had none
            conn.execute("SET LOCAL enable_bitmapscan = off")
            sql = sql.replace(" NOT INDEXED", "")
        t0 = time.perf_counter()
        old = conn.all(sql, (0, rows, desk.id, SITE, desk.id, 501))
        old_ms = (time.perf_counter() - t0) * 1000
    db.close()
    path.unlink(missing_ok=True)
    print(
        f"incremental pull of {got} changes over {rows:,} log rows of other"
        f" sites: median {statistics.median(times):.1f} ms (one-OR query before"
        f" the split: {old_ms:.1f} ms for {len(old)}; log made in {made:.1f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2000, 8000, 32000, 300000]
    )
    parser.add_argument("--page", type=int, default=p.DEFAULT_CHANGES_LIMIT)
    parser.add_argument("--sample-pages", type=int, default=20)
    parser.add_argument("--http-up-to", type=int, default=32000)
    parser.add_argument(
        "--log-rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000]
    )
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="a private PostgreSQL 15 cluster instead of SQLite files",
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(start_postgres()) if args.postgresql else None
        print(f"back end: {'PostgreSQL 15' if pg else 'SQLite'}", flush=True)
        for rows in args.log_rows:
            run_log(rows, root, pg)
        medians = [run_size(size, args, root, pg) for size in args.sizes]
    smallest, largest = args.sizes[0], args.sizes[-1]
    print(
        f"flatness: median page {medians[-1]:.1f} ms at {largest:,} vs"
        f" {medians[0]:.1f} ms at {smallest:,} site applications:"
        f" ratio {medians[-1] / medians[0]:.2f} (target ≤ 1.3)",
        flush=True,
    )


if __name__ == "__main__":
    main()

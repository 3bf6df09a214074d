"""Foundation benchmarks: catalog search, and demo-seed through the services.

    python bench/bench_foundation.py [--applications 100000]

Prints figures and ratios against baselines measured in the same run:
- catalog search vs a primary-key lookup of one item (target: < 10 ms);
- demo-seed (every application through decide(), one transaction each, with
  outbox and events) vs committing the same number of bare one-row
  transactions in the same database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from counter_app.services.demo import seed_demo
from counter_app.services.setup import ensure_seeded
from counter_app.store.catalog import search
from counter_app.store.db import Store

QUERIES = [
    "yyzz",
    "执照",
    "营业执照",
    "居住证",
    "shbzk",
    "XK00102001",
    "食品",
    "低保",
    "出生",
    "不动产转移登记",
    "dbz",
    "残疾",
]


def median_ms(fn, repeat: int = 200) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench_search(store: Store) -> None:
    base = median_ms(
        lambda: store.db.execute(
            "SELECT body FROM catalog_items WHERE code = 'XK00102001'"
        ).fetchone()
    )
    print(f"baseline: primary-key lookup of one item      {base:8.3f} ms")
    worst = 0.0
    for q in QUERIES:
        ms = median_ms(lambda q=q: search(store.db, q))
        worst = max(worst, ms)
        hits = search(store.db, q)
        top = hits[0].name if hits else "-"
        print(f"search {q!r:18} {ms:8.3f} ms  ×{ms / base:6.1f}  top: {top}")
    print(
        f"worst search median: {worst:.3f} ms (target < 10 ms: "
        f"{'met' if worst < 10 else 'MISSED'})"
    )


def bench_seed(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "base")
        store.db.execute("CREATE TABLE bare (id TEXT PRIMARY KEY, v TEXT)")
        t = time.perf_counter()
        for _ in range(n):
            with store.transaction() as db:
                db.execute("INSERT INTO bare VALUES (?, 'x')", [str(uuid.uuid4())])
        base = time.perf_counter() - t
        store.close()
        print(f"baseline: {n} bare one-row transactions       {base:8.2f} s")
        store = Store.open(Path(tmp) / "seed")
        ensure_seeded(store)
        t = time.perf_counter()
        made = seed_demo(store, applications=n)
        took = time.perf_counter() - t
        ops = store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        size = (Path(tmp) / "seed" / "counter.sqlite3").stat().st_size
        store.close()
        print(
            f"demo-seed --applications {made}: {took:8.2f} s "
            f"({took / made * 1000:.2f} ms each, ×{took / base:.1f} baseline); "
            f"{ops} outbox ops; database {size / 1e6:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=100_000)
    args = parser.parse_args()
    store = Store.memory()
    ensure_seeded(store)
    bench_search(store)
    store.close()
    bench_seed(args.applications)


if __name__ == "__main__":
    main()

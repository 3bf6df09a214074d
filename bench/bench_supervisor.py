"""Supervisor benchmarks: daily-log exports and the statistics view.

    python bench/bench_supervisor.py [--applications 1000000] [--skip-month-pdf]
                                     [--data-dir DIR]

With --data-dir the synthetic store is kept there and reused by later runs.

The store is ``bench.generate``'s (about 2,000 applications per working day
over eight windows of the site, this desk being window 01, the full county
catalog; every index and trigger in place), then prints, each with a ratio
to a baseline measured in the same run:
- export of a busy day (2,000 applications) and of a month (60,000) in
  CSV, XLSX and PDF (target: < 1 s for the day in every format), against
  writing the same rows with the csv module;
- the statistics report over all stored applications (target: < 1 s),
  against a plain SELECT COUNT(*) over the applications table.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import LogFilter, daily_log
from counter_app.services.exports import (
    ExportFormat,
    column_names,
    export_daily_log,
    row_text,
)
from counter_app.services.statistics import StatsFilter, report
from counter_app.store.db import Store
from printing import register_fonts

PER_DAY = 2000
SITE = "320102001"
WINDOWS = 8


def populate(data_dir: Path, total: int) -> None:
    """The store of ``bench.generate``: about ``PER_DAY`` applications a
    working day over ``WINDOWS`` windows of the site (this desk is window
    01; the others' records came by the feed), the full county catalog."""
    years = max(total / PER_DAY / 250, 0.05)
    s = generate(
        data_dir,
        applications=total,
        years=years,
        windows=WINDOWS,
        progress=lambda line: print("  " + line, flush=True),
    )
    print(f"  generated in {s.seconds:.1f} s (CPU {s.cpu_seconds:.1f} s)")


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_exports(
    store: Store,
    ctx: DeskContext,
    f: LogFilter,
    label: str,
    out_dir: Path,
    *,
    pdf: bool,
) -> None:
    log = daily_log(store, ctx, f)
    rows = [row_text(n, e, with_date=False) for n, e in enumerate(log.entries, 1)]

    def plain_csv() -> None:
        with (out_dir / "baseline.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(column_names())
            w.writerows(rows)

    base = timed(plain_csv)
    query = timed(lambda: daily_log(store, ctx, f))
    print(f"{label}: {len(log.entries):,} rows")
    print(f"  baseline: csv module, same rows        {base * 1000:9.1f} ms")
    print(
        f"  daily-log query alone                  {query * 1000:9.1f} ms"
        f"  ({query / base:6.1f}x)"
    )
    for fmt in ExportFormat:
        if fmt is ExportFormat.PDF and not pdf:
            print("  pdf                                    (skipped)")
            continue
        out = out_dir / f"{label}.{fmt.value}"
        t = timed(
            lambda fmt=fmt, out=out: export_daily_log(store, ctx, f, fmt=fmt, out=out)
        )
        size = out.stat().st_size / 1024
        print(
            f"  export {fmt.value:4}                            {t * 1000:9.1f} ms"
            f"  ({t / base:6.1f}x)  {size:,.0f} KiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--skip-month-pdf", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="counter-bench-sup-"))
    started = time.perf_counter()
    have = (data_dir / "counter.sqlite3").exists()
    if not have:
        populate(data_dir, args.applications)
    store = Store.open(data_dir)
    try:
        days = [
            date.fromisoformat(r[0])
            for r in store.db.execute(
                "SELECT DISTINCT day FROM applications ORDER BY day"
            )
        ]
        count = store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
        verb = "reused" if have else "populated"
        print(
            f"{verb} {count:,} applications over {len(days)} working days"
            f" in {time.perf_counter() - started:.1f} s"
            f" ({store.path.stat().st_size / 2**20:,.0f} MiB)"
        )
        chief = DeskContext(
            username="chief01",
            display_name="张堃",
            role="supervisor",
            site_code=SITE,
            window_code="01",
        )
        out_dir = store.data_dir / "out"
        out_dir.mkdir(exist_ok=True)
        busy = days[-1]
        # The desk registers the body font behind the window at start-up
        # (ui/app.py); the exports below are timed as a supervisor meets them.
        register_fonts(rare=False)
        bench_exports(store, chief, LogFilter.day(busy), "day", out_dir, pdf=True)
        # A small store (--applications below 60,000, as in --quick) holds
        # fewer than 30 working days: its "month" is what there is.
        first = days[-min(30, len(days))]
        month = LogFilter(first, busy)
        bench_exports(
            store, chief, month, "month", out_dir, pdf=not args.skip_month_pdf
        )

        base = min(
            timed(
                lambda: store.db.execute("SELECT COUNT(*) FROM applications").fetchone()
            )
            for _ in range(3)
        )
        print(f"statistics over {count:,} applications")
        print(f"  baseline: SELECT COUNT(*)              {base * 1000:9.1f} ms")
        for label, start in (
            ("today", busy),
            ("30 days", first),
            ("whole history", days[0]),
        ):
            f = StatsFilter(start, busy)
            t = min(timed(lambda f=f: report(store, chief, f)) for _ in range(3))
            r = report(store, chief, f)
            print(
                f"  report, {label:14}                 {t * 1000:9.1f} ms"
                f"  ({t / base:6.1f}x)  apps={r.totals.applications:,}"
                f" overdue={r.overdue.total:,} ratings={r.satisfaction.ratings:,}"
            )
    finally:
        store.close()
        if args.data_dir is None:  # a million applications: gigabytes
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

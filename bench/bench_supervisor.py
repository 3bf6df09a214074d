"""Supervisor benchmarks: daily-log exports and the statistics view.

    python bench/bench_supervisor.py [--applications 1000000] [--skip-month-pdf]
                                     [--data-dir DIR]

With --data-dir the synthetic store is kept there and reused by later runs
(populating a million rows takes minutes).

Bulk-inserts synthetic applications (2,000 per working day, eight windows,
sixteen clerks; the last 40 days with materials, a fifth rated) with
executemany into a real store (every index and trigger in place), then
prints, each with a ratio to a baseline measured in the same run:
- export of a busy day (2,000 applications) and of a month (60,000) in
  CSV, XLSX and PDF (target: < 1 s for the day in every format), against
  writing the same rows with the csv module;
- the statistics report over all stored applications (target: < 1 s),
  against a plain SELECT COUNT(*) over the applications table.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from counter_app import clock
from counter_app.domain.workdays import due_date_or_provisional
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import LogFilter, daily_log
from counter_app.services.exports import (
    ExportFormat,
    column_names,
    export_daily_log,
    row_text,
)
from counter_app.services.setup import ensure_seeded
from counter_app.services.statistics import StatsFilter, report
from counter_app.store.calendar import load_calendar
from counter_app.store.db import Store

PER_DAY = 2000
SITE = "320102001"
WINDOWS = [f"{n:02d}" for n in range(1, 9)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["子墨", "浩然", "雨桐", "欣怡", "𠮷", "䶮", "堃", "建国", "秀英", "磊"]
DECISIONS = ["accept"] * 80 + ["notice"] * 12 + ["reject"] * 4 + ["accept_deferred"] * 4


def working_days(store: Store, count: int, last: date) -> list[date]:
    cal = load_calendar(store.db)
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5 and (day.year not in cal.years or cal.is_working_day(day)):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def populate(store: Store, total: int, today: date) -> list[date]:
    rng = random.Random(11)
    cal = load_calendar(store.db)
    days = working_days(store, max(1, total // PER_DAY), today)
    recent = set(days[-40:])
    items = [
        tuple(r)
        for r in store.db.execute(
            "SELECT code, name, department, promised_days FROM catalog_items"
        )
    ]
    tz = clock.now().tzinfo
    made = 0
    for day in days:
        apps, mats, evals = [], [], []
        n_day = min(PER_DAY, total - made)
        age = (today - day).days
        for n in range(n_day):
            made += 1
            app_id = str(uuid.UUID(int=rng.getrandbits(128)))
            code, name, dept, promised = rng.choice(items)
            window = WINDOWS[n % len(WINDOWS)]
            clerk = f"clerk{(n % 16) + 1:02d}"
            decision = rng.choice(DECISIONS)
            moment = datetime.combine(day, datetime.min.time()).replace(
                hour=9 + (n * 8 // n_day), minute=n % 60, tzinfo=tz
            )
            created = moment.isoformat(timespec="seconds")
            accepted = decision in ("accept", "accept_deferred")
            due = None
            status = {"notice": "notified_to_supplement", "reject": "rejected"}.get(
                decision, "submitted"
            )
            completed = delivered = None
            if accepted:
                due = due_date_or_provisional(cal, day, promised).date
                if age > 30 or (age > 5 and rng.random() < 0.8):
                    status = "delivered"
                    done = min(today, due - timedelta(days=rng.randint(-2, 6)))
                    completed = done.isoformat()
                    delivered = min(today, done + timedelta(days=2)).isoformat()
                elif rng.random() < 0.3:
                    status = "in_review"
            person = rng.choice(SURNAMES) + rng.choice(GIVEN)
            id_number = f"320102{1950 + n % 50}0101{n % 1000:03d}X"
            apps.append(
                (
                    app_id,
                    f"{SITE}{window}{day:%Y%m%d}{n:04d}",
                    code,
                    name,
                    dept,
                    status,
                    decision,
                    "person",
                    person,
                    "resident_id",
                    id_number,
                    SITE,
                    window,
                    clerk,
                    created,
                    created,
                    day.isoformat(),
                    day.isoformat() if accepted else None,
                    promised,
                    due.isoformat() if due else None,
                    rng.randint(60, 400),
                    created,
                    completed,
                    delivered,
                )
            )
            if day in recent:
                for pos in range(4):
                    mats.append(
                        (app_id, f"m{pos}", pos, f"材料{pos}", "original", 1, 0)
                    )
            if status == "delivered" and rng.random() < 0.2:
                level = rng.choices([5, 4, 3, 2, 1], [70, 18, 7, 3, 2])[0]
                evals.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        app_id,
                        level,
                        "[]",
                        "window",
                        clerk,
                        window,
                        created,
                        delivered or day.isoformat(),
                    )
                )
        with store.transaction() as db:
            db.conn.executemany(
                "INSERT INTO applications (id, acceptance_no, item_code, item_name,"
                " department, status, decision, applicant_type, applicant_name,"
                " id_type, id_number, site_code, window_code, clerk, created_at,"
                " decided_at, day, accepted_on, promised_days, due_date,"
                " intake_seconds, updated_at, completed_on, delivered_on)"
                " VALUES (" + ",".join("?" * 24) + ")",
                apps,
            )
            db.conn.executemany(
                "INSERT INTO application_materials (application_id, material_key,"
                " position, name, state, originals, copies) VALUES (?,?,?,?,?,?,?)",
                mats,
            )
            db.conn.executemany(
                "INSERT INTO evaluations (id, application_id, level, reasons, channel,"
                " clerk, window_code, created_at, day) VALUES (?,?,?,?,?,?,?,?,?)",
                evals,
            )
        if made >= total:
            break
    store.db.execute("ANALYZE")
    return days


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
    store = Store.open(args.data_dir) if args.data_dir else Store.memory()
    try:
        ensure_seeded(store)
        today = clock.today()
        started = time.perf_counter()
        have = store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
        if have:
            days = [
                date.fromisoformat(r[0])
                for r in store.db.execute(
                    "SELECT DISTINCT day FROM applications ORDER BY day"
                )
            ]
        else:
            days = populate(store, args.applications, today)
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


if __name__ == "__main__":
    main()

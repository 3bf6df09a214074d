"""Workspace benchmarks.

    python bench/bench_workspace.py [--rows 1000000] [--db DIR] [--runs 5]

1. Cold start: a subprocess running the desk GUI until its sign-in dialog is
   shown, against a subprocess showing a bare QApplication + QMainWindow, in
   the same run (target ratio ≤ 1.5×).
2. Search over ``--rows`` applications (the store of ``bench.generate``:
   ``--years`` of history over ``--windows`` windows, the search triggers
   firing as in real use; ``--db DIR`` keeps it for later runs, and
   ``bench_encryption.py --db DIR`` opens it): list page and count for an
   acceptance number, an ID number, its last 4, a 2-character name, a rare
   character, a phone, an item, a status filter and the unfiltered list.
3. Event-loop latency while the list searches: a 10 ms QTimer measures how
   late it fires while the applications panel runs those searches on the
   store worker (target: max stall < 50 ms).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.generate import generate  # noqa: E402
from counter_app.services.demo import seed_users  # noqa: E402
from counter_app.services.queries import ApplicationQuery, count, list_page  # noqa: E402
from counter_app.services.setup import ensure_seeded  # noqa: E402
from counter_app.store.db import PLAIN, Store  # noqa: E402

MARKER = "COUNTER_SIGNIN_SHOWN"
BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.setWindowTitle("bare")
w.show()
QTimer.singleShot(0, lambda: print("COUNTER_SIGNIN_SHOWN", flush=True))
app.exec()
"""
GUI = """
import sys
from pathlib import Path
from counter_app.ui.app import run_gui
sys.exit(run_gui(Path(sys.argv[1]), language=None))
"""


# -- 1. cold start -------------------------------------------------------------
def time_to_marker(code: str, *args: str) -> float:
    """Seconds from spawning ``python -c code args`` (or ``python args`` when
    ``code`` is empty) until it prints the marker."""
    env = {**os.environ, "COUNTER_STARTUP_MARKER": "1", "QT_QPA_PLATFORM": "offscreen"}
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, *args]
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        text=True,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if MARKER in line:
                return time.perf_counter() - start
        raise RuntimeError("the process ended without showing its window")
    finally:
        proc.kill()
        proc.wait()


def bench_start(runs: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="counter-bench-start-"))
    store = Store.open(data)
    ensure_seeded(store)
    seed_users(store)
    store.close()
    time_to_marker(BARE)  # warm the file cache for both
    time_to_marker(GUI, str(data))
    bare, gui, cli = [], [], []
    main_py = ("", "main.py", "--data-dir", str(data), "gui")
    for _ in range(runs):  # interleaved, so machine load hits both alike
        bare.append(time_to_marker(BARE))
        gui.append(time_to_marker(GUI, str(data)))
        cli.append(time_to_marker(*main_py))
    b, g = statistics.median(bare), statistics.median(gui)
    print(f"cold start ({runs} interleaved runs, offscreen)    median      min")
    print(
        f"  bare QApplication + QMainWindow shown {b * 1000:8.0f} ms"
        f"{min(bare) * 1000:6.0f} ms"
    )
    print(
        f"  Counter sign-in dialog shown          {g * 1000:8.0f} ms"
        f"{min(gui) * 1000:6.0f} ms"
    )
    print(
        f"  ratio                                 {g / b:8.2f}x "
        f"{min(gui) / min(bare):7.2f}x  (target <= 1.5x)"
    )
    c = statistics.median(cli)
    print(
        f"  via main.py gui (CLI parser first)    {c * 1000:8.0f} ms"
        f"{min(cli) * 1000:6.0f} ms   ratio {c / b:.2f}x"
    )


# -- 2. search over a million --------------------------------------------------
def build(
    data: Path, rows: int, *, key: bytes | None, years: float, windows: int
) -> None:
    """The store of ``bench.generate`` (realistic history, every trigger
    and index of the schema), unless ``data`` already holds one."""
    if (data / "counter.sqlite3").exists():
        return
    summary = generate(
        data,
        applications=rows,
        years=years,
        windows=windows,
        key=key,
        progress=lambda line: print("  " + line, flush=True),
    )
    print(
        f"  generated {summary.applications:,} applications in"
        f" {summary.seconds:.0f} s (CPU {summary.cpu_seconds:.0f} s)"
    )


def sample_queries(store: Store) -> list[tuple[str, ApplicationQuery]]:
    db = store.db
    mid = db.execute("SELECT COUNT(*) / 2 FROM applications").fetchone()[0]
    number, id_number, phone, name = db.execute(
        "SELECT acceptance_no, id_number, phone, applicant_name FROM applications"
        " WHERE applicant_name NOT LIKE '%𠮷%' AND length(applicant_name) = 3"
        " LIMIT 1 OFFSET ?",
        [mid],
    ).fetchone()
    item = db.execute("SELECT item_name FROM applications LIMIT 1").fetchone()[0]
    return [
        ("acceptance number", ApplicationQuery(text=number)),
        ("ID number (18)", ApplicationQuery(text=id_number)),
        ("ID last 4", ApplicationQuery(text=id_number[-4:])),
        ("phone", ApplicationQuery(text=phone)),
        ("2-char given name", ApplicationQuery(text=name[1:])),
        ("full name (3 chars)", ApplicationQuery(text=name)),
        ("rare character 𠮷", ApplicationQuery(text="𠮷")),
        ("item name", ApplicationQuery(text=item)),
        ("status filter", ApplicationQuery(statuses=("notified_to_supplement",))),
        ("overdue only", ApplicationQuery(overdue_only=True)),
        ("unfiltered list", ApplicationQuery()),
    ]


def timed(fn, repeat: int = 5) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def bench_search(store: Store) -> list[ApplicationQuery]:
    total = store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    some_id = store.db.execute("SELECT id FROM applications LIMIT 1").fetchone()[0]
    base, _ = timed(
        lambda: store.db.execute(
            "SELECT * FROM applications WHERE id = ?", [some_id]
        ).fetchone()
    )
    print(f"search over {total:,} applications (median of 5)")
    print(f"  baseline: primary-key lookup            {base:8.2f} ms")
    print(f"  {'query':<24}{'page 100':>10}{'count':>10}{'hits':>10}")
    queries = sample_queries(store)
    for label, q in queries:
        page_ms, page = timed(lambda q=q: list_page(store, q, limit=100))
        count_ms, hits = timed(lambda q=q: count(store, q), repeat=3)
        print(f"  {label:<24}{page_ms:9.1f}ms{count_ms:9.1f}ms{hits:>10,}")
        assert page.rows or hits == 0  # type: ignore[attr-defined]
    return [q for _l, q in queries]


# -- 3. event-loop latency while searching -------------------------------------
def bench_latency(store: Store, queries: list[ApplicationQuery]) -> None:
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.applications_list import ApplicationsPanel
    from counter_app.ui.context import AppContext
    from counter_app.ui.messages import MessageBridge
    from counter_app.ui.tasks import TaskRunner

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    tasks = TaskRunner()
    settings = QSettings(
        str(Path(tempfile.mkdtemp()) / "ui.ini"), QSettings.Format.IniFormat
    )
    app = AppContext(
        store=store, tasks=tasks, messages=MessageBridge(), settings=settings
    )
    panel = ApplicationsPanel(app)
    panel.resize(1200, 700)
    panel.show()
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]
    stalls: list[int] = []

    def tick() -> None:
        now = clock.elapsed()
        stalls.append(now - last[0] - 10)
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    t = time.perf_counter()
    for q in queries * 2:
        panel.search.setText(q.text)
        panel.status.blockSignals(True)
        panel.status.setCurrentIndex(
            max(panel.status.findData(q.statuses[0]), 0) if q.statuses else 0
        )
        panel.status.blockSignals(False)
        panel.overdue.blockSignals(True)
        panel.overdue.setChecked(q.overdue_only)
        panel.overdue.blockSignals(False)
        panel.apply()
        while panel.model.total is None or panel.model.is_loading():
            qt_app.processEvents()
            time.sleep(0.001)
        # scroll: fetch two more pages as a clerk paging down would
        for _ in range(2):
            if panel.model.canFetchMore():
                panel.model.fetchMore()
                while panel.model.is_loading():
                    qt_app.processEvents()
                    time.sleep(0.001)
    elapsed = time.perf_counter() - t
    timer.stop()
    tasks.wait()
    stalls = [max(s, 0) for s in stalls[1:]]
    print(
        f"event loop while the list searched ({len(queries) * 2} searches, "
        f"{elapsed:.1f} s, {len(stalls)} ticks of 10 ms)"
    )
    print(
        f"  lateness median {statistics.median(stalls):5.1f} ms, "
        f"p99 {sorted(stalls)[int(len(stalls) * 0.99)]:5.1f} ms, "
        f"max {max(stalls):5.1f} ms  (target max < 50 ms)"
    )
    panel.close()
    panel.deleteLater()
    qt_app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="directory to keep the synthetic store in (reused)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--windows", type=int, default=30)
    parser.add_argument(
        "--plain",
        action="store_true",
        help="unencrypted store (stdlib SQLite) as the baseline for SQLCipher",
    )
    parser.add_argument("--skip-start", action="store_true")
    parser.add_argument("--only-start", action="store_true")
    args = parser.parse_args()
    if not args.skip_start:
        bench_start(args.runs)
    if args.only_start:
        return 0
    data = args.db or Path(tempfile.mkdtemp(prefix="counter-bench-search-"))
    key = PLAIN if args.plain else None
    t = time.perf_counter()
    build(data, args.rows, key=key, years=args.years, windows=args.windows)
    print(
        f"  store ready in {time.perf_counter() - t:.0f} s "
        f"({(data / 'counter.sqlite3').stat().st_size / 1e6:,.0f} MB;"
        f" {'plain SQLite' if args.plain else 'SQLCipher, key from the keyring'})"
    )
    opens = []
    for _ in range(5):
        t = time.perf_counter()
        store = Store.open(data, key=key)
        store.db.execute("SELECT COUNT(*) FROM settings").fetchone()
        opens.append((time.perf_counter() - t) * 1000)
        store.close()
    print(f"  reopen (first read included): median {statistics.median(opens):.1f} ms")
    store = Store.open(data, key=key)
    queries = bench_search(store)
    bench_latency(store, queries)
    store.close()
    if args.db is None:  # a million applications: gigabytes
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

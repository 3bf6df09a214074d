"""Every benchmark in bench/, one table.

    python -m bench [--quick] [--json FILE] [--only NAME ...]

Runs each benchmark script in its own process (its full sizes, or with
``--quick`` small sizes that finish in a few minutes on two cores), reads the
figures it prints and prints one table: figure, the baseline the script
measured in the same run, their ratio, the target and whether it was met.
``--json FILE`` writes the same rows and the machine they ran on, for
comparing runs. Targets are reported, not enforced (machines are noisy);
the exit status is 1 only when a benchmark crashes, times out or no longer
prints a figure this table reads — so CI notices a broken benchmark.

The figures are read from each script's printed lines (``FIGURES`` below):
a script that changes a line it prints must change its pattern here too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_NUM = r"(?P<value>[\d,]+(?:\.\d+)?)"
_BASE = r"(?P<base>[\d,]+(?:\.\d+)?)"


@dataclass(frozen=True)
class Figure:
    """One figure: ``pattern`` finds it (group ``value``, the last match
    wins); ``base`` is the same-run baseline (a group ``base`` of
    ``pattern`` or a pattern of its own), in the figure's unit after
    ``base_scale``. The target applies to the value, or to the ratio."""

    label: str
    pattern: str
    unit: str
    base: str | None = None
    base_scale: float = 1.0
    target: float | None = None
    on_ratio: bool = False
    # A label's {name} is filled from the pattern's group of that name.


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    full: list[str]
    quick: list[str]
    figures: list[Figure]
    timeout_s: float = 3600
    needs: list[str] = field(default_factory=list)  # importable modules


BENCHES: list[Bench] = [
    Bench(
        "catalog",
        "bench_catalog.py",
        ["--items", "41", "3000"],
        ["--items", "41", "300", "--repeat", "50"],
        [
            Figure(
                "catalog search worst p99, {items} items",
                r"worst p99 at (?P<items>[\d,]+) items: " + _NUM + " ms",
                "ms",
                base=r"primary-key lookup of one item\s+median\s+" + _BASE,
                target=5.0,
            ),
            Figure(
                "catalog search worst p99 CPU, {items} items",
                r"worst p99 at (?P<items>[\d,]+) items:.*worst p99 cpu " + _NUM,
                "ms",
                base=r"primary-key lookup of one item\s+median\s+" + _BASE,
                target=5.0,
            ),
        ],
    ),
    Bench(
        "foundation",
        "bench_foundation.py",
        ["--applications", "100000"],
        ["--applications", "200"],
        [
            Figure(
                "demo-seed, {n} applications",
                r"demo-seed --applications (?P<n>\d+):\s+" + _NUM + " s",
                "s",
                base=r"baseline: \d+ bare one-row transactions\s+" + _BASE + " s",
            ),
        ],
    ),
    Bench(
        "store-size",
        "bench_store_size.py",
        ["--applications", "100000"],
        ["--applications", "2000"],
        [
            Figure(
                "store size before sync, {n} applications",
                r"store before sync: " + _NUM + r" KB per application \((?P<n>[\d,]+)",
                "KB",
                target=6.0,
            ),
            Figure(
                "store size after a clean sync, {n} applications",
                r"store after a clean sync: "
                + _NUM
                + r" KB per application \((?P<n>[\d,]+)",
                "KB",
                target=3.0,
            ),
        ],
        timeout_s=3 * 3600,
    ),
    Bench(
        "printing",
        "bench_printing.py",
        [],
        ["--runs", "5", "--batch", "20"],
        [
            Figure(
                "receipt A4, median",
                r"receipt A4 \(median of \d+\):\s+" + _NUM + " ms",
                "ms",
                base=r"baseline one-line PDF \(median\):\s+" + _BASE + " ms",
                target=50.0,
            ),
            Figure(
                "receipt 80 mm roll, median",
                r"receipt 80 mm roll \(median\):\s+" + _NUM + " ms",
                "ms",
                base=r"baseline one-line PDF \(median\):\s+" + _BASE + " ms",
            ),
        ],
    ),
    Bench(
        "daily-log-pdf",
        "bench_daily_log_pdf.py",
        [],
        ["--rows", "2000"],
        [
            Figure(
                "daily-log PDF, 2,000 rows",
                r"2,000 rows\s+csv\s+" + _BASE + r" ms\s+pdf\s+" + _NUM + " s",
                "s",
                base_scale=0.001,
                target=1.0,
            ),
        ],
    ),
    Bench(
        "scanning",
        "bench_scanning.py",
        [],
        ["--pages", "2", "--files", "50"],
        [
            Figure(
                "scan page to 200 dpi gray",
                r"gray\s+200 dpi:\s+" + _NUM + " ms/page",
                "ms",
                base=r"baseline Pillow open\+save JPEG:\s+" + _BASE + " ms/page",
            ),
            Figure(
                "import of small files, per file",
                r"import_files \(1 call\):\s+" + _NUM + " ms/file",
                "ms",
                base=r"baseline shutil.copyfile:\s+" + _BASE + " ms/file",
            ),
        ],
    ),
    Bench(
        "supervisor",
        "bench_supervisor.py",
        [],
        ["--applications", "4000", "--skip-month-pdf"],
        [
            Figure(
                f"export of a busy day, {fmt}",
                r"day: [\d,]+ rows\n(?:.*\n)*?\s+export " + fmt + r"\s+" + _NUM + " ms",
                "ms",
                base=r"day: [\d,]+ rows\n\s+baseline: csv module, same rows\s+"
                + _BASE
                + " ms",
                target=1000.0,
            )
            for fmt in ("csv", "xlsx", "pdf")
        ]
        + [
            Figure(
                "statistics report, whole history ({n} applications)",
                r"statistics over (?P<n>[\d,]+) applications\n(?:.*\n)*?"
                r"\s+report, whole history\s+" + _NUM + " ms",
                "ms",
                base=r"baseline: SELECT COUNT\(\*\)\s+" + _BASE + " ms",
                target=1000.0,
            ),
        ],
    ),
    Bench(
        "workspace",
        "bench_workspace.py",
        [],
        ["--rows", "5000", "--runs", "2"],
        [
            Figure(
                "cold start to the sign-in dialog, median",
                r"Counter sign-in dialog shown\s+" + _NUM + " ms",
                "ms",
                base=r"bare QApplication \+ QMainWindow shown\s+" + _BASE + " ms",
                target=1.5,
                on_ratio=True,
            ),
            Figure(
                "event loop max lateness while the list searches ({n} rows)",
                r"search over (?P<n>[\d,]+) applications(?:.*\n)*?.*max\s+"
                + _NUM
                + r" ms\s+\(target max < 50 ms\)",
                "ms",
                target=50.0,
            ),
        ],
        needs=["PySide6"],
    ),
    Bench(
        "start",
        "bench_start.py",
        [],
        ["--applications", "3000", "--catalog-items", "41", "--runs", "1"],
        [
            Figure(
                "store generation, {n} applications",
                r"generated (?P<n>[\d,]+) applications in " + _NUM + " s",
                "s",
                target=300.0,
            ),
            Figure(
                "cold start to the sign-in dialog ({n} applications)",
                r"start to work over (?P<n>[\d,]+) applications\n(?:.*\n)*?"
                r"\s+cold start to the sign-in dialog "
                + _NUM
                + r" ms, baseline "
                + _BASE,
                "ms",
            ),
            Figure(
                "sign-in to workspace ready ({n} applications)",
                r"start to work over (?P<n>[\d,]+) applications\n"
                r"\s+sign-in to workspace ready " + _NUM + r" ms, baseline " + _BASE,
                "ms",
                target=1000.0,
            ),
            Figure(
                "sign-in to workspace ready, CPU time ({n} applications)",
                r"start to work over (?P<n>[\d,]+) applications\n(?:.*\n)*?"
                r"\s+CPU time in that span " + _NUM + r" ms, baseline " + _BASE,
                "ms",
                target=1000.0,
            ),
            Figure(
                "resident memory at idle",
                r"memory at idle " + _NUM + r" MB, after \d+ pages [\d.]+ MB,"
                r" baseline " + _BASE,
                "MB",
                target=250.0,
            ),
            Figure(
                "resident memory after {pages} list pages",
                r"memory at idle [\d.]+ MB, after (?P<pages>\d+) pages "
                + _NUM
                + r" MB, baseline "
                + _BASE,
                "MB",
                target=250.0,
            ),
        ],
        timeout_s=5400,
        needs=["PySide6"],
    ),
    Bench(
        "intake",
        "bench_intake.py",
        [],
        ["--runs", "2"],
        [
            Figure(
                "intake through the widgets, median",
                r"scripted intake through the widgets\s+" + _NUM + " ms",
                "ms",
                base=r"baseline: decide\(\) called directly\s+" + _BASE + " ms",
            ),
        ],
        needs=["PySide6", "pytestqt"],
    ),
    Bench(
        "feed",
        "bench_feed.py",
        [],
        [
            *("--sizes", "2000", "8000", "--sample-pages", "5"),
            *("--log-rows", "10000", "100000"),
        ],
        [
            Figure(
                "feed snapshot page, {size} vs 2,000 site applications",
                r"time per page at (?P<size>[\d,]+) site applications: median "
                + _NUM
                + " ms",
                "ms",
                base=r"time per page at 2,000 site applications: median "
                + _BASE
                + " ms",
                target=1.3,
                on_ratio=True,
            ),
            Figure(
                "incremental pull, {rows} log rows of other sites",
                r"over (?P<rows>[\d,]+) log rows of other sites: median "
                + _NUM
                + " ms",
                "ms",
                base=r"over 10,000 log rows of other sites: median " + _BASE + " ms",
                target=1.3,
                on_ratio=True,
            ),
            Figure(
                "first pull over HTTP, {size} site applications",
                r"first pull over HTTP, (?P<size>[\d,]+) site applications: "
                + _NUM
                + " s",
                "s",
                target=10.0,
            ),
        ],
    ),
    Bench(
        "keyboard",
        "bench_keyboard_intake.py",
        [],
        ["--runs", "2"],
        [
            Figure(
                "keyboard intake, keys per applicant (before: 94689ae^)",
                r"keyboard intake after: " + _NUM + " keys per applicant",
                "keys",
                base=r"keyboard intake before: " + _BASE + " keys per applicant",
                target=0.999,  # fewer than before
                on_ratio=True,
            ),
            Figure(
                "keyboard intake, keys for the first after sign-in",
                r"keyboard intake after: \d+ keys per applicant, " + _NUM + " first",
                "keys",
                base=r"keyboard intake before: \d+ keys per applicant, "
                + _BASE
                + " first",
                target=0.999,
                on_ratio=True,
            ),
            Figure(
                "keyboard intake, wall time median",
                r"keyboard intake after: .* median " + _NUM + " ms",
                "ms",
                base=r"keyboard intake before: .* median " + _BASE + " ms",
            ),
        ],
        needs=["PySide6"],
    ),
    Bench(
        "sync",
        "bench_sync.py",
        [],
        [
            "--applications",
            "50",
            "--scan-mb",
            "4",
            "--throttled-applications",
            "10",
            "--throttled-mb",
            "1",
            "--rate-kb",
            "1024",
        ],
        [
            Figure(
                "sync bytes on the wire (MB), loopback",
                r"loopback:\n(?:.*\n)*?\s+payload "
                + _BASE
                + " MB, on the wire "
                + _NUM
                + " MB",
                "MB",
                target=1.1,
                on_ratio=True,
            ),
            Figure(
                "sync scan bytes re-sent after a cut",
                r"re-sent after the cut: " + _NUM + r" \(one chunk",
                "B",
                target=262144,
            ),
        ],
    ),
    Bench(
        "sync-ui",
        "bench_sync_ui.py",
        [],
        [
            "--applications",
            "50",
            "--scan-mb",
            "5",
            "--idle-seconds",
            "1",
            "--slow-applications",
            "10",
            "--slow-mb",
            "1",
            "--rate-kb",
            "2048",
        ],
        [
            Figure(
                "event loop max lateness during sync",
                r"target max < 50 ms while syncing: .*\(worst " + _NUM + " ms\\)",
                "ms",
                base=r"baseline, idle:.*max\s+" + _BASE + " ms",
                target=50.0,
            ),
        ],
        needs=["PySide6"],
    ),
    Bench(
        "platform-load",
        "-m bench.platform_load",
        ["--desks", "600", "--seconds", "60", "--compress", "4", "--ramp", "1,2,4,8"],
        ["--desks", "30", "--seconds", "8", "--compress", "100"],
        [
            Figure(
                f"platform {what} p99, {{desks}} desks (SQLite)",
                r"(?P<desks>[\d,]+) desks at ×[\d.]+: .*"
                + what
                + " p99 "
                + _NUM
                + " ms",
                "ms",
                base=r"baseline: GET /time median\s+" + _BASE + " ms",
                target=250.0,
            )
            for what in ("push", "pull")
        ],
    ),
    Bench(
        "scan-latency",
        "-m counter_app.ui.scan.latency_probe",
        [],
        ["--pages", "3"],
        [
            Figure(
                "event loop max stall while a {pages}-page PDF is processed",
                r"process (?P<pages>\d+)-page PDF \(gray, 200 dpi\):.*stall max "
                + _NUM
                + " ms",
                "ms",
                base=r"load empty panel:.*stall max " + _BASE + " ms",
                target=50.0,
            ),
        ],
        needs=["PySide6"],
    ),
]


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _last(pattern: str, text: str) -> re.Match[str] | None:
    found = list(re.finditer(pattern, text))
    return found[-1] if found else None


def read_figure(fig: Figure, output: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "figure": fig.label,
        "unit": fig.unit,
        "value": None,
        "baseline": None,
        "ratio": None,
        "target": fig.target,
        "target_on": "ratio" if fig.on_ratio else "value",
        "met": None,
    }
    m = _last(fig.pattern, output)
    if m is None:
        return row
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    row["figure"] = fig.label.format(**groups)
    row["value"] = value = _number(groups["value"])
    base = None
    if "base" in groups:
        base = _number(groups["base"])
    elif fig.base is not None:
        mb = _last(fig.base, output)
        base = _number(mb.group("base")) if mb else None
    if base is not None:
        row["baseline"] = base = base * fig.base_scale
        row["ratio"] = value / base if base else None
    if fig.target is not None:
        measured = row["ratio"] if fig.on_ratio else value
        row["met"] = None if measured is None else measured <= fig.target
    return row


def _missing(modules: list[str]) -> list[str]:
    import importlib.util

    return [m for m in modules if importlib.util.find_spec(m) is None]


def run(bench: Bench, quick: bool, log_dir: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"bench": bench.name, "rows": []}
    missing = _missing(bench.needs)
    if missing:
        result["skipped"] = "needs " + ", ".join(missing) + " (pip install -e .[test])"
        return result
    if bench.script.startswith("-m "):  # a module outside bench/
        args = [sys.executable, "-m", bench.script[3:]]
    else:
        args = [sys.executable, str(ROOT / "bench" / bench.script)]
    args += bench.quick if quick else bench.full
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    env.setdefault("COUNTER_TEST_KEYRING", "1")
    started = time.perf_counter()
    log = log_dir / f"{bench.name}.log"
    try:
        proc = subprocess.run(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=bench.timeout_s,
        )
        output, code = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or ""
        output = raw if isinstance(raw, str) else raw.decode(errors="replace")
        code = None
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["command"] = " ".join(args[1:])
    log.write_text(output, encoding="utf-8")
    result["log"] = str(log)
    if code != 0:
        result["error"] = (
            f"timed out after {bench.timeout_s:.0f} s"
            if code is None
            else f"exit status {code}"
        )
    result["rows"] = [read_figure(f, output) for f in bench.figures]
    unread = [r["figure"] for r in result["rows"] if r["value"] is None]
    if unread and "error" not in result:
        result["error"] = "figure not printed: " + "; ".join(unread)
    return result


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(results: list[dict[str, Any]]) -> str:
    head = ("benchmark", "figure", "value", "baseline", "ratio", "target", "")
    lines = [head]
    for res in results:
        if "skipped" in res:
            lines.append(
                (res["bench"], "skipped: " + res["skipped"], "", "", "", "", "")
            )
            continue
        for row in res["rows"]:
            target = "—"
            if row["target"] is not None:
                target = ("ratio ≤ " if row["target_on"] == "ratio" else "≤ ") + (
                    _fmt(row["target"])
                    + ("" if row["target_on"] == "ratio" else " " + row["unit"])
                )
            verdict = {True: "met", False: "MISSED", None: ""}[row["met"]]
            lines.append(
                (
                    res["bench"],
                    row["figure"],
                    f"{_fmt(row['value'])} {row['unit']}"
                    if row["value"] is not None
                    else "—",
                    f"{_fmt(row['baseline'])} {row['unit']}"
                    if row["baseline"] is not None
                    else "—",
                    _fmt(row["ratio"]) + "×" if row["ratio"] is not None else "—",
                    target,
                    verdict,
                )
            )
        if "error" in res:
            lines.append((res["bench"], "FAILED: " + res["error"], "", "", "", "", ""))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
    }
    with contextlib.suppress(OSError):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        if names:
            info["cpu"] = names[0].strip()
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, a few minutes"
    )
    parser.add_argument("--json", type=Path, help="also write the results to FILE")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[b.name for b in BENCHES],
        help="run these benchmarks only",
    )
    parser.add_argument(
        "--logs", type=Path, default=None, help="keep each benchmark's output here"
    )
    args = parser.parse_args(argv)
    import tempfile

    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="counter-bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    results = []
    started = time.perf_counter()
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        print(f"running {bench.name} …", file=sys.stderr, flush=True)
        res = run(bench, args.quick, log_dir)
        results.append(res)
        if "error" in res:
            print(
                f"  {bench.name}: {res['error']} (output: {res.get('log')})",
                file=sys.stderr,
            )
    info = machine()
    total = time.perf_counter() - started
    print(table(results))
    print(
        f"\n{'quick' if args.quick else 'full'} run, {total:.0f} s; {info.get('cpu', '?')},"
        f" {info['cpus']} CPUs, load {info.get('load_average', '?')}; "
        f"Python {info['python']}, SQLite {info['sqlite']}; outputs in {log_dir}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "quick": args.quick,
                    "seconds": round(total, 1),
                    "machine": info,
                    "results": results,
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Intake of a standard application through the real widgets, timed.

    python bench/bench_intake.py [--runs 10] [--plain]

Runs bench/intake_flow.py under pytest-qt (offscreen): search 个体工商户设立登记
by pinyin initials, type name, ID and phone, mark every material received,
Ctrl+Enter — against calling the accept service directly in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--plain", action="store_true", help="unencrypted store, the baseline"
    )
    args = parser.parse_args()
    os.environ["INTAKE_RUNS"] = str(args.runs)
    os.environ["INTAKE_PLAIN"] = "1" if args.plain else "0"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.chdir(ROOT)
    sys.exit(
        pytest.main(
            [
                str(ROOT / "bench" / "intake_flow.py"),
                "-q",
                "-s",
                "-p",
                "no:cacheprovider",
                "-o",
                "qt_log_level_fail=CRITICAL",
                "-W",
                "ignore",
            ]
        )
    )

"""Render every printed document with sample data, plus PNG pages for review.

python scripts/render_documents.py --out review/
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printing import DOCUMENTS, Paper, samples
from printing.model import DeferredKind

SAMPLES: dict[str, Callable[[], object]] = {
    "receipt": samples.receipt,
    "checklist": samples.checklist,
    "notice": samples.notice,
    "rejection": samples.rejection,
    "materials_receipt": samples.materials_receipt,
    "deferred": samples.deferred,
    "delivery": samples.delivery,
    "daily_log": lambda: samples.daily_log(rows=60),
}


def jobs() -> list[tuple[str, str, object, dict[str, object]]]:
    reprint: dict[str, object] = {"reprint_at": datetime(2026, 11, 24, 10, 5)}
    out: list[tuple[str, str, object, dict[str, object]]] = [
        (name, name, make(), {}) for name, make in SAMPLES.items()
    ]
    out += [
        ("receipt_roll", "receipt", samples.receipt(), {"paper": Paper.ROLL_80}),
        (
            "materials_receipt_roll",
            "materials_receipt",
            samples.materials_receipt(),
            {"paper": Paper.ROLL_80},
        ),
        (
            "receipt_40_reprint",
            "receipt",
            samples.receipt(materials=samples.materials(40)),
            reprint,
        ),
        (
            "receipt_roll_reprint",
            "receipt",
            samples.receipt(),
            {"paper": Paper.ROLL_80, **reprint},
        ),
        (
            "commitment",
            "deferred",
            samples.deferred(kind=DeferredKind.COMMITMENT),
            {},
        ),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("review"))
    parser.add_argument("--no-png", action="store_true", help="skip pdftoppm")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pdftoppm = None if args.no_png else shutil.which("pdftoppm")
    for stem, kind, data, options in jobs():
        pdf = args.out / f"{stem}.pdf"
        pdf.write_bytes(DOCUMENTS[kind](data, **options))
        print(pdf)
        if pdftoppm:
            for stale in args.out.glob(f"{stem}-*.png"):
                stale.unlink()
            subprocess.run(
                [pdftoppm, "-png", "-r", "80", str(pdf), str(args.out / stem)],
                check=True,
            )
    if not args.no_png and pdftoppm is None:
        print("pdftoppm not found (poppler-utils): PNG pages skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

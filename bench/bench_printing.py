"""Receipt PDF generation speed against a one-line reportlab PDF baseline.

    python bench/bench_printing.py [--runs 50] [--batch 1000]

Prints the cold first render, warm medians (A4 and 80 mm roll), a batch of
receipts, and each figure as a ratio of the baseline measured in this run:
a minimal reportlab canvas drawing one line in the same embedded font.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.pdfgen.canvas import Canvas

from printing import Paper, render_receipt, samples
from printing.fonts import BODY, draw_text, register_fonts

TARGET_MS = 50.0


def baseline_pdf() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, initialFontName=BODY)
    draw_text(canvas, 72, 760, "受理编号：XW20261123-0042 王𠮷䶮", size=12)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def median_ms(func: Callable[[], bytes], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)

    data = samples.receipt()
    start = time.perf_counter()
    register_fonts()
    fonts_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    render_receipt(data)
    cold_ms = (time.perf_counter() - start) * 1000
    baseline_pdf()

    base = median_ms(baseline_pdf, args.runs)
    a4 = median_ms(lambda: render_receipt(data), args.runs)
    roll = median_ms(lambda: render_receipt(data, paper=Paper.ROLL_80), args.runs)
    long_data = samples.receipt(materials=samples.materials(40))
    long_a4 = median_ms(lambda: render_receipt(long_data), max(args.runs // 5, 5))

    start = time.perf_counter()
    total_bytes = 0
    for i in range(args.batch):
        pdf = render_receipt(samples.receipt(acceptance_no=f"XW20261123-{i:04d}"))
        total_bytes += len(pdf)
    batch_s = time.perf_counter() - start

    print(f"font loading (once per process): {fonts_ms:8.1f} ms")
    print(f"first receipt (cold):            {cold_ms:8.1f} ms")
    print(f"baseline one-line PDF (median):  {base:8.2f} ms")
    print(
        f"receipt A4 (median of {args.runs}):     {a4:8.2f} ms"
        f"  = {a4 / base:5.1f}x baseline  target < {TARGET_MS:.0f} ms:"
        f" {'OK' if a4 < TARGET_MS else 'MISSED'}"
    )
    print(
        f"receipt 80 mm roll (median):     {roll:8.2f} ms  = {roll / base:5.1f}x baseline"
    )
    print(
        f"receipt A4, 40 materials:        {long_a4:8.2f} ms"
        f"  = {long_a4 / base:5.1f}x baseline"
    )
    per = batch_s * 1000 / max(args.batch, 1)
    print(
        f"batch of {args.batch} receipts:          {batch_s:8.2f} s"
        f"  ({per:.2f} ms each = {per / base:5.1f}x baseline,"
        f" {args.batch / batch_s:.0f}/s, {total_bytes / 1e6:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

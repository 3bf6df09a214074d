"""Scanning benchmark: page processing and bulk import, against baselines.

    .venv/bin/python bench/bench_scanning.py [--pages 20] [--files 1000]

1. A batch of synthetic 300 dpi colour A4 scans (JPEG q92, like a scanner
   writes) processed to 200 dpi gray JPEG and to 1-bit G4, then merged into
   one PDF. Baseline: plain Pillow open + save as JPEG of the same page.
2. Import of many small files into one material (sniff, hash, atomic blob
   write, one transaction). Baseline: copying the same files with shutil.

Prints time per page / per file, output sizes, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from counter_app.scanning import processing
from counter_app.services import materials
from counter_app.store.db import Store
from tests.scanning_fixtures import text_page


def _scanner_jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    text_page(dpi=300, seed=seed).save(buf, "JPEG", quality=92, dpi=(300, 300))
    return buf.getvalue()


def _baseline(data: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    with Image.open(io.BytesIO(data)) as im:
        out = io.BytesIO()
        im.save(out, "JPEG")
    return time.perf_counter() - start, out.tell()


def bench_processing(pages: int) -> None:
    print(f"== processing: {pages} pages, 300 dpi colour A4 ==")
    t0 = time.perf_counter()
    distinct = [_scanner_jpeg(seed) for seed in range(min(pages, 5))]
    batch = [distinct[i % len(distinct)] for i in range(pages)]
    print(f"  (generated input in {time.perf_counter() - t0:.1f} s;"
          f" input {statistics.mean(map(len, batch)) / 1024:.0f} KB/page)")  # fmt: skip
    base = [_baseline(d) for d in batch]
    base_t = statistics.mean(t for t, _ in base)
    print(f"  baseline Pillow open+save JPEG: {base_t * 1000:7.1f} ms/page,"
          f" {statistics.mean(s for _, s in base) / 1024:6.0f} KB/page")  # fmt: skip
    results: dict[str, list[processing.Page]] = {}
    for color in ("gray", "bw", "color"):
        settings = processing.PageSettings(color=color)
        start = time.perf_counter()
        out: list[processing.Page] = []
        for data in batch:
            out.extend(processing.process_document(data, settings))
        per_page = (time.perf_counter() - start) / pages
        sizes = [len(p.data) for p in out]
        results[color] = out
        print(f"  {color:5s} 200 dpi: {per_page * 1000:7.1f} ms/page"
              f" (×{per_page / base_t:4.1f} baseline),"
              f" {statistics.mean(sizes) / 1024:6.0f} KB/page,"
              f" max {max(sizes) / 1024:.0f} KB")  # fmt: skip
    for color in ("gray", "bw"):
        start = time.perf_counter()
        pdf = processing.pages_to_pdf(results[color])
        elapsed = time.perf_counter() - start
        print(f"  merge {pages} {color} pages into one PDF: {elapsed * 1000:.0f} ms,"
              f" {len(pdf) / 1024:.0f} KB ({len(pdf) / pages / 1024:.0f} KB/page)")  # fmt: skip


def bench_import(count: int) -> None:
    print(f"== import: {count} small files into one material ==")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        paths = []
        for i in range(count):
            buf = io.BytesIO()
            Image.new("L", (64, 64), i % 256).save(buf, "PNG", pnginfo=None)
            path = src / f"file_{i:05d}.png"
            path.write_bytes(buf.getvalue() + i.to_bytes(4, "big"))
            paths.append(path)
        copy_dir = Path(tmp) / "copy"
        copy_dir.mkdir()
        start = time.perf_counter()
        for path in paths:
            shutil.copyfile(path, copy_dir / path.name)
        base = time.perf_counter() - start
        print(f"  baseline shutil.copyfile: {base / count * 1000:6.2f} ms/file")
        store = Store.memory()
        try:
            start = time.perf_counter()
            result = materials.import_files(
                store, application_id="bench", material_key="m", paths=paths,
                actor="bench",
            )  # fmt: skip
            elapsed = time.perf_counter() - start
            assert len(result.attached) == count, result.errors[:3]
            print(f"  import_files (1 call):    {elapsed / count * 1000:6.2f} ms/file"
                  f" (×{elapsed / base:4.1f} baseline), {elapsed:.2f} s total")  # fmt: skip
            start = time.perf_counter()
            report = materials.startup_check(store)
            print(f"  startup_check over {count} blobs: "
                  f"{(time.perf_counter() - start) * 1000:.0f} ms,"
                  f" orphans={len(report.orphans)} missing={len(report.missing)}")  # fmt: skip
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    bench_processing(args.pages)
    bench_import(args.files)


if __name__ == "__main__":
    main()

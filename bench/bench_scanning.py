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
from counter_app.store.blobcrypt import ALGORITHM_NAMES, preferred_algorithm
from counter_app.store.db import PLAIN, Store
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


def _import_once(paths: list[Path], key: bytes | None) -> tuple[float, Store]:
    store = Store.memory(key=key)
    start = time.perf_counter()
    result = materials.import_files(
        store, application_id="bench", material_key="m", paths=paths, actor="bench"
    )
    elapsed = time.perf_counter() - start
    assert len(result.attached) == len(paths), result.errors[:3]
    return elapsed, store


def _compare(label: str, paths: list[Path], rounds: int) -> None:
    """Plain store (as before encryption) against the encrypted one, in
    alternating rounds so machine load hits both alike."""
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for _ in range(rounds):
        for name, key in (("plain", PLAIN), ("encrypted", None)):
            elapsed, store = _import_once(paths, key)
            times[name].append(elapsed / len(paths))
            store.close()
    plain, sealed = (statistics.median(times[k]) for k in ("plain", "encrypted"))
    print(f"  {label}: plain {plain * 1000:6.2f} ms/file, encrypted"
          f" {sealed * 1000:6.2f} ms/file  ({(sealed / plain - 1) * 100:+.0f} %,"
          f" median of {rounds}; target <= +20 %)")  # fmt: skip


def bench_import(count: int, rounds: int = 3) -> None:
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
        elapsed, store = _import_once(paths, None)
        try:
            print(f"  import_files (1 call):    {elapsed / count * 1000:6.2f} ms/file"
                  f" (×{elapsed / base:4.1f} baseline), {elapsed:.2f} s total")  # fmt: skip
            start = time.perf_counter()
            report = materials.startup_check(store)
            print(f"  startup_check over {count} blobs: "
                  f"{(time.perf_counter() - start) * 1000:.0f} ms,"
                  f" orphans={len(report.orphans)} missing={len(report.missing)}")  # fmt: skip
        finally:
            store.close()
        _compare(f"{count} small PNGs", paths, rounds)
        # Scan-sized files: 300 dpi colour A4 pages as a scanner writes them.
        scans = Path(tmp) / "scans"
        scans.mkdir()
        pages = []
        for seed in range(20):
            page = scans / f"page_{seed:02d}.jpg"
            page.write_bytes(_scanner_jpeg(seed))
            pages.append(page)
        size = statistics.mean(p.stat().st_size for p in pages) / 1024
        _compare(f"20 scanned pages ({size:.0f} KB each)", pages, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    bench_processing(args.pages)
    print(f"(scans sealed with {ALGORITHM_NAMES[preferred_algorithm()]})")
    bench_import(args.files)


if __name__ == "__main__":
    main()

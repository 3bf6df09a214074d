"""Making rows in one process while the store inserts them in another: the
generator's Python and SQLite's inserts each keep one of the two cores
busy, instead of taking turns.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.gen_audit import write_scans
from bench.gen_records import DayRows, Generator, iter_days

BATCH = 25_000  # applications per batch (one store transaction)


@dataclass
class Batch:
    rows: DayRows
    blobs: list[tuple[object, ...]]
    files: list[tuple[object, ...]]
    closes: list[tuple[object, ...]]  # day_closes rows of the own window


def _merge(into: DayRows, day: DayRows) -> None:
    for name in (
        "applications",
        "materials",
        "evaluations",
        "print_jobs",
        "consultations",
        "events",
        "sequences",
    ):
        getattr(into, name).extend(getattr(day, name))


def batches(
    gen: Generator, total: int, *, data_dir: Path, key: bytes
) -> Iterator[Batch]:
    """Day after day, in batches of about ``BATCH`` applications; the scan
    files are written here (sealed) and come back as rows."""
    days = gen.wd.past
    batch, closes = DayRows(), []
    for day, count in iter_days(days, total, gen.rng):
        rows = gen.day(day, count)
        _merge(batch, rows)
        batch.scans.extend(rows.scans)
        for _site, _window, d, last in rows.sequences:
            closes.append(gen.close_row(date.fromisoformat(d), last))
        if len(batch.applications) >= BATCH or day == days[-1]:
            made = list(write_scans(data_dir, key, batch.scans))
            yield Batch(batch, [b for b, _f in made], [f for _b, f in made], closes)
            batch, closes = DayRows(), []


def _produce(
    queue: Any, kwargs: dict[str, Any], total: int, out: Path, key: bytes
) -> None:
    try:
        gen = Generator(**kwargs)
        for batch in batches(gen, total, data_dir=out, key=key):
            queue.put(batch)
        queue.put(None)
    except BaseException as exc:  # reported by the consumer
        queue.put(exc)
        raise


def run(
    kwargs: dict[str, Any], total: int, *, data_dir: Path, key: bytes
) -> Iterator[Batch]:
    """The batches of ``Generator(**kwargs)``, made in a worker process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue(maxsize=2)
    worker = ctx.Process(
        target=_produce, args=(queue, kwargs, total, data_dir, key), daemon=True
    )
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise RuntimeError("the row generator failed") from item
            yield item
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()

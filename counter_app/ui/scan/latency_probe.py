"""Measure how long the UI event loop stalls while scans are handled.

Run: ``QT_QPA_PLATFORM=offscreen python -m counter_app.ui.scan.latency_probe``

A 10 ms timer on the UI thread records how late each tick comes while the
files panel imports 20 A4 pages (300 dpi JPEG) and makes their thumbnails,
then while one 20-page PDF is processed (gray, 200 dpi) and a page rotated.
The page worker process is started (and timed) on its own first, unless
``--cold`` lets the processing start it.
A stall is a tick arriving later than planned.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from counter_app.scanning import pagework
from counter_app.scanning.processing import PageSettings
from counter_app.services import materials
from counter_app.services.context import DeskContext
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.messages import MessageBridge
from counter_app.ui.scan.files_panel import MaterialFilesPanel
from counter_app.ui.tasks import TaskRunner

TICK_MS = 10


def scan_like_page(seed: int, dpi: int = 300) -> Image.Image:
    rng = random.Random(seed)
    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    im = Image.new("RGB", (width, height), (246, 244, 236))
    draw = ImageDraw.Draw(im)
    for y in range(300, height - 300, 70):
        x = 250
        while x < width - 400:
            w = rng.randint(20, 60)
            draw.rectangle((x, y, x + w, y + 40), fill=(30, 30, 40))
            x += w + 15
    return im


class Probe:
    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        elapsed = self.clock.nsecsElapsed() / 1e6
        self.gaps.append(max(0.0, elapsed - TICK_MS))
        self.clock.restart()

    def measure(
        self, label: str, start: Callable[[], None], done: Callable[[], bool]
    ) -> None:
        loop = QEventLoop()
        check = QTimer()
        check.setInterval(TICK_MS)
        check.timeout.connect(lambda: loop.quit() if done() else None)
        self.gaps = []
        began = time.perf_counter()
        self.clock.start()
        self.timer.start()
        check.start()
        start()
        loop.exec()
        check.stop()
        self.timer.stop()
        seconds = time.perf_counter() - began
        gaps = sorted(self.gaps) or [0.0]
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        print(
            f"{label}: {seconds:.1f} s, {len(gaps)} ticks, stall max "
            f"{gaps[-1]:.1f} ms, p99 {p99:.1f} ms, "
            f"median {statistics.median(gaps):.1f} ms, "
            f"over 50 ms: {sum(1 for g in gaps if g > 50)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument(
        "--cold",
        action="store_true",
        help="let processing start the page worker process itself",
    )
    args = parser.parse_args()
    qapp = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="counter-latency-"))
    store = Store.open(tmp / "data")
    user = DeskContext("clerk01", "王晓明", "clerk", "320102001", "01")
    app = AppContext(store, TaskRunner(), MessageBridge(),
                     QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat),
                     user=user)  # fmt: skip
    pages = [scan_like_page(i) for i in range(args.pages)]
    paths = []
    for i, im in enumerate(pages):
        path = tmp / f"page{i + 1:02d}.jpg"
        im.save(path, "JPEG", quality=85, dpi=(300, 300))
        paths.append(path)
    pdf = io.BytesIO()
    pages[0].save(pdf, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    (tmp / "bundle.pdf").write_bytes(pdf.getvalue())
    panel = MaterialFilesPanel(app)
    panel.resize(800, 600)
    panel.show()
    panel.set_material("app-probe", "license", "营业执照")
    probe = Probe()
    probe.measure("load empty panel", lambda: None, lambda: not app.tasks.busy())

    probe.measure(
        f"import {args.pages} pages + thumbnails",
        lambda: panel.import_paths(paths),
        lambda: not app.tasks.busy() and panel.list.count() == args.pages,
    )
    panel.list.setCurrentRow(0)
    probe.measure(
        "rotate one page",
        panel.rotate_selected,
        lambda: not app.tasks.busy() and panel.list.count() == args.pages + 1,
    )
    panel.set_material("app-probe", "bundle", "合并文件")
    panel.import_paths([tmp / "bundle.pdf"])
    probe.measure(
        "import bundle",
        lambda: None,
        lambda: not app.tasks.busy() and panel.list.count() == 1,
    )
    bundle = panel.rows()[0]
    if not args.cold:
        started: list[object] = []
        probe.measure(
            "start the page worker process",
            lambda: app.tasks.run_io(
                pagework.warm_up, success=started.append, failure=started.append
            ),
            lambda: bool(started),
        )
    result: list[object] = []
    probe.measure(
        f"process {args.pages}-page PDF (gray, 200 dpi)",
        lambda: app.tasks.run_op(
            lambda: materials.process(
                store,
                file_id=bundle.id,
                page_settings=PageSettings(color="gray"),
                actor="clerk01",
            ),
            success=result.append,
            failure=result.append,
        ),
        lambda: bool(result) and not app.tasks.busy(),
    )
    app.tasks.wait()
    pagework.shutdown()
    panel.close()
    store.close()
    del qapp


if __name__ == "__main__":
    main()

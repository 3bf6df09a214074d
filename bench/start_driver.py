"""Drives the real desk GUI for ``bench_start.py`` (one process, offscreen).

    python bench/start_driver.py DATA_DIR [--pages 10] [--idle-cap 120]

Runs ``counter_app.ui.app.run_gui`` as ``main.py gui`` does and watches it
from a 2 ms timer: once the sign-in dialog shows the desk's heading (the
store has opened behind it), signs in as clerk01 and times the way to a
workspace ready for the first keystroke — main window shown, the list's
first page, its count and the window filter in (the store worker is then
free for the intake's first search). Then waits for the start-up checks to
finish, reads the resident memory (idle), pages 10 times down the list and
reads it again. Prints ``BENCH`` lines for the parent, then quits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

USER, PASSWORD = "clerk01", "counter123"


def memory_mb() -> tuple[float, float]:
    """(resident now, resident peak) of this process, in MB."""
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def say(*parts: object) -> None:
    print("BENCH", *parts, flush=True)


class Watcher:
    def __init__(
        self, qt_app: QApplication, *, pages: int, idle_cap_s: float, typing_s: float
    ) -> None:
        self.qt_app = qt_app
        self.typing_s = typing_s
        self.profile: Any = None
        self.profile_out: Path | None = None
        self.pages = pages
        self.idle_cap_s = idle_cap_s
        self.t: dict[str, float] = {}
        self.rss: dict[str, float] = {}  # resident MB at each mark
        self.cpu: dict[str, float] = {}
        self.window: Any = None
        self.timer = QTimer()
        self.timer.setInterval(2)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def mark(self, name: str) -> None:
        if name not in self.t:
            self.t[name] = time.perf_counter()
            self.cpu[name] = time.process_time()  # every thread of the app
            self.rss[name] = memory_mb()[0]

    def poll(self) -> None:
        from counter_app.ui.signin import SignInDialog

        if "click" not in self.t:
            for w in self.qt_app.topLevelWidgets():
                if not (isinstance(w, SignInDialog) and w.isVisible()):
                    continue
                self.mark("dialog")
                if w.center_label.text():
                    self.mark("store_open")  # its heading: the store is open
                typed = time.perf_counter() - self.t["dialog"] >= self.typing_s
                if "store_open" in self.t and typed:
                    w.username.setText(USER)
                    w.password.setText(PASSWORD)
                    w.signed_in.connect(self._verified)
                    self.mark("click")
                    w.submit()
                    return
            return
        if self.window is None:
            from counter_app.ui.mainwindow import MainWindow

            for w in self.qt_app.topLevelWidgets():
                if isinstance(w, MainWindow) and w.isVisible():
                    self.window = w
                    self.mark("shown")
            return
        panel = self.window.list_panel
        if panel.model.rows:
            self.mark("page")
        if panel.model.total is not None:
            self.mark("count")
        if panel.window_filter.count() > 1:
            self.mark("windows")
        if all(k in self.t for k in ("page", "count", "windows")):
            self.timer.stop()
            self.ready()

    def _verified(self, _ctx: object) -> None:
        self.mark("verified")
        if self.profile is not None:
            self.profile.enable()

    def ready(self) -> None:
        if self.profile is not None:
            self.profile.disable()
            self.profile.dump_stats(str(self.profile_out))
        t = self.t
        self.mark("ready")
        click = t["click"]

        def ms(key: str) -> float:
            return (t[key] - click) * 1000

        say(
            "store_open_s",
            f"{t['store_open'] - T0:.3f}",
            f"dialog {t['dialog'] - T0:.3f}",
        )
        say(
            "signin_to_ready_ms",
            f"{ms('ready'):.0f}",
            f"verified {ms('verified'):.0f}",
            f"shown {ms('shown'):.0f}",
            f"page {ms('page'):.0f}",
            f"count {ms('count'):.0f}",
            f"windows {ms('windows'):.0f}",
            f"cpu {(self.cpu['ready'] - self.cpu['click']) * 1000:.0f}",
        )
        self.idle_since = time.perf_counter()
        QTimer.singleShot(200, self.wait_idle)

    def wait_idle(self) -> None:
        tasks = self.window.app.tasks
        waited = time.perf_counter() - self.idle_since
        if tasks.busy() and waited < self.idle_cap_s:
            QTimer.singleShot(100, self.wait_idle)
            return
        say("background_done_s", f"{waited:.1f}", "busy" if tasks.busy() else "")
        say(
            "rss_stages_mb",
            *(f"{k} {v:.0f}" for k, v in self.rss.items()),
            f"background_done {memory_mb()[0]:.0f}",
        )
        QTimer.singleShot(1000, self.idle)

    def idle(self) -> None:
        rss, peak = memory_mb()
        say("rss_idle_mb", f"{rss:.1f}", f"peak {peak:.1f}")
        self.window.tabs.setCurrentIndex(1)  # 办件: the list on screen
        self.page_started = time.perf_counter()
        self.paged = 0
        QTimer.singleShot(50, self.next_page)

    def next_page(self) -> None:
        model = self.window.list_panel.model
        if model.is_loading():
            QTimer.singleShot(5, self.next_page)
            return
        if self.paged < self.pages and model.canFetchMore():
            self.paged += 1
            model.fetchMore()
            table = self.window.list_panel.table
            table.scrollToBottom()
            QTimer.singleShot(5, self.next_page)
            return
        self.qt_app.processEvents()
        rss, peak = memory_mb()
        say(
            "rss_pages_mb",
            f"{rss:.1f}",
            f"peak {peak:.1f}",
            f"pages {self.paged + 1}",
            f"rows {len(model.rows)}",
            f"{(time.perf_counter() - self.page_started) * 1000:.0f} ms",
        )
        say("done")
        self.qt_app.quit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--idle-cap", type=float, default=120.0)
    parser.add_argument(
        "--typing",
        type=float,
        default=3.0,
        help="seconds a clerk takes to type name and password (the dialog's"
        " background work runs meanwhile)",
    )
    parser.add_argument(
        "--profile", type=Path, help="cProfile the UI thread from sign-in to ready"
    )
    args = parser.parse_args()
    qt_app = QApplication(sys.argv[:1])
    watcher = Watcher(
        qt_app, pages=args.pages - 1, idle_cap_s=args.idle_cap, typing_s=args.typing
    )
    if args.profile:
        import cProfile

        watcher.profile, watcher.profile_out = cProfile.Profile(), args.profile
    from counter_app.ui.app import run_gui

    code = run_gui(args.data_dir, language=None)
    del watcher
    return code


if __name__ == "__main__":
    raise SystemExit(main())

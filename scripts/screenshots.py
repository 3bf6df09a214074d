"""Screenshots of the window workspace on a real X server (Xvfb).

    python scripts/screenshots.py --out screenshots/ [--lang zh_CN|en]

Starts ``Xvfb :99 -screen 0 1440x900x24`` itself, seeds a demo store in a
temporary directory, and saves: the sign-in dialog, the main window on the
受理 tab, the 办件 list with a detail, the deliver and evaluation dialogs, the
list in the high-contrast large-font theme, the shortcuts, the settings and
the lock screen; then the hall's kiosk, display and pad pages in headless
chromium (scripts/hall_pages.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DISPLAY = ":99"


def start_xvfb() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path("/tmp/.X11-unix/X" + DISPLAY[1:])
    for _ in range(100):
        if socket.exists():
            break
        if proc.poll() is not None:
            raise SystemExit("Xvfb did not start (is the display already taken?)")
        time.sleep(0.05)
    os.environ["DISPLAY"] = DISPLAY
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])
    parser.add_argument("--applications", type=int, default=120)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    xvfb = start_xvfb()
    data_dir = Path(tempfile.mkdtemp(prefix="counter-shots-"))
    try:
        status = capture(args.out, args.lang, data_dir, args.applications)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
    return status or capture_hall_pages(args.out)


def capture_hall_pages(out: Path) -> int:
    """The kiosk, display and pad pages in headless chromium."""
    from scripts.hall_pages import BrowserUnavailable, capture_hall

    try:
        for path in capture_hall(out):
            print(path)
    except BrowserUnavailable as exc:
        print(f"hall pages skipped: {exc}", file=sys.stderr)
        return 1
    return 0


def capture(out: Path, lang: str, data_dir: Path, applications: int) -> int:
    from PySide6.QtWidgets import QApplication, QWidget

    from counter_app import i18n
    from counter_app.services.demo import demo_context, seed_demo
    from counter_app.store import settings
    from counter_app.store.db import Store
    from counter_app.ui.app import ui_settings
    from counter_app.ui.context import AppContext
    from counter_app.ui.messages import MessageBridge
    from counter_app.ui.signin import SignInDialog
    from counter_app.ui.tasks import TaskRunner
    from counter_app.ui.theme import ThemeOptions, apply_theme
    from counter_app.ui.workspace import Workspace

    store = Store.open(data_dir)
    seed_demo(store, applications=applications)
    i18n.set_language(lang)
    qt_app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("Counter")
    apply_theme(qt_app, ThemeOptions())
    tasks = TaskRunner()
    app = AppContext(
        store=store,
        tasks=tasks,
        messages=MessageBridge(),
        settings=ui_settings(data_dir),
    )
    ident = settings.identity(store.db)
    heading = f"{ident.center_name} {ident.window_name}"

    def wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            qt_app.processEvents()
            time.sleep(0.01)
        for _ in range(20):
            qt_app.processEvents()
            time.sleep(0.01)

    def shot(widget: QWidget, name: str) -> None:
        widget.raise_()
        widget.activateWindow()
        wait(lambda: widget.isVisible(), 2)
        screen = widget.screen()
        frame = widget.frameGeometry()
        pixmap = screen.grabWindow(
            0, frame.x(), frame.y(), frame.width(), frame.height()
        )
        if pixmap.isNull():
            pixmap = widget.grab()
        path = out / f"{name}.png"
        pixmap.save(str(path))
        print(path)

    dialog = SignInDialog(store, tasks, mode="start", heading=heading)
    dialog.show()
    dialog.username.setText("clerk01")
    dialog.password.setText("x" * 9)
    dialog.password.setFocus()
    wait(lambda: dialog.isVisible())
    shot(dialog, "01-signin")
    dialog.close()

    app.user = demo_context(store, "clerk01")
    ws = Workspace(app, idle_lock_minutes=0, heading=heading)
    ws.window.resize(1400, 860)
    ws.window.move(10, 10)
    ws.show()
    ws.window.tabs.setCurrentIndex(0)
    ws.window.queue.call_next()
    wait(lambda: ws.window.list_panel.model.total is not None)
    shot(ws.window, "02-intake")

    ws.window.find_applications()
    panel = ws.window.list_panel
    wait(lambda: ws.window.detail.current_id() is not None)
    row = next(
        (i for i, r in enumerate(panel.model.rows) if r.status.value == "result_ready"),
        0,
    )
    panel.table.selectRow(row)
    wait(lambda: ws.window.detail.current_id() == panel.model.rows[row].id)
    shot(ws.window, "03-list-detail")

    ws.window.detail.deliver()
    deliver = ws.window.detail.active_dialog
    deliver.recipient_id.setText("110101199001011237")
    deliver.submit()
    wait(lambda: deliver.errors["recipient_id_number"].text() != "")
    shot(deliver, "04-deliver-error")
    deliver.reject()

    ws.window.detail.evaluate()
    evaluation = ws.window.detail.active_dialog
    evaluation.level_buttons[2].setChecked(True)
    evaluation.submit()
    shot(evaluation, "05-evaluation-follow-up")
    evaluation.reject()

    panel.search.setText("𠮷")
    panel.apply()
    wait(lambda: panel.model.total is not None)
    shot(ws.window, "06-search-rare-character")

    apply_theme(qt_app, ThemeOptions(large_font=True, high_contrast=True))
    panel.search.clear()
    panel.apply()
    wait(lambda: panel.model.total is not None)
    panel.fit_columns()
    wait(lambda: True)
    shot(ws.window, "07-high-contrast-large")

    ws.window.show_shortcuts()
    shot(ws.window.help_dialog, "08-shortcuts")
    ws.window.help_dialog.accept()

    apply_theme(qt_app, ThemeOptions())
    settings_dialog = ws.open_settings()
    shot(settings_dialog, "09-settings")
    settings_dialog.reject()

    ws.lock()
    assert ws.lock_dialog is not None
    shot(ws.window, "10-locked-window")
    shot(ws.lock_dialog, "11-lock-dialog")
    ws.lock_dialog.hide()
    ws.close()
    tasks.wait()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

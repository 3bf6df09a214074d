"""One standard intake by keyboard through the real window, offscreen,
counting every key: the item search (pinyin initials, arrows, Enter), the
applicant's name, ID number and phone, every material received, accept, and
the 受理回执 that opens. Prints one JSON line.

    python bench/keyboard_flow.py [--tree DIR] [--runs N]

``--tree DIR`` runs the same flow against another checkout of the project
(bench_keyboard_intake.py uses it for the code before the keyboard work),
so the driver touches only what both versions have: the workspace, the
intake's search, fields, table and buttons, and the document dialog.

The driver is a clerk who knows the form: to reach a field it presses Tab
(or, with ``--advance enter``, Enter) until the field has the focus; a key
that does not move the focus ends the run with "no_advance" (Enter did not
advance before the keyboard work). Chinese text counts one key per character (the input
method's commit; pinyin adds the same number to both versions).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ITEM_QUERY, ITEM_CODE = "gtgsh", "XK00101001"  # 个体工商户设立登记
NAME, ID_NUMBER, PHONE = "李子墨", "320102198503141235", "13812345678"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--advance", choices=["tab", "enter"], default="tab",
        help="the key that moves to the next applicant field",
    )  # fmt: skip
    args = parser.parse_args(argv)
    root = (args.tree or Path(__file__).resolve().parent.parent).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        print(json.dumps(run(args.runs, args.advance)))
    except NoAdvance as exc:
        print(json.dumps({"advance": args.advance, "no_advance": str(exc)}))
    sys.stdout.flush()
    # widgets of a run cut short are still alive: skip Qt's teardown
    os._exit(0)


class Keys:
    """Key events to the focused widget, counted."""

    def __init__(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.app = QApplication.instance()
        self.count = 0

    def focused(self) -> object:
        from PySide6.QtWidgets import QApplication

        return QApplication.focusWidget()

    def press(self, key: object, modifiers: object = None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        target = self.focused()
        if target is None:
            raise RuntimeError("no widget has the focus")
        QTest.keyClick(target, key, modifiers or Qt.KeyboardModifier.NoModifier)
        self.count += 1

    def type(self, text: str) -> None:
        from PySide6.QtGui import QInputMethodEvent
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        for ch in text:
            target = self.focused()
            if ch.isascii():
                QTest.keyClicks(target, ch)
            else:
                event = QInputMethodEvent()
                event.setCommitString(ch)
                QApplication.sendEvent(target, event)
            self.count += 1

    def advance_to(self, widget: object, key: object, limit: int = 40) -> None:
        """Press ``key`` (Tab or Enter) until ``widget`` has the focus; a
        press that leaves the focus where it was means this version's key
        does not advance (NoAdvance)."""
        for _n in range(limit):
            here = self.focused()
            if here is widget:
                return
            self.press(key)
            if self.focused() is here:
                raise NoAdvance(str(key))
        raise NoAdvance(f"{key} never reached {widget}")


class NoAdvance(RuntimeError):
    pass


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    from PySide6.QtTest import QTest

    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting")
        QTest.qWait(5)


def run(runs: int, advance: str) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication([])
    from PySide6.QtCore import QSettings

    from counter_app.services.demo import demo_context, seed_users
    from counter_app.services.setup import ensure_seeded
    from counter_app.store.db import Store
    from counter_app.ui.context import AppContext
    from counter_app.ui.messages import MessageBridge
    from counter_app.ui.tasks import TaskRunner
    from counter_app.ui.workspace import Workspace

    store = Store.memory()
    ensure_seeded(store)
    seed_users(store)
    settings = QSettings(
        str(Path(store.data_dir) / "ui.ini"), QSettings.Format.IniFormat
    )
    app = AppContext(
        store=store,
        tasks=TaskRunner(),
        messages=MessageBridge(),
        settings=settings,
        user=demo_context(store, "clerk01"),
    )
    ws = Workspace(app, idle_lock_minutes=0)
    ws.show()  # as after a sign-in
    ws.window.activateWindow()
    wait_until(lambda: QApplication.activeWindow() is ws.window)
    QApplication.processEvents()
    keys_per_run: list[int] = []
    seconds: list[float] = []
    for _n in range(runs):
        keys = Keys()
        start = time.perf_counter()
        intake(ws, keys, advance)
        seconds.append(time.perf_counter() - start)
        keys_per_run.append(keys.count)
    app.tasks.wait()
    ws.close()
    stored = store.db.execute(
        "SELECT COUNT(*) FROM applications WHERE status = 'submitted'"
    ).fetchone()[0]
    store.close()
    del qapp
    return {
        "first_keys": keys_per_run[0],
        "next_keys": statistics.median(keys_per_run[1:] or keys_per_run),
        "median_s": statistics.median(seconds),
        "runs": runs,
        "advance": advance,
        "stored": stored,
    }


def intake(ws: object, keys: Keys, advance: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.documents import DocumentDialog

    window = ws.window  # type: ignore[attr-defined]
    w = window.intake
    ctrl = Qt.KeyboardModifier.ControlModifier
    # To the item search: already there, 下一位 (Space), or 新受理 (Ctrl+N).
    if keys.focused() is w.next_button:
        keys.press(Qt.Key.Key_Space)
    elif keys.focused() is not w.search.edit:
        if keys.focused() is None:
            window.setFocus()  # the window takes keys; nothing inside has focus
        keys.press(Qt.Key.Key_N, ctrl)
    wait_until(lambda: keys.focused() is w.search.edit)
    keys.type(ITEM_QUERY)
    popup = w.search.popup

    def code(i: int) -> str:
        return popup.item(i).data(Qt.ItemDataRole.UserRole).code

    wait_until(lambda: any(code(i) == ITEM_CODE for i in range(popup.count())))
    while popup.currentItem().data(Qt.ItemDataRole.UserRole).code != ITEM_CODE:
        keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Return)
    wait_until(lambda: w.selection is not None and not w.app.tasks.busy())
    fields = w.applicant.fields
    step = Qt.Key.Key_Tab if advance == "tab" else Qt.Key.Key_Return
    for field, text in (("name", NAME), ("id_number", ID_NUMBER), ("phone", PHONE)):
        keys.advance_to(fields[field], step)
        keys.type(text)
    keys.press(Qt.Key.Key_A, ctrl | Qt.KeyboardModifier.ShiftModifier)
    decided: list[object] = []
    w.decided.connect(decided.append)
    keys.press(Qt.Key.Key_Return, ctrl)
    wait_until(lambda: bool(decided))
    w.decided.disconnect()

    def receipt() -> object:
        return next(
            (
                d
                for d in w.findChildren(DocumentDialog)
                if d.isVisible() and QApplication.activeWindow() is d
            ),
            None,
        )

    wait_until(lambda: receipt() is not None)
    paper = receipt()
    # The receipt's one key: Enter prints (Ctrl+P too); with no printer here
    # Escape closes the rendered preview instead — one key either way.
    wait_until(lambda: not w.app.tasks.busy())
    keys.press(Qt.Key.Key_Escape)
    wait_until(lambda: not paper.isVisible())  # type: ignore[attr-defined]
    window.activateWindow()  # the window manager's part, offscreen has none
    wait_until(lambda: QApplication.activeWindow() is window)


if __name__ == "__main__":
    sys.exit(main())

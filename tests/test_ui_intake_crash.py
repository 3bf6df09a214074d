"""A crash mid-intake loses nothing: a child process types into the form,
waits for the autosave and kills itself with SIGKILL; the draft is then
found in the store and resumes into a new widget with the same content."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.services.drafts import list_drafts
from counter_app.services.intake import MaterialState
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import CLERK, ID_1, idle, make_app, row_of

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import os, signal, sys, time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[2])
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import ID_1, make_app, row_of

qapp = QApplication([])
app = make_app(Path(sys.argv[1]))
w = IntakeWidget(app)
w.resize(1200, 800)
w.show()


def wait(cond, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not cond():
        QApplication.processEvents()
        time.sleep(0.01)
        if time.monotonic() > deadline:
            sys.exit("timed out")


def ime(widget, text):
    for ch in text:
        event = QInputMethodEvent()
        event.setCommitString(ch)
        QApplication.sendEvent(widget, event)


QTest.keyClicks(w.search.edit, "gtgsh")
wait(lambda: w.search.popup.count() > 0)
QTest.keyClick(w.search.edit, Qt.Key.Key_Return)
wait(lambda: w.selection is not None and not app.tasks.busy())
w.conditions.boxes["rented_premises"].setChecked(True)
name = w.applicant.fields["name"]
name.setFocus()
ime(name, "李子墨")
QTest.keyClicks(w.applicant.fields["id_number"], ID_1)
QTest.keyClicks(w.applicant.fields["phone"], "13812345678")
QTest.keyClick(w.table, Qt.Key.Key_A,
               Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
# 全部已收: the lease, asked for as a copy only, is 已收复印件.
started = time.monotonic()
wait(lambda: time.monotonic() - started > 1 and not w.keeper.timer.isActive()
     and not app.tasks.busy())
print("saved after", round(time.monotonic() - started, 1), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_draft_survives_sigkill_and_resumes(tmp_path: Path, qtbot: QtBot) -> None:
    data = tmp_path / "data"
    make_app(data).store.close()  # seeded before the child starts
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), str(ROOT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert "saved after" in child.stdout
    seconds = float(child.stdout.split()[-1])
    assert 4.5 <= seconds < 15  # the autosave waits for 5 s of quiet

    app = make_app(data)
    try:
        [(draft_id, _at, form)] = list_drafts(app.store, username=CLERK.username)
        assert form.item_codes == ["XK00101001"]
        assert form.applicant.name == "李子墨"
        assert form.applicant.id_number == ID_1
        assert form.answers == {"rented_premises": True}
        w = IntakeWidget(app)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: w.side.drafts.count() == 1, timeout=5000)
        qtbot.mouseClick(w.side.resume_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.selection is not None, timeout=5000)
        idle(qtbot, app)
        assert w.keeper.draft_id == draft_id
        assert w.applicant.fields["name"].text() == "李子墨"
        assert w.applicant.fields["phone"].text() == "13812345678"
        assert "1985-03-14" in w.applicant.id_info.text()
        assert w.conditions.boxes["rented_premises"].isChecked()
        states = {
            r.material.name: s.state
            for r, s in zip(w.table.rows, w.table.states, strict=True)
        }
        assert states["房屋租赁合同"] is MaterialState.COPY
        assert states["居民身份证"] is MaterialState.ORIGINAL
        assert row_of(w, "房屋租赁合同") >= 0
        assert w.form().materials == form.materials
    finally:
        app.tasks.wait()
        app.store.close()

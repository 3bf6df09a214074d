"""The scripted intake that bench_intake.py times (run through pytest-qt,
driving the real widgets as a clerk would). Not collected by the test run."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store.catalog import get_item
from counter_app.store.db import PLAIN
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    CLERK,
    ID_1,
    choose,
    close_documents,
    idle,
    make_app,
    mark_all_original,
    type_into,
)

RUNS = int(os.environ.get("INTAKE_RUNS", "10"))
PLAIN_STORE = os.environ.get("INTAKE_PLAIN") == "1"


def test_time_standard_intake(qtbot: QtBot, tmp_path: Path) -> None:
    app = make_app(tmp_path / "data", key=PLAIN if PLAIN_STORE else None)
    print(f"\nstore: {'plain SQLite' if PLAIN_STORE else 'SQLCipher'}", end="")
    widget = IntakeWidget(app)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    flows = []
    for _ in range(RUNS):
        widget.new_intake()
        idle(qtbot, app)
        start = time.perf_counter()
        choose(qtbot, widget, "gtgsh", "XK00101001")
        type_into(qtbot, widget, "name", "李子墨")
        type_into(qtbot, widget, "id_number", ID_1)
        type_into(qtbot, widget, "phone", "13812345678")
        widget.table.setFocus()
        mark_all_original(qtbot, widget)
        with qtbot.waitSignal(widget.decided, timeout=10_000):
            qtbot.keyClick(
                widget.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
            )
        flows.append(time.perf_counter() - start)
        idle(qtbot, app)
        close_documents(qtbot, widget)
    item = get_item(app.store.db, "XK00101001")
    direct = []
    for _ in range(RUNS):
        form = IntakeForm(
            item_codes=[item.code],
            applicant=Applicant(name="李子墨", id_number=ID_1, phone="13812345678"),
            materials=[
                MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
                for m in item.materials_for({})
            ],
        )
        start = time.perf_counter()
        apps.decide(app.store, CLERK, form, Decision.ACCEPT)
        direct.append(time.perf_counter() - start)
    flow_ms = statistics.median(flows) * 1000
    base_ms = statistics.median(direct) * 1000
    print()
    print(
        f"baseline: decide() called directly        {base_ms:8.1f} ms (median of {RUNS})"
    )
    print(
        f"scripted intake through the widgets       {flow_ms:8.1f} ms "
        f"(×{flow_ms / base_ms:.0f}; includes the search debounce and keystrokes)"
    )
    app.tasks.wait()
    app.store.close()

"""The daily log on screen (the export dialog's table): the rows the export
holds for the filters, sortable, overdue cases and 差评 marked, and each
window's completeness."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.services import applications
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.supervisor import ExportDialog
from counter_app.ui.theme import tone
from tests.test_supervisor_ui import CHIEF, DAY, chief_app, filled

__all__ = ["chief_app", "filled"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def _texts(dialog: ExportDialog, col: int) -> list[str]:
    model = dialog.log_view.table.model()
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_the_log_on_screen_marks_overdue_and_bad_ratings(
    qtbot: QtBot, chief_app: AppContext, filled: Store, tmp_path: Path
) -> None:
    db = filled.db
    first, second = [
        r[0]
        for r in db.execute(
            "SELECT id FROM applications WHERE applicant_name IN ('王𠮷', '张三')"
            " ORDER BY applicant_name"
        )
    ]
    # 张三's case still under review past its due date; 王𠮷 rated 2
    db.execute(
        "UPDATE applications SET status = 'submitted', due_date = ? WHERE id = ?",
        [(DAY - timedelta(days=3)).isoformat(), first],
    )
    applications.evaluate(
        filled, CHIEF, application_id=second, level=2, reasons=[], comment=""
    )
    dialog = ExportDialog(chief_app, day=DAY, out_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    view = dialog.log_view
    qtbot.waitUntil(lambda: dialog.log is not None, timeout=10_000)
    names = _texts(dialog, 4)
    assert sorted(names) == ["张三", "欧阳䶮", "王𠮷"]
    assert "超期 1 件" in view.summary.text() and "差评 1 件" in view.summary.text()
    assert "窗口 02：未同步" in view.coverage.text()
    model = view.table.model()
    row_of = {n: i for i, n in enumerate(names)}
    due = model.index(row_of["张三"], 8)
    assert due.data().endswith("（超期）")
    assert due.data(Qt.ItemDataRole.ForegroundRole).color() == tone("error")
    rating = model.index(row_of["王𠮷"], 9)
    assert "差评" in rating.data()
    # sortable: by the 评价 column, the bad rating first
    view.table.sortByColumn(9, Qt.SortOrder.DescendingOrder)
    view.table.sortByColumn(9, Qt.SortOrder.AscendingOrder)
    assert _texts(dialog, 4)[-1] == "王𠮷"
    # the filters drive the table: window 02 only
    dialog.window_edit.setText("02")
    qtbot.waitUntil(lambda: _texts(dialog, 4) == ["张三"], timeout=10_000)
    chief_app.tasks.wait()

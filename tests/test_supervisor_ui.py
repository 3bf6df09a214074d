"""The supervisor's widgets and the applicant's evaluation screen, offscreen,
over a real store through the real task runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from counter_app.domain.status import Decision
from counter_app.services.context import DeskContext
from counter_app.services.day_close import close_day
from counter_app.services.statistics import StatsReport
from counter_app.store.db import Store
from counter_app.ui.app import ui_settings
from counter_app.ui.context import AppContext
from counter_app.ui.evaluation_screen import EvaluationScreen
from counter_app.ui.messages import MessageBridge
from counter_app.ui.supervisor import DayCloseDialog, ExportDialog, StatsView
from counter_app.ui.tasks import TaskRunner
from tests.supervisor_fixtures import add_users, at, make, pin, window_ctx

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
DAY = date(2026, 11, 16)
CHIEF = window_ctx("chief01", role="supervisor", name="张堃")


@pytest.fixture
def filled(seeded_store: Store) -> Store:
    add_users(seeded_store)
    make(seeded_store, window_ctx("clerk01"), when=at(DAY, 9, 0), seq=1, name="王𠮷")
    make(
        seeded_store,
        window_ctx("clerk01"),
        when=at(DAY, 9, 20),
        seq=2,
        decision=Decision.NOTICE,
        name="欧阳䶮",
    )
    make(
        seeded_store,
        window_ctx("clerk02", window="02"),
        when=at(DAY, 10, 0),
        seq=3,
        decision=Decision.REJECT,
        name="张三",
    )
    pin(at(DAY, 17, 0))
    return seeded_store


def _app(store: Store, user: DeskContext, tmp_path: Path) -> AppContext:
    return AppContext(
        store=store,
        tasks=TaskRunner(),
        messages=MessageBridge(),
        settings=ui_settings(tmp_path),
        user=user,
    )


@pytest.fixture
def chief_app(filled: Store, tmp_path: Path) -> Iterator[AppContext]:
    app = _app(filled, CHIEF, tmp_path)
    yield app
    app.tasks.wait()


def test_stats_view_shows_chart_table_and_copies_tsv(
    qtbot: QtBot, chief_app: AppContext
) -> None:
    view = StatsView(chief_app)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000) as blocker:
        view.show()
    report: StatsReport = blocker.args[0]
    assert report.totals.applications == 3
    rows = view.model.rows
    assert rows[0][0] == "2026-11-16" and rows[0][1] == "3"
    assert rows[-1][0] == "合计"
    assert "窗口 02：未同步" in view.coverage.text()
    series = view.chart.series()
    assert len(series) == 1 and series[0].count() == 5
    view.group.setCurrentIndex(1)  # by window
    assert [r[0] for r in view.model.rows] == ["01", "02", "合计"]
    view.copy()
    text = QGuiApplication.clipboard().text()
    lines = text.splitlines()
    assert lines[0].split("\t")[0] == "窗口"
    assert lines[1].split("\t")[:2] == ["01", "2"]
    assert lines[-1].startswith("合计\t3\t")


def test_stats_view_for_a_clerk_is_fixed_to_own_records(
    qtbot: QtBot, filled: Store, tmp_path: Path
) -> None:
    app = _app(filled, window_ctx("clerk02", window="02"), tmp_path)
    view = StatsView(app)
    qtbot.addWidget(view)
    assert not view.window_edit.isEnabled() and view.window_edit.text() == "02"
    with qtbot.waitSignal(view.loaded, timeout=10_000) as blocker:
        view.show()
    assert blocker.args[0].totals.applications == 1
    app.tasks.wait()


def test_export_dialog_writes_the_file(
    qtbot: QtBot, chief_app: AppContext, tmp_path: Path
) -> None:
    dialog = ExportDialog(chief_app, day=DAY, out_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(1)  # CSV
    assert dialog.path_edit.text().endswith("业务日志_2026-11-16.csv")
    with qtbot.waitSignal(dialog.exported, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.rows == 3
    text = Path(dialog.path_edit.text()).read_text(encoding="utf-8-sig")
    assert "王𠮷" in text and "欧阳䶮" in text


def test_the_desk_works_on_while_the_export_file_is_written(
    qtbot: QtBot, chief_app: AppContext, tmp_path: Path
) -> None:
    """Only reading the log holds the store's worker; writing the file (a
    month's PDF takes seconds) does not, and the export is recorded after."""
    import threading

    dialog = ExportDialog(chief_app, day=DAY, out_dir=tmp_path)
    qtbot.addWidget(dialog)
    tasks = chief_app.tasks
    release = threading.Event()
    for _ in range(tasks.io_pool.maxThreadCount()):  # the writers, held busy
        tasks.run_io(lambda: release.wait(10))
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as blocker:
        dialog.submit()
        qtbot.waitUntil(lambda: "正在写入" in dialog.error.text(), timeout=10_000)
        served: list[int] = []
        store = chief_app.store
        tasks.run_op(
            lambda: store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0],
            success=served.append,
        )
        qtbot.waitUntil(lambda: bool(served), timeout=5_000)  # the file waits
        out = Path(dialog.path_edit.text())
        assert not out.exists() and served == [3]
        release.set()
    assert blocker.args[0].rows == 3 and out.exists()
    recorded = store.db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'export.daily_log'"
    ).fetchone()[0]
    assert recorded == 1
    tasks.wait()


def test_export_dialog_for_a_clerk(qtbot: QtBot, filled: Store, tmp_path: Path) -> None:
    app = _app(filled, window_ctx("clerk01"), tmp_path)
    dialog = ExportDialog(app, day=DAY, out_dir=tmp_path)
    qtbot.addWidget(dialog)
    assert not dialog.window_edit.isEnabled()
    assert dialog.wanted().clerk == "clerk01"
    with qtbot.waitSignal(dialog.exported, timeout=10_000) as blocker:
        dialog.submit()
    assert blocker.args[0].rows == 2
    app.tasks.wait()


def test_day_close_dialog_needs_confirmation_while_pending(
    qtbot: QtBot, chief_app: AppContext
) -> None:
    dialog = DayCloseDialog(chief_app, window_code="01", day=DAY)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview_value is not None, timeout=10_000)
    assert dialog.preview_value is not None and dialog.preview_value.pending_ops > 0
    assert "尚未同步" in dialog.pending.text()
    assert "办件 2" in dialog.totals.text()
    # Nothing closes until the window and date are typed out.
    assert not dialog.close_button.isEnabled()
    assert "01 2026-11-16" in dialog.typed_label.text()
    qtbot.keyClicks(dialog.typed, "01 2026-11-15")
    assert not dialog.close_button.isEnabled()
    dialog.typed.clear()
    qtbot.keyClicks(dialog.typed, "01  2026-11-16")
    assert dialog.close_button.isEnabled()
    dialog.submit()
    assert "勾选确认" in dialog.error.text()
    assert (
        chief_app.store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 0
    )
    dialog.confirm.setChecked(True)
    with qtbot.waitSignal(dialog.closed, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.typed, Qt.Key.Key_Return)
    assert blocker.args[0].archive_path.exists()
    row = chief_app.store.db.execute(
        "SELECT pending_confirmed, closed_by FROM day_closes"
    ).fetchone()
    assert tuple(row) == (1, "chief01")


def test_day_close_dialog_refuses_a_clerk(
    qtbot: QtBot, filled: Store, tmp_path: Path
) -> None:
    app = _app(filled, window_ctx("clerk01"), tmp_path)
    dialog = DayCloseDialog(app, window_code="01", day=DAY)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "负责人" in dialog.error.text(), timeout=10_000)
    assert not dialog.close_button.isEnabled()
    app.tasks.wait()


def test_evaluation_screen_records_a_pad_rating(
    qtbot: QtBot, filled: Store, tmp_path: Path
) -> None:
    app = _app(filled, window_ctx("clerk01"), tmp_path)
    app_id, number = filled.db.execute(
        "SELECT id, acceptance_no FROM applications WHERE applicant_name = '王𠮷'"
    ).fetchone()
    screen = EvaluationScreen(
        app, application_id=app_id, acceptance_no=number, item_name="居住证申领"
    )
    qtbot.addWidget(screen)
    screen.present()
    assert screen.isFullScreen()
    assert not screen.submit_button.isEnabled()
    qtbot.mouseClick(screen.level_buttons[2], Qt.MouseButton.LeftButton)
    assert screen.level() == 2 and screen.submit_button.isEnabled()
    screen.reason_boxes["等候时间长"].setChecked(True)
    with qtbot.waitSignal(screen.submitted, timeout=10_000):
        qtbot.mouseClick(screen.submit_button, Qt.MouseButton.LeftButton)
    row = filled.db.execute(
        "SELECT level, channel, reasons, clerk FROM evaluations WHERE application_id = ?",
        [app_id],
    ).fetchone()
    assert (row[0], row[1], row[3]) == (2, "pad", "clerk01")
    assert json.loads(row[2]) == ["等候时间长"]
    assert "感谢" in screen.message.text()
    app.tasks.wait()


def test_day_close_dialog_reopens_a_closed_day_with_a_reason(
    qtbot: QtBot, chief_app: AppContext
) -> None:
    store = chief_app.store
    close_day(
        store, chief_app.require_user(), window_code="01", day=DAY, confirm_pending=True
    )
    dialog = DayCloseDialog(chief_app, window_code="01", day=DAY)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.reopen_button.isHidden(), timeout=10_000)
    assert "已由 chief01" in dialog.error.text()
    assert not dialog.close_button.isEnabled() and dialog.typed.isHidden()
    dialog.reopen_button.click()
    qtbot.waitUntil(lambda: "理由" in dialog.error.text(), timeout=10_000)
    assert store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 1
    dialog.reason.setText("误操作，下午仍有群众排队")
    with qtbot.waitSignal(dialog.reopened, timeout=10_000):
        dialog.reopen_button.click()
    assert store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 0
    qtbot.waitUntil(lambda: dialog.typed.isEnabled(), timeout=10_000)
    assert dialog.reopen_button.isHidden()
    chief_app.tasks.wait()


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_day_close_summary_lines_are_never_cut(
    qtbot: QtBot, chief_app: AppContext, large: bool
) -> None:
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.theme import ThemeOptions, apply_theme

    qt = QApplication.instance()
    assert isinstance(qt, QApplication)
    apply_theme(qt, ThemeOptions(large_font=large))
    try:
        dialog = DayCloseDialog(chief_app, window_code="01", day=DAY)
        qtbot.addWidget(dialog)
        dialog.show()  # at its size before the summary arrives
        qtbot.waitUntil(lambda: dialog.preview_value is not None, timeout=10_000)
        qtbot.wait(30)
        for label in (dialog.totals, dialog.coverage, dialog.pending):
            assert label.text()
            assert label.height() >= label.heightForWidth(label.width()), label.text()
    finally:
        apply_theme(qt, ThemeOptions())
    chief_app.tasks.wait()

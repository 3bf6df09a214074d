"""A language switch retranslates the intake form in place (what is typed
stays), and Qt's own dialogs speak the app's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from counter_app import i18n
from counter_app.i18n import _
from counter_app.ui.context import AppContext
from counter_app.ui.qt_translations import install_qt_translations
from counter_app.ui.settings_dialog import SettingsDialog
from counter_app.ui.workspace import Workspace
from tests.intake_fixtures import app_fixture, choose, type_into

__all__ = ["app_fixture"]
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def qt_language() -> Iterator[None]:
    yield
    install_qt_translations("en")  # other tests expect Qt's English


def test_switching_language_retranslates_the_intake_in_place(
    qtbot: QtBot, app: AppContext, qt_language: None
) -> None:
    ws = Workspace(app, idle_lock_minutes=0)
    ws.show()
    intake = ws.window.intake
    choose(qtbot, intake, "gtgsh", "XK00101001")
    type_into(qtbot, intake, "name", "李子墨")
    assert intake.next_button.text() == "下一位"
    dialog = ws.open_settings()
    assert isinstance(dialog, SettingsDialog)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.ok_button.click()
    assert i18n.language() == "en"
    assert ws.window.intake is intake
    assert intake.applicant.fields["name"].text() == "李子墨"  # kept
    assert intake.selection is not None
    # the English catalog has these; each shows in English now
    expected = {
        "下一位": intake.next_button.text(),
        "材料名称": intake.table.horizontalHeaderItem(0).text(),
        "今日咨询": intake.side.tabText(0),
        "帮办代办": intake.applicant.assisted.text(),
        "办理事项：名称、编码或拼音首字母，如 yyzz": intake.search.edit.placeholderText(),
        "姓名": intake.applicant._form.labelForField(intake.applicant._name_row).text(),
        "个人": intake.applicant.kind.itemText(0),
    }
    for source, shown in expected.items():
        assert _(source) != source, f"no English for {source}"
        assert shown == _(source), source
    accept = next(iter(intake.buttons.values()))
    assert accept.text() == f"{_('受理')} (Ctrl+Enter)"
    state_cell = intake.table.item(0, 2).text()
    assert state_cell == _("缺少")
    ws.close()


def test_qt_dialogs_follow_the_app_language(qtbot: QtBot, qt_language: None) -> None:
    assert install_qt_translations("zh_CN")
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "t",
        "x",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
    )
    qtbot.addWidget(box)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert any("取消" in t for t in texts), texts
    files = QFileDialog(None, "t")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(files)
    cancel = files.findChild(QDialogButtonBox).button(
        QDialogButtonBox.StandardButton.Cancel
    )
    assert "取消" in cancel.text()
    assert not install_qt_translations("en")
    box2 = QMessageBox(
        QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Cancel
    )
    qtbot.addWidget(box2)
    assert box2.buttons()[0].text().replace("&", "") == "Cancel"

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.domain.identifiers import make_uscc
from counter_app.services.intake import MaterialState
from counter_app.ui.context import AppContext
from counter_app.ui.intake.materials_table import COPIES, ORIGINALS, STATE
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (
    ID_1,
    app_fixture,
    choose,
    idle,
    mark_all_original,
    row_of,
    rows,
    type_into,
    type_text,
    widget_fixture,
)

__all__ = ["app_fixture", "widget_fixture"]

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

CTRL = Qt.KeyboardModifier.ControlModifier


def test_search_moves_with_down_and_shows_item_facts(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    qtbot.keyClicks(widget.search.edit, "gtgsh")
    popup = widget.search.popup
    qtbot.waitUntil(lambda: popup.count() >= 3, timeout=5000)
    codes = [popup.item(i).data(Qt.ItemDataRole.UserRole).code for i in range(3)]
    assert set(codes) == {"XK00101001", "XK00101002", "XK00101003"}
    qtbot.keyClick(widget.search.edit, Qt.Key.Key_Down)
    qtbot.keyClick(widget.search.edit, Qt.Key.Key_Down)
    qtbot.keyClick(widget.search.edit, Qt.Key.Key_Up)
    qtbot.keyClick(widget.search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: widget.selection is not None, timeout=5000)
    assert widget.selection.item_codes == (codes[1],)
    info = widget.search.info.text()
    assert "市场监督管理局" in info and "承诺" in info and "收费：免费" in info
    assert not popup.isVisible()
    idle(qtbot, app)


def test_bundles_are_found_by_pinyin_and_chinese(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    type_text(qtbot, widget.search.edit, "餐饮店")
    popup = widget.search.popup
    qtbot.waitUntil(lambda: popup.count() > 0, timeout=5000)
    first = popup.item(0)
    assert first.text() == "【一件事】开办餐饮店一件事"
    widget.search.clear()
    choose(qtbot, widget, "kbcyd", "YJS-KD-001")
    assert widget.selection.item_codes == ("XK00101001", "XK00102001")
    assert len(widget.search.info.text().splitlines()) == 2


def test_space_cycles_only_the_states_a_material_allows(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    table = widget.table
    table.setFocus()

    def cycle(name: str) -> list[str]:
        i = row_of(widget, name)
        table.setCurrentCell(i, STATE)
        seen = [table.item(i, STATE).text()]
        for _n in range(len(MaterialState)):
            qtbot.keyClick(table, Qt.Key.Key_Space)
            seen.append(table.item(i, STATE).text())
        return seen

    # 居民身份证: e-certificate allowed, no deferral, no earlier submission
    assert cycle("居民身份证")[:6] == [
        "缺少",
        "需补正",
        "已收原件",
        "已收复印件",
        "电子证照",
        "缺少",
    ]
    # 经营场所使用证明 may be deferred
    assert "容缺后补" in cycle("经营场所使用证明")
    assert "免提交" not in cycle("经营场所使用证明")


def test_digits_set_counts(qtbot: QtBot, app: AppContext, widget: IntakeWidget) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    table = widget.table
    table.setFocus()
    mark_all_original(qtbot, widget)
    i = row_of(widget, "居民身份证")
    table.setCurrentCell(i, ORIGINALS)
    qtbot.keyClick(table, Qt.Key.Key_2)
    table.setCurrentCell(i, COPIES)
    qtbot.keyClick(table, Qt.Key.Key_3)
    entry = next(e for e in widget.form().materials if e.key == "id_card")
    assert (entry.state, entry.originals, entry.copies) == (
        MaterialState.ORIGINAL,
        2,
        3,
    )
    assert table.item(i, ORIGINALS).data(Qt.ItemDataRole.EditRole) == 2


def test_scans_attach_to_the_new_application(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, tmp_path: Path
) -> None:
    scan = tmp_path / "身份证正面.png"
    Image.new("RGB", (120, 80), "white").save(scan)
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    button = widget.table.cellWidget(row_of(widget, "居民身份证"), 7)
    assert button.isEnabled()
    widget.table.set_scans("居民身份证", [scan])
    assert (
        widget.table.cellWidget(row_of(widget, "居民身份证"), 7).text().endswith("(1)")
    )
    with qtbot.waitSignal(widget.decided, timeout=5000) as sig:
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    idle(qtbot, app)
    files = rows(app, "SELECT * FROM material_files")
    assert len(files) == 1
    assert files[0]["application_id"] == sig.args[0][0].application_id
    assert files[0]["material_key"] == "id_card"
    assert files[0]["original_name"] == "身份证正面.png"


def test_commitment_only_where_the_item_allows_it(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    button = widget.buttons[
        next(d for d in widget.buttons if d.value == "accept_commitment")
    ]
    choose(qtbot, widget, "QT00102002", "QT00102002")  # 预包装食品备案
    assert not button.isEnabled()
    widget.search.clear()
    choose(qtbot, widget, "gtgsh", "XK00101001")
    assert button.isEnabled()
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    [stored] = rows(app, "SELECT decision, status FROM applications")
    assert stored == {"decision": "accept_commitment", "status": "submitted"}
    idle(qtbot, app)


def test_organisation_applicant(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "QR00901001", "QR00901001")  # 不动产转移登记
    assert "营业执照" not in [r.material.name for r in widget.table.rows]
    form = widget.applicant
    form.kind.setCurrentIndex(form.kind.findData("organisation"))
    assert form.fields["uscc"].isVisible() and form.fields["org_name"].isVisible()
    assert widget.conditions.boxes["organisation"].isChecked()
    assert "营业执照" in [r.material.name for r in widget.table.rows]
    type_into(qtbot, widget, "org_name", "南京墨韵文化传媒有限公司")
    type_into(qtbot, widget, "uscc", "91320102MA1X")
    assert form.errors["uscc"].isVisible()
    form.fields["uscc"].clear()
    uscc = make_uscc("91320102MA1XYW123")
    type_into(qtbot, widget, "uscc", uscc)
    assert not form.errors["uscc"].isVisible()
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    [stored] = rows(app, "SELECT applicant_type, org_name, uscc FROM applications")
    assert stored == {
        "applicant_type": "organisation",
        "org_name": "南京墨韵文化传媒有限公司",
        "uscc": uscc,
    }
    idle(qtbot, app)


def test_a_bad_scan_is_reported_and_the_application_kept(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-scan.pdf"
    bad.write_text("这不是扫描件", encoding="utf-8")
    warnings: list[str] = []
    app.messages.warning_shown.connect(warnings.append)
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    mark_all_original(qtbot, widget)
    widget.table.set_scans("居民身份证", [bad])
    with qtbot.waitSignal(widget.decided, timeout=5000):
        qtbot.keyClick(widget.table, Qt.Key.Key_Return, CTRL)
    idle(qtbot, app)
    assert len(rows(app, "SELECT id FROM applications")) == 1
    assert rows(app, "SELECT id FROM material_files") == []
    assert warnings and "not-a-scan.pdf" in warnings[0]

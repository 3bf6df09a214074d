"""The card reader through the real intake widgets: the simulator's cards
fill the form (rare-character name, photo, card details), a bad card or a
read error says why and keeps what was typed, the photo goes with the
application only where the item asks for one, and a keyboard-wedge reader's
burst becomes the ID number."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.devices.settings import DeviceSettings
from counter_app.devices.simulator import SimulatorReader
from counter_app.domain.identifiers import make_resident_id
from counter_app.ui.context import AppContext
from counter_app.ui.devices.registry import card_reader
from counter_app.ui.intake.widget import IntakeWidget
from tests.intake_fixtures import (  # noqa: F401 - pytest fixtures
    ID_1,
    app_fixture,
    choose,
    close_documents,
    idle,
    mark_all_original,
    rows,
    type_into,
    widget_fixture,
)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
RARE_ID = make_resident_id("433101", date(1992, 8, 1), 46)


def put(app: AppContext, key: str) -> None:
    reader = card_reader(app)
    assert isinstance(reader, SimulatorReader)
    reader.put(key)


def read_card(qtbot: QtBot, w: IntakeWidget) -> None:
    """F4 from the applicant's fields, then wait for the reader's answer."""
    w.applicant.fields["phone"].setFocus()
    qtbot.keyClick(w.applicant.fields["phone"], Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: w.card.button.isEnabled(), timeout=5000)
    idle(qtbot, w.app)


def accept(qtbot: QtBot, w: IntakeWidget) -> list[object]:
    w.table.setFocus()
    mark_all_original(qtbot, w)
    with qtbot.waitSignal(w.decided, timeout=5000) as sig:
        qtbot.keyClick(w.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, w.app)
    close_documents(qtbot, w)
    return sig.args[0]


def test_card_read_fills_the_form_and_keeps_the_photo_where_needed(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "jzzsl", "GG00302001")  # asks for a photo
    type_into(qtbot, widget, "phone", "13812345678")
    put(app, "rare_name")
    read_card(qtbot, widget)
    f = widget.applicant.fields
    assert f["name"].text() == "李𠮷祥"
    assert f["id_number"].text() == RARE_ID
    assert f["address"].text().startswith("湖南省湘西土家族苗族自治州")
    assert f["phone"].text() == "13812345678"  # not on the card: kept
    assert widget.applicant.id_type.currentData() == "resident_id"
    assert "1992-08-01，女" in widget.applicant.id_info.text()
    details = widget.card.details.text()
    for part in ("李𠮷祥", "女", "土家族", "吉首市公安局", "2012-08-01 至 长期"):
        assert part in details
    assert not widget.card.photo.isHidden()
    assert widget.card.photo.pixmap().width() > 0
    assert "已读取" in widget.card.message.text()

    results = accept(qtbot, widget)
    stored = rows(app, "SELECT applicant_name, id_number FROM applications")
    assert stored == [{"applicant_name": "李𠮷祥", "id_number": RARE_ID}]
    qtbot.waitUntil(
        lambda: bool(rows(app, "SELECT 1 FROM application_photos")), timeout=5000
    )
    photo = rows(
        app, "SELECT application_id, material_key, photo FROM application_photos"
    )
    assert photo[0]["application_id"] == results[0].application_id  # type: ignore[attr-defined]
    assert bytes(photo[0]["photo"]).startswith(b"\x89PNG")  # type: ignore[arg-type]


def test_no_photo_kept_for_an_item_without_one_or_another_person(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")  # no photo among its materials
    put(app, "resident")
    read_card(qtbot, widget)
    assert widget.applicant.fields["name"].text() == "张伟"
    accept(qtbot, widget)
    assert rows(app, "SELECT 1 FROM application_photos") == []

    widget.new_intake()
    choose(qtbot, widget, "jzzsl", "GG00302001")
    put(app, "resident")
    read_card(qtbot, widget)
    # the clerk changes the number: the card is no longer the applicant's
    widget.applicant.fields["id_number"].clear()
    type_into(qtbot, widget, "id_number", ID_1)
    accept(qtbot, widget)
    assert rows(app, "SELECT 1 FROM application_photos") == []


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("expired", "已于2026-03-01过期"),
        ("bad_number", "校验码"),
        ("read_error", "重新读取"),
    ],
)
def test_bad_card_keeps_what_was_typed(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget, key: str, says: str
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "name", "李子墨")
    type_into(qtbot, widget, "id_number", ID_1)
    type_into(qtbot, widget, "address", "南京市玄武区")
    put(app, key)
    read_card(qtbot, widget)
    assert says in widget.card.message.text()
    assert widget.card.message.property("tone") == "error"
    f = widget.applicant.fields
    assert (f["name"].text(), f["id_number"].text(), f["address"].text()) == (
        "李子墨",
        ID_1,
        "南京市玄武区",
    )
    assert widget.card.details.text() == "" and widget.card.photo.isHidden()


def test_foreigner_and_residence_permit_cards(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    type_into(qtbot, widget, "address", "上海市浦东新区")
    put(app, "foreign_permanent")
    read_card(qtbot, widget)
    a = widget.applicant
    assert a.id_type.currentData() == "foreign_permanent"
    assert a.fields["id_number"].text().startswith("9")
    assert a.fields["address"].text() == "上海市浦东新区"  # the card has none
    assert "SMITH, JOHN" in widget.card.details.text()
    assert a.errors["id_number"].isHidden()
    put(app, "hk_macao_residence")
    read_card(qtbot, widget)
    assert a.id_type.currentData() == "hk_macao_residence"
    assert a.fields["name"].text() == "陈嘉欣"
    assert "H12345678" in widget.card.details.text()
    assert a.errors["id_number"].isHidden()


def test_keyboard_wedge_reader_types_the_number(qtbot: QtBot, app: AppContext) -> None:
    app.extras["device_settings"] = DeviceSettings(card_reader="wedge")
    w = IntakeWidget(app)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    name = w.applicant.fields["name"]
    name.setFocus()
    name.setText("王")
    qtbot.keyClicks(name, RARE_ID.lower())  # the reader types fast
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert w.applicant.fields["id_number"].text() == RARE_ID
    assert name.text() == "王"  # the burst did not stay in the name
    assert "1992-08-01" in w.applicant.id_info.text()
    # 读卡 on a typing reader says how to use it
    w.card.button.click()
    qtbot.waitUntil(lambda: w.card.button.isEnabled(), timeout=5000)
    assert "键盘方式" in w.card.message.text()
    idle(qtbot, app)


def test_collector_card_checked_at_delivery(
    qtbot: QtBot, app: AppContext, clerk_app_id: str
) -> None:
    from counter_app.ui.deliver_dialog import DeliverDialog

    dialog = DeliverDialog(app, application_id=clerk_app_id, applicant_name="张伟")
    qtbot.addWidget(dialog)
    check = dialog.collector

    def read(key: str) -> None:
        put(app, key)
        check.button.click()
        qtbot.waitUntil(lambda: check.button.isEnabled(), timeout=5000)

    read("resident")
    assert dialog.recipient_id.text() == RESIDENT_ID
    assert "申请人本人" in check.result.text()
    read("rare_name")  # someone else's valid card: said plainly
    assert dialog.recipient_name.text() == "李𠮷祥"
    assert "不是申请人" in check.result.text()
    assert check.result.property("tone") == "error"
    dialog.recipient_name.setText("张伟")
    dialog.recipient_id.setText(RESIDENT_ID)
    read("expired")  # refused; what is in the fields stays
    assert "过期" in check.result.text()
    assert (dialog.recipient_name.text(), dialog.recipient_id.text()) == (
        "张伟",
        RESIDENT_ID,
    )
    idle(qtbot, app)


RESIDENT_ID = make_resident_id("110105", date(1985, 3, 12), 123)


@pytest.fixture
def clerk_app_id(app: AppContext) -> str:
    """An accepted application of the simulator's 张伟."""
    from counter_app.domain.status import Decision
    from counter_app.services import applications as apps
    from counter_app.services.intake import (
        Applicant,
        IntakeForm,
        MaterialEntry,
        MaterialState,
    )
    from counter_app.store.catalog import get_item

    item = get_item(app.store.db, "XK00101001")
    form = IntakeForm(
        item_codes=[item.code],
        applicant=Applicant(name="张伟", id_number=RESIDENT_ID),
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, 1, 0)
            for m in item.materials_for({})
        ],
    )
    ctx = app.require_user()
    return apps.decide(app.store, ctx, form, Decision.ACCEPT)[0].application_id


def test_agent_card_fills_the_agent(
    qtbot: QtBot, app: AppContext, widget: IntakeWidget
) -> None:
    choose(qtbot, widget, "gtgsh", "XK00101001")
    put(app, "hk_macao_residence")
    widget.card.agent_button.click()
    qtbot.waitUntil(lambda: widget.card.agent_button.isEnabled(), timeout=5000)
    assert "代理人" in widget.card.message.text()
    assert widget.applicant.fields["agent_name"].text() == ""
    widget.conditions.boxes["agent"].setChecked(True)
    assert not widget.applicant.agent_box.isHidden()
    put(app, "hk_macao_residence")
    widget.card.agent_button.click()
    qtbot.waitUntil(lambda: widget.card.agent_button.isEnabled(), timeout=5000)
    f = widget.applicant.fields
    assert f["agent_name"].text() == "陈嘉欣"
    assert f["agent_id_number"].text().startswith("810000")
    assert widget.applicant.agent_id_type.currentData() == "hk_macao_residence"
    assert widget.applicant.errors["agent_id_number"].isHidden()
    assert f["name"].text() == ""  # the applicant's fields untouched
    idle(qtbot, app)

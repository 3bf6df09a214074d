"""读卡: the ID card reader beside the applicant's fields. A read runs on an
I/O worker; the card is checked by the domain rules there; a good card is
handed to the form (``card_read``), a bad one only shows why — what the
clerk typed stays as it was. The photo is shown here and kept with the
application only for items that ask for a photo."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from counter_app import clock
from counter_app.devices.card import CardData, check_card
from counter_app.devices.wedge import WedgeBuffer, wedge_id_type
from counter_app.domain.catalog import Item
from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import normalize
from counter_app.i18n import N_, _
from counter_app.services.applications import DecisionResult
from counter_app.services.context import DeskContext
from counter_app.services.signatures import photo_material, save_card_photo
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.devices.registry import card_reader, device_settings
from counter_app.ui.retranslate import tr

SEX = {"M": N_("男"), "F": N_("女")}
PHOTO_SIZE = (102, 126)


def card_lines(card: CardData) -> list[str]:
    """What the card says, as the panel shows it."""
    head = [card.name, _(SEX.get(card.sex, card.sex))]
    if card.ethnicity:
        head.append(_("{group}族").format(group=card.ethnicity))
    head.append(card.birth_date.isoformat())
    lines = ["　".join(head)]
    if card.english_name:
        lines.append(
            _("英文姓名：{name}　国籍：{nationality}").format(
                name=card.english_name, nationality=card.nationality
            )
        )
    if card.permit_number:
        lines.append(_("通行证号码：{number}").format(number=card.permit_number))
    if card.address:
        lines.append(_("住址：{address}").format(address=card.address))
    lines.append(_("签发机关：{authority}").format(authority=card.authority))
    lines.append(_("有效期限：{validity}").format(validity=card.validity_text()))
    return lines


def keep_card_photo_op(
    card: CardData | None,
    typed_id: str,
    items: Sequence[Item],
    results: Sequence[DecisionResult],
) -> Callable[[Store, DeskContext], None] | None:
    """After a decision: the op that keeps the card photo with each
    application whose item asks for a photo — None when there is none, or
    when the card is not the applicant's (the number was changed)."""
    if card is None or not card.photo or normalize(typed_id) != card.id_number:
        return None
    by_code = {it.code: it for it in items}
    wanted = []
    for r in results:
        item = by_code.get(r.item_code)
        key = photo_material([(m.key, m.name) for m in item.materials] if item else [])
        if key:
            wanted.append((r.application_id, key))
    if not wanted:
        return None
    photo = card.photo

    def keep(store: Store, ctx: DeskContext) -> None:
        for app_id, key in wanted:
            save_card_photo(
                store, ctx, application_id=app_id, material_key=key, photo=photo
            )

    return keep


class CardPanel(QWidget):
    card_read = Signal(object)  # CardData, checked
    agent_read = Signal(object)  # the agent's card, checked

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.card: CardData | None = None
        self.button = tr(QPushButton(self), N_("读卡 (F4)"))
        self.button.setObjectName("read_card")
        self.button.setAccessibleName(_("读卡"))
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F4 from anywhere
        self.agent_button = tr(QPushButton(self), N_("读代理人证件 (Shift+F4)"))
        self.agent_button.setObjectName("read_agent_card")
        self.agent_button.setAccessibleName(_("读代理人证件"))
        self.agent_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.photo = QLabel(self)
        self.photo.setObjectName("card_photo")
        self.photo.setFixedSize(*PHOTO_SIZE)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setAccessibleName(_("证件照片"))
        self.details = QLabel(self)
        self.details.setObjectName("card_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message = QLabel(self)
        self.message.setObjectName("card_message")
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.agent_button)
        layout.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.button.clicked.connect(lambda: self.start_read())
        self.agent_button.clicked.connect(lambda: self.start_read(agent=True))
        self.photo.hide()
        self._reading = False

    def start_read(self, *, agent: bool = False) -> None:
        """Read the applicant's card (or, ``agent``, the agent's)."""
        if self._reading:
            return
        reader = card_reader(self.app)
        today = clock.today()
        self._reading = True
        self.button.setEnabled(False)
        self.agent_button.setEnabled(False)
        self._say(_("正在读卡，请勿移动证件……"), "")
        self.app.tasks.run_io(
            lambda: (
                check_card(reader.read(), today=today, field="agent_id_number")
                if agent
                else check_card(reader.read(), today=today)
            ),
            success=self._agent_read if agent else self._read,
            failure=self._failed,
        )

    def _read(self, card: CardData) -> None:
        self._done()
        self.show_card(card)
        self._say(_("已读取{name}的证件").format(name=card.name), "ok")
        self.card_read.emit(card)

    def _agent_read(self, card: CardData) -> None:
        self._done()
        self._say(_("已读取代理人{name}的证件").format(name=card.name), "ok")
        self.agent_read.emit(card)

    def say(self, text: str, tone: str) -> None:
        self._say(text, tone)

    def _failed(self, exc: BaseException) -> None:
        self._done()
        if isinstance(exc, DomainError):
            text = str(exc)
        else:  # a driver fault: said plainly, the form untouched
            text = _("读卡器出错：{error}。可重新读卡或手工录入").format(error=exc)
        self._say(text, "error")

    def _done(self) -> None:
        self._reading = False
        self.button.setEnabled(True)
        self.agent_button.setEnabled(True)

    def _say(self, text: str, tone: str) -> None:
        self.message.setText(text)
        self.message.setProperty("tone", tone)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def show_card(self, card: CardData) -> None:
        self.card = card
        self.details.setText("\n".join(card_lines(card)))
        pixmap = QPixmap()
        if card.photo and pixmap.loadFromData(card.photo):
            self.photo.setPixmap(
                pixmap.scaled(
                    *PHOTO_SIZE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.photo.show()
        else:
            self.photo.clear()
            self.photo.hide()

    def reset(self) -> None:
        self.card = None
        self.details.clear()
        self.photo.clear()
        self.photo.hide()
        self._say("", "")


class WedgeFilter(QObject):
    """For readers that type the number: a burst of keys ending in Enter,
    typed into any of the applicant's fields, becomes the ID number (and
    the field it landed in gets back what it held)."""

    number = Signal(str, str)  # (number, IdType value)

    def __init__(self, app: AppContext, fields: list[QLineEdit]) -> None:
        super().__init__(fields[0] if fields else None)
        self.buffer = WedgeBuffer(max_gap_ms=device_settings(app).wedge_max_ms)
        self._before: dict[QObject, str] = {}
        for field in fields:
            field.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QLineEdit):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        text = "\r" if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) else event.text()
        if not text:
            return False
        before = obj.text()
        number = self.buffer.feed(text, time.monotonic() * 1000)
        if self.buffer.pending() == 1:  # this key began a burst
            self._before[obj] = before
        if number is None:
            return False
        kind = wedge_id_type(number)
        if kind is None:
            return False
        if obj.objectName() != "id_number":
            obj.setText(self._before.get(obj, ""))
        self.number.emit(number, kind.value)
        return True

"""出件: the collector's card on the same reader. The card is checked by
the domain rules, fills the collector's name and number, and is compared
with the applicant and the agent on record; a stranger's card is said
plainly (check the 委托书), never silently accepted."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from counter_app import clock
from counter_app.devices.card import CardData, check_card
from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import normalize
from counter_app.i18n import _
from counter_app.store import records
from counter_app.ui.context import AppContext
from counter_app.ui.devices.registry import card_reader


def collector_relation(card_id: str, record: dict[str, Any]) -> str:
    """ "applicant", "agent" or "other" for the number on the card."""
    if card_id == normalize(record.get("id_number") or ""):
        return "applicant"
    if card_id == normalize(record.get("agent_id_number") or ""):
        return "agent"
    return "other"


class CollectorCheck(QWidget):
    """读卡核验 beside the delivery form's collector fields."""

    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        name_field: QLineEdit,
        id_field: QLineEdit,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.application_id = application_id
        self.name_field, self.id_field = name_field, id_field
        self.button = QPushButton(_("读卡核验领取人(&K)"), self)
        self.button.setObjectName("read_collector_card")
        self.button.setAccessibleName(_("读卡核验领取人"))
        # Enter in the dialog's fields saves the delivery; it never reads a card
        self.button.setAutoDefault(False)
        self.result = QLabel(self)
        self.result.setObjectName("collector_result")
        self.result.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.result, 1)
        self.button.clicked.connect(self.read)

    def read(self) -> None:
        reader, today = card_reader(self.app), clock.today()
        self.button.setEnabled(False)
        self._say(_("正在读卡……"), "")
        self.app.tasks.run_io(
            lambda: check_card(reader.read(), today=today),
            success=self._card_read,
            failure=self._failed,
        )

    def _card_read(self, card: CardData) -> None:
        # the record on the store's own worker: the connection is not shared
        store, app_id = self.app.store, self.application_id
        self.app.tasks.run_op(
            lambda: collector_relation(
                card.id_number, records.application(store.db, app_id) or {}
            ),
            success=lambda relation: self._read((card, relation)),
            failure=self._failed,
        )

    def _read(self, found: tuple[CardData, str]) -> None:
        card, relation = found
        self.button.setEnabled(True)
        self.name_field.setText(card.name)
        self.id_field.setText(card.id_number)
        if relation == "applicant":
            self._say(_("证件核验通过：申请人本人"), "ok")
        elif relation == "agent":
            self._say(_("证件核验通过：登记的代理人本人"), "ok")
        else:
            self._say(
                _(
                    "持证人{name}不是申请人或登记的代理人：请核对授权委托书后再出件"
                ).format(name=card.name),
                "error",
            )

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        text = (
            str(exc)
            if isinstance(exc, DomainError)
            else _("读卡器出错：{error}。可手工录入领取人证件").format(error=exc)
        )
        self._say(text, "error")

    def _say(self, text: str, tone: str) -> None:
        self.result.setText(text)
        self.result.setProperty("tone", tone)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

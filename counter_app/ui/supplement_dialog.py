"""补正: record the materials the applicant brought after a one-time notice.
When nothing is missing any more the service accepts the application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services import applications
from counter_app.services.intake import (
    MATERIAL_STATE_LABELS,
    RECEIVED,
    MaterialEntry,
    MaterialState,
)
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog


class SupplementDialog(FormDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        materials: list[dict[str, Any]],
        parent: QWidget | None = None,
        title: str = "",
    ) -> None:
        super().__init__(app, title or _("补正材料"), parent)
        self.application_id = application_id
        self.materials = materials
        self.table = QTableWidget(len(materials), 2)
        self.table.setHorizontalHeaderLabels([_("材料"), _("状态")])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # the state's words whole ("Original received"), in any language
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.combos: list[QComboBox] = []
        for row, material in enumerate(materials):
            item = QTableWidgetItem(material["name"])
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, item)
            combo = QComboBox()
            combo.setAccessibleName(
                _("{material}的状态").format(material=material["name"])
            )
            for state, label in MATERIAL_STATE_LABELS.items():
                combo.addItem(_(label), state.value)
            combo.setCurrentIndex(max(combo.findData(material["state"]), 0))
            self.table.setCellWidget(row, 1, combo)
            self.combos.append(combo)
        self.table.setMinimumSize(520, 60 + 34 * len(materials))
        self.add_field("materials", _("材料(&M)："), self.table, _("补正材料清单"))
        if self.combos:
            self.setTabOrder(self.table, self.combos[0])
            for a, b in zip(self.combos, self.combos[1:], strict=False):
                self.setTabOrder(a, b)
            self.setTabOrder(self.combos[-1], self.ok_button)
            # the keys go to the first state at once, as in the intake
            self.combos[0].setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter on a material's state: the next material; on the last
        one, save (the form dialog's rule for fields)."""
        target = self.focusWidget()
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(target, QComboBox)
            and target in self.combos
        ):
            i = self.combos.index(target)
            if i + 1 < len(self.combos):
                self.combos[i + 1].setFocus(Qt.FocusReason.TabFocusReason)
            else:
                self.submit()
            return
        super().keyPressEvent(event)

    def show_error(self, field: str | None, message: str) -> None:
        super().show_error(field, message)
        if field == "materials":  # to the first material still not in hand
            for combo in self.combos:
                if MaterialState(combo.currentData()) not in RECEIVED:
                    combo.setFocus()
                    break

    def set_state(self, row: int, state: MaterialState) -> None:
        self.combos[row].setCurrentIndex(self.combos[row].findData(state.value))

    def entries(self) -> list[MaterialEntry]:
        result = []
        for material, combo in zip(self.materials, self.combos, strict=True):
            result.append(
                MaterialEntry(
                    key=material["material_key"],
                    state=MaterialState(combo.currentData()),
                    originals=int(material.get("originals") or 0),
                    copies=int(material.get("copies") or 0),
                    note=material.get("note") or "",
                )
            )
        return result

    def build_op(self) -> Callable[[], Any] | None:
        store, ctx = self.app.store, self.app.require_user()
        app_id, entries = self.application_id, self.entries()
        return lambda: applications.supplement(
            store, ctx, application_id=app_id, materials=entries
        )


class DeferredDialog(SupplementDialog):
    """补交: deferred materials (容缺) brought in after acceptance. Only the
    outstanding ones are listed; those set to a received state are recorded."""

    def __init__(
        self,
        app: AppContext,
        *,
        application_id: str,
        materials: list[dict[str, Any]],
        parent: QWidget | None = None,
    ) -> None:
        outstanding = [
            m for m in materials if m["state"] == MaterialState.DEFERRED.value
        ]
        super().__init__(
            app,
            application_id=application_id,
            materials=outstanding,
            parent=parent,
            title=_("补交容缺材料"),
        )

    def build_op(self) -> Callable[[], Any] | None:
        store, ctx = self.app.store, self.app.require_user()
        app_id = self.application_id
        received = [
            (e.key, e.state)
            for e in self.entries()
            if e.state is not MaterialState.DEFERRED
        ]
        return lambda: applications.receive_deferred(
            store, ctx, application_id=app_id, received=received
        )

"""The checklist's row model and its state editor, apart from the table so
each stays readable: what the clerk marked per document, and how those
marks become the form's per-key entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import (
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services.intake import (
    MATERIAL_STATE_LABELS,
    MaterialEntry,
    MaterialState,
)
from counter_app.ui.intake.ops import Row

if TYPE_CHECKING:
    from counter_app.ui.intake.materials_table import MaterialsTable

Index = QModelIndex | QPersistentModelIndex

S = MaterialState


@dataclass
class RowState:
    state: MaterialState = S.MISSING
    originals: int = 0
    copies: int = 0
    problem: str = ""
    note: str = ""
    reused_from: str = ""


class StateDelegate(QStyledItemDelegate):
    def __init__(self, table: MaterialsTable) -> None:
        super().__init__(table)
        self.table = table

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        for s in self.table.allowed(index.row()):
            combo.addItem(_(MATERIAL_STATE_LABELS[s]), s.value)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        state = self.table.states[index.row()].state
        editor.setCurrentIndex(max(0, editor.findData(state.value)))

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QComboBox)
        self.table.set_state(index.row(), MaterialState(editor.currentData()))


def entries_for_rows(
    rows: Sequence[Row], states: Sequence[RowState]
) -> list[MaterialEntry]:
    """One entry per document, named: a document shared by several items of
    a bundle (same name, whatever its keys) answers for each of them, and two
    different documents under one key stay apart."""
    return [
        MaterialEntry(
            row.keys[0],
            st.state,
            st.originals,
            st.copies,
            st.problem.strip(),
            st.note.strip(),
            st.reused_from,
            name=row.material.name,
        )
        for row, st in zip(rows, states, strict=True)
    ]

"""The item's yes/no questions (由代理人办理？…) as checkboxes; ticking one
re-tailors the materials list at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from counter_app.i18n import _
from counter_app.ui.flow_layout import WrapRow


class ConditionsBox(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[str, QCheckBox] = {}
        # as many questions a line as fit; long ones wrap in large print
        self._row = WrapRow(self)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self._row)

    def set_conditions(
        self, conditions: Sequence[tuple[str, str]], answers: Mapping[str, bool]
    ) -> None:
        for box in self.boxes.values():
            self._row.remove(box)
            box.deleteLater()
        self.boxes = {}
        for key, label in conditions:
            box = QCheckBox(_("{label}？").format(label=label), self)
            box.setObjectName("cond_" + key)
            box.setChecked(bool(answers.get(key)))
            box.toggled.connect(lambda _on: self.changed.emit())
            self._row.add(box)
            self.boxes[key] = box
        self.setVisible(bool(conditions))

    def answers(self) -> dict[str, bool]:
        return {k: b.isChecked() for k, b in self.boxes.items() if b.isChecked()}

    def clear(self) -> None:
        self.set_conditions([], {})

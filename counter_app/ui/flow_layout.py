"""A row of widgets that wraps onto more lines when the width runs out:
rows of buttons and check boxes that fit the window in large print and
long English labels instead of pushing it wider than the screen.

It re-arranges a plain grid when it is resized (as many columns as fit),
rather than being a height-for-width layout: a scroll area or a dialog
around it then sees its true minimum height from the grid, and nothing
above or below is squeezed."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QWidget


class WrapRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[QWidget] = []
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.columns = 0

    def add(self, widget: QWidget) -> None:
        self.items.append(widget)
        self.columns = 0  # placed at the next arrangement
        self._arrange(self.width() or self.sizeHint().width())

    def remove(self, widget: QWidget) -> None:
        self.items.remove(widget)
        self.grid.removeWidget(widget)
        self.columns = 0
        self._arrange(self.width())

    def clear(self) -> None:
        for w in list(self.items):
            self.remove(w)

    def sizeHint(self) -> QSize:
        """Everything on one line (what it takes where there is room)."""
        shown = [w for w in self.items if not w.isHidden()]
        gap = max(0, self.grid.horizontalSpacing())
        width = sum(w.sizeHint().width() for w in shown) + gap * max(0, len(shown) - 1)
        height = max((w.sizeHint().height() for w in shown), default=0)
        return QSize(width, max(height, super().sizeHint().height()))

    def minimumSizeHint(self) -> QSize:
        """The widest item wide; as high as the lines it is arranged in."""
        widest = max((w.sizeHint().width() for w in self.items), default=0)
        return QSize(widest, self.grid.minimumSize().height())

    def fits(self, columns: int, width: int) -> bool:
        gap = max(0, self.grid.horizontalSpacing())
        widths = [0] * columns
        for i, w in enumerate(self.items):
            widths[i % columns] = max(widths[i % columns], w.sizeHint().width())
        return sum(widths) + gap * (columns - 1) <= width

    def _arrange(self, width: int) -> None:
        n = len(self.items)
        columns = max(1, n)
        while columns > 1 and not self.fits(columns, width):
            columns -= 1
        if columns == self.columns:
            return
        self.columns = columns
        for w in self.items:
            self.grid.removeWidget(w)
        for i, w in enumerate(self.items):
            self.grid.addWidget(w, i // columns, i % columns)
        # the leftover width goes past the last column, not between buttons
        for c in range(n + 1):
            self.grid.setColumnStretch(c, 1 if c == columns else 0)
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

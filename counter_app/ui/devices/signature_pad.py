"""The signature pad: the applicant signs with a pen tablet, a finger on a
touch screen or the mouse. Strokes are kept as points (x, y, pressure) and
rendered to a PNG in dark-blue ink; both are saved with the application.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from counter_app.domain.signature import Point

INK = QColor(10, 30, 140)
PAD_SIZE = (480, 160)


class SignaturePad(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signature_pad")
        self.setFixedSize(*PAD_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[Point]] = []
        self._drawing = False

    # -- input ------------------------------------------------------------------
    def _begin(self, pos: QPointF, pressure: float) -> None:
        self._drawing = True
        self._strokes.append([self._point(pos, pressure)])
        self.update()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._drawing and self._strokes:
            self._strokes[-1].append(self._point(pos, pressure))
            self.update()

    def _end(self) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def _point(self, pos: QPointF, pressure: float) -> Point:
        x = min(max(pos.x(), 0.0), float(self.width()))
        y = min(max(pos.y(), 0.0), float(self.height()))
        return (x, y, min(max(pressure, 0.0), 1.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position(), 1.0)
        self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletMove:
            self._extend(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()  # no synthesized mouse events on top

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if isinstance(event, QTouchEvent) and kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
        ):
            points = event.points()
            if points:
                p = points[0]
                pressure = p.pressure() or 1.0
                if kind == QEvent.Type.TouchBegin:
                    self._begin(p.position(), pressure)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(p.position(), pressure)
                else:
                    self._extend(p.position(), pressure)
                    self._end()
            event.accept()
            return True
        return super().event(event)

    # -- output -------------------------------------------------------------------
    def strokes(self) -> list[list[Point]]:
        return [list(s) for s in self._strokes]

    def has_ink(self) -> bool:
        return any(len(s) > 1 for s in self._strokes)

    def clear(self) -> None:
        self._strokes.clear()
        self._drawing = False
        self.update()
        self.changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        painter.setPen(QPen(QColor(200, 200, 200), 1, Qt.PenStyle.DashLine))
        base = self.height() - 30
        painter.drawLine(20, base, self.width() - 20, base)
        draw_strokes(painter, self._strokes)
        painter.end()

    def to_png(self) -> bytes:
        """The strokes on white, at the pad's size."""
        image = QImage(self.width(), self.height(), QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        draw_strokes(painter, self._strokes)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")  # type: ignore[call-overload]
        buf.close()
        return bytes(data.data())


def draw_strokes(painter: QPainter, strokes: Sequence[Sequence[Point]]) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for stroke in strokes:
        for (x1, y1, p1), (x2, y2, p2) in pairwise(stroke):
            pen = QPen(INK, 1.5 + 2.5 * (p1 + p2) / 2)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))

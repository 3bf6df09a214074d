"""Type-ahead item search: name, code or pinyin initials (``yyzz``), with
bundles (一件事) in the same list. Searching runs off the UI thread after a
short pause in typing; Down/Up move in the list, Enter picks."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.ui.context import AppContext
from counter_app.ui.intake.ops import Choice, search_choices
from counter_app.ui.retranslate import tr

DEBOUNCE_MS = 120


class ItemSearch(QWidget):
    chosen = Signal(object)  # Choice
    edited = Signal()

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.edit = QLineEdit(self)
        self.edit.setObjectName("item_search")
        tr(
            self.edit,
            N_("办理事项：名称、编码或拼音首字母，如 yyzz"),
            "setPlaceholderText",
        )
        self.popup = QListWidget(self)
        self.popup.setObjectName("item_popup")
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setMaximumHeight(180)
        self.popup.hide()
        self.info = QLabel(self)
        self.info.setObjectName("item_info")
        self.info.setWordWrap(True)  # department, time limit, fee: may wrap
        self.error = QLabel(self)
        self.error.setProperty("tone", "error")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.edit, self.popup, self.info, self.error):
            layout.addWidget(w)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._search)
        self.edit.textEdited.connect(self._on_edited)
        self.edit.installEventFilter(self)
        self.popup.itemClicked.connect(self._pick_item)
        self._asked = ""

    def _on_edited(self, _text: str) -> None:
        self.edited.emit()
        self._timer.start()

    def _search(self) -> None:
        text = self.edit.text()
        self._asked = text
        if not text.strip():
            self._show([])
            return
        store = self.app.store
        self.app.tasks.run_op(
            lambda: search_choices(store, text),
            success=lambda hits: self._show(hits) if self._asked == text else None,
            failure=lambda exc: self.set_error(str(exc)),
        )

    def _show(self, hits: list[Choice]) -> None:
        self.popup.clear()
        for hit in hits:
            if hit.kind == "bundle":
                text = _("【一件事】{name}").format(name=hit.name)
            else:
                text = _("{name}　{code}　{department}　承诺{days}个工作日").format(
                    name=hit.name,
                    code=hit.code,
                    department=hit.department,
                    days=hit.promised_days,
                )
            row = QListWidgetItem(text)
            row.setData(Qt.ItemDataRole.UserRole, hit)
            self.popup.addItem(row)
        if hits:
            self.popup.setCurrentRow(0)
        self.popup.setVisible(bool(hits))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.popup.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(
                    0, min(self.popup.count() - 1, self.popup.currentRow() + step)
                )
                self.popup.setCurrentRow(row)
                self.popup.show()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                if self._timer.isActive():
                    self._timer.stop()
                    self._search()
                if self.popup.isVisible() and self.popup.currentItem():
                    self._pick_item(self.popup.currentItem())
                return True
            if key == Qt.Key.Key_Escape and self.popup.isVisible():
                self.popup.hide()
                return True
        return super().eventFilter(watched, event)

    def _pick_item(self, row: QListWidgetItem) -> None:
        choice: Choice = row.data(Qt.ItemDataRole.UserRole)
        self.popup.hide()
        self.edit.setText(choice.name)
        self.set_error("")
        self.chosen.emit(choice)

    def set_info(self, text: str) -> None:
        self.info.setText(text)

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def clear(self) -> None:
        self._timer.stop()
        self._asked = ""
        self.edit.clear()
        self.popup.clear()
        self.popup.hide()
        self.info.clear()
        self.set_error("")

"""A dialog whose OK runs one service call on the store worker. A refusal
from the service (an error naming a field) is shown beside that field; the
input stays as typed. Enter moves to the next field; on the last one it
submits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.i18n import _
from counter_app.ui.context import AppContext


class FormDialog(QDialog):
    def __init__(self, app: AppContext, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.app = app
        self.result_value: Any = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.general_error = QLabel()
        self.general_error.setObjectName("fieldError")
        self.general_error.setWordWrap(True)
        self.general_error.setAccessibleName(_("错误"))
        self.layout_.addWidget(self.general_error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.ok_button = QPushButton(_("确定"))
        self.ok_button.setAccessibleName(_("确定"))
        self.cancel_button = QPushButton(_("取消"))
        self.cancel_button.setAccessibleName(_("取消"))
        # Enter belongs to the fields (see ``_enter``), not to a default button.
        self.ok_button.setAutoDefault(False)
        self.cancel_button.setAutoDefault(False)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        self.layout_.addLayout(buttons)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self._busy = False
        self.setMinimumWidth(480)

    def add_field(self, key: str, label: str, widget: QWidget, name: str) -> QWidget:
        """A row with the widget and, under it, room for its error."""
        widget.setAccessibleName(name)
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        error = QLabel()
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.setAccessibleName(_("{field}错误").format(field=name))
        error.hide()
        box.addWidget(error)
        self.form.addRow(label, holder)
        self._set_buddy(holder, widget)
        self.errors[key] = error
        self.fields[key] = widget
        if isinstance(widget, QLineEdit):
            widget.returnPressed.connect(lambda w=widget: self._enter(w))
        return widget

    def _set_buddy(self, holder: QWidget, widget: QWidget) -> None:
        """The label's Alt+letter goes to the input itself (the holder takes
        no focus); a group of buttons hands it to its first button, without
        pressing it."""
        label = self.form.labelForField(holder)
        if not isinstance(label, QLabel):
            return
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            inner = [
                c
                for c in widget.findChildren(QWidget)
                if c.focusPolicy() & Qt.FocusPolicy.TabFocus
            ]
            if not inner:
                return
            widget.setFocusProxy(inner[0])
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        label.setBuddy(widget)

    def _enter(self, widget: QLineEdit) -> None:
        line_edits = [
            w
            for w in self.fields.values()
            if isinstance(w, QLineEdit) and w.isEnabled()
        ]
        if line_edits and widget is line_edits[-1]:
            self.submit()
        else:
            self.focusNextChild()

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.general_error.clear()

    def show_error(self, field: str | None, message: str) -> None:
        label = self.errors.get(field or "")
        if label is None:
            self.general_error.setText(message)
            return
        label.setText(message)
        label.show()
        self.fields[field or ""].setFocus()
        self.adjustSize()  # room for the wrapped message

    def build_op(self) -> Callable[[], Any] | None:
        """Gather the input into a call that needs no widget; None to stop."""
        raise NotImplementedError

    def submit(self) -> None:
        if self._busy:
            return
        self.clear_errors()
        op = self.build_op()
        if op is None:
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        self.app.tasks.run_op(op, success=self._done, failure=self._failed)

    def _done(self, value: Any) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        self.result_value = value
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, DomainError):
            self.show_error(getattr(exc, "field", None), str(exc))
            return
        self.app.tasks.default_failure(exc)
        self.general_error.setText(
            _("没有保存：{error}。输入的内容仍在，可以修改后重试。").format(error=exc)
        )

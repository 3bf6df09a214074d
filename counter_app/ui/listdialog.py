"""A dialog that lists what the sync left for a person to see (rejected
operations, conflicts, changes not applied yet): a title, a hint, the list,
its actions and 关闭. The rows are read on the store worker; an action runs
there too, says what it did and reads the rows again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.store.db import Store
from counter_app.ui.context import AppContext


def read_only_table(headers: Sequence[str], name: str) -> QTableWidget:
    """A table of whole rows, one selected at a time, nothing editable."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAccessibleName(name)
    return table


class ListDialog(QDialog):
    def __init__(
        self,
        app: AppContext,
        *,
        title: str,
        hint: str,
        fetch: Callable[[Store], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self._fetch = fetch
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.layout_ = QVBoxLayout(self)
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.layout_.addWidget(self.hint)
        self.close_button = QPushButton(_("关闭"))
        self.close_button.clicked.connect(self.accept)

    def finish(
        self, body: QWidget | QLayout, actions: Sequence[QPushButton] = ()
    ) -> None:
        """Lay out the list and the buttons, then read the rows."""
        if isinstance(body, QLayout):
            self.layout_.addLayout(body)
        else:
            self.layout_.addWidget(body)
        buttons = QHBoxLayout()
        for button in actions:
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        self.layout_.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        store, fetch = self.app.store, self._fetch
        self.app.tasks.run_op(
            lambda: fetch(store), success=self.show_rows, failure=self.failed
        )

    def show_rows(self, rows: Any) -> None:
        raise NotImplementedError

    def act(self, run: Callable[[Store], object], done: str) -> None:
        """``run`` on the store worker; then ``done`` is said, rows reread."""
        store = self.app.store

        def ok(_result: object) -> None:
            self.app.messages.info(done)
            self.reload()

        def failed(exc: BaseException) -> None:
            self.failed(exc)
            self.reload()

        self.app.tasks.run_op(lambda: run(store), success=ok, failure=failed)

    def failed(self, exc: BaseException) -> None:
        self.app.messages.error(str(exc))

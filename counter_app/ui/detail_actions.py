"""The detail's actions on the shown application (补正, 补交, 出件, 评价, 评价屏,
补打, 撤回), mixed into ``DetailView``: each opens its dialog and reloads the
record when the dialog stored something."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from counter_app.i18n import _
from counter_app.services.daily_log import LEVEL_LABELS
from counter_app.services.intake import MaterialState
from counter_app.services.queries import RecordView
from counter_app.ui.context import AppContext
from counter_app.ui.deliver_dialog import DeliverDialog
from counter_app.ui.evaluation_dialog import EvaluationDialog
from counter_app.ui.evaluation_screen import EvaluationScreen
from counter_app.ui.supplement_dialog import DeferredDialog, SupplementDialog
from counter_app.ui.withdraw_dialog import WithdrawDialog


def outstanding_deferred(record: dict[str, Any]) -> list[str]:
    """Names of the deferred (容缺) materials not brought in yet."""
    return [
        m["name"]
        for m in record.get("materials", [])
        if m["state"] == MaterialState.DEFERRED.value
    ]


class DetailActions:
    # Provided by DetailView (a QWidget).
    app: AppContext
    view: RecordView | None
    print_button: QPushButton
    changed: Any
    current_id: Callable[[], str | None]
    load: Callable[[str], None]

    def _run(self, dialog: QDialog, done: Callable[[str], None] | None = None) -> None:
        """Open ``dialog``; when it stored something, reload and call
        ``done`` with the application's id (the confirmation)."""
        app_id = self.current_id()
        dialog.setModal(True)

        def finished(code: int) -> None:
            if code == QDialog.DialogCode.Accepted and app_id:
                self.changed.emit(app_id)
                self.load(app_id)
                if done is not None:
                    done(app_id)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        self.active_dialog = dialog
        dialog.open()

    def supplement(self) -> None:
        """补正; when it completes the materials the application is accepted
        today: say so and offer the 受理回执 at once."""
        if self.view is None:
            return
        dialog = SupplementDialog(
            self.app,
            application_id=self.view.record["id"],
            materials=self.view.record["materials"],
            parent=_widget(self),
        )

        def accepted(app_id: str) -> None:
            result = dialog.result_value
            due = result.due_date.isoformat() if result.due_date else ""
            if result.due_provisional:
                due = _("{date}（预计）").format(date=due)
            self.app.messages.info(
                _("已受理：{number}，办结时限 {date}。请打印受理回执。").format(
                    number=result.acceptance_no, date=due
                )
            )
            from counter_app.ui.documents import open_application_document

            self.document_dialog = open_application_document(
                self.app, [app_id], "receipt", _widget(self)
            )

        self._run(dialog, accepted)

    def deferred(self) -> None:
        """补交: deferred materials brought in after acceptance."""
        if self.view is None:
            return
        self._run(
            DeferredDialog(
                self.app,
                application_id=self.view.record["id"],
                materials=self.view.record["materials"],
                parent=_widget(self),
            )
        )

    def deliver(self) -> None:
        if self.view is None:
            return
        r = self.view.record
        dialog = DeliverDialog(
            self.app,
            application_id=r["id"],
            applicant_name=r.get("agent_name") or r["applicant_name"],
            outstanding=outstanding_deferred(r),
            parent=_widget(self),
        )
        number = r["acceptance_no"]

        def delivered(app_id: str) -> None:
            self.app.messages.info(
                _("已出件：{number}，领取人 {name}。请打印送达回证。").format(
                    number=number, name=dialog.recipient_name.text().strip()
                )
            )
            from counter_app.ui.documents import open_application_document

            self.document_dialog = open_application_document(
                self.app, [app_id], "delivery", _widget(self)
            )

        self._run(dialog, delivered)

    def evaluate(self) -> None:
        if self.view is None:
            return
        dialog = EvaluationDialog(
            self.app, application_id=self.view.record["id"], parent=_widget(self)
        )
        number = self.view.record["acceptance_no"]

        def rated(_app_id: str) -> None:
            self.app.messages.info(
                _("已保存评价：{number}　{level}。").format(
                    number=number, level=_(LEVEL_LABELS[dialog.level()])
                )
            )

        self._run(dialog, rated)

    def rating_screen(self) -> None:
        """The applicant rates on the customer-facing screen (好差评)."""
        if self.view is None:
            return
        r = self.view.record
        self.rating_window = EvaluationScreen(
            self.app,
            application_id=r["id"],
            acceptance_no=r["acceptance_no"],
            item_name=r["item_name"],
        )
        self.rating_window.present()

    def reprint(self) -> None:
        """补打: a menu of the documents this application has now."""
        if self.view is None:
            return
        from counter_app.ui.integrations import documents_menu

        self.print_menu = documents_menu(self.app, self.view.record, _widget(self))
        button = self.print_button
        self.print_menu.popup(button.mapToGlobal(button.rect().bottomLeft()))

    def withdraw(self) -> None:
        if self.view is None:
            return
        self._run(
            WithdrawDialog(
                self.app, application_id=self.view.record["id"], parent=_widget(self)
            )
        )


def _widget(obj: object) -> QWidget:
    assert isinstance(obj, QWidget)  # DetailActions is mixed into a QWidget
    return obj

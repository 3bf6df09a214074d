"""From a decision button to the stored record: ask what the decision needs,
run one ``decide()`` off the UI thread, show the numbers, offer the papers.
A refused decision leaves the form as it was, with the reason beside the
field concerned."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QPushButton

from counter_app.domain.errors import DomainError
from counter_app.domain.status import DECISION_LABELS, STATUS_LABELS, Decision
from counter_app.i18n import _, listing
from counter_app.services.intake import IntakeError, MaterialState
from counter_app.ui.flow_layout import WrapRow
from counter_app.ui.intake.decision_dialogs import (
    DeferredDialog,
    NoticeDialog,
    RejectDialog,
)
from counter_app.ui.intake.materials_table import PROBLEM
from counter_app.ui.intake.ops import (
    Outcome,
    decide_and_attach,
    default_promise_date,
    documents_hook,
    precheck,
)

if TYPE_CHECKING:
    from counter_app.ui.intake.widget import IntakeWidget


# One key per decision, shown on its button and in the F1 list; none of them
# is taken by a menu or a panel of the window.
DECISION_KEYS: dict[Decision, str] = {
    Decision.ACCEPT: "Ctrl+Enter",
    Decision.ACCEPT_DEFERRED: "F6",
    Decision.ACCEPT_COMMITMENT: "F7",
    Decision.NOTICE: "F8",
    Decision.REJECT: "F9",
}


def decision_label(decision: Decision) -> str:
    return _("{label} ({key})").format(
        label=_(DECISION_LABELS[decision]), key=DECISION_KEYS[decision]
    )


class DecisionFlow(QObject):
    def __init__(self, widget: IntakeWidget) -> None:
        super().__init__(widget)
        self.w = widget
        self.dialog: QDialog | None = None
        self.busy = False
        # the decision whose refusal is on screen, re-checked as things change
        self.refused: Decision | None = None

    def button_row(self) -> WrapRow:
        """One button per decision, in ``widget.buttons``; they wrap to a
        second line where the width runs out (large print, English)."""
        row = WrapRow(self.w)
        self.w.buttons = {}
        for decision in Decision:
            button = QPushButton(decision_label(decision), self.w)
            button.setObjectName("decide_" + decision.value)
            button.clicked.connect(lambda _c=False, d=decision: self.start(d))
            row.add(button)
            self.w.buttons[decision] = button
        return row

    def reset(self) -> None:
        self.refused = None
        if self.dialog is not None:
            self.dialog.reject()
        self.dialog = None
        self._set_busy(False)

    def problem(self, decision: Decision) -> IntakeError | None:
        """Why ``decision`` cannot be taken with the form as it is now."""
        w = self.w
        if w.selection is None:
            return IntakeError(_("请先选择办理事项。"), field="item")
        row = w.table.missing_problem()
        if decision is not Decision.REJECT and row is not None:
            return IntakeError(
                _("请在“问题说明”中写明“{name}”需补正的具体问题。").format(
                    name=w.table.rows[row].material.name
                ),
                field="materials",
            )
        if decision is Decision.REJECT:
            return None
        return precheck(
            w.selection, w.conditions.answers(), w.table.entries(), decision
        )

    def recheck(self) -> None:
        """The form changed: a refusal shown earlier is said again as it now
        stands, or goes away when it no longer holds."""
        if self.refused is None:
            return
        w = self.w
        for label in (w.top_error, w.materials_error):
            label.clear()
            label.hide()
        exc = self.problem(self.refused)
        if exc is None:
            self.refused = None
        else:
            w.show_error(exc)

    def start(self, decision: Decision) -> None:
        w = self.w
        if self.busy or self.dialog is not None or w.keeper.done:
            return
        w.clear_errors()
        self.refused = None
        exc = self.problem(decision)
        if exc is not None:
            self.refused = decision
            w.show_error(exc)
            row = w.table.missing_problem()
            if exc.field == "materials" and row is not None:
                w.table.setCurrentCell(row, PROBLEM)
                w.table.setFocus()
            return
        assert w.selection is not None  # problem() said so otherwise
        if decision is Decision.ACCEPT_DEFERRED:
            store, codes = w.app.store, list(w.selection.item_codes)
            w.app.tasks.run_op(
                lambda: default_promise_date(store, codes),
                success=self._ask_promise,
                failure=self._failed,
            )
        elif decision is Decision.NOTICE:
            self._open(
                NoticeDialog(w.table.outstanding(), w), lambda _d: self._run(decision)
            )
        elif decision is Decision.REJECT:
            self._open(
                RejectDialog(w),
                lambda d: self._run(
                    decision,
                    reason=d.reason_text(),
                    reason_code=d.reason_code(),
                    competent_organ=d.competent_organ(),
                ),
            )
        else:
            self._run(decision)

    def _ask_promise(self, default: date) -> None:
        names = [
            n for n, s, _p in self.w.table.outstanding() if s is MaterialState.DEFERRED
        ]
        self._open(
            DeferredDialog(names, default, self.w),
            lambda d: self._run(
                Decision.ACCEPT_DEFERRED, promise_date=d.promise_date()
            ),
        )

    def _open(self, dialog: Any, then: Callable[[Any], None]) -> None:
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                then(dialog)

        dialog.finished.connect(finished)
        dialog.open()

    def _run(self, decision: Decision, **kwargs: Any) -> None:
        w = self.w
        ctx = w.app.require_user()
        form = w.form()
        scans = {name: list(paths) for name, paths in w.table.scans.items()}
        store = w.app.store
        self._set_busy(True)
        w.app.tasks.run_op(
            lambda: decide_and_attach(
                store, ctx, form, decision, scans=scans, **kwargs
            ),
            success=lambda outcome: self._decided(outcome, decision),
            failure=self._failed,
        )

    def _decided(self, outcome: Outcome, decision: Decision) -> None:
        w = self.w
        self._set_busy(False)
        w.keeper.finish()
        names = {it.code: it.name for it in (w.selection.items if w.selection else ())}
        lines = [_("{decision}：").format(decision=_(DECISION_LABELS[decision]))]
        for r in outcome.results:
            line = _("编号 {number}　{item}　{status}").format(
                number=r.acceptance_no,
                item=names.get(r.item_code, r.item_code),
                status=_(STATUS_LABELS[r.status]),
            )
            if r.due_date is not None:
                due = r.due_date.isoformat()
                if r.due_provisional:
                    due = _("{date}（预计）").format(date=due)
                line += _("　办结时限 {date}").format(date=due)
            lines.append(line)
        w.result.setText("\n".join(lines))
        w.next_button.setFocus()
        for error in outcome.attach_errors:
            w.app.messages.warning(error)
        w.decided.emit(outcome.results)
        w.side.refresh()
        hook = documents_hook("offer_documents")
        if hook is not None:
            hook(w.app, outcome.results, decision, parent=w)
        else:
            w.app.messages.info(
                _("已保存：{numbers}。打印模块未就绪，请稍后在办件详情中打印。").format(
                    numbers=listing(r.acceptance_no for r in outcome.results)
                )
            )

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.w.keeper.touched()  # the draft is still needed
        if isinstance(exc, DomainError):
            self.w.show_error(exc)
            return
        self.w.app.messages.error(
            _("办件未能保存，表单内容仍在，请重试：{error}").format(error=exc),
            getattr(exc, "__traceback_text__", ""),
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for d, button in self.w.buttons.items():
            allowed = d is not Decision.ACCEPT_COMMITMENT or bool(
                self.w.selection and self.w.selection.allows_commitment
            )
            button.setEnabled(not busy and allowed)

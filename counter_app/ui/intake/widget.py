"""受理: the intake screen. Item search, the item's questions, applicant,
materials checklist, then one decision; keyboard-first for a queue of
twenty people. Every database call runs as a background op."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.status import DECISION_LABELS, Decision
from counter_app.i18n import N_, _
from counter_app.services.applications import DecisionResult
from counter_app.services.certificates import reuse_offers
from counter_app.services.intake import IntakeForm
from counter_app.ui.context import AppContext
from counter_app.ui.devices.card_panel import (
    CardPanel,
    WedgeFilter,
    keep_card_photo_op,
)
from counter_app.ui.devices.registry import device_settings
from counter_app.ui.flow_layout import WrapRow
from counter_app.ui.intake.applicant_form import ApplicantForm
from counter_app.ui.intake.conditions_box import ConditionsBox
from counter_app.ui.intake.decision_flow import (
    DECISION_KEYS,
    DecisionFlow,
    decision_label,
)
from counter_app.ui.intake.draft_keeper import DraftKeeper
from counter_app.ui.intake.e_certs import CertificateFetcher
from counter_app.ui.intake.item_search import ItemSearch
from counter_app.ui.intake.materials_table import MaterialsTable
from counter_app.ui.intake.ops import (
    Choice,
    Selection,
    describe,
    load_selection,
    rows_for,
)
from counter_app.ui.intake.side_panel import SidePanel
from counter_app.ui.retranslate import retranslate, tr


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setProperty("tone", "error")
    label.setWordWrap(True)
    label.hide()
    return label


INTAKE_KEYS = [
    ("Ctrl+K", N_("咨询（打印一次性告知单）")),
    ("F4", N_("读卡：用身份证读卡器填写申请人信息")),
    ("Shift+F4", N_("读代理人证件：填写代理人信息")),
    ("Ctrl+Shift+A", N_("全部已收原件")),
    ("Ctrl+J", N_("今日咨询：选中后 Enter 转为受理")),
    (
        "Enter",
        N_("申请人信息：进入下一项（证件类型为居民身份证时从姓名直接到证件号码）"),
    ),
    ("Tab / Shift+Tab", N_("材料清单：离开清单，进入下一项/上一项")),
    ("↑ ↓ ← →", N_("材料清单：在清单内移动")),
    (N_("空格"), N_("材料清单：切换材料状态")),
    ("0–9", N_("材料清单：填写原件/复印件份数")),
]


class IntakeWidget(QWidget):
    decided = Signal(object)  # list[DecisionResult]

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.selection: Selection | None = None
        self.consultation_id = ""
        self.valid_id = ""
        # The id the application will take; certificate lookups name it.
        self.intake_id = str(uuid.uuid4())
        self.search = ItemSearch(app, self)
        self.conditions = ConditionsBox(self)
        self.applicant = ApplicantForm(self)
        self.table = MaterialsTable(self)
        self.top_error = _error_label("top_error")
        self.materials_error = _error_label("materials_error")
        self.result = QLabel(self)
        self.result.setObjectName("result")
        self.result.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.result.setProperty("tone", "ok")  # colour and size: ui/theme.py
        self.buttons: dict[Decision, QPushButton] = {}
        self.flow = DecisionFlow(self)
        self.side = SidePanel(self)
        self.certs = CertificateFetcher(app, self)
        self.card = CardPanel(app, self)
        self._build()
        self.keeper = DraftKeeper(self)
        self.setFocusProxy(self.search.edit)
        self.search.chosen.connect(self._on_chosen)
        self.search.edited.connect(self.keeper.touched)
        self.conditions.changed.connect(self._answers_changed)
        self.applicant.changed.connect(self.keeper.touched)
        self.applicant.id_valid.connect(self._on_id_valid)
        self.applicant.kind.currentIndexChanged.connect(self._kind_changed)
        self.table.changed.connect(self.keeper.touched)
        # a refusal on screen follows the form (after the checklist is re-tailored)
        self.table.changed.connect(self.flow.recheck)
        self.conditions.changed.connect(self.flow.recheck)
        self.certs.arrived.connect(self._lookup_reuse)
        self.card.card_read.connect(self.applicant.fill_from_card)
        self.card.agent_read.connect(self._agent_card)
        self.decided.connect(self._keep_card_photo)
        if device_settings(app).card_reader == "wedge":
            self.wedge = WedgeFilter(app, list(self.applicant.fields.values()))
            self.wedge.number.connect(self.applicant.set_id_number)

    def _build(self) -> None:
        row = self.flow.button_row()
        self.consult_button = tr(QPushButton(self), N_("咨询 (Ctrl+K)"))
        self.consult_button.setObjectName("consult")
        self.consult_button.clicked.connect(self.side.consult)
        self.all_button = tr(QPushButton(self), N_("全部已收原件 (Ctrl+Shift+A)"))
        self.all_button.setObjectName("all_original")
        self.all_button.clicked.connect(self.table.mark_all_original)
        self.next_button = tr(QPushButton(self), N_("下一位"))
        self.next_button.setObjectName("next")
        self.next_button.clicked.connect(self.new_intake)
        shortcuts: list[tuple[str, Callable[[], None]]] = [
            # the main Enter key; DECISION_KEYS' Ctrl+Enter is the keypad's
            ("Ctrl+Return", self.buttons[Decision.ACCEPT].click),
            ("Ctrl+K", self.side.consult),
            ("Ctrl+Shift+A", self.table.mark_all_original),
            ("F4", self.card.start_read),
            ("Shift+F4", lambda: self.card.start_read(agent=True)),
            ("Ctrl+J", self.side.focus_consultations),
        ]
        # through the button, so a key does nothing where the button is off
        shortcuts += [(key, self.buttons[d].click) for d, key in DECISION_KEYS.items()]
        for seq, slot in shortcuts:
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        main = QWidget(self)
        col = QVBoxLayout(main)
        for part in (self.top_error, self.search, self.conditions):
            col.addWidget(part)
        person = QHBoxLayout()
        person.addWidget(self.applicant, 1)
        person.addWidget(self.card)
        col.addLayout(person)
        head = QHBoxLayout()
        head.addWidget(tr(QLabel(self), N_("材料清单")))
        head.addWidget(self.materials_error, 1)
        # Consultation and next applicant sit above the table, so the row of
        # decisions stays narrow enough in every language; they wrap too.
        tools = WrapRow(self)
        for b in (self.all_button, self.consult_button, self.next_button):
            tools.add(b)
        head.addWidget(tools)
        col.addLayout(head)
        col.addWidget(self.table, 1)
        col.addWidget(self.certs.label)
        col.addWidget(row)
        col.addWidget(self.result)
        split = QSplitter(self)
        split.addWidget(main)
        split.addWidget(self.side)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        QVBoxLayout(self).addWidget(split)
        self.conditions.hide()
        self.buttons[Decision.ACCEPT_COMMITMENT].setEnabled(False)
        tail: list[QWidget] = [
            self.applicant.focus_chain()[-1],
            self.table,
            *self.buttons.values(),
            self.all_button,
            self.consult_button,
            self.next_button,
        ]
        for before, after in pairwise(tail):
            QWidget.setTabOrder(before, after)

    def hasHeightForWidth(self) -> bool:
        return False  # the scroll area sizes the form by minimumSizeHint()

    def minimumSizeHint(self) -> QSize:
        """As high as the form needs at its width once its rows have wrapped
        (large print), so the scroll area scrolls instead of squeezing the
        applicant's fields until their text is cut."""
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and self.width() > 0:
            need = layout.totalHeightForWidth(self.width())
            hint.setHeight(max(hint.height(), need))
        return hint

    def retranslate(self) -> None:
        """After a language switch: every word anew, nothing typed lost."""
        retranslate(self)
        self.applicant.retranslate()
        self.table.retranslate()
        self.side.retranslate_tabs()
        for d, button in self.buttons.items():
            button.setText(decision_label(d))
        if self.selection is not None:
            self.search.set_info(describe(self.selection))

    def shortcut_help(self) -> list[tuple[str, str]]:
        """(key, what it does) for the F1 list of the window."""
        keys = [(DECISION_KEYS[d], _(DECISION_LABELS[d])) for d in Decision]
        keys += [(_(k), _(text)) for k, text in INTAKE_KEYS]
        return keys

    def showEvent(self, event: QShowEvent) -> None:
        """Coming into view (start-up, sign-in, tab switch): reload the
        consultations and the unfinished intakes to resume."""
        super().showEvent(event)
        self.side.refresh()

    # -- item and questions ---------------------------------------------------
    def _on_chosen(self, choice: Choice) -> None:
        self.keeper.touched()
        codes = () if choice.kind == "bundle" else (choice.code,)
        bundle = choice.code if choice.kind == "bundle" else ""
        self.load_selection(codes, bundle, answers={})

    def load_selection(
        self,
        codes: tuple[str, ...] | list[str],
        bundle: str,
        *,
        answers: dict[str, bool],
        form: IntakeForm | None = None,
    ) -> None:
        store = self.app.store
        self.app.tasks.run_op(
            lambda: load_selection(store, item_codes=tuple(codes), bundle_code=bundle),
            success=lambda sel: self._set_selection(sel, answers, form),
            failure=self._selection_failed,
        )

    def _selection_failed(self, exc: BaseException) -> None:
        self.keeper.loading = False
        self.search.set_error(str(exc))

    def _set_selection(
        self, sel: Selection, answers: dict[str, bool], form: IntakeForm | None
    ) -> None:
        self.selection = sel
        self.search.edit.setText(sel.title)
        self.conditions.set_conditions(sel.conditions, answers)
        if form is None:
            self._kind_changed()
        self.table.clear_all()
        self._retailor()
        if form is not None:
            self.table.load_entries(form.materials)
            self.keeper.loading = False
        self.search.set_info(describe(sel))
        self.buttons[Decision.ACCEPT_COMMITMENT].setEnabled(sel.allows_commitment)
        self._lookup_reuse()
        chain = [self.search.edit, *self.conditions.boxes.values(), self.applicant.kind]
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)
        if form is None:  # the questions are one Shift+Tab away
            self.applicant.fields["name"].setFocus()
        else:  # a consultation or a draft taken up: where typing goes on
            (self.applicant.first_empty() or self.table).setFocus()

    def _answers_changed(self) -> None:
        self._retailor()
        self._lookup_reuse()
        self.keeper.touched()

    def _kind_changed(self) -> None:
        """An organisation applicant answers the item's 申请人为单位 question."""
        box = self.conditions.boxes.get("organisation")
        if box is not None:
            box.setChecked(self.applicant.kind.currentData() == "organisation")

    def _retailor(self) -> None:
        if self.selection is None:
            return
        answers = self.conditions.answers()
        self.applicant.set_agent_visible(bool(answers.get("agent")))
        self.table.set_rows(rows_for(self.selection, answers))

    # -- reuse of earlier materials --------------------------------------------
    def _on_id_valid(self, code: str) -> None:
        self.valid_id = code
        self._lookup_reuse()
        self.certs.lookup(code, application_id=self.intake_id)

    def _lookup_reuse(self) -> None:
        if self.selection is None or not self.valid_id:
            return
        store, code = self.app.store, self.valid_id
        codes, answers = self.selection.item_codes, self.conditions.answers()
        certs = self.certs.certificates(code)
        self.app.tasks.run_op(
            lambda: reuse_offers(
                store, id_number=code, item_codes=codes, answers=answers, certs=certs
            ),
            success=self.table.set_offers,
        )

    # -- the form ---------------------------------------------------------------
    def form(self) -> IntakeForm:
        sel = self.selection
        return IntakeForm(
            item_codes=list(sel.item_codes) if sel else [],
            applicant=self.applicant.applicant(),
            answers=self.conditions.answers(),
            materials=self.table.entries(),
            bundle_code=sel.bundle_code if sel else "",
            consultation_id=self.consultation_id,
            draft_id=self.keeper.draft_id,
            intake_seconds=self.keeper.elapsed(),
            application_id=self.intake_id,
        )

    def load_form(self, form: IntakeForm) -> None:
        """Resume a draft or start from a consultation, nothing retyped."""
        self.new_intake()
        self.keeper.reset(draft_id=form.draft_id, elapsed=form.intake_seconds or 0)
        self.keeper.loading = True
        self.consultation_id = form.consultation_id
        self.intake_id = form.application_id or self.intake_id
        self.applicant.set_applicant(form.applicant)
        if form.item_codes:
            self.load_selection(
                form.item_codes, form.bundle_code, answers=dict(form.answers), form=form
            )
        else:
            self.keeper.loading = False

    def new_intake(self) -> None:
        """Clear everything for the next applicant; what was typed since the
        last autosave is saved first, so it stays in 未完成的受理."""
        self.flush_draft()
        self.keeper.reset()
        self.selection = None
        self.consultation_id = self.valid_id = ""
        self.intake_id = str(uuid.uuid4())
        self.certs.reset()
        self.card.reset()
        self.search.clear()
        self.conditions.clear()
        self.applicant.clear()
        self.applicant.set_agent_visible(False)
        self.table.clear_all()
        self.clear_errors()
        self.result.clear()
        self.flow.reset()
        self.side.refresh()
        self.search.edit.setFocus()

    def clear_errors(self) -> None:
        for label in (self.top_error, self.materials_error):
            label.clear()
            label.hide()
        self.applicant.clear_errors()
        self.search.set_error("")

    def show_error(self, exc: BaseException) -> None:
        text = str(exc)
        where = exc.field if isinstance(exc, DomainError) else None
        if where and self.applicant.show_error(where, text):
            return
        if where in ("materials", "promise_date"):
            label = self.materials_error
        elif where == "item":
            self.search.set_error(text)
            return
        else:
            label = self.top_error
        label.setText(text)
        label.show()

    # -- timing and drafts ---------------------------------------------------

    def flush_draft(self) -> None:
        """Save what changed since the last autosave now (lock, quit)."""
        if not self.keeper.done and self.keeper.timer.isActive():
            self.keeper.timer.stop()
            self.keeper.save_now()

    def _agent_card(self, card: object) -> None:
        if self.applicant.agent_box.isHidden():  # no agent on this intake
            self.card.say(
                _("本次受理未选择“由代理人（受托人）办理”，请先勾选后再读代理人证件"),
                "error",
            )
            return
        self.applicant.fill_agent_from_card(card)  # type: ignore[arg-type]

    def _keep_card_photo(self, results: list[DecisionResult]) -> None:
        typed = self.applicant.fields["id_number"].text()
        items = self.selection.items if self.selection else ()
        keep = keep_card_photo_op(self.card.card, typed, items, results)
        if keep is not None:
            ctx = self.app.require_user()
            self.app.tasks.run_op(
                lambda: keep(self.app.store, ctx), failure=self.show_error
            )

    def hideEvent(self, event: QHideEvent) -> None:
        self.flush_draft()
        super().hideEvent(event)

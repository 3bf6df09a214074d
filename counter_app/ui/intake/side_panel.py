"""Beside the form: today's consultations (咨询) and the unfinished intakes
(未完成的受理). Either becomes the form again without retyping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app import clock
from counter_app.i18n import N_, _, listing
from counter_app.services.consultations import (
    Consultation,
    consult,
    form_from_consultation,
)
from counter_app.services.context import DeskContext
from counter_app.services.drafts import discard_draft, list_drafts
from counter_app.services.intake import IntakeError, IntakeForm
from counter_app.store.db import Store
from counter_app.ui.intake.ops import documents_hook
from counter_app.ui.retranslate import tr

if TYPE_CHECKING:
    from counter_app.ui.intake.widget import IntakeWidget


@dataclass(frozen=True)
class Entry:
    id: str
    text: str
    done: bool = False


def todays_consultations(store: Store, ctx: DeskContext) -> list[Entry]:
    rows = store.db.execute(
        "SELECT c.id, c.created_at, coalesce(b.name, i.name, ''), c.applicant_name,"
        " c.application_id FROM consultations c"
        " LEFT JOIN catalog_items i ON i.code = c.item_code"
        " LEFT JOIN bundles b ON b.code = c.bundle_code"
        " WHERE c.day = ? AND c.window_code = ? ORDER BY c.created_at DESC",
        [clock.today().isoformat(), ctx.window_code],
    ).fetchall()
    return [
        Entry(
            r[0],
            _("{time} {item} {name}{done}").format(
                time=r[1][11:16],
                item=r[2],
                name=r[3] or "",
                done=_("（已转受理）") if r[4] else "",
            ),
            bool(r[4]),
        )
        for r in rows
    ]


def drafts_for(store: Store, username: str) -> list[tuple[Entry, IntakeForm]]:
    names = dict(store.db.execute("SELECT code, name FROM catalog_items").fetchall())
    out = []
    for draft_id, updated, form in list_drafts(store, username=username):
        item = listing(names.get(c, c) for c in form.item_codes) or _("未选事项")
        who = form.applicant.name or form.applicant.org_name or _("未填姓名")
        text = _("{time} {item} {name}").format(
            time=updated[5:16].replace("T", " "), item=item, name=who
        )
        out.append((Entry(draft_id, text), form))
    return out


TABS = [N_("今日咨询"), N_("未完成的受理")]


class SidePanel(QTabWidget):
    def __init__(self, widget: IntakeWidget) -> None:
        super().__init__(widget)
        self.w = widget
        self.consultations = QListWidget(self)
        self.consultations.setObjectName("consultations")
        self.drafts = QListWidget(self)
        self.drafts.setObjectName("drafts")
        self.convert_button = tr(QPushButton(self), N_("转为受理"))
        self.convert_button.setObjectName("convert")
        self.resume_button = tr(QPushButton(self), N_("继续受理"))
        self.resume_button.setObjectName("resume")
        self.discard_button = tr(QPushButton(self), N_("删除草稿"))
        self.discard_button.setObjectName("discard")
        self.addTab(self._page(self.consultations, self.convert_button), "")
        self.addTab(
            self._page(self.drafts, self.resume_button, self.discard_button), ""
        )
        self.retranslate_tabs()
        self.convert_button.clicked.connect(self.convert)
        self.consultations.itemActivated.connect(lambda _i: self.convert())
        self.resume_button.clicked.connect(self.resume)
        self.drafts.itemActivated.connect(lambda _i: self.resume())
        self.discard_button.clicked.connect(self.discard)
        self._forms: dict[str, IntakeForm] = {}

    def retranslate_tabs(self) -> None:
        for i, source in enumerate(TABS):
            self.setTabText(i, _(source))

    def focus_consultations(self) -> None:
        """Ctrl+J: today's consultations, the latest selected; Enter takes
        it over into the form."""
        self.setCurrentIndex(0)
        listing = self.consultations
        if listing.count() and listing.currentRow() < 0:
            listing.setCurrentRow(0)
        listing.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def minimumSizeHint(self) -> QSize:
        """Never narrower than its tabs: no scroll arrows on the tab bar."""
        hint = super().minimumSizeHint()
        tabs = self.tabBar().sizeHint().width() + 8  # the pane's frame
        return QSize(max(hint.width(), tabs), hint.height())

    def _page(self, listing: QListWidget, *buttons: QPushButton) -> QWidget:
        page = QWidget(self)
        col = QVBoxLayout(page)
        col.addWidget(listing)
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        col.addLayout(row)
        return page

    def refresh(self) -> None:
        """Reload both lists (after sign-in, after each decision)."""
        user, store = self.w.app.user, self.w.app.store
        if user is None:
            return
        self.w.app.tasks.run_op(
            lambda: todays_consultations(store, user),
            success=lambda e: _fill(self.consultations, e),
        )
        self.w.app.tasks.run_op(
            lambda: drafts_for(store, user.username), success=self._show_drafts
        )

    def _show_drafts(self, drafts: list[tuple[Entry, IntakeForm]]) -> None:
        self._forms = {e.id: f for e, f in drafts}
        _fill(self.drafts, [e for e, _f in drafts])
        if drafts:
            self.setTabText(1, _("未完成的受理 ({n})").format(n=len(drafts)))
        else:
            self.setTabText(1, _("未完成的受理"))

    # -- actions --------------------------------------------------------------
    def consult(self) -> None:
        """Log a consultation for the chosen item and offer its checklist."""
        w = self.w
        sel = w.selection
        w.clear_errors()
        if sel is None:
            w.show_error(IntakeError(_("请先选择要咨询的事项。"), field="item"))
            return
        ctx, store = w.app.require_user(), w.app.store
        a, answers = w.applicant.applicant(), w.conditions.answers()
        w.app.tasks.run_op(
            lambda: consult(
                store,
                ctx,
                item_code="" if sel.bundle_code else sel.item_codes[0],
                bundle_code=sel.bundle_code,
                answers=answers,
                applicant_name=a.name,
                phone=a.phone,
            ),
            success=self._consulted,
            failure=w.show_error,
        )

    def _consulted(self, c: Consultation) -> None:
        self.w.consultation_id = c.id
        self.refresh()
        self.setCurrentIndex(0)
        hook = documents_hook("offer_checklist")
        if hook is not None:
            hook(self.w.app, c, parent=self.w)
        else:
            self.w.app.messages.info(
                _("已登记咨询，共需 {n} 项材料。").format(n=len(c.materials))
            )

    def convert(self) -> None:
        item = self.consultations.currentItem()
        if item is None:
            return
        cid, store = item.data(Qt.ItemDataRole.UserRole), self.w.app.store
        self.w.app.tasks.run_op(
            lambda: form_from_consultation(store, cid),
            success=self.w.load_form,
            failure=self.w.show_error,
        )

    def resume(self) -> None:
        item = self.drafts.currentItem()
        form = self._forms.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        if form is not None:
            self.w.load_form(form)

    def discard(self) -> None:
        item = self.drafts.currentItem()
        if item is None:
            return
        draft_id, store = item.data(Qt.ItemDataRole.UserRole), self.w.app.store
        self.w.app.tasks.run_op(
            lambda: discard_draft(store, draft_id), success=lambda _r: self.refresh()
        )


def _fill(listing: QListWidget, entries: list[Entry]) -> None:
    listing.clear()
    for e in entries:
        row = QListWidgetItem(e.text)
        row.setData(Qt.ItemDataRole.UserRole, e.id)
        listing.addItem(row)
    if entries:
        listing.setCurrentRow(0)

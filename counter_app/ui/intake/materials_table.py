"""The materials checklist. Keyboard: arrows move inside, Tab/Shift+Tab leave
the table, Space cycles the state, a digit sets the count (originals, or
copies in the copies column or when the state is 已收复印件), typing in
问题说明/备注 edits them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.services.intake import (
    MATERIAL_STATE_LABELS,
    RECEIVED,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.reuse import ReuseOffer
from counter_app.ui.intake.checklist_model import (
    RowState,
    StateDelegate,
    entries_for_rows,
)
from counter_app.ui.intake.ops import Row
from counter_app.ui.intake.scan_cell import scan_button
from counter_app.ui.theme import tone

S = MaterialState
NAME, REQUIRED, STATE, ORIGINALS, COPIES, PROBLEM, NOTE, SCAN = range(8)
HEADERS = [
    N_("材料名称"),
    N_("要求"),
    N_("状态"),
    N_("原件"),
    N_("复印件"),
    N_("问题说明"),
    N_("备注"),
    N_("扫描/附件"),
]


class MaterialsTable(QTableWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("materials")
        self.setHorizontalHeaderLabels([_(h) for h in HEADERS])
        self.setItemDelegateForColumn(STATE, StateDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        # Tab belongs to the form (the next field), arrows to the cells.
        self.setTabKeyNavigation(False)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        # names, what is required and the state are read at a glance: never
        # cut (the table scrolls sideways when the window is narrow)
        for col in (NAME, REQUIRED, STATE, ORIGINALS, COPIES, SCAN):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.rows: list[Row] = []
        self.states: list[RowState] = []
        self.offers: dict[str, ReuseOffer] = {}
        self.scans: dict[str, list[Path]] = {}
        # names whose 已收复印件 came from attached files, not from the clerk
        self._copy_from_scans: set[str] = set()
        self._filling = False
        self.itemChanged.connect(self._item_changed)

    # -- content ------------------------------------------------------------
    def set_rows(self, rows: list[Row]) -> None:
        """Show a (re-)tailored checklist, keeping what was already marked."""
        kept = {r.material.name: s for r, s in zip(self.rows, self.states, strict=True)}
        self.rows = list(rows)
        self.states = [kept.get(r.material.name, RowState()) for r in rows]
        self._fill()

    def set_offers(self, offers: list[ReuseOffer]) -> None:
        self.offers = {o.material_name: o for o in offers}
        for i, (row, st) in enumerate(zip(self.rows, self.states, strict=True)):
            if st.state is S.REUSED and row.material.name not in self.offers:
                self.states[i] = RowState()
        self._fill()

    def allowed(self, i: int) -> list[MaterialState]:
        m = self.rows[i].material
        return [
            s
            for s in S
            if (s is not S.E_CERT or m.e_cert)
            and (s is not S.DEFERRED or m.deferrable)
            and (s is not S.REUSED or m.name in self.offers)
        ]

    def set_state(self, i: int, state: MaterialState) -> None:
        m = self.rows[i].material
        st = self.states[i]
        self._copy_from_scans.discard(m.name)
        if state is not st.state:
            originals = m.originals if state is S.ORIGINAL else 0
            copies = {S.ORIGINAL: m.copies, S.COPY: max(m.copies, 1)}.get(state, 0)
            offer = self.offers.get(m.name)
            self.states[i] = replace(
                st,
                state=state,
                originals=originals,
                copies=copies,
                reused_from=_source(state, offer),
            )
        self._fill_row(i)
        self.changed.emit()

    def cycle(self, i: int) -> None:
        allowed = self.allowed(i)
        now = self.states[i].state
        nxt = (
            allowed[(allowed.index(now) + 1) % len(allowed)]
            if now in allowed
            else allowed[0]
        )
        self.set_state(i, nxt)

    def mark_all_original(self) -> None:
        """全部已收: originals where the item asks for them; a material asked
        for as copies only is received as 已收复印件, never 已收原件."""
        for i, st in enumerate(self.states):
            if st.state not in RECEIVED:
                m = self.rows[i].material
                copy_only = not m.originals and m.copies > 0
                self.set_state(i, S.COPY if copy_only else S.ORIGINAL)

    def set_scans(self, name: str, paths: list[Path]) -> None:
        """Files for a material: a 缺少 one becomes 已收复印件, and goes back
        to 缺少 when they are all removed (unless the clerk set it since)."""
        self.scans[name] = list(paths)
        for i, row in enumerate(self.rows):
            if row.material.name != name:
                continue
            state = self.states[i].state
            if paths and state is S.MISSING:
                self.set_state(i, S.COPY)
                self._copy_from_scans.add(name)
            elif not paths and name in self._copy_from_scans and state is S.COPY:
                self.set_state(i, S.MISSING)
        self._fill()
        self.changed.emit()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_(h) for h in HEADERS])
        self._fill()

    def clear_all(self) -> None:
        self.rows, self.states, self.offers, self.scans = [], [], {}, {}
        self._copy_from_scans = set()
        self._fill()

    # -- to and from the form -------------------------------------------------
    def entries(self) -> list[MaterialEntry]:
        return entries_for_rows(self.rows, self.states)

    def load_entries(self, entries: list[MaterialEntry]) -> None:
        by_key = {e.key: e for e in entries}
        for i, row in enumerate(self.rows):
            e = next((by_key[k] for k in row.keys if k in by_key), None)
            if e is not None:
                self.states[i] = RowState(
                    e.state, e.originals, e.copies, e.problem, e.note, e.reused_from
                )
        self._fill()

    def missing_problem(self) -> int | None:
        """The first 需补正 row without a description of what is wrong."""
        return next(
            (
                i
                for i, st in enumerate(self.states)
                if st.state is S.DEFECTIVE and not st.problem.strip()
            ),
            None,
        )

    def outstanding(self) -> list[tuple[str, MaterialState, str]]:
        return [
            (r.material.name, st.state, st.problem.strip())
            for r, st in zip(self.rows, self.states, strict=True)
            if st.state not in RECEIVED
        ]

    def minimumSizeHint(self) -> QSize:
        """Four materials stay in sight however the form around wraps (the
        intake scrolls rather than squeeze the checklist)."""
        hint = super().minimumSizeHint()
        rows = self.verticalHeader().defaultSectionSize() * 4
        extra = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        extra += self.horizontalScrollBar().sizeHint().height()
        return QSize(hint.width(), max(hint.height(), rows + extra))

    # -- drawing --------------------------------------------------------------
    def _fill(self) -> None:
        # An answer arriving from the store (reuse offers, a re-tailored
        # list) while the clerk types a 问题说明: keep the typed text.
        if self.state() == QAbstractItemView.State.EditingState:
            editor = self.indexWidget(self.currentIndex())
            if editor is not None:
                self.commitData(editor)
        self.setRowCount(len(self.rows))
        for i in range(len(self.rows)):
            self._fill_row(i)

    def _fill_row(self, i: int) -> None:
        self._filling = True
        m, st = self.rows[i].material, self.states[i]
        offer = self.offers.get(m.name)
        name = m.name
        if offer is not None:
            name += _("〔可免提交：{source}〕").format(source=offer.source_text)
        required = _("原件{o}份 复印件{c}份").format(o=m.originals, c=m.copies)
        flags = [_("可电子证照")] * m.e_cert + [_("可容缺")] * m.deferrable
        cells = {
            NAME: name,
            REQUIRED: " ".join([required, *flags]),
            STATE: _(MATERIAL_STATE_LABELS[st.state]),
            PROBLEM: st.problem,
            NOTE: st.note,
        }
        for col, text in cells.items():
            item = QTableWidgetItem(text)
            if col in (NAME, REQUIRED):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if col == NAME and m.note:
                item.setToolTip(m.note)
            self.setItem(i, col, item)
        for col, value in ((ORIGINALS, st.originals), (COPIES, st.copies)):
            item = QTableWidgetItem()
            item.setData(Qt.ItemDataRole.EditRole, value)
            self.setItem(i, col, item)
        tones = {S.MISSING: "error", S.DEFECTIVE: "error", S.DEFERRED: "warning"}
        state_item = self.item(i, STATE)
        if state_item is not None:
            state_item.setForeground(QBrush(tone(tones.get(st.state, "ok"))))
        self.setCellWidget(i, SCAN, self._scan_cell(m.name))
        self._filling = False

    def _scan_cell(self, name: str) -> QWidget:
        return scan_button(
            name=name,
            count=len(self.scans.get(name, [])),
            add=lambda paths: self.set_scans(name, [*self.scans.get(name, []), *paths]),
            remove_all=lambda: self.set_scans(name, []),
        )

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        i, col = item.row(), item.column()
        st = self.states[i]
        if col == PROBLEM:
            st.problem = item.text()
        elif col == NOTE:
            st.note = item.text()
        elif col in (ORIGINALS, COPIES):
            value = max(0, int(item.data(Qt.ItemDataRole.EditRole) or 0))
            setattr(st, "originals" if col == ORIGINALS else "copies", value)
        else:
            return
        self.changed.emit()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        """Chinese typed into 问题说明/备注 opens the editor with the first
        character in it (the view alone would drop a plain commit)."""
        index = self.currentIndex()
        if (
            self.state() != QAbstractItemView.State.EditingState
            and event.commitString()
            and index.isValid()
            and index.column() in (PROBLEM, NOTE)
        ):
            self.edit(index)
            editor = self.indexWidget(index)
            if editor is not None:
                QApplication.sendEvent(editor, event)
                return
        super().inputMethodEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            # Ctrl+Tab too: nothing in the table may keep the focus in.
            back = event.key() == Qt.Key.Key_Backtab or bool(
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            self.focusNextPrevChild(not back)
            return
        i, col = self.currentRow(), self.currentColumn()
        text = event.text()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if i >= 0 and col not in (PROBLEM, NOTE) and plain:
            if event.key() == Qt.Key.Key_Space:
                self.cycle(i)
                return
            if text.isdigit():
                copies = col == COPIES or (
                    col != ORIGINALS and self.states[i].state is S.COPY
                )
                setattr(self.states[i], "copies" if copies else "originals", int(text))
                self._fill_row(i)
                self.changed.emit()
                return
        super().keyPressEvent(event)


def _source(state: MaterialState, offer: ReuseOffer | None) -> str:
    """Where a 免提交 material is on record; an electronic certificate from
    the platform's library names its source under 电子证照 too."""
    if offer is None:
        return ""
    if state is S.REUSED or (state is S.E_CERT and not offer.source_application_id):
        return offer.source_text
    return ""

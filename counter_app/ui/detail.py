"""One application in full: fields, materials with their states, the event
timeline, and the window's actions on it (补正, 出件, 评价, 撤回)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.status import STATUS_LABELS, Status
from counter_app.i18n import N_, _, ngettext
from counter_app.services import queries
from counter_app.services.intake import MATERIAL_STATE_LABELS, MaterialState
from counter_app.services.queries import RecordView
from counter_app.ui.context import AppContext
from counter_app.ui.detail_actions import DetailActions, outstanding_deferred
from counter_app.ui.detail_scans import DetailScans
from counter_app.ui.detail_timeline import fill_timeline

FIELDS = (
    ("acceptance_no", N_("受理编号")),
    ("item_name", N_("事项")),
    ("department", N_("承办部门")),
    ("status", N_("状态")),
    ("applicant_name", N_("申请人")),
    ("id_number", N_("证件号码")),
    ("phone", N_("联系电话")),
    ("org_name", N_("单位名称")),
    ("agent_name", N_("代理人")),
    ("agent_id_number", N_("代理人证件号")),
    ("address", N_("地址")),
    ("created_at", N_("收件时间")),
    ("accepted_on", N_("受理日期")),
    ("due_date", N_("承诺期限")),
    ("promise_date", N_("容缺补交期限")),
    ("notice_deadline", N_("补正期限")),
    ("reason", N_("不予受理理由")),
    ("clerk", N_("经办人")),
    ("window_code", N_("窗口")),
)
DELIVERABLE = {Status.RESULT_READY}
UNRECEIVED = {MaterialState.MISSING, MaterialState.DEFECTIVE}
SCANS = 4  # the 扫描件 column of the materials table
CLOSED = {Status.WITHDRAWN, Status.REJECTED}
WITHDRAWABLE = {Status.NOTIFIED_TO_SUPPLEMENT, Status.SUBMITTED, Status.IN_REVIEW}


class DetailView(DetailActions, QWidget):
    """``changed(str)`` after an action stored something for that id."""

    changed = Signal(str)

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.view: RecordView | None = None
        self._pending: str | None = None
        self.setAccessibleName(_("办件详情"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(_("在列表中选择一个办件查看详情。"))
        self.title.setAccessibleName(_("办件标题"))
        self.title.setWordWrap(True)
        outer.addWidget(self.title)

        actions = QHBoxLayout()
        self.supplement_button = _button(_("补正(&S)"), _("补正"))
        self.deferred_button = _button(_("补交(&B)"), _("补交容缺材料"))
        self.deliver_button = _button(_("出件(&D)"), _("出件"))
        self.evaluate_button = _button(_("评价(&E)"), _("评价"))
        self.withdraw_button = _button(_("撤回(&W)"), _("撤回"))
        self.print_button = _button(_("补打(&P)"), _("补打文书"))
        self.rating_screen_button = _button(_("评价屏(&R)"), _("在申请人评价屏上评价"))
        for b in (
            self.supplement_button,
            self.deferred_button,
            self.deliver_button,
            self.evaluate_button,
            self.rating_screen_button,
            self.withdraw_button,
            self.print_button,
        ):
            actions.addWidget(b)
            b.setEnabled(False)
        actions.addStretch(1)
        outer.addLayout(actions)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        fields_box = QGroupBox(_("基本信息"))
        self.form = QFormLayout(fields_box)
        self.labels: dict[str, QLabel] = {}
        for key, label in FIELDS:
            value = QLabel()
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            value.setAccessibleName(_(label))
            value.setWordWrap(True)
            self.form.addRow(_("{label}：").format(label=_(label)), value)
            self.labels[key] = value
        layout.addWidget(fields_box)
        self.materials = _table(
            (_("材料"), _("状态"), _("原件"), _("复印件"), _("扫描件"), _("问题"))
        )
        self.materials.setAccessibleName(_("材料清单"))
        box = QGroupBox(_("材料"))
        QVBoxLayout(box).addWidget(self.materials)
        layout.addWidget(box)
        # Scans of the material selected above (选中材料后可导入、扫描、查看),
        # and the hot folder that feeds that material.
        self.scans = DetailScans(app)
        self.files = self.scans.files
        self.hot_folder = self.scans.hot_folder
        self.scans.counts_changed.connect(self._show_counts)
        box = QGroupBox(_("扫描件（先在上方选中材料）"))
        QVBoxLayout(box).addWidget(self.scans)
        layout.addWidget(box)
        self.materials.currentCellChanged.connect(self._material_selected)
        self.timeline = _table((_("时间"), _("经办人"), _("事件"), _("说明")))
        self.timeline.setAccessibleName(_("办件时间线"))
        box = QGroupBox(_("时间线"))
        QVBoxLayout(box).addWidget(self.timeline)
        layout.addWidget(box)
        outer.addWidget(scroll, 1)

        self.supplement_button.clicked.connect(self.supplement)
        self.deferred_button.clicked.connect(self.deferred)
        self.deliver_button.clicked.connect(self.deliver)
        self.evaluate_button.clicked.connect(self.evaluate)
        self.rating_screen_button.clicked.connect(self.rating_screen)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.print_button.clicked.connect(self.reprint)

    # -- loading ------------------------------------------------------------
    def load(self, application_id: str) -> None:
        """Read the full record on the store worker (the read is audited)."""
        if self.app.user is None:
            return
        self._pending = application_id
        store, ctx = self.app.store, self.app.require_user()
        self.app.tasks.run_op(
            lambda: queries.read_record(store, ctx, application_id),
            success=lambda view: self._show(application_id, view),
            failure=self._failed,
        )

    def reload(self) -> None:
        if self.view is not None:
            self.load(self.view.record["id"])

    def clear(self) -> None:
        """Show nothing (another user signed in: the last record is not
        theirs to see without reading it themselves)."""
        self.view = None
        self._pending = ""
        self.title.clear()
        for row, label in enumerate(self.labels.values()):
            label.clear()
            self.form.setRowVisible(row, False)
        self.materials.setRowCount(0)
        self.timeline.setRowCount(0)
        for button in (
            self.supplement_button,
            self.deferred_button,
            self.deliver_button,
            self.evaluate_button,
            self.rating_screen_button,
            self.withdraw_button,
            self.print_button,
        ):
            button.setEnabled(False)

    def current_id(self) -> str | None:
        return None if self.view is None else str(self.view.record["id"])

    def _failed(self, exc: BaseException) -> None:
        self.app.tasks.default_failure(exc)
        self.app.messages.error(_("无法读取办件：{error}").format(error=exc))

    def _show(self, application_id: str, view: RecordView) -> None:
        if application_id != self._pending:
            return  # the clerk moved on to another row meanwhile
        self.view = view
        r = view.record
        status = Status(r["status"])
        self.title.setText(
            _("{number}　{item}　{name}").format(
                number=r["acceptance_no"], item=r["item_name"], name=r["applicant_name"]
            )
        )
        for row, (key, label) in enumerate(self.labels.items()):
            text = self._field_text(key, r, view)
            label.setText(text)
            self.form.setRowVisible(row, bool(text))
        self._fill_materials(r)
        fill_timeline(self.timeline, view.timeline, view.actors)
        self.supplement_button.setEnabled(status is Status.NOTIFIED_TO_SUPPLEMENT)
        self.deferred_button.setEnabled(
            status not in CLOSED and bool(outstanding_deferred(r))
        )
        self.deliver_button.setEnabled(status in DELIVERABLE)
        self.evaluate_button.setEnabled(status is not Status.DRAFT)
        self.rating_screen_button.setEnabled(status is not Status.DRAFT)
        self.withdraw_button.setEnabled(status in WITHDRAWABLE)
        self.print_button.setEnabled(True)

    def _field_text(self, key: str, r: dict[str, Any], view: RecordView) -> str:
        value = r.get(key)
        if key == "status":
            return _(STATUS_LABELS[Status(str(value))])
        # ID numbers and phones show in full here: the clerk checks the card
        # against them, and opening the record is in the audit log.
        if key == "due_date" and value:
            text = str(value)
            if r.get("due_provisional"):
                text = _("{date}（预计）").format(date=text)
            if view.days_left is not None:
                if view.days_left < 0:
                    text += ngettext(
                        "，已超期 {n} 个工作日",
                        "，已超期 {n} 个工作日",
                        -view.days_left,
                    ).format(n=-view.days_left)
                else:
                    text += ngettext(
                        "，剩余 {n} 个工作日", "，剩余 {n} 个工作日", view.days_left
                    ).format(n=view.days_left)
            return text
        if key == "created_at" and value:
            return str(value)[:16].replace("T", " ")
        return "" if value is None else str(value)

    def _material_selected(self, row: int, *_rest: int) -> None:
        if self.view is None:
            return
        materials = self.view.record["materials"]
        chosen = materials[row] if 0 <= row < len(materials) else None
        self.scans.select(self.view.record, chosen)

    def _fill_materials(self, record: dict[str, Any]) -> None:
        materials = record["materials"]
        self.materials.setRowCount(len(materials))
        for row, m in enumerate(materials):
            state = MaterialState(m["state"])
            values = (
                m["name"],
                _(MATERIAL_STATE_LABELS[state]),
                str(m.get("originals") or 0),
                str(m.get("copies") or 0),
                "",
                m.get("problem") or "",
            )
            for col, text in enumerate(values):
                self.materials.setItem(row, col, QTableWidgetItem(text))
        self.scans.show_record(record)

    def _show_counts(self, counts: dict[str, int]) -> None:
        """The 扫描件 column. A scan never changes a stored state (the
        decision is a legal record); a note says how to change it."""
        if self.view is None:
            return
        for row, m in enumerate(self.view.record["materials"]):
            count = counts.get(m["material_key"], 0)
            item = QTableWidgetItem(str(count) if count else "")
            item.setData(Qt.ItemDataRole.UserRole, count)
            if count and MaterialState(m["state"]) in UNRECEIVED:
                item.setToolTip(
                    _("已有扫描件；材料状态以受理时的登记为准，需要时请办理补正。")
                )
            self.materials.setItem(row, SCANS, item)


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    return button


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    # every column as wide as its longest entry (state, event, actor)
    for col in range(len(headers) - 1):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    table.setMinimumHeight(140)
    return table

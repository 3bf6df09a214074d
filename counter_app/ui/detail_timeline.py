"""The event timeline of the application detail, in words: one row per
business event, by the clerk's name. Reads of the record (``record.read``),
prints and scan handling stay in the audit log, not in the clerk's view."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from counter_app.domain.signature import SIGNABLE
from counter_app.domain.status import STATUS_LABELS, Status
from counter_app.i18n import N_, _
from counter_app.services.daily_log import LEVEL_LABELS

EVENT_LABELS = {
    "decision.accept": N_("受理"),
    "decision.accept_deferred": N_("容缺受理"),
    "decision.accept_commitment": N_("告知承诺受理"),
    "decision.notice": N_("一次性告知"),
    "decision.reject": N_("不予受理"),
    "supplement": N_("补正"),
    "deferred_received": N_("补交容缺材料"),
    "withdraw": N_("撤回"),
    "deliver": N_("出件"),
    "evaluation": N_("评价"),
    "correction": N_("更正"),
    "due_date.settled": N_("办结时限确定"),
    "signature.saved": N_("申请人签名"),
    "card_photo.stored": N_("保存证件照片"),
}
# Audit-only events: kept in the log, left out of the timeline.
HIDDEN_PREFIXES = ("record.read", "print.", "material.")
DETAIL_LABELS = {
    "acceptance_no": N_("受理编号"),
    "reason": N_("理由"),
    "recipient_name": N_("领取人"),
    "recipient_id_masked": N_("领取人证件"),
    "method": N_("送达方式"),
    "tracking_no": N_("运单号"),
    "level": N_("评价等级"),
    "due_date": N_("期限"),
    "note": N_("备注"),
    "document": N_("文书"),
}
METHOD_LABELS = {"window": N_("窗口领取"), "ems": N_("EMS 邮寄")}


def business_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if not str(e["kind"]).startswith(HIDDEN_PREFIXES)]


def fill_timeline(
    table: QTableWidget,
    events: list[dict[str, Any]],
    actors: dict[str, str] | None = None,
) -> None:
    events = business_events(events)
    names = actors or {}
    table.setRowCount(len(events))
    for row, e in enumerate(events):
        kind = e["kind"]
        label = EVENT_LABELS.get(kind)
        if label is None and kind.startswith("backoffice."):
            status = kind.split(".", 1)[1]
            if status in {s.value for s in Status}:
                label = STATUS_LABELS[Status(status)]
        values = (
            str(e["at"])[:19].replace("T", " "),
            names.get(e["actor"], e["actor"]),
            _(label) if label else kind,
            event_note(e.get("detail") or {}),
        )
        for col, text in enumerate(values):
            table.setItem(row, col, QTableWidgetItem(text))


def event_note(detail: dict[str, Any]) -> str:
    """The event's details in words; keys without a label stay out."""
    parts = []
    for key, label in DETAIL_LABELS.items():
        value = detail.get(key)
        if value in (None, ""):
            continue
        if key == "method":
            value = _(METHOD_LABELS.get(str(value), str(value)))
        if key == "document":
            value = _(SIGNABLE.get(str(value), str(value)))
        if key == "level" and str(value).isdigit() and int(value) in LEVEL_LABELS:
            parts.append(_(LEVEL_LABELS[int(value)]))  # 不满意, not 评价等级：2
            continue
        parts.append(_("{label}：{value}").format(label=_(label), value=value))
    return "；".join(parts)

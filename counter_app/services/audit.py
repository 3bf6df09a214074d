"""Audit trail use cases: verification, retention, and its setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from counter_app.i18n import N_, _
from counter_app.services.context import DeskContext
from counter_app.store import audit, settings
from counter_app.store.db import Store
from counter_app.store.events import KIND_SETTING_CHANGED, add_event
from sync import protocol as p


class RetentionTooShort(ValueError):
    """Raised for a retention under the legal minimum."""


PROBLEM_WORDS = {
    p.BREAK_ALTERED: N_("被修改"),
    p.BREAK_DELETED: N_("被删除"),
    p.BREAK_REORDERED: N_("顺序被调换"),
}


@dataclass(frozen=True)
class AuditCheck:
    verification: audit.Verification

    def message(self) -> str:
        v = self.verification
        if v.broken is None:
            return _(
                "审计记录完整：共 {count} 条事件（序号 {first}–{last}），哈希链校验通过。"
            ).format(count=v.count, first=v.first_seq, last=v.last_seq)
        b = v.broken
        return _(
            "审计链在序号 {seq} 处断开（时间 {at}）：事件{problem}（{detail}）。"
            "此前 {count} 条事件完整。请保留数据目录原样并报告安全管理员。"
        ).format(
            seq=b["seq"],
            at=b["at"] or "—",
            problem=_(PROBLEM_WORDS.get(b["problem"], b["problem"])),
            detail=b["detail"],
            count=v.count,
        )


def verify_audit(store: Store, *, since: date | None = None) -> AuditCheck:
    return AuditCheck(audit.verify(store.db, since=since))


def archive_old_events(store: Store, *, actor: str = "system") -> int:
    """Retention: move acknowledged events past ``audit.keep_days``."""
    with store.transaction() as db:
        return audit.archive_old(db, actor=actor)


def set_keep_days(store: Store, ctx: DeskContext, days: int) -> None:
    ctx.require_supervisor(_("设置审计记录保存期限"))
    if days < audit.MIN_KEEP_DAYS:
        raise RetentionTooShort(
            _(
                "审计记录保存期限不能少于 {minimum} 天（网络安全法第二十一条要求"
                "不少于六个月），收到 {days} 天。"
            ).format(minimum=audit.MIN_KEEP_DAYS, days=days)
        )
    with store.transaction() as db:
        old = settings.get(db, audit.KEEP_DAYS_KEY)
        settings.put(db, audit.KEEP_DAYS_KEY, str(days))
        add_event(
            db,
            kind=KIND_SETTING_CHANGED,
            actor=ctx.username,
            target=f"setting:{audit.KEEP_DAYS_KEY}",
            detail={"old": old, "new": str(days)},
        )

"""The sync service, seen from Qt: a ``SyncStatusProvider`` for the status
bar fed live by :class:`sync.service.SyncService`, plus signals for the
moments the clerk must act on (a result is ready, a conflict, a rejection).

The service calls back on its own thread; a queued signal carries each
event to the main thread before any widget sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from counter_app.i18n import _, ngettext
from counter_app.ui.statusbar import SyncSnapshot, SyncStatusProvider
from sync.engine import SyncEvent
from sync.service import SyncService, SyncStatus


def snapshot_of(status: SyncStatus) -> SyncSnapshot:
    """The status bar's view: pending, last success, online, and one line
    naming whatever needs a person (rejections, conflicts, clock, errors)."""
    notes: list[str] = []
    if status.running:
        notes.append(_("正在同步…"))
    if status.dead_letters:
        notes.append(
            ngettext(
                "{n} 项被中心拒绝", "{n} 项被中心拒绝", status.dead_letters
            ).format(n=status.dead_letters)
        )
    if status.conflicts:
        notes.append(
            ngettext(
                "{n} 项版本冲突待处理", "{n} 项版本冲突待处理", status.conflicts
            ).format(n=status.conflicts)
        )
    if status.quarantined:
        notes.append(
            ngettext(
                "{n} 项中心变更暂未应用", "{n} 项中心变更暂未应用", status.quarantined
            ).format(n=status.quarantined)
        )
    if status.skew_warning:
        notes.append(
            _("本机时钟与中心相差约 {minutes} 分钟").format(
                minutes=round((status.skew_seconds or 0) / 60)
            )
        )
    if status.message and not status.running and status.online is not True:
        notes.append(status.message)
    return SyncSnapshot(
        pending_ops=status.pending_ops,
        pending_bytes=status.pending_bytes,
        last_success=status.last_success,
        online=status.online,
        message=" · ".join(notes),
        insecure_http=status.insecure_http,
    )


class ServiceSyncStatusProvider(SyncStatusProvider):
    """Owns a running :class:`SyncService`; ``stop()`` waits for it."""

    #: acceptance number, message ("办结待取件 — 请通知申请人")
    result_ready = Signal(str, str)
    conflict = Signal(str)
    dead_letter = Signal(str)
    _relay = Signal(object)

    def __init__(
        self,
        data_dir: Path,
        *,
        interval: float = 60.0,
        service: SyncService | None = None,
        start: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._relay.connect(self._on_event)
        self.service = service or SyncService(
            data_dir, on_event=self._relay.emit, interval=interval
        )
        if service is not None:
            service.on_event = self._relay.emit
        self._snapshot = snapshot_of(self.service.status())
        if start:
            self.service.start()

    def snapshot(self) -> SyncSnapshot:
        return self._snapshot

    def status(self) -> SyncStatus:
        return self.service.status()

    def sync_now(self) -> None:
        self.service.sync_now()

    def stop(self) -> None:
        self.service.stop()

    @Slot(object)
    def _on_event(self, event: Any) -> None:
        if not isinstance(event, SyncEvent):
            return
        if event.kind == "result_ready":
            self.result_ready.emit(
                str(event.data.get("acceptance_no", "")), event.message
            )
        elif event.kind == "conflict":
            self.conflict.emit(event.message)
        elif event.kind == "dead_letter":
            self.dead_letter.emit(event.message)
        fresh = snapshot_of(self.service.status())
        if fresh != self._snapshot:
            self._snapshot = fresh
            self.changed.emit()


def make_sync_provider(
    data_dir: Path, *, parent: QObject | None = None
) -> ServiceSyncStatusProvider:
    """The live provider for the main window; the service starts at once."""
    return ServiceSyncStatusProvider(data_dir, parent=parent)

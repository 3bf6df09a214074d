"""The status bar's sync part: how many changes and bytes are still to send,
when the last sync succeeded, and whether the central platform answers.

``SyncStatusProvider`` is the interface the sync engine implements;
``StoreSyncStatusProvider`` reads the same facts from the store every few
seconds (off the UI thread) until an engine provides them live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.store.outbox import pending_summary
from counter_app.ui.tasks import TaskRunner
from sync.urls import INSECURE_SETTING


@dataclass(frozen=True)
class SyncSnapshot:
    pending_ops: int
    pending_bytes: int
    last_success: datetime | None
    online: bool | None  # None: not known (no sync engine or never tried)
    message: str = ""
    insecure_http: bool = False  # enrolled with --insecure-http: say so, always


class SyncStatusProvider(QObject):
    """Emits ``changed`` whenever ``snapshot()`` would answer differently."""

    changed = Signal()

    def snapshot(self) -> SyncSnapshot:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop polling or listening (on quit)."""


def read_snapshot(store: Store) -> SyncSnapshot:
    """The sync facts as the store knows them (runs on the store worker)."""
    ops, size = pending_summary(store.db)
    rows = dict(
        store.db.execute(
            "SELECT key, value FROM sync_state WHERE key IN"
            " ('last_success', 'online', 'message')"
        ).fetchall()
    )
    insecure = settings.get(store.db, INSECURE_SETTING) == "1"
    last = rows.get("last_success")
    online = rows.get("online")
    return SyncSnapshot(
        pending_ops=ops,
        pending_bytes=size,
        last_success=datetime.fromisoformat(last) if last else None,
        online=None if online is None else online in ("1", "true"),
        message=rows.get("message", ""),
        insecure_http=insecure,
    )


class StoreSyncStatusProvider(SyncStatusProvider):
    def __init__(
        self,
        store: Store,
        tasks: TaskRunner,
        *,
        interval_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._snapshot = SyncSnapshot(0, 0, None, None, "")
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def snapshot(self) -> SyncSnapshot:
        return self._snapshot

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        store = self._store
        self._tasks.run_op(
            lambda: read_snapshot(store), success=self._got, failure=self._failed
        )

    def stop(self) -> None:
        self._timer.stop()

    def _got(self, snap: SyncSnapshot) -> None:
        self._busy = False
        if snap != self._snapshot:
            self._snapshot = snap
            self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._tasks.default_failure(exc)


def format_bytes(size: int) -> str:
    if size < 1024:
        return _("{n} 字节").format(n=size)
    if size < 1024 * 1024:
        return _("{n} KB").format(n=f"{size / 1024:.1f}")
    return _("{n} MB").format(n=f"{size / 1024 / 1024:.1f}")


def describe_snapshot(snap: SyncSnapshot) -> tuple[str, str, str]:
    """(pending, last success, connection) as the clerk reads them."""
    if snap.pending_bytes:
        pending = _("待同步：{ops} 项变更，{size}").format(
            ops=snap.pending_ops, size=format_bytes(snap.pending_bytes)
        )
    elif snap.pending_ops:
        pending = _("待同步：{ops} 项变更").format(ops=snap.pending_ops)
    else:
        pending = _("待同步：无")
    if snap.last_success is None:
        last = _("上次同步：从未同步")
    else:
        last = _("上次同步：{when}").format(
            when=snap.last_success.astimezone().strftime("%Y-%m-%d %H:%M")
        )
    if snap.online is None:
        link = _("连接：未知")
    elif snap.online:
        link = _("连接：在线")
    else:
        link = _("连接：离线")
    if snap.message:
        link += " · " + snap.message
    return pending, last, link


MESSAGE_WIDTH = 420


def insecure_warning() -> str:
    return _("⚠ 与中心的连接未加密（仅限实验环境）")


class SyncStatusWidget(QWidget):
    """Three labels for the status bar, updated from a provider."""

    def __init__(self, provider: SyncStatusProvider, parent: QWidget | None = None):
        super().__init__(parent)
        self.provider = provider
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pending_label = QLabel()
        self.last_label = QLabel()
        self.link_label = QLabel()
        self.insecure_label = QLabel(insecure_warning())
        self.insecure_label.setObjectName("syncWarning")
        self.insecure_label.setToolTip(
            _(
                "本终端以 --insecure-http 注册：令牌和个人信息以明文传输。"
                "正式使用前请改用 https:// 地址重新注册。"
            )
        )
        for label, name in (
            (self.insecure_label, _("连接未加密警告")),
            (self.pending_label, _("待同步变更")),
            (self.last_label, _("上次同步时间")),
            (self.link_label, _("与中心的连接")),
        ):
            label.setAccessibleName(name)
            layout.addWidget(label)
        provider.changed.connect(self.update_texts)
        self.update_texts()

    def update_texts(self) -> None:
        snap = self.provider.snapshot()
        self.insecure_label.setVisible(snap.insecure_http)
        pending, last, link = describe_snapshot(snap)
        self.pending_label.setText(pending)
        self.pending_label.setObjectName(
            "syncWarning" if snap.pending_ops or snap.pending_bytes else ""
        )
        self.pending_label.style().polish(self.pending_label)
        self.last_label.setText(last)
        # A long sync message must not widen the window: elide it, keep the
        # whole text in the tooltip and the accessible description.
        metrics = self.link_label.fontMetrics()
        self.link_label.setText(
            metrics.elidedText(link, Qt.TextElideMode.ElideRight, MESSAGE_WIDTH)
        )
        self.link_label.setToolTip(link)
        self.link_label.setAccessibleDescription(link)

"""What every widget gets: the store, the worker, the message bridge, the
signed-in user and the sync status. Widgets never open the database
themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QSettings

from counter_app.services.context import DeskContext
from counter_app.store.db import Store
from counter_app.ui.messages import MessageBridge
from counter_app.ui.tasks import TaskRunner


@dataclass
class AppContext:
    store: Store
    tasks: TaskRunner
    messages: MessageBridge
    settings: QSettings
    user: DeskContext | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def require_user(self) -> DeskContext:
        if self.user is None:
            raise RuntimeError("no user signed in")
        return self.user

"""Autosave and intake timing for the form on screen: a draft is written
5 s after the last change (off the UI thread), and the seconds from the
first keystroke to the decision are counted for the record."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from counter_app.i18n import _
from counter_app.services.drafts import save_draft

if TYPE_CHECKING:
    from counter_app.ui.intake.widget import IntakeWidget

AUTOSAVE_MS = 5000


class DraftKeeper(QObject):
    def __init__(self, widget: IntakeWidget) -> None:
        super().__init__(widget)
        self.w = widget
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_now)
        self.draft_id = ""
        self.done = False
        self.loading = False
        self._started: float | None = None
        self._before = 0

    def reset(self, *, draft_id: str = "", elapsed: int = 0) -> None:
        self.timer.stop()
        self.draft_id, self._before = draft_id, elapsed
        self._started, self.done = None, False

    def touched(self) -> None:
        """A change by the clerk: start the clock, (re)arm the autosave."""
        if self.loading or self.done:
            return
        if self._started is None:
            self._started = time.monotonic()
        if not self.draft_id:
            self.draft_id = str(uuid.uuid4())
        self.timer.start()

    def elapsed(self) -> int | None:
        if self._started is None:
            return self._before or None
        return self._before + round(time.monotonic() - self._started)

    def save_now(self) -> None:
        user = self.w.app.user
        if user is None or self.done or not self.draft_id:
            return
        if self.w.flow.busy:  # the decision deletes the draft; retry if it fails
            return
        form, store = self.w.form(), self.w.app.store
        self.w.app.tasks.run_op(
            lambda: save_draft(store, username=user.username, form=form),
            failure=lambda exc: self.w.app.messages.warning(
                _("草稿未能保存：{error}").format(error=exc)
            ),
        )

    def finish(self) -> None:
        """The intake is decided: its draft is gone, stop saving it."""
        self.done = True
        self.timer.stop()

"""One path for messages to the user. Widgets call ``messages.error(...)``;
tests replace the bridge's handlers to capture what a clerk would see."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class MessageBridge(QObject):
    """``info``/``warning`` go to the status bar; ``error`` opens a dialog
    (connected by the main window). Each also logs."""

    info_shown = Signal(str)
    warning_shown = Signal(str)
    error_shown = Signal(str, str)  # message, details

    def info(self, text: str) -> None:
        log.info(text)
        self.info_shown.emit(text)

    def warning(self, text: str) -> None:
        log.warning(text)
        self.warning_shown.emit(text)

    def error(self, text: str, details: str = "") -> None:
        log.error("%s\n%s", text, details)
        self.error_shown.emit(text, details)


FailureHandler = Callable[[BaseException], None]

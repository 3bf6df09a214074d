"""Typed errors whose message a clerk can read (Simplified Chinese source)."""

from __future__ import annotations

from counter_app.i18n import _


class ScanError(Exception):
    """Base of every scanning error; ``str(err)`` is the clerk's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SourceUnavailable(ScanError):
    """A scanner, camera or folder cannot be used right now."""


class ScannerFailed(ScanError):
    """A scan started but the device reported an error."""


class Cancelled(ScanError):
    def __init__(self) -> None:
        super().__init__(_("操作已取消。"))


class FileRejected(ScanError):
    """One file cannot be attached; ``reason`` is a stable code for tests/logs.

    Codes: ``empty``, ``corrupt``, ``encrypted``, ``wrong_type``,
    ``too_large``, ``vanished``, ``unreadable``, ``changed``.
    """

    def __init__(self, *, name: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.reason = reason


class ProcessingError(ScanError):
    """An image or PDF operation could not be carried out."""

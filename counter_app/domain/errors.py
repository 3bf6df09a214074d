"""The base of every error a domain rule raises.

A ``DomainError`` carries a message a clerk can read (Simplified Chinese,
already passed through ``_()``) and, when the error concerns one input, the
name of that form field so the UI can put the cursor there.
"""

from __future__ import annotations


class DomainError(Exception):
    """A broken business rule, explained in words a clerk understands."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

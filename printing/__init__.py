"""Printed documents from plain data to PDF (reportlab); no Qt, no database.

Every ``render_*`` takes its data class, ``paper=`` and ``reprint_at=`` and
returns PDF bytes; missing required data raises ``MissingField``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from printing.documents.checklist import render_checklist
from printing.documents.commitment import render_commitment
from printing.documents.daily_log import render_daily_log
from printing.documents.deferred import render_deferred
from printing.documents.delivery import render_delivery
from printing.documents.materials_receipt import render_materials_receipt
from printing.documents.notice import render_notice
from printing.documents.receipt import render_receipt
from printing.documents.rejection import render_rejection
from printing.fonts import FontNotFound, register_fonts
from printing.model import MissingField, Paper, TooLong, UnsupportedPaper

DOCUMENTS: dict[str, Callable[..., bytes]] = {
    "receipt": render_receipt,
    "checklist": render_checklist,
    "notice": render_notice,
    "rejection": render_rejection,
    "materials_receipt": render_materials_receipt,
    "deferred": render_deferred,
    "commitment": render_commitment,
    "delivery": render_delivery,
    "daily_log": render_daily_log,
}

# Documents that also come out on the 80 mm receipt roll.
ROLL_DOCUMENTS: frozenset[str] = frozenset({"receipt", "materials_receipt"})


def render_document(kind: str, data: Any, **options: Any) -> bytes:
    """Render ``data`` with the document registered as ``kind``."""
    return DOCUMENTS[kind](data, **options)


__all__ = [
    "DOCUMENTS",
    "ROLL_DOCUMENTS",
    "FontNotFound",
    "MissingField",
    "Paper",
    "TooLong",
    "UnsupportedPaper",
    "register_fonts",
    "render_checklist",
    "render_commitment",
    "render_daily_log",
    "render_deferred",
    "render_delivery",
    "render_document",
    "render_materials_receipt",
    "render_notice",
    "render_receipt",
    "render_rejection",
]

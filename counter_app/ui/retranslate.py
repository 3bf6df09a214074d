"""Texts that follow a language switch in place. A widget made with ``tr``
remembers the untranslated source of its text; ``retranslate`` applies the
current language to every such widget under a root, so a form keeps what
is typed in it while its words change."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

from counter_app.i18n import _

W = TypeVar("W", bound=QWidget)
SOURCE = "tr_source"
SETTER = "tr_setter"


def tr(widget: W, source: str, setter: str = "setText") -> W:
    """Show ``_(source)`` through ``widget.<setter>`` and remember it."""
    widget.setProperty(SOURCE, source)
    widget.setProperty(SETTER, setter)
    getattr(widget, setter)(_(source))
    return widget


def retranslate(root: QWidget) -> None:
    for w in [root, *root.findChildren(QWidget)]:
        source = w.property(SOURCE)
        if isinstance(source, str) and source:
            getattr(w, str(w.property(SETTER)))(_(source))

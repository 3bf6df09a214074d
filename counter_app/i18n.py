"""One translation system for the UI and the printed documents.

Source strings are Simplified Chinese (the default language); catalogs for
other languages live in ``counter_app/resources/locale/<lang>/LC_MESSAGES/counter.po``
and are compiled to ``.mo`` by ``scripts/i18n.py compile``.

Use ``_("受理编号：{number}").format(number=n)``: named placeholders, never an
f-string inside the marker. ``N_`` marks a string for extraction without
translating it yet (module-level constants translated at display time).
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Iterable

from counter_app.resources import resource_path

DOMAIN = "counter"
LOCALE_DIR = resource_path("locale")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}

_lock = threading.Lock()
_current: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    """Switch every later ``_()`` call to ``language`` (``zh_CN`` or ``en``)."""
    global _current, _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    if language == DEFAULT_LANGUAGE:
        translations: gettext.NullTranslations = gettext.NullTranslations()
    else:
        translations = gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True
        )
    with _lock:
        _current = translations
        _language = language


def language() -> str:
    return _language


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def listing(items: Iterable[object]) -> str:
    """Items in a sentence: "甲、乙、丙" in Chinese, "A, B, C" in English."""
    return _("、").join(str(item) for item in items)


def N_(message: str) -> str:
    """Mark for extraction; translate later with ``_()``."""
    return message

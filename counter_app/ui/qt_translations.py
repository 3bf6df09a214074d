"""Qt's own texts (file dialogs, message-box buttons, context menus) in the
app's language: Qt's ``qtbase`` catalog shipped with PySide6."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

# the app's language -> the locale of Qt's catalog (English needs none)
QT_LOCALES = {"zh_CN": "zh_CN"}

_installed: list[QTranslator] = []


def install_qt_translations(language: str) -> bool:
    """Replace the Qt catalog in use by the one for ``language``; True when
    one was loaded."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    while _installed:
        app.removeTranslator(_installed.pop())
    locale = QT_LOCALES.get(language)
    if locale is None:
        return False
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(QLocale(locale), "qtbase", "_", folder):
        log.warning("no Qt translations for %s in %s", locale, folder)
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True

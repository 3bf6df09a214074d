"""Unexpected exceptions: logged to ``<data_dir>/logs/counter.log`` (rotating)
and shown as a dialog that says what to do, with a "复制详情" button. The
window and whatever the clerk typed stay as they were."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _

log = logging.getLogger("counter")
LOG_MAX_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5


def _private_handler(path: Path) -> logging.Handler:
    """A rotating handler whose files are 0600 like the rest of the data
    folder, rotated ones too. (logging.handlers pulls in socket and pickle:
    loaded here, behind the first window, not with this module.)"""
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self):  # type: ignore[no-untyped-def]
            stream = super()._open()
            with contextlib.suppress(OSError):
                os.chmod(self.baseFilename, 0o600)
            return stream

    return PrivateRotatingFileHandler(
        path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )


def setup_logging(data_dir: Path) -> Path:
    """Rotating log file under the data directory; returns its path."""
    logs = data_dir / "logs"
    logs.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = logs / "counter.log"
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(path):
            return path
    handler = _private_handler(path)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return path


def describe(exc: BaseException) -> tuple[str, str]:
    """(what happened and what to do, in plain words; technical details)."""
    details = getattr(exc, "__traceback_text__", "") or "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )
    text = str(exc).lower()
    from counter_app.store.db import SQLITE_ERRORS, StoreError

    if isinstance(exc, StoreError):
        return str(exc), details
    if isinstance(exc, SQLITE_ERRORS) and "full" in text:
        message = _(
            "磁盘已满，刚才的操作没有保存。请清理磁盘空间后重试，已保存的数据不受影响。"
        )
    elif isinstance(exc, SQLITE_ERRORS) and ("locked" in text or "busy" in text):
        message = _("数据库正忙，刚才的操作没有保存。请稍候再试一次。")
    elif isinstance(exc, OSError) and exc.errno == 28:
        message = _("磁盘已满，刚才的操作没有完成。请清理磁盘空间后重试。")
    elif isinstance(exc, PermissionError):
        message = _("没有权限访问文件 {name}。请检查文件权限后重试。").format(
            name=exc.filename or ""
        )
    else:
        message = _(
            "程序遇到了意外错误，刚才的操作可能没有完成。正在填写的内容仍然保留，"
            "请检查后重试；如果反复出现，请点击“复制详情”发给管理员。"
        )
    return message, details


class ErrorDialog(QDialog):
    def __init__(self, message: str, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("出错了"))
        self.setAccessibleName(_("错误提示"))
        layout = QVBoxLayout(self)
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName(_("错误说明"))
        layout.addWidget(self.message_label)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(_("错误详情"))
        self.details.setVisible(bool(details))
        self.details.setMinimumHeight(120)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.copy_button = QPushButton(_("复制详情"))
        self.copy_button.setAccessibleName(_("复制详情"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(560, 300 if details else 140)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(
            self.message_label.text() + "\n\n" + self.details.toPlainText()
        )


def show_error(message: str, details: str = "", parent: QWidget | None = None) -> None:
    """Open the error dialog without blocking the caller."""
    dialog = ErrorDialog(message, details, parent or QApplication.activeWindow())
    from PySide6.QtCore import Qt  # the Qt namespace costs ~13 ms to load

    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def show_exception(exc: BaseException, parent: QWidget | None = None) -> None:
    message, details = describe(exc)
    log.error("%s\n%s", message, details)
    show_error(message, details, parent)


def install_excepthook() -> None:
    """Route uncaught exceptions (slots included) to the log and the dialog."""
    previous = sys.excepthook

    def hook(
        kind: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        exc.__traceback__ = tb
        if QApplication.instance() is None:
            log.error("uncaught", exc_info=(kind, exc, tb))
            previous(kind, exc, tb)
            return
        show_exception(exc)

    sys.excepthook = hook

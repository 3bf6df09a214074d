"""叫号与评价器 settings (supervisor): the business types this window serves,
which queue, the desk's hall server, and the pad's pairing link as a QR code
the tablet scans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)
from reportlab.graphics.barcode import qrencoder

from counter_app.hall import config as hall_config
from counter_app.i18n import N_, _
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.dialogbase import FormDialog

MODES = (
    ("auto", N_("中心平台排队，断网时本机排队")),
    ("local", N_("仅本机排队")),
    ("external", N_("大厅已有叫号系统（地址模板）")),
)


def qr_pixmap(text: str, *, size: int = 220) -> QPixmap:
    """``text`` as a QR code (reportlab's encoder, drawn with Qt)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    border = 4
    image = QImage(count + 2 * border, count + 2 * border, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for r, row in enumerate(code.modules):
        for c, dark in enumerate(row):
            if dark:
                painter.fillRect(c + border, r + border, 1, 1, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image.scaled(size, size))


def save_settings(store: Store, ctx: Any, values: dict[str, str]) -> None:
    """Store worker: only a supervisor changes the hall settings."""
    ctx.require_supervisor(_("修改叫号与评价器设置"))
    hall_config.save(store, values)


class HallSettingsDialog(FormDialog):
    def __init__(
        self,
        app: AppContext,
        current: hall_config.HallConfig,
        *,
        pad_url: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(app, _("叫号与评价器设置"), parent)
        self.types = QLineEdit(",".join(current.window_types))
        self.add_field("types", _("本窗口业务类型"), self.types, _("本窗口业务类型"))
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(_(label), key)
        self.mode.setCurrentIndex([k for k, _l in MODES].index(current.queue_mode))
        self.add_field("mode", _("叫号方式"), self.mode, _("叫号方式"))
        self.urls = QPlainTextEdit(
            "" if not current.external_urls else _json(current.external_urls)
        )
        self.urls.setPlaceholderText(
            '{"call": "http://…/call?win={window}&types={types}"}'
        )
        self.urls.setMaximumHeight(90)
        self.add_field("urls", _("外部叫号地址模板"), self.urls, _("外部叫号地址模板"))
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText(_("不启用"))
        self.port.setValue(current.port)
        self.add_field("port", _("评价器端口"), self.port, _("评价器端口"))
        self.host = QLineEdit(current.bind_host)
        self.add_field("host", _("监听地址"), self.host, _("监听地址"))
        self.kiosk = QCheckBox(_("本机同时提供取号机和叫号显示页面"))
        self.kiosk.setChecked(current.kiosk)
        self.add_field("kiosk", _("取号机"), self.kiosk, _("取号机"))
        self.printer = QLineEdit(current.kiosk_printer)
        self.add_field("printer", _("号票打印机"), self.printer, _("号票打印机"))
        self.voice = QComboBox()
        self.voice.addItem(_("不播报"), "")
        self.voice.addItem(_("系统语音（无对应语音时提示音）"), "default")
        if current.voice not in ("", "default"):
            self.voice.addItem(current.voice, current.voice)
        self.voice.setCurrentIndex(max(0, self.voice.findData(current.voice)))
        self.add_field("voice", _("叫号语音"), self.voice, _("叫号语音"))
        self.pairing = QLabel()
        self.pairing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pairing.setWordWrap(True)
        self.pairing.setAccessibleName(_("评价器配对"))
        self.pairing.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        if pad_url:
            self.pairing.setPixmap(qr_pixmap(pad_url))
            self.pairing.setToolTip(pad_url)
            hint = QLabel(
                _("用窗口平板扫描二维码打开评价器：{url}").format(url=pad_url)
            )
            hint.setWordWrap(True)
            hint.setAccessibleName(_("评价器配对链接"))
            self.layout_.insertWidget(1, hint)
        else:
            self.pairing.setText(_("评价器未启用：设置端口后保存。"))
        self.layout_.insertWidget(1, self.pairing)

    def values(self) -> dict[str, str]:
        return {
            "hall.window_types": self.types.text().strip(),
            "hall.queue_mode": str(self.mode.currentData()),
            "hall.external_urls": self.urls.toPlainText().strip() or "{}",
            "hall.port": str(self.port.value()),
            "hall.bind_host": self.host.text().strip() or "0.0.0.0",
            "hall.kiosk": "1" if self.kiosk.isChecked() else "0",
            "hall.kiosk_printer": self.printer.text().strip(),
            "hall.voice": str(self.voice.currentData()),
        }

    def build_op(self) -> Callable[[], Any] | None:
        store, ctx, values = self.app.store, self.app.require_user(), self.values()
        return lambda: save_settings(store, ctx, values)


def _json(urls: dict[str, str]) -> str:
    import json

    return json.dumps(urls, ensure_ascii=False, indent=1)

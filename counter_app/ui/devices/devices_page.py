"""设备: the window's devices, each with what was detected and a test
button. Detection runs off the UI thread; a missing or failing device
disables its button and says why — intake never waits for a device."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QInputDevice
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app import clock
from counter_app.devices.card import check_card
from counter_app.domain.errors import DomainError
from counter_app.i18n import N_, _, listing
from counter_app.ui.context import AppContext
from counter_app.ui.devices.registry import card_reader, device_settings
from counter_app.ui.devices.signature_pad import SignaturePad
from counter_app.ui.printer import default_printer, print_pdf, printer_names

READER_KINDS = {
    "simulator": N_("模拟读卡器（回放已录制的证件）"),
    "sdk": N_("厂商驱动库读卡器"),
    "wedge": N_("键盘方式读卡器（刷卡输入号码）"),
    "none": N_("未配置读卡器"),
}
PEN_TYPES = (
    QInputDevice.DeviceType.Stylus,
    QInputDevice.DeviceType.Airbrush,
    QInputDevice.DeviceType.Puck,
    QInputDevice.DeviceType.TouchScreen,
)


@dataclass
class Found:
    """What detection says about one device: text, or why it is unusable."""

    text: str = ""
    problem: str = ""


def detect_reader(app: AppContext) -> Callable[[], Found]:
    reader, settings = card_reader(app), device_settings(app)

    def probe() -> Found:
        kind = _(READER_KINDS.get(settings.card_reader, settings.card_reader))
        problem = reader.probe()
        if settings.card_reader == "sdk" and not problem:
            kind += _("，{library}，端口 {port}").format(
                library=settings.sdk_library, port=settings.sdk_port
            )
        return Found(kind, problem)

    return probe


def detect_scanner() -> Found:
    from counter_app.scanning import sane
    from counter_app.scanning.errors import ScanError

    reason = sane.unavailable_reason()
    if reason:
        return Found(problem=reason)
    try:
        devices = sane.list_devices()
    except ScanError as exc:
        return Found(problem=str(exc))
    if not devices:
        return Found(problem=_("未检测到扫描仪，请检查电源和连接线；仍可导入文件"))
    return Found(listing(d.label for d in devices))


def detect_pen() -> Found:
    names = [d.name() for d in QInputDevice.devices() if d.type() in PEN_TYPES]
    if names:
        return Found(_("检测到：{names}").format(names=listing(names)))
    return Found(_("未检测到手写板或触摸屏，可用鼠标签名"))


def detect_printer() -> Found:
    names = printer_names()
    if not names:
        return Found(problem=_("本机没有可用的打印机，文书可先另存为 PDF"))
    default = default_printer() or names[0]
    return Found(_("{default}（共 {n} 台）").format(default=default, n=len(names)))


class DevicesDialog(QDialog):
    ROWS = (
        ("reader", N_("身份证读卡器")),
        ("signature", N_("签名板")),
        ("scanner", N_("扫描仪")),
        ("printer", N_("打印机")),
    )

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle(_("设备"))
        self.setAccessibleName(_("设备"))
        self.status: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.results: dict[str, QLabel] = {}
        grid = QGridLayout()
        for row, (key, title) in enumerate(self.ROWS):
            status = QLabel(_("正在检测……"), self)
            status.setObjectName(key + "_status")
            status.setWordWrap(True)
            button = QPushButton(_("测试"), self)
            button.setObjectName(key + "_test")
            button.setAccessibleName(_("测试{device}").format(device=_(title)))
            button.setEnabled(False)
            result = QLabel(self)
            result.setObjectName(key + "_result")
            result.setWordWrap(True)
            grid.addWidget(QLabel(_(title), self), row, 0)
            grid.addWidget(status, row, 1)
            grid.addWidget(button, row, 2)
            grid.addWidget(result, row, 3)
            self.status[key], self.buttons[key], self.results[key] = (
                status,
                button,
                result,
            )
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 2)
        note = QLabel(
            _("设备缺失或出错时不影响受理：证件信息可手工录入，材料可导入文件。"), self
        )
        note.setWordWrap(True)
        close = QPushButton(_("关闭"), self)
        close.setAccessibleName(_("关闭"))
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(close)
        self.resize(820, 260)
        self.buttons["reader"].clicked.connect(self.test_reader)
        self.buttons["signature"].clicked.connect(self.test_signature)
        self.buttons["scanner"].clicked.connect(self.detect)
        self.buttons["scanner"].setText(_("重新检测"))  # its test: SANE lists it
        self.buttons["printer"].clicked.connect(self.test_printer)
        self.detect()

    # -- detection ------------------------------------------------------------
    def detect(self) -> None:
        """Look again at every device; slow probes run on I/O workers."""
        self._found("signature", detect_pen())
        self._found("printer", detect_printer())
        for key, probe in (
            ("reader", detect_reader(self.app)),
            ("scanner", detect_scanner),
        ):
            self.buttons[key].setEnabled(False)
            self._probe(key, probe)

    def _probe(self, key: str, probe: Callable[[], Found]) -> None:
        self.app.tasks.run_io(
            probe,
            success=lambda found: self._found(key, found),
            failure=lambda exc: self._found(key, Found(problem=str(exc))),
        )

    def _found(self, key: str, found: Found) -> None:
        label, button = self.status[key], self.buttons[key]
        if found.problem:
            label.setText(found.problem)
            label.setProperty("tone", "error")
            button.setEnabled(False)
            button.setToolTip(found.problem)
        else:
            label.setText(found.text)
            label.setProperty("tone", "")
            button.setEnabled(True)
            button.setToolTip("")
        label.style().unpolish(label)
        label.style().polish(label)

    def _result(self, key: str, text: str, ok: bool) -> None:
        self.results[key].setText(text)
        self.results[key].setProperty("tone", "ok" if ok else "error")
        self.buttons[key].setEnabled(True)

    # -- tests ------------------------------------------------------------------
    def test_reader(self) -> None:
        reader, today = card_reader(self.app), clock.today()
        self.buttons["reader"].setEnabled(False)
        self.results["reader"].setText(_("请放置证件……"))
        self.app.tasks.run_io(
            lambda: check_card(reader.read(), today=today),
            success=lambda card: self._result(
                "reader", _("读卡正常：{name}").format(name=card.name), True
            ),
            failure=lambda exc: self._result(
                "reader",
                str(exc)
                if isinstance(exc, DomainError)
                else _("读卡器出错：{error}").format(error=exc),
                False,
            ),
        )

    def test_signature(self) -> None:
        """A pad to try the pen on; nothing is saved."""
        dialog = QDialog(self)
        dialog.setWindowTitle(_("签名板测试（不保存）"))
        pad = SignaturePad(dialog)
        clear = QPushButton(_("清除"), dialog)
        done = QPushButton(_("关闭"), dialog)
        clear.clicked.connect(pad.clear)
        done.clicked.connect(dialog.accept)
        box = QVBoxLayout(dialog)
        for w in (pad, clear, done):
            box.addWidget(w)

        def finished(_r: int) -> None:
            n = len(pad.strokes())
            self._result(
                "signature",
                _("签名板正常：{n} 笔").format(n=n) if n else _("未检测到笔迹"),
                bool(n),
            )
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        self.test_pad = pad

    def test_printer(self) -> None:
        name = default_printer() or (printer_names() or [""])[0]
        self.buttons["printer"].setEnabled(False)
        self.app.tasks.run_io(
            lambda: print_pdf(test_page(), printer_name=name, doc_name="Counter test"),
            success=lambda _r: self._result(
                "printer", _("测试页已发送到 {name}").format(name=name), True
            ),
            failure=lambda exc: self._result("printer", str(exc), False),
        )


def test_page() -> bytes:
    """One A4 page to check the printer prints."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from printing.fonts import BODY, register_fonts

    register_fonts(rare=False)
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont(BODY, 18)
    page.drawString(72, A4[1] - 96, _("打印机测试页：看到此页即打印正常"))
    page.rect(72, A4[1] - 300, A4[0] - 144, 180)
    page.showPage()
    page.save()
    return out.getvalue()

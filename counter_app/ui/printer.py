"""Printing a finished PDF through Qt to any system printer (CUPS on Linux).

Runs off the UI thread: pages are rasterised with QtPdf and painted onto a
QPrinter. No database here; the caller records the print job.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from counter_app.i18n import _

ROLL_WIDTH_MM = 80.0


class PrintFailed(RuntimeError):
    """The printer refused or failed; the message is for the clerk."""


def printer_names() -> list[str]:
    return [p.printerName() for p in QPrinterInfo.availablePrinters()]


def default_printer() -> str:
    return QPrinterInfo.defaultPrinter().printerName()


def print_pdf(
    pdf: bytes,
    *,
    printer_name: str,
    copies: int = 1,
    doc_name: str = "Counter",
    dpi: int = 300,
) -> None:
    """Send ``pdf`` to ``printer_name``, page size taken from the PDF."""
    if printer_name not in printer_names():
        raise PrintFailed(
            _("找不到打印机“{name}”。请在打印设置中选择一台可用的打印机。").format(
                name=printer_name
            )
        )
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.pageCount() == 0:
        raise PrintFailed(_("文书内容为空，无法打印。"))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(printer_name)
    printer.setDocName(doc_name)
    printer.setCopyCount(copies)
    printer.setResolution(dpi)
    first = document.pagePointSize(0)
    printer.setPageLayout(_layout(first))
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed(
            _("打印机“{name}”无法开始打印。请检查打印机是否开机、有纸。").format(
                name=printer_name
            )
        )
    try:
        for index in range(document.pageCount()):
            if index:
                printer.setPageLayout(_layout(document.pagePointSize(index)))
                printer.newPage()
            target = painter.viewport()
            size = QSize(target.width(), target.height())
            image = document.render(index, size)
            painter.drawImage(target, image)
    finally:
        if not painter.end():
            raise PrintFailed(
                _("打印任务未能送达打印机“{name}”。").format(name=printer_name)
            )
        document.close()
        buffer.close()


def _layout(points: QSizeF) -> QPageLayout:
    portrait = QSizeF(
        min(points.width(), points.height()), max(points.width(), points.height())
    )
    page = QPageSize(
        portrait, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch
    )
    orientation = (
        QPageLayout.Orientation.Landscape
        if points.width() > points.height()
        else QPageLayout.Orientation.Portrait
    )
    return QPageLayout(page, orientation, QMarginsF(0, 0, 0, 0))

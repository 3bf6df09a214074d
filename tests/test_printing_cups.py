"""Real CUPS: a private cupsd with a cups-pdf queue receives our jobs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from printing import render_receipt, samples
from printing.cups import PrintError, cups_available, printers, submit_pdf
from tests.printing_fixtures import (  # noqa: F401 - pytest fixture
    CupsPdfPrinter,
    cups_pdf_fixture,
    pdf_pages,
    pdf_text,
    squeeze,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def test_cups_available_reports_a_missing_scheduler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-such.sock"))
    reason = cups_available()
    assert reason is not None
    assert "打印服务" in reason or "CUPS" in reason


def test_receipt_sent_with_lp_lands_as_pdf(
    cups_pdf: CupsPdfPrinter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", cups_pdf.server)
    assert cups_available() is None
    assert cups_pdf.name in printers()
    source = tmp_path / "receipt.pdf"
    source.write_bytes(render_receipt(samples.receipt()))
    known = set(cups_pdf.out_dir.glob("*.pdf"))
    result = subprocess.run(
        ["lp", "-d", cups_pdf.name, str(source)],
        env=cups_pdf.env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "request id is" in result.stdout
    printed = cups_pdf.wait_for_pdf(known)
    # cups-pdf re-distills through Ghostscript, which drops the CJK text
    # mapping; the ASCII acceptance number still extracts.
    assert "XW20261123-0042" in squeeze(pdf_text(printed.read_bytes()))
    assert pdf_pages(printed.read_bytes()) == 1


def test_submit_pdf_returns_the_job_and_lands(
    cups_pdf: CupsPdfPrinter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", cups_pdf.server)
    source = tmp_path / "materials.pdf"
    source.write_bytes(render_receipt(samples.receipt()))
    known = set(cups_pdf.out_dir.glob("*.pdf"))
    job = submit_pdf(source, printer=cups_pdf.name, title="counter-submit")
    assert job.startswith(cups_pdf.name + "-")
    assert cups_pdf.wait_for_pdf(known).stat().st_size > 1000
    with pytest.raises(PrintError, match="NoSuchQueue"):
        submit_pdf(source, printer="NoSuchQueue")
    with pytest.raises(PrintError, match="不存在"):
        submit_pdf(tmp_path / "missing.pdf", printer=cups_pdf.name)


QT_JOB = textwrap.dedent(
    """
    import sys
    from PySide6.QtGui import QPainter
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
    if sys.argv[1] not in names:
        sys.exit("printer not listed: " + repr(names))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(sys.argv[1])
    printer.setDocName("counter-qt-e2e")
    if not printer.isValid():
        sys.exit("QPrinter not valid")
    painter = QPainter()
    if not painter.begin(printer):
        sys.exit("QPainter.begin failed")
    painter.drawText(200, 200, "Counter Qt print XW20261123-0042")
    painter.drawRect(150, 150, 2000, 600)
    if not painter.end():
        sys.exit("QPainter.end failed")
    """
)


def test_qprinter_job_lands_as_pdf(cups_pdf: CupsPdfPrinter) -> None:
    known = set(cups_pdf.out_dir.glob("*.pdf"))
    env = {**cups_pdf.env(), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", QT_JOB, cups_pdf.name],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = cups_pdf.wait_for_pdf(known)
    assert printed.read_bytes().startswith(b"%PDF")
    assert pdf_pages(printed.read_bytes()) == 1

"""The document dialog: preview, save, print (a real CUPS queue in a
subprocess), and print jobs recorded with the record left intact."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtPdf import QPdfDocument

from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services import documents
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store import records
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.documents import DocumentDialog, open_application_document
from counter_app.ui.printer import PrintFailed, print_pdf
from tests.printing_fixtures import (  # noqa: F401 - pytest fixture
    CupsPdfPrinter,
    cups_pdf_fixture,
    pdf_text,
    squeeze,
)
from tests.ui_context import app_context

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_ctx(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path, qapp: object
) -> Iterator[AppContext]:
    with app_context(seeded_store, tmp_path, clerk, seed=False) as ctx:
        yield ctx


def accepted(store: Store, ctx: DeskContext) -> str:
    item = get_item(store.db, "GG00302001")
    form = IntakeForm(
        item_codes=[item.code],
        applicant=Applicant(
            name="赵𠮷", id_number=make_resident_id("320102", date(1988, 8, 8), 21)
        ),
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, 1, 0)
            for m in item.materials_for({})
        ],
    )
    return apps.decide(store, ctx, form, Decision.ACCEPT)[0].application_id


def open_dialog(qtbot, app_ctx: AppContext, app_id: str) -> DocumentDialog:  # type: ignore[no-untyped-def]
    dialog = open_application_document(app_ctx, [app_id], "receipt")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(
        lambda: dialog.document.status() == QPdfDocument.Status.Ready, timeout=15000
    )
    return dialog


def test_preview_then_save(qtbot, app_ctx: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app_id = accepted(app_ctx.store, app_ctx.require_user())
    dialog = open_dialog(qtbot, app_ctx, app_id)
    assert dialog.document.pageCount() >= 1
    target = tmp_path / "receipt.pdf"
    dialog.save_as(str(target))
    qtbot.waitUntil(
        lambda: (
            app_ctx.store.db.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0]
            == 1
        ),
        timeout=10000,
    )
    record = records.application(app_ctx.store.db, app_id)
    assert record is not None
    assert record["acceptance_no"] in squeeze(pdf_text(target.read_bytes()))
    job = app_ctx.store.db.execute(
        "SELECT document, status, printer FROM print_jobs"
    ).fetchone()
    assert job == ("receipt", "saved", "file")


def test_failed_print_keeps_the_record_and_allows_reprint(
    qtbot,
    app_ctx: AppContext,  # type: ignore[no-untyped-def]
) -> None:
    app_id = accepted(app_ctx.store, app_ctx.require_user())
    dialog = open_dialog(qtbot, app_ctx, app_id)
    dialog.printers.addItem("没有这台打印机")
    dialog.printers.setCurrentText("没有这台打印机")
    dialog.print_button.setEnabled(True)
    dialog.print_now()
    qtbot.waitUntil(
        lambda: (
            app_ctx.store.db.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0]
            == 1
        ),
        timeout=10000,
    )
    status, error = app_ctx.store.db.execute(
        "SELECT status, error FROM print_jobs"
    ).fetchone()
    assert status == "failed" and "没有这台打印机" in error
    assert "可稍后补打" in dialog.status.text()
    assert records.application(app_ctx.store.db, app_id) is not None
    # Not printed yet, so the next print is not a reprint.
    assert not documents.printed_before(app_ctx.store, app_id, "receipt")


def test_print_pdf_refuses_unknown_printer(qapp: object) -> None:
    with pytest.raises(PrintFailed, match="找不到打印机"):
        print_pdf(b"%PDF-1.4", printer_name="no-such-printer")


QT_PRINT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from counter_app.ui.printer import print_pdf
    app = QApplication([])
    print_pdf(Path(sys.argv[2]).read_bytes(), printer_name=sys.argv[1])
    """
)


@pytest.mark.e2e
@pytest.mark.timeout(180)
def test_receipt_reaches_a_real_cups_queue(
    cups_pdf: CupsPdfPrinter, seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    app_id = accepted(seeded_store, clerk)
    pdf = documents.render_for_applications(
        seeded_store, clerk, kind="receipt", application_ids=[app_id]
    )
    source = tmp_path / "r.pdf"
    source.write_bytes(pdf)
    known = set(cups_pdf.out_dir.glob("*.pdf"))
    result = subprocess.run(
        [sys.executable, "-c", QT_PRINT, cups_pdf.name, str(source)],
        env={**cups_pdf.env(), "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = cups_pdf.wait_for_pdf(known)
    assert printed.read_bytes().startswith(b"%PDF")

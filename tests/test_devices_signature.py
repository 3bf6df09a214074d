"""Signature capture: drawn on the real pad with QTest mouse events, saved
with the application, printed in the receipt's signature box (checked on
the PDF rendered by pdftoppm), redone before saving, never changed after."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from counter_app.domain.signature import SignatureError
from counter_app.services import documents
from counter_app.services.context import DeskContext
from counter_app.services.signatures import (
    save_signature,
    signature_png,
    signature_strokes,
    signed,
)
from counter_app.store.db import INTEGRITY_ERRORS, Store
from counter_app.ui.context import AppContext
from counter_app.ui.devices.signature_dialog import SignatureDialog
from counter_app.ui.documents import open_application_document
from tests.printing_fixtures import pdf_pages
from tests.signature_fixtures import ink_png
from tests.test_ui_documents import accepted
from tests.ui_context import app_context

pytestmark = pytest.mark.gui


@pytest.fixture
def app_ctx(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path, qapp: object
) -> Iterator[AppContext]:
    with app_context(seeded_store, tmp_path, clerk, seed=False) as ctx:
        yield ctx


def draw_zigzag(qtbot, pad) -> None:  # type: ignore[no-untyped-def]
    """A wide, low zig-zag across the middle of the pad, like a signature."""
    points = [QPoint(40 + i * 40, 60 if i % 2 else 110) for i in range(11)]
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        QTest.mouseMove(pad, p)
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=points[-1])


def ink_pixels(pdf: bytes, tmp_path: Path, page: int = 1) -> list[tuple[int, int]]:
    """(x, y) of the dark-blue ink on ``page`` rendered at 100 dpi."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    n = str(page)
    png = subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", "-f", n, "-l", n, "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    with Image.open(io.BytesIO(png)) as im:
        rgb = im.convert("RGB")
        w, h = rgb.size
        px = rgb.load()
        return [
            (x, y)
            for y in range(h)
            for x in range(w)
            if (c := px[x, y])[2] > 90 and c[2] - max(c[0], c[1]) > 50
        ]


def test_signature_drawn_on_the_pad_is_printed_on_the_receipt(
    qtbot, app_ctx: AppContext, clerk: DeskContext, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = app_ctx.store
    app_id = accepted(store, clerk)
    before = documents.render_for_applications(
        store, clerk, kind="receipt", application_ids=[app_id]
    )
    assert ink_pixels(before, tmp_path) == []  # no blue ink on a plain receipt

    doc = open_application_document(app_ctx, [app_id], "receipt")
    qtbot.addWidget(doc)
    assert doc.sign_button is not None
    qtbot.waitUntil(lambda: doc.status.text().startswith("共"))
    doc.sign_button.click()
    pad_dialog = doc.findChild(SignatureDialog)
    assert pad_dialog is not None
    pad = pad_dialog.pad
    assert not pad_dialog.save_button.isEnabled()  # nothing drawn yet

    # a stray stroke, redone before saving
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(400, 20))
    QTest.mouseMove(pad, QPoint(460, 20))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(460, 20))
    assert pad_dialog.save_button.isEnabled()
    pad_dialog.redo_button.click()
    assert pad.strokes() == [] and not pad_dialog.save_button.isEnabled()

    draw_zigzag(qtbot, pad)
    assert pad_dialog.save_button.isEnabled()
    with qtbot.waitSignal(pad_dialog.finished, timeout=5000):
        pad_dialog.save_button.click()
    qtbot.waitUntil(lambda: not doc.sign_button.isEnabled())
    assert doc.sign_button.text() == "已签名"

    assert signed(store, app_id, "receipt")
    strokes = signature_strokes(store, app_id, "receipt")
    assert strokes.startswith("[[[40.0,110.0,1.0],[80.0,60.0,1.0]")
    with Image.open(io.BytesIO(signature_png(store, app_id, "receipt"))) as im:
        assert im.size == (480, 160)

    after = documents.render_for_applications(
        store, clerk, kind="receipt", application_ids=[app_id]
    )
    ink = ink_pixels(after, tmp_path)
    assert len(ink) > 50
    xs, ys = [x for x, _ in ink], [y for _, y in ink]
    # The zig-zag spans 400 × 50 pad pixels; the box is 60 × 20 mm: at
    # 100 dpi its ink is wide and low, within one box (≤ 236 × 79 px).
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    assert 120 < width <= 236 and 10 < height <= 79 and width > 3 * height
    # below the receipt's table, in the lower part of the A4 page (1169 px)
    assert min(ys) > 400


def test_signature_cannot_be_changed_or_repeated(
    qtbot, app_ctx: AppContext, clerk: DeskContext
) -> None:  # type: ignore[no-untyped-def]
    store = app_ctx.store
    app_id = accepted(store, clerk)
    dialog = SignatureDialog(app_ctx, application_ids=[app_id], document="receipt")
    qtbot.addWidget(dialog)
    with pytest.raises(SignatureError, match="签名太短"):
        save_signature(
            store,
            clerk,
            application_ids=[app_id],
            document="receipt",
            strokes=[[(1, 1, 1), (2, 2, 1)]],
            png=dialog.pad.to_png(),
            width=480,
            height=160,
        )
    draw_zigzag(qtbot, dialog.pad)
    args = {
        "application_ids": [app_id],
        "document": "receipt",
        "strokes": dialog.pad.strokes(),
        "png": dialog.pad.to_png(),
        "width": 480,
        "height": 160,
    }
    save_signature(store, clerk, **args)
    with pytest.raises(SignatureError, match="不能更改"):
        save_signature(store, clerk, **args)
    with pytest.raises(INTEGRITY_ERRORS, match="cannot be changed"):
        store.db.execute("UPDATE signatures SET png = x'00'")
    with pytest.raises(INTEGRITY_ERRORS, match="cannot be changed"):
        store.db.execute("DELETE FROM signatures")
    kinds = [
        r[0]
        for r in store.db.execute(
            "SELECT kind FROM events WHERE application_id = ?", [app_id]
        )
    ]
    assert "signature.saved" in kinds
    # a second try in the dialog says so and keeps the strokes
    draw_zigzag(qtbot, dialog.pad)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.error.isHidden())
    assert "不能更改" in dialog.error.text() and dialog.pad.has_ink()


@pytest.mark.parametrize("kind", ["receipt", "notice", "commitment", "delivery"])
def test_each_signed_document_prints_the_signature(kind: str, tmp_path: Path) -> None:
    from printing import DOCUMENTS, samples

    make = getattr(samples, kind)
    plain = DOCUMENTS[kind](make())
    signed_pdf = DOCUMENTS[kind](make(signature_png=ink_png()))
    assert ink_pixels(plain, tmp_path) == []
    pages = pdf_pages(signed_pdf)
    ink = [ink_pixels(signed_pdf, tmp_path, page=p) for p in range(1, pages + 1)]
    assert sum(len(i) for i in ink) > 50, kind
    assert not any(ink[:-1]), kind  # on the last page, with the closing lines


def test_pad_takes_touch_and_pen_input(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.devices.signature_pad import SignaturePad

    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.show()
    finger = QTest.createTouchDevice()
    QTest.touchEvent(pad, finger).press(0, QPoint(20, 20)).commit()
    for x in (60, 100, 140):
        QTest.touchEvent(pad, finger).move(0, QPoint(x, 40)).commit()
    QTest.touchEvent(pad, finger).release(0, QPoint(140, 40)).commit()
    assert len(pad.strokes()) == 1 and len(pad.strokes()[0]) >= 4
    assert pad.has_ink()

    pen = QPointingDevice(
        "pen",
        7,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        3,
    )

    def tablet(kind: QEvent.Type, x: float, y: float, pressure: float) -> None:
        event = QTabletEvent(
            kind, pen, QPointF(x, y), QPointF(x, y), pressure,
            0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
        )  # fmt: skip
        QApplication.sendEvent(pad, event)

    tablet(QEvent.Type.TabletPress, 200, 100, 0.3)
    tablet(QEvent.Type.TabletMove, 250, 110, 0.6)
    tablet(QEvent.Type.TabletRelease, 300, 120, 0.0)
    assert pad.strokes()[1] == [(200.0, 100.0, 0.3), (250.0, 110.0, 0.6)]
    pad.clear()
    assert pad.strokes() == [] and not pad.has_ink()


def test_signature_appears_in_the_timeline(
    qtbot, app_ctx: AppContext, clerk: DeskContext
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QTableWidget

    from counter_app.services import queries
    from counter_app.ui.detail_timeline import fill_timeline

    store = app_ctx.store
    app_id = accepted(store, clerk)
    save_signature(
        store,
        clerk,
        application_ids=[app_id],
        document="delivery",
        strokes=[[(10, 10, 1), (60, 40, 1), (120, 20, 1), (200, 60, 1), (260, 30, 1)]],
        png=ink_png(),
        width=480,
        height=160,
    )
    view = queries.read_record(store, clerk, app_id)
    table = QTableWidget(0, 4)
    qtbot.addWidget(table)
    fill_timeline(table, view.timeline, view.actors)
    rows = [
        [table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())
    ]
    assert any(r[2] == "申请人签名" and r[3] == "文书：送达回证" for r in rows), rows

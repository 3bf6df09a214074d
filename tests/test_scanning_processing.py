from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from counter_app.scanning import processing as proc
from counter_app.scanning.errors import Cancelled, ProcessingError
from tests.scanning_fixtures import pdf_bytes, text_page, tiff_bytes

A4_PT = (595.3, 841.9)


def test_300dpi_colour_a4_recompresses_to_under_300kb_gray() -> None:
    calls: list[tuple[int, int]] = []
    pages = proc.process_pages(
        [text_page(dpi=300)],
        proc.PageSettings(color="gray"),
        progress=lambda d, t: calls.append((d, t)),
    )
    (page,) = pages
    assert page.mime == "image/jpeg" and len(page.data) <= 300_000
    assert abs(page.width - 1654) <= 1 and abs(page.height - 2339) <= 1
    assert round(page.dpi) == 200
    with Image.open(io.BytesIO(page.data)) as im:
        assert im.mode == "L"
    assert calls == [(0, 1), (1, 1)]
    pdf = PdfReader(io.BytesIO(proc.pages_to_pdf(pages)))
    box = pdf.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_PT[0], abs=1.5)
    assert float(box.height) == pytest.approx(A4_PT[1], abs=1.5)


def test_black_and_white_is_g4_and_renders_black_text(tmp_path: Path) -> None:
    page = proc.encode_page(
        proc.prepare(text_page(dpi=200, noise=0), proc.PageSettings(color="bw")),
        color="bw",
    )
    assert page.mime == "image/tiff" and len(page.data) < 100_000
    pdf = proc.pages_to_pdf([page])
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed: cannot render the PDF to check colours")
    out = subprocess.run(
        ["pdftoppm", "-r", "20", "-gray", "-singlefile", "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout  # fmt: skip
    with Image.open(io.BytesIO(out)) as im:
        # Mostly white paper, with dark text: not inverted.
        histogram = im.convert("L").histogram()
        assert sum(histogram[200:]) > 0.6 * sum(histogram)
        assert sum(histogram[:100]) > 0


def test_rotate_crop_exif_orientation() -> None:
    im = Image.new("RGB", (40, 20), "white")
    im.putpixel((0, 0), (255, 0, 0))
    turned = proc.rotate(im, 90)
    assert turned.size == (20, 40) and turned.getpixel((19, 0)) == (255, 0, 0)
    assert proc.rotate(im, 180).getpixel((39, 19)) == (255, 0, 0)
    assert proc.rotate(im, 270).getpixel((0, 39)) == (255, 0, 0)
    with pytest.raises(ProcessingError):
        proc.rotate(im, 45)
    assert proc.crop(im, (0, 0, 10, 5)).size == (10, 5)
    with pytest.raises(ProcessingError):
        proc.crop(im, (0, 0, 50, 5))
    exif = Image.Exif()
    exif[0x0112] = 6  # camera held sideways: needs a 90° clockwise turn
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    (loaded,) = proc.load_pages(buf.getvalue())
    assert proc.fix_orientation(loaded).size == (20, 40)


def test_downsample_only_when_above_target() -> None:
    im = Image.new("L", (600, 600), 255)
    im.info["dpi"] = (300, 300)
    assert proc.downsample(im, max_dpi=200).size == (400, 400)
    im.info["dpi"] = (150, 150)
    assert proc.downsample(im, max_dpi=200).size == (600, 600)


def test_reorder_and_merge_mixed_files_keeps_jpeg_bytes() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (170, 240), "orange").save(buf, "JPEG", quality=85, dpi=(100, 100))
    jpeg = buf.getvalue()
    parts = proc.reorder([pdf_bytes(2), jpeg, tiff_bytes(3)], [1, 0, 2])
    progress: list[tuple[int, int]] = []
    merged = proc.merge_to_pdf(parts, progress=lambda d, t: progress.append((d, t)))
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 1 + 2 + 3
    first = reader.pages[0]
    resources: Any = first["/Resources"]
    xobject = resources["/XObject"]["/Im0"].get_object()
    assert xobject._data == jpeg  # embedded as is, no re-encoding
    assert float(first.mediabox.width) == pytest.approx(170 * 72 / 100, abs=0.1)
    assert progress[-1] == (3, 3)
    with pytest.raises(ProcessingError):
        proc.reorder([1, 2], [0, 0])


def test_rotate_file_pdf_and_image() -> None:
    rotated = proc.rotate_file(pdf_bytes(2), 90)
    assert [p.rotation for p in PdfReader(io.BytesIO(rotated)).pages] == [90, 90]
    out = proc.rotate_file(tiff_bytes(2), 270)
    with Image.open(io.BytesIO(out)) as im:
        assert im.size == (140, 100) and getattr(im, "n_frames", 1) == 2


def test_scanned_pdf_pages_are_extracted_for_processing() -> None:
    page = proc.encode_page(text_page(dpi=100, noise=0), color="gray")
    pdf = proc.pages_to_pdf([page])
    (im,) = proc.load_pages(pdf)
    assert im.size == (page.width, page.height)
    assert round(proc.image_dpi(im)) == 100


def test_cancel_stops_between_pages() -> None:
    token = proc.CancelToken()
    images = [Image.new("L", (50, 50), 255) for _ in range(5)]

    def progress(done: int, total: int) -> None:
        if done == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        proc.process_pages(images, proc.PageSettings(), progress=progress, cancel=token)

"""Page processing in the worker process: same pages as in-process, cancel
between pages, errors a clerk can read, start and shutdown."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from counter_app.scanning import pagework, processing
from counter_app.scanning.errors import Cancelled, ProcessingError
from counter_app.scanning.processing import CancelToken, PageSettings
from tests.scanning_fixtures import pdf_bytes, text_page, tiff_bytes


@pytest.fixture(autouse=True)
def worker() -> Iterator[None]:
    yield
    pagework.shutdown()


def _scanned_pdf(path: Path, pages: int, dpi: int = 150) -> Path:
    images = [text_page(dpi=dpi, seed=i, noise=0) for i in range(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    path.write_bytes(buf.getvalue())
    return path


def test_pages_match_in_process_processing(tmp_path: Path) -> None:
    path = _scanned_pdf(tmp_path / "scan.pdf", 3)
    settings = PageSettings(color="gray", max_dpi=100)
    seen: list[tuple[int, int]] = []
    pages = pagework.process_file(
        path, settings, progress=lambda d, t: seen.append((d, t))
    )
    assert pagework.running()
    expected = processing.process_document(path.read_bytes(), settings)
    assert [(p.mime, p.width, p.height) for p in pages] == [
        (p.mime, p.width, p.height) for p in expected
    ]
    assert [round(p.dpi) for p in pages] == [100, 100, 100]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_multi_page_tiff_and_black_and_white(tmp_path: Path) -> None:
    path = tmp_path / "three.tif"
    path.write_bytes(tiff_bytes(3))
    pages = pagework.process_file(path, PageSettings(color="bw"))
    assert [p.mime for p in pages] == ["image/tiff"] * 3


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm")
def test_text_pdf_pages_are_rasterised_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf_bytes(2))
    pages = pagework.process_file(path, PageSettings(color="gray", max_dpi=72))
    expected = processing.process_document(
        path.read_bytes(), PageSettings(color="gray", max_dpi=72)
    )
    assert len(pages) == len(expected) == 2
    assert [(p.mime, p.width, p.height) for p in pages] == [
        (p.mime, p.width, p.height) for p in expected
    ]


def test_cancel_between_pages_and_the_worker_stays_usable(tmp_path: Path) -> None:
    path = _scanned_pdf(tmp_path / "scan.pdf", 4)
    token = CancelToken()
    done: list[int] = []

    def progress(count: int, _total: int) -> None:
        done.append(count)
        if count == 1:
            token.cancel()

    with pytest.raises(Cancelled):
        pagework.process_file(path, PageSettings(), progress=progress, cancel=token)
    assert done == [0, 1]
    small = tmp_path / "one.png"
    Image.new("RGB", (200, 300), "white").save(small, dpi=(200, 200))
    [page] = pagework.process_file(small, PageSettings(color="gray"))
    assert (page.width, page.height) == (200, 300)


def test_unreadable_file_gives_a_clerk_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a scan", "utf-8")
    with pytest.raises(ProcessingError, match="无法识别文件格式"):
        pagework.process_file(path, PageSettings())


def test_shutdown_and_lazy_restart(tmp_path: Path) -> None:
    pagework.shutdown()
    assert not pagework.running()
    pagework.warm_up()
    assert pagework.running()
    pagework.shutdown()
    assert not pagework.running()
    path = tmp_path / "one.png"
    Image.new("L", (100, 100), 200).save(path)
    assert len(pagework.process_file(path, PageSettings())) == 1

"""Page processing in a separate process.

Pillow holds the GIL through long allocations and resampling, which stalls
the UI thread's event loop even when processing runs on a worker thread. So
``process_file`` hands each page to one worker process (``spawn``: no copy of
the parent's Qt state), started on first use and ended by ``shutdown()`` on
quit. The parent sends a file path (or the clear bytes of an encrypted scan,
which never go to disk), a page number and the ``PageSettings``;
the worker sends back the encoded ``Page``. One page is queued ahead so the
worker never idles; the ``CancelToken`` is checked while waiting, and a
cancel drops the queued page.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import threading
import warnings
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PIL import Image
from pypdf import PdfReader

from counter_app import i18n
from counter_app.i18n import _
from counter_app.scanning import processing, sniff
from counter_app.scanning.errors import Cancelled, ProcessingError, ScanError
from counter_app.scanning.processing import CancelToken, Page, PageSettings

Progress = Callable[[int, int], None]
T = TypeVar("T")

POLL_S = 0.05  # how often a wait looks at the cancel token
AHEAD = 2  # pages submitted at once: the one processed and the next

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


# -- parent side ------------------------------------------------------------
def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return _pool


def running() -> bool:
    return _pool is not None


def shutdown(*, wait: bool = True) -> None:
    """End the worker process (on quit); the next use starts a new one."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


def warm_up() -> None:
    """Start the worker and wait until it answers (it imports Pillow, pypdf)."""
    _executor().submit(_ping).result()


def process_file(
    path: Path | bytes,
    settings: PageSettings,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    pdf_dpi: int = processing.DEFAULT_DPI,
) -> list[Page]:
    """Every page of an image or scanned PDF file (a path or its bytes),
    prepared and encoded as ``processing.process_document`` does, in the
    worker process."""
    lang = i18n.language()
    source = path if isinstance(path, bytes) else str(path)
    try:
        pool = _executor()
        total = _wait(pool.submit(_page_count, source, lang), cancel)
        _tick(progress, 0, total)
        out: list[Page] = []
        queued: deque[Future[Page]] = deque()
        try:
            while len(out) < total:
                while len(out) + len(queued) < total and len(queued) < AHEAD:
                    if cancel is not None:
                        cancel.check()
                    index = len(out) + len(queued)
                    queued.append(
                        pool.submit(
                            _process_page, source, index, settings, lang, pdf_dpi
                        )
                    )
                out.append(_wait(queued.popleft(), cancel))
                _tick(progress, len(out), total)
        finally:
            for future in queued:
                future.cancel()
        return out
    except BrokenProcessPool as exc:
        shutdown(wait=False)
        raise ProcessingError(
            _("处理页面的后台进程意外退出（可能是内存不足），请重试。")
        ) from exc


def _wait(future: Future[T], cancel: CancelToken | None) -> T:
    while True:
        if cancel is not None and cancel.cancelled:
            future.cancel()
            raise Cancelled()
        try:
            return future.result(timeout=POLL_S)
        except TimeoutError:
            continue


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


# -- worker side --------------------------------------------------------------
@dataclass
class _Document:
    """The file last opened in the worker, kept for its next pages."""

    key: tuple[str, int, int | str]
    data: bytes
    reader: PdfReader | None  # None for image files
    count: int


_document: _Document | None = None


def _ping() -> bool:
    return True


def _open(source: str | bytes) -> _Document:
    global _document
    key: tuple[str, int, int | str]
    if isinstance(source, bytes):
        digest = hashlib.blake2b(source, digest_size=16).hexdigest()
        key = ("", len(source), digest)
    else:
        stat = Path(source).stat()
        key = (source, stat.st_size, stat.st_mtime_ns)
    if _document is not None and _document.key == key:
        return _document
    _document = None  # free the previous file first
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    mime = sniff.sniff_mime(data[:1024])
    if mime == sniff.MIME_PDF:
        reader = PdfReader(io.BytesIO(data))
        _document = _Document(key, data, reader, len(reader.pages))
    elif mime is None:
        raise ProcessingError(_("无法识别文件格式。"))
    else:
        with Image.open(io.BytesIO(data)) as im:
            count = getattr(im, "n_frames", 1)
        _document = _Document(key, data, None, count)
    return _document


def _load_page(doc: _Document, index: int, pdf_dpi: int) -> Image.Image:
    if doc.reader is not None:
        im = processing.pdf_page_image(doc.reader.pages[index], pdf_dpi)
        if im is not None:
            return im
        [page] = processing.rasterize_pdf(
            doc.data, dpi=pdf_dpi, cancel=None, page=index + 1
        )
        return page
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(doc.data)) as im:
            im.seek(index)
            frame = im.copy()
            frame.info = dict(im.info)
    return frame


def _in_language(lang: str, fn: Callable[[], T]) -> T:
    """Run ``fn`` with the app's language; errors come back as plain
    ``ProcessingError`` (some scan errors take keyword-only arguments and
    would not survive pickling)."""
    if i18n.language() != lang:
        i18n.set_language(lang)
    try:
        return fn()
    except ScanError as exc:
        raise ProcessingError(exc.message) from None


def _page_count(path: str | bytes, lang: str) -> int:
    return _in_language(lang, lambda: _open(path).count)


def _process_page(
    path: str | bytes, index: int, settings: PageSettings, lang: str, pdf_dpi: int
) -> Page:
    def run() -> Page:
        image = _load_page(_open(path), index, pdf_dpi)
        [page] = processing.process_pages([image], settings)
        return page

    return _in_language(lang, run)

"""Recognise and validate material files by their content, not their name.

Supported: JPEG, PNG, TIFF (multi-page) and PDF. ``inspect_file`` raises
``FileRejected`` with a message naming the file for zero-byte, unknown,
corrupt, truncated or encrypted files.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from counter_app.i18n import _
from counter_app.scanning.errors import FileRejected

MIME_JPEG = "image/jpeg"
MIME_PNG = "image/png"
MIME_TIFF = "image/tiff"
MIME_PDF = "application/pdf"
IMAGE_MIMES = frozenset({MIME_JPEG, MIME_PNG, MIME_TIFF})
SUPPORTED_MIMES = IMAGE_MIMES | {MIME_PDF}
EXTENSIONS = {MIME_JPEG: ".jpg", MIME_PNG: ".png", MIME_TIFF: ".tif", MIME_PDF: ".pdf"}


@dataclass(frozen=True)
class FileFacts:
    mime: str
    pages: int


def sniff_mime(head: bytes) -> str | None:
    """The MIME type of a supported format from the first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return MIME_JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MIME_PNG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return MIME_TIFF
    # The PDF header may follow some junk bytes (spec allows it in the first 1 KB).
    if b"%PDF-" in head[:1024]:
        return MIME_PDF
    return None


def _rejected(name: str, reason: str) -> FileRejected:
    messages = {
        "empty": _("文件“{name}”是空文件（0 字节），请重新扫描或选择其他文件。"),
        "wrong_type": _(
            "文件“{name}”不是支持的格式（仅支持 JPEG、PNG、TIFF、PDF），"
            "请转换后再导入。"
        ),
        "corrupt": _("文件“{name}”已损坏或不完整，无法打开，请重新扫描。"),
        "encrypted": _(
            "文件“{name}”是加密的 PDF，无法归档。请申请人提供未加密的文件。"
        ),
        "too_large_pixels": _(
            "文件“{name}”的图像尺寸过大，请以较低分辨率（如 200 dpi）重新扫描。"
        ),
    }
    code = "too_large" if reason == "too_large_pixels" else reason
    return FileRejected(
        name=name, reason=code, message=messages[reason].format(name=name)
    )


def inspect_bytes(data: bytes, *, name: str) -> FileFacts:
    return inspect_stream(io.BytesIO(data), name=name, size=len(data))


def inspect_file(path: Path, *, name: str | None = None) -> FileFacts:
    """Validate ``path`` fully (decodes every page); raise ``FileRejected``."""
    display = name or path.name
    with path.open("rb") as fh:
        size = path.stat().st_size
        return inspect_stream(fh, name=display, size=size)


def inspect_stream(fh: BinaryIO, *, name: str, size: int) -> FileFacts:
    if size == 0:
        raise _rejected(name, "empty")
    head = fh.read(1024)
    fh.seek(0)
    mime = sniff_mime(head)
    if mime is None:
        raise _rejected(name, "wrong_type")
    if mime == MIME_PDF:
        return FileFacts(mime, _pdf_pages(fh, name))
    return FileFacts(mime, _image_pages(fh, name))


def _pdf_pages(fh: BinaryIO, name: str) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(fh, strict=False)
            if reader.is_encrypted:
                raise _rejected(name, "encrypted")
            count = len(reader.pages)
            # Touch every page so a broken page tree is found now, not later.
            for page in reader.pages:
                _ = page.mediabox
    except FileRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _rejected(name, "corrupt") from exc
    if count == 0:
        raise _rejected(name, "corrupt")
    return count


def _image_pages(fh: BinaryIO, name: str) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fh) as im:
                count = getattr(im, "n_frames", 1)
                for index in range(count):
                    im.seek(index)
                    im.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _rejected(name, "too_large_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _rejected(name, "corrupt") from exc
    return int(count)


def describe(data: bytes) -> FileFacts:
    """Best-effort type and page count without validation (for the blob table)."""
    mime = sniff_mime(data[:1024])
    if mime is None:
        return FileFacts("application/octet-stream", 0)
    try:
        return inspect_bytes(data, name="")
    except FileRejected:
        return FileFacts(mime, 0)

"""Page processing as pure functions (Pillow/pypdf), safe in a worker thread.

Input and output are bytes or PIL images; nothing is written to disk, so an
original is never overwritten. Long operations take ``progress(done, total)``
and a ``CancelToken``; cancelling raises ``Cancelled`` between pages.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from PIL import Image, ImageOps
from pypdf import PageObject, PdfReader, PdfWriter

from counter_app.i18n import _
from counter_app.scanning import sniff
from counter_app.scanning.errors import Cancelled, ProcessingError
from counter_app.scanning.pdfwrite import images_to_pdf

Progress = Callable[[int, int], None]
ColorMode = Literal["color", "gray", "bw"]
T = TypeVar("T")

DEFAULT_DPI = 200
MIN_JPEG_QUALITY = 40


class CancelToken:
    """A flag the UI sets; workers check it between pages."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class PageSettings:
    rotate: int = 0  # extra clockwise turn: 0, 90, 180, 270
    crop: tuple[int, int, int, int] | None = None  # (left, top, right, bottom) px
    color: ColorMode = "gray"
    threshold: int = 160  # 0–255; darker than this becomes black in "bw"
    max_dpi: int = 200
    jpeg_quality: int = 70
    target_bytes: int | None = 300_000  # per page; quality steps down to reach it


@dataclass(frozen=True)
class Page:
    """One encoded page: JPEG (gray/colour) or single-page G4 TIFF (b/w)."""

    data: bytes
    mime: str
    width: int
    height: int
    dpi: float


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


# -- single-image operations ----------------------------------------------
def image_dpi(im: Image.Image, default: float = DEFAULT_DPI) -> float:
    dpi = im.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    # Cameras write 72 dpi for photos of any size; treat that as unknown.
    return value if value > 72.5 else default


def fix_orientation(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag so the page stands upright."""
    out = ImageOps.exif_transpose(im)
    out.info["dpi"] = im.info.get("dpi", out.info.get("dpi"))
    return out


def rotate(im: Image.Image, degrees: int) -> Image.Image:
    """Turn clockwise by 90, 180 or 270 degrees (lossless on pixels)."""
    steps = {
        0: None,
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    key = degrees % 360
    if key not in steps:
        raise ProcessingError(_("只能按 90 度的倍数旋转。"))
    method = steps[key]
    if method is None:
        return im
    out = im.transpose(method)
    out.info["dpi"] = im.info.get("dpi")
    return out


def crop(im: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    left, top, right, bottom = box
    if not (0 <= left < right <= im.width and 0 <= top < bottom <= im.height):
        raise ProcessingError(_("裁剪区域超出了页面范围，请重新选择。"))
    out = im.crop(box)
    out.info["dpi"] = im.info.get("dpi")
    return out


def to_gray(im: Image.Image) -> Image.Image:
    out = im if im.mode == "L" else _flatten(im).convert("L")
    out.info["dpi"] = im.info.get("dpi")
    return out


def to_bw(im: Image.Image, threshold: int = 160) -> Image.Image:
    """Black and white for text pages: a fixed threshold, no dithering."""
    gray = to_gray(im)
    out = gray.point(lambda v: 255 if v >= threshold else 0, mode="1")
    out.info["dpi"] = im.info.get("dpi")
    return out


def downsample(im: Image.Image, *, max_dpi: int = DEFAULT_DPI) -> Image.Image:
    dpi = image_dpi(im)
    if dpi <= max_dpi + 0.5:
        out = im.copy()
        out.info["dpi"] = (dpi, dpi)
        return out
    scale = max_dpi / dpi
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    out = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    out.info["dpi"] = (float(max_dpi), float(max_dpi))
    return out


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "PA") or (
        im.mode == "P" and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        base = Image.new("RGB", im.size, "white")
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    if im.mode == "1":
        return im.convert("L")
    return im.convert("RGB")


def encode_page(
    im: Image.Image,
    *,
    color: ColorMode,
    quality: int = 70,
    target_bytes: int | None = None,
) -> Page:
    """Encode one prepared page; JPEG quality steps down to meet the target."""
    dpi = image_dpi(im)
    if color == "bw":
        bw = im if im.mode == "1" else to_bw(im)
        buf = io.BytesIO()
        bw.save(buf, "TIFF", compression="group4", dpi=(dpi, dpi))
        return Page(buf.getvalue(), sniff.MIME_TIFF, bw.width, bw.height, dpi)
    page = to_gray(im) if color == "gray" else _flatten(im)
    q = quality
    while True:
        buf = io.BytesIO()
        page.save(buf, "JPEG", quality=q, optimize=True, dpi=(dpi, dpi))
        data = buf.getvalue()
        if target_bytes is None or len(data) <= target_bytes or q <= MIN_JPEG_QUALITY:
            return Page(data, sniff.MIME_JPEG, page.width, page.height, dpi)
        q = max(MIN_JPEG_QUALITY, q - 10)


def prepare(im: Image.Image, settings: PageSettings) -> Image.Image:
    """Orientation, turn, crop, downsample and colour, in that order."""
    out = fix_orientation(im)
    out = rotate(out, settings.rotate)
    if settings.crop is not None:
        out = crop(out, settings.crop)
    out = downsample(out, max_dpi=settings.max_dpi)
    if settings.color == "gray":
        out = to_gray(out)
    elif settings.color == "bw":
        out = to_bw(out, settings.threshold)
    return out


# -- documents -------------------------------------------------------------
def load_pages(
    data: bytes, *, cancel: CancelToken | None = None, pdf_dpi: int = DEFAULT_DPI
) -> list[Image.Image]:
    """Every page of an image (multi-page TIFF) or scanned PDF as an image."""
    mime = sniff.sniff_mime(data[:1024])
    if mime == sniff.MIME_PDF:
        return _pdf_images(data, cancel=cancel, dpi=pdf_dpi)
    if mime is None:
        raise ProcessingError(_("无法识别文件格式。"))
    pages: list[Image.Image] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as im:
            for index in range(getattr(im, "n_frames", 1)):
                _check(cancel)
                im.seek(index)
                frame = im.copy()
                frame.info = dict(im.info)
                pages.append(frame)
    return pages


def _pdf_images(
    data: bytes, *, cancel: CancelToken | None, dpi: int
) -> list[Image.Image]:
    reader = PdfReader(io.BytesIO(data))
    pages: list[Image.Image] = []
    for page in reader.pages:
        _check(cancel)
        im = pdf_page_image(page, dpi)
        if im is None:
            return rasterize_pdf(data, dpi=dpi, cancel=cancel)
        pages.append(im)
    return pages


def pdf_page_image(page: PageObject, dpi: int = DEFAULT_DPI) -> Image.Image | None:
    """The one scan a PDF page consists of, upright, at its real resolution
    (from the page size); None when the page has to be rasterised."""
    images = page.images
    if len(images) != 1 or images[0].image is None:
        return None
    im = images[0].image
    width_in = float(page.mediabox.width) / 72.0
    if page.rotation % 180:
        width_in = float(page.mediabox.height) / 72.0
    im = rotate(im, page.rotation) if page.rotation % 360 else im
    im.info["dpi"] = (im.width / width_in,) * 2 if width_in > 0 else (dpi, dpi)
    return im


def rasterize_pdf(
    data: bytes, *, dpi: int, cancel: CancelToken | None, page: int | None = None
) -> list[Image.Image]:
    """Every page (or only page number ``page``, from 1) through pdftoppm."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise ProcessingError(
            _("此 PDF 含文字或矢量内容，本机缺少 pdftoppm，无法处理。")
        )
    _check(cancel)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        cmd = [pdftoppm, "-r", str(dpi), "-png", str(src), str(Path(tmp) / "p")]
        if page is not None:
            cmd[1:1] = ["-f", str(page), "-l", str(page)]
        proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise ProcessingError(_("PDF 页面无法转换为图像。"))
        pages = []
        for path in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem[2:])):
            with Image.open(path) as im:
                im.load()
                out = im.copy()
            out.info["dpi"] = (dpi, dpi)
            pages.append(out)
        return pages


def process_pages(
    images: Sequence[Image.Image],
    settings: PageSettings,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[Page]:
    total = len(images)
    out: list[Page] = []
    _tick(progress, 0, total)
    for index, im in enumerate(images):
        _check(cancel)
        prepared = prepare(im, settings)
        out.append(
            encode_page(
                prepared,
                color=settings.color,
                quality=settings.jpeg_quality,
                target_bytes=settings.target_bytes,
            )
        )
        _tick(progress, index + 1, total)
    return out


def process_document(
    data: bytes,
    settings: PageSettings,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[Page]:
    return process_pages(
        load_pages(data, cancel=cancel), settings, progress=progress, cancel=cancel
    )


def reorder(items: Sequence[T], order: Sequence[int]) -> list[T]:
    """``items`` rearranged so that position i holds ``items[order[i]]``."""
    if sorted(order) != list(range(len(items))):
        raise ProcessingError(_("页面顺序无效：每一页必须且只能出现一次。"))
    return [items[i] for i in order]


def pages_to_pdf(
    pages: Sequence[Page],
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> bytes:
    """One PDF page per encoded page, JPEG and G4 data embedded as is."""
    return images_to_pdf(
        [(p.data, p.mime, p.width, p.height, p.dpi) for p in pages],
        progress=progress,
        check=None if cancel is None else cancel.check,
    )


def merge_to_pdf(
    parts: Sequence[bytes],
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> bytes:
    """The pages of several files (PDF or images) in order, as one PDF."""
    writer = PdfWriter()
    total = len(parts)
    _tick(progress, 0, total)
    for index, data in enumerate(parts):
        _check(cancel)
        if sniff.sniff_mime(data[:1024]) != sniff.MIME_PDF:
            data = image_file_to_pdf(data)
        writer.append(PdfReader(io.BytesIO(data)))
        _tick(progress, index + 1, total)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def image_file_to_pdf(data: bytes) -> bytes:
    """A PDF of an image file; JPEG and G4 data are embedded without re-encoding."""
    mime = sniff.sniff_mime(data[:1024])
    pages: list[Page] = []
    for im in load_pages(data):
        turned = im.getexif().get(0x0112, 1) not in (0, 1)
        upright = fix_orientation(im) if turned else im
        dpi = image_dpi(upright)
        if mime == sniff.MIME_JPEG and not turned:
            pages.append(Page(data, mime, im.width, im.height, dpi))
        elif mime == sniff.MIME_JPEG:
            pages.append(encode_page(upright, color="color", quality=90))
        elif upright.mode == "1":
            pages.append(encode_page(upright, color="bw"))
        else:
            pages.append(
                Page(_png(upright), sniff.MIME_PNG, upright.width, upright.height, dpi)
            )
    return pages_to_pdf(pages)


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    _flatten(im).save(buf, "PNG")
    return buf.getvalue()


def rotate_file(data: bytes, degrees: int) -> bytes:
    """A new file turned clockwise: PDF pages by /Rotate, images by pixels."""
    mime = sniff.sniff_mime(data[:1024])
    if mime == sniff.MIME_PDF:
        reader = PdfReader(io.BytesIO(data))
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            page.rotate(degrees)
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue()
    frames = [rotate(fix_orientation(im), degrees) for im in load_pages(data)]
    buf = io.BytesIO()
    first = frames[0]
    dpi = image_dpi(first)
    if mime == sniff.MIME_JPEG:
        with Image.open(io.BytesIO(data)) as src:
            qtables = getattr(src, "quantization", None)
        first.save(buf, "JPEG", qtables=qtables, dpi=(dpi, dpi))
    elif mime == sniff.MIME_TIFF:
        compression = "group4" if first.mode == "1" else "tiff_lzw"
        first.save(buf, "TIFF", save_all=True, append_images=frames[1:],
                   compression=compression, dpi=(dpi, dpi))  # fmt: skip
    else:
        first.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()

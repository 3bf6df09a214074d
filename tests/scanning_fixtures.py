"""Real sample files for the scanning tests, generated with Pillow/reportlab."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def text_page(
    *,
    dpi: int = 300,
    mode: str = "RGB",
    seed: int = 1,
    size_mm: tuple[int, int] = (210, 297),
) -> Image.Image:
    """A synthetic document page: margins, a title bar, lines of 'words'."""
    width = round(size_mm[0] / 25.4 * dpi)
    height = round(size_mm[1] / 25.4 * dpi)
    rng = random.Random(seed)
    im = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(im)
    unit = dpi / 100
    margin = int(20 * unit)
    draw.rectangle(
        (margin, margin, width - margin, margin + int(12 * unit)), fill=(180, 30, 30)
    )
    y = margin + int(30 * unit)
    line_h = int(7 * unit)
    while y < height - margin:
        x = margin
        while x < width - margin - int(20 * unit):
            w = int(rng.randint(4, 18) * unit)
            draw.rectangle((x, y, x + w, y + int(3.5 * unit)), fill=(20, 20, 30))
            x += w + int(2 * unit)
        y += line_h
    if mode != "RGB":
        im = im.convert(mode)
    return im


def image_bytes(
    fmt: str, *, size: tuple[int, int] = (120, 160), color: str = "navy", **kw: object
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt, **kw)
    return buf.getvalue()


def tiff_bytes(pages: int = 3) -> bytes:
    frames = [Image.new("L", (100, 140), 40 * i) for i in range(pages)]
    buf = io.BytesIO()
    frames[0].save(
        buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw"
    )
    return buf.getvalue()


def pdf_bytes(pages: int = 2, *, text: str = "page") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for i in range(pages):
        c.drawString(100, 700, f"{text} {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf_bytes() -> bytes:
    reader = PdfReader(io.BytesIO(pdf_bytes(1)))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def write_samples(folder: Path) -> dict[str, Path]:
    """One file of each supported type plus each kind of bad file."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = image_bytes("JPEG", quality=80)
    samples = {
        "good.jpg": jpeg,
        "good.png": image_bytes("PNG", color="teal"),
        "multi.tif": tiff_bytes(3),
        "doc.pdf": pdf_bytes(2),
        "locked.pdf": encrypted_pdf_bytes(),
        "broken.jpg": jpeg[: len(jpeg) // 2],
        "empty.png": b"",
        "notes.jpg": "这不是图片\n".encode() * 20,
    }
    paths = {}
    for name, data in samples.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    return paths

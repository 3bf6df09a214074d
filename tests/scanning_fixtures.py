"""Real sample files for the scanning tests, generated with Pillow/reportlab."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_HANZI = (
    "申请人营业执照经营范围住所法定代表人注册资本成立日期统一社会信用代码登记机关年月日"
)


def text_page(
    *, dpi: int = 300, mode: str = "RGB", seed: int = 1, noise: int = 6
) -> Image.Image:
    """A synthetic A4 scan: red header, 12 pt Chinese text lines, paper noise."""
    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    rng = random.Random(seed)
    im = Image.new("RGB", (width, height), (246, 244, 236))
    draw = ImageDraw.Draw(im)
    mm = dpi / 25.4
    margin = int(25 * mm)
    draw.rectangle(
        (margin, margin, width - margin, margin + int(10 * mm)), fill=(190, 30, 30)
    )
    size = int(12 / 72 * dpi)  # 12 pt
    font = ImageFont.truetype(str(FONT), size) if FONT.exists() else None
    y = margin + int(20 * mm)
    while y < height - margin - size:
        chars = rng.randint(20, 34)
        line = "".join(rng.choice(_HANZI) for _ in range(chars))
        if font is not None:
            draw.text((margin, y), line, fill=(25, 25, 35), font=font)
        else:
            draw.rectangle(
                (margin, y, margin + chars * size, y + size * 0.8), fill=(25, 25, 35)
            )
        y += int(size * 1.6)
    if noise:
        grain = Image.effect_noise((width, height), noise).convert("L")
        im = Image.blend(im, Image.merge("RGB", (grain, grain, grain)), 0.08)
    im.info["dpi"] = (dpi, dpi)
    if mode != "RGB":
        im = im.convert(mode)
        im.info["dpi"] = (dpi, dpi)
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

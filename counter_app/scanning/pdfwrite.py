"""A small PDF writer for scanned pages: one full-page image per page.

JPEG data goes in unchanged (DCTDecode) and 1-bit pages as CCITT G4, so
merging never re-encodes (no generation loss, no size growth). Other images
are stored losslessly with Flate. Page size follows the image resolution.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence

from PIL import Image, TiffImagePlugin

Progress = Callable[[int, int], None]
# (data, mime, width px, height px, dpi)
PageSpec = tuple[bytes, str, int, int, float]


def _g4_strip(tiff: bytes) -> tuple[bytes, int, int] | None:
    """The raw CCITT G4 data of a single-strip, single-page G4 TIFF."""
    with Image.open(io.BytesIO(tiff)) as im:
        if not isinstance(im, TiffImagePlugin.TiffImageFile):
            return None
        tags = im.tag_v2
        if tags.get(259) != 4 or getattr(im, "n_frames", 1) != 1:
            return None
        offsets, counts = tags.get(273), tags.get(279)
        photometric = tags.get(262, 0)
        width, height = im.size
    if isinstance(offsets, int):
        offsets, counts = (offsets,), (counts,)
    if not offsets or not counts:
        return None
    data = b"".join(tiff[o : o + c] for o, c in zip(offsets, counts, strict=True))
    if photometric != 1:  # only BlackIsZero output from Pillow is handled here
        return None
    return data, width, height


def _image_object(data: bytes, mime: str) -> tuple[dict[str, str], bytes, int, int]:
    if mime == "image/jpeg":
        with Image.open(io.BytesIO(data)) as im:
            mode, (w, h) = im.mode, im.size
        if mode in ("L", "RGB"):
            space = "/DeviceGray" if mode == "L" else "/DeviceRGB"
            fields = {
                "Filter": "/DCTDecode",
                "ColorSpace": space,
                "BitsPerComponent": "8",
            }
            return fields, data, w, h
    if mime == "image/tiff":
        g4 = _g4_strip(data)
        if g4 is not None:
            stream, w, h = g4
            parms = f"<< /K -1 /Columns {w} /Rows {h} /BlackIs1 true >>"
            fields = {
                "Filter": "/CCITTFaxDecode",
                "DecodeParms": parms,
                "ColorSpace": "/DeviceGray",
                "BitsPerComponent": "1",
            }
            return fields, stream, w, h
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        raw = (
            im.convert("L")
            if im.mode in ("1", "L", "LA", "I;16", "I")
            else im.convert("RGB")
        )
    space = "/DeviceGray" if raw.mode == "L" else "/DeviceRGB"
    fields = {"Filter": "/FlateDecode", "ColorSpace": space, "BitsPerComponent": "8"}
    return fields, zlib.compress(raw.tobytes(), 6), raw.width, raw.height


def images_to_pdf(
    pages: Sequence[PageSpec],
    *,
    progress: Progress | None = None,
    check: Callable[[], None] | None = None,
) -> bytes:
    out = io.BytesIO()
    offsets: list[int] = []

    def obj(number: int, body: bytes) -> None:
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def stream(fields: dict[str, str], payload: bytes) -> bytes:
        entries = "".join(f"/{k} {v} " for k, v in fields.items())
        head = f"<< {entries}/Length {len(payload)} >>\nstream\n".encode()
        return head + payload + b"\nendstream"

    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    count = len(pages)
    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(count))
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    for index, (data, mime, _w, _h, dpi) in enumerate(pages):
        if check is not None:
            check()
        page_no, content_no, image_no = 3 + 3 * index, 4 + 3 * index, 5 + 3 * index
        fields, payload, w, h = _image_object(data, mime)
        pt_w = w * 72.0 / dpi
        pt_h = h * 72.0 / dpi
        page = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pt_w:.3f} {pt_h:.3f}] "
            f"/Resources << /XObject << /Im0 {image_no} 0 R >> >> "
            f"/Contents {content_no} 0 R >>"
        )
        obj(page_no, page.encode())
        content = f"q {pt_w:.3f} 0 0 {pt_h:.3f} 0 0 cm /Im0 Do Q".encode()
        obj(content_no, stream({}, content))
        image_fields = {
            "Type": "/XObject",
            "Subtype": "/Image",
            "Width": str(w),
            "Height": str(h),
        }
        obj(image_no, stream(image_fields | fields, payload))
        if progress is not None:
            progress(index + 1, count)
    xref = out.tell()
    total = len(offsets) + 1
    out.write(f"xref\n0 {total}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {total} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()

"""A signature as a pad draws it, for the tests that save one."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def ink_png() -> bytes:
    """A dark-blue zig-zag on white, 480 × 160, as the pad's PNG."""
    im = Image.new("RGB", (480, 160), "white")
    ImageDraw.Draw(im).line(
        [(40 + i * 40, 60 if i % 2 else 110) for i in range(11)],
        fill=(10, 30, 140),
        width=4,
    )
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()

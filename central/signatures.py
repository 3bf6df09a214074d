"""A pushed signature is kept only whole: its PNG decodes, is a PNG, is no
bigger than the protocol allows and hashes to the SHA-256 the desk saved;
its strokes are the JSON the desk drew from. What is kept is what the
applicant signed, or nothing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from sync import protocol as p

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_STROKES_TEXT = 1024 * 1024  # 20,000 points as JSON, with room


def invalid(payload: dict[str, Any]) -> str:
    """The first field that is not as a desk writes it; "" when all are."""
    for key in ("application_id", "document", "signer", "signed_at", "clerk"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            return key
    for key in ("width", "height"):
        value = payload.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return key
    strokes = payload.get("strokes")
    if not isinstance(strokes, str) or len(strokes) > MAX_STROKES_TEXT:
        return "strokes"
    try:
        if not isinstance(json.loads(strokes), list):
            return "strokes"
    except ValueError:
        return "strokes"
    encoded = payload.get("png")
    if not isinstance(encoded, str) or len(encoded) > 2 * p.MAX_SIGNATURE_PNG:
        return "png"
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "png"
    if not png.startswith(PNG_MAGIC) or len(png) > p.MAX_SIGNATURE_PNG:
        return "png"
    if hashlib.sha256(png).hexdigest() != payload.get("png_sha256"):
        return "png_sha256"
    return ""

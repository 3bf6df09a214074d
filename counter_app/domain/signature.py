"""A handwritten signature as strokes: the rules a signature must meet
before it is kept (no Qt; the pad widget draws, this checks).

A stroke is a list of points ``(x, y, pressure)`` in the pad's pixels,
pressure 0–1 (1 for a mouse). A signature is accepted when it has ink:
enough points and a trace longer than a stray tap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from itertools import pairwise

from counter_app.domain.errors import DomainError
from counter_app.i18n import N_, _

Point = tuple[float, float, float]
Stroke = Sequence[Point]

# The documents an applicant signs at the window.
SIGNABLE: dict[str, str] = {
    "receipt": N_("受理回执"),
    "notice": N_("一次性告知书"),
    "commitment": N_("告知承诺书"),
    "delivery": N_("送达回证"),
}
MIN_POINTS = 5
MIN_INK = 40.0  # pixels of trace
MAX_POINTS = 20_000


class SignatureError(DomainError):
    """A signature that cannot be kept, or one already kept."""


def ink_length(strokes: Sequence[Stroke]) -> float:
    return sum(
        math.dist(a[:2], b[:2]) for stroke in strokes for a, b in pairwise(stroke)
    )


def check_strokes(strokes: Sequence[Stroke], *, width: int, height: int) -> str:
    """The strokes as compact JSON, or SignatureError saying what to do."""
    points = sum(len(s) for s in strokes)
    if points < MIN_POINTS or ink_length(strokes) < MIN_INK:
        raise SignatureError(
            _("签名太短或为空：请申请人在签名框内完整签名后再保存"), field="signature"
        )
    if points > MAX_POINTS:
        raise SignatureError(_("签名笔画过多，请清除后重新签名"), field="signature")
    rows = []
    for stroke in strokes:
        row = []
        for x, y, p in stroke:
            if not (0 <= x <= width and 0 <= y <= height and 0 <= p <= 1):
                raise SignatureError(
                    _("签名超出签名框，请清除后重新签名"), field="signature"
                )
            row.append([round(x, 1), round(y, 1), round(p, 2)])
        rows.append(row)
    return json.dumps(rows, separators=(",", ":"))

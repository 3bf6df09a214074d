"""Readers that type: a keyboard-wedge reader (and a hand scanner of the
number on the card) sends the 18 characters as key presses, much faster
than a person types, then Enter. ``WedgeBuffer`` tells the two apart from
the key timings; the Qt event filter that feeds it is in the UI.

A wedge reader delivers only the number: the form gets the ID number, the
birth date and sex it encodes; name and address stay for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from counter_app.devices.card import CardData, CardError
from counter_app.domain.identifiers import (
    IdType,
    InvalidIdentifier,
    normalize,
    validate_identifier,
)
from counter_app.i18n import _

MIN_LENGTH = 15


@dataclass
class WedgeBuffer:
    """Collects printable keys; ``feed`` returns the number when Enter ends
    a burst typed faster than ``max_gap_ms`` between keys."""

    max_gap_ms: int = 60
    _chars: list[str] = field(default_factory=list)
    _last_ms: float | None = None

    def feed(self, text: str, at_ms: float) -> str | None:
        slow = self._last_ms is not None and at_ms - self._last_ms > self.max_gap_ms
        self._last_ms = at_ms
        if text in ("\r", "\n"):
            burst = "".join(self._chars)
            self._chars.clear()
            self._last_ms = None
            if slow or len(burst) < MIN_LENGTH:
                return None
            return normalize(burst)
        if slow:
            self._chars.clear()
        if len(text) == 1 and text.isprintable():
            self._chars.append(text)
        return None

    def pending(self) -> int:
        return len(self._chars)


def wedge_id_type(number: str) -> IdType | None:
    """The document a typed number belongs to, or None when it is none of
    the card types a reader reads."""
    # Residence permits first: their 81/82/83 prefixes pass as resident IDs.
    for kind in (
        IdType.HK_MACAO_RESIDENCE,
        IdType.TAIWAN_RESIDENCE,
        IdType.FOREIGN_PERMANENT,
        IdType.RESIDENT_ID,
    ):
        try:
            validate_identifier(kind, number)
        except InvalidIdentifier:
            continue
        return kind
    return None


class WedgeReader:
    """The driver face of a typing reader: it answers no calls, the number
    arrives as keys (see the intake form's key filter)."""

    name = "wedge"

    def probe(self) -> str:
        return ""

    def read(self) -> CardData:
        raise CardError(
            _("本机读卡器以键盘方式输入：请在证件号码栏刷卡，号码会自动填入")
        )

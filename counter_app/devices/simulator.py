"""A reader that replays recorded cards (``counter_app/resources/devices/cards.json``):
the demo, the tests and a desk without a reader use it like a real one.

Each ``read`` returns the next card in the file, round and round; ``put``
lays a given card on the reader for the next read (tests, the device page).
A record with ``error`` replays a read failure with its message.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.devices.card import CardData, CardError
from counter_app.domain.identifiers import IdType
from counter_app.i18n import _


def card_from_record(rec: dict[str, Any]) -> CardData:
    """A card from one recorded entry (dates ISO, photo base64 PNG)."""
    valid_to = rec.get("valid_to")
    return CardData(
        card_type=IdType(rec["card_type"]),
        name=rec["name"],
        sex=rec["sex"],
        birth_date=date.fromisoformat(rec["birth_date"]),
        id_number=rec["id_number"],
        valid_from=date.fromisoformat(rec["valid_from"]),
        valid_to=date.fromisoformat(valid_to) if valid_to else None,
        ethnicity=rec.get("ethnicity", ""),
        address=rec.get("address", ""),
        authority=rec.get("authority", ""),
        photo=base64.b64decode(rec.get("photo") or ""),
        english_name=rec.get("english_name", ""),
        nationality=rec.get("nationality", ""),
        permit_number=rec.get("permit_number", ""),
        issue_count=int(rec.get("issue_count", 0)),
    )


class SimulatorReader:
    name = "simulator"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] | None = None
        self._next = 0
        self._placed: str | None = None

    def _load(self) -> list[dict[str, Any]]:
        if self._records is None:
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                self._records = list(doc["cards"])
            except (OSError, ValueError, KeyError) as exc:
                raise CardError(
                    _("模拟读卡器的卡片文件 {path} 无法读取：{reason}").format(
                        path=str(self.path), reason=str(exc)
                    )
                ) from None
        return self._records

    def keys(self) -> list[str]:
        return [str(r.get("key", "")) for r in self._load()]

    def put(self, key: str) -> None:
        """The card recorded under ``key`` is read next."""
        if key not in self.keys():
            raise KeyError(key)
        with self._lock:
            self._placed = key

    def probe(self) -> str:
        try:
            return "" if self._load() else _("模拟读卡器的卡片文件中没有卡片")
        except CardError as exc:
            return str(exc)

    def read(self) -> CardData:
        records = self._load()
        with self._lock:
            if self._placed is not None:
                rec = next(r for r in records if r.get("key") == self._placed)
                self._placed = None
            else:
                rec = records[self._next % len(records)]
                self._next += 1
        if "error" in rec:
            raise CardError(str(rec["error"]))
        return card_from_record(rec)

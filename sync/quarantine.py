"""Feed changes the desk cannot apply yet: stored with their reason and
payload (table ``pull_quarantine``), retried at the start of every pull
(after an upgrade or a catalog update they apply), shown to the clerk.

One row per record (``kind`` + ``entity_key``): a later change of the same
record replaces an earlier one, and once a change of that record applies,
its quarantined predecessor is gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.text import shown
from counter_app.i18n import N_, _
from sync import protocol as p

REASON_UNKNOWN_KIND: Final = "unknown_kind"
REASON_NEWER_SCHEMA: Final = "newer_schema"
REASON_UNKNOWN_ITEM: Final = "unknown_item"
REASON_UNKNOWN_APPLICATION: Final = "unknown_application"
REASON_DUPLICATE_NUMBER: Final = "duplicate_number"
REASON_INVALID: Final = "invalid"

REASON_TEXTS: Final = {
    REASON_UNKNOWN_KIND: N_("本机版本不认识这类变更，请升级本软件"),
    REASON_NEWER_SCHEMA: N_("变更的格式版本比本机软件新，请升级本软件"),
    REASON_UNKNOWN_ITEM: N_("本机事项目录中没有该事项，待目录更新后自动重试"),
    REASON_UNKNOWN_APPLICATION: N_("本机没有该办件"),
    REASON_DUPLICATE_NUMBER: N_("受理编号与本机已有的办件重复"),
    REASON_INVALID: N_("变更内容不完整或格式不对"),
}


class Unapplicable(Exception):
    """Raised while applying a change: keep it in quarantine."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class QuarantinedChange:
    id: int
    seq: int
    kind: str
    entity_key: str
    body: Any  # as it came in the feed (a dict, unless it was malformed)
    reason: str
    detail: str
    first_seen: str
    last_tried: str
    attempts: int

    @property
    def reason_text(self) -> str:
        text = REASON_TEXTS.get(self.reason)
        words = _(text) if text else self.reason
        return f"{words}（{self.detail}）" if self.detail else words

    @property
    def record(self) -> str:
        """What the change is about, for the list (a number, a code, a name)."""
        body = self.body if isinstance(self.body, dict) else {}
        for key in ("acceptance_no", "code", "username", "year", "application_id"):
            value = body.get(key)
            if value not in (None, ""):
                return storable(str(value))
        return self.entity_key


_KEY_FIELDS: Final = {
    p.CHANGE_CATALOG_ITEM: "code",
    p.CHANGE_CALENDAR_YEAR: "year",
    p.CHANGE_USER: "username",
    p.CHANGE_APPLICATION_STATUS: "application_id",
    p.CHANGE_SITE_APPLICATION: "application_id",
    p.CHANGE_WINDOW_PUSH: "desk_id",
}


def entity_key(kind: str, body: Any, seq: int) -> str:
    """The record a change is about; changes of unknown shape each keep
    their own row (keyed by the feed position)."""
    field = _KEY_FIELDS.get(kind)
    if kind == p.CHANGE_CATALOG_META:
        return "catalog"
    if field and isinstance(body, dict) and body.get(field) not in (None, ""):
        return storable(str(body[field]))
    return f"seq:{seq}"


def storable(text: str, *, limit: int = 200) -> str:
    """``text`` as a quarantine row can hold and the list can show: broken
    Unicode (which SQLite cannot store) as U+FFFD, at most ``limit``
    characters. A hostile feed must not make the quarantine itself fail."""
    safe = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return safe[:limit]


def _body_text(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    if any("\ud800" <= c <= "\udfff" for c in text):
        # ASCII escapes keep broken Unicode exactly, for a later retry.
        text = json.dumps(body, sort_keys=True, default=str)
    return text


def put(
    db: Database,
    *,
    seq: int,
    kind: str,
    key: str,
    body: Any,
    reason: str,
    detail: str,
) -> None:
    now = clock.now_iso()
    db.execute(
        "INSERT INTO pull_quarantine (seq, kind, entity_key, body, reason, detail,"
        " first_seen, last_tried, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
        " ON CONFLICT(kind, entity_key) DO UPDATE SET seq = excluded.seq,"
        " body = excluded.body, reason = excluded.reason,"
        " detail = excluded.detail, last_tried = excluded.last_tried,"
        " attempts = attempts + 1",
        [
            seq,
            storable(kind),
            storable(key),
            _body_text(body),
            reason,
            shown(detail, limit=300),
            now,
            now,
        ],
    )


def forget(db: Database, *, kind: str, key: str) -> None:
    """The record's change applied: an older quarantined one is superseded."""
    db.execute(
        "DELETE FROM pull_quarantine WHERE kind = ? AND entity_key = ?", [kind, key]
    )


def changes(db: Database) -> list[QuarantinedChange]:
    """Everything in quarantine, oldest feed position first."""
    rows = db.execute(
        "SELECT id, seq, kind, entity_key, body, reason, detail, first_seen,"
        " last_tried, attempts FROM pull_quarantine ORDER BY seq, id"
    ).fetchall()
    out: list[QuarantinedChange] = []
    for row in rows:
        body = json.loads(row[4])
        out.append(
            QuarantinedChange(
                id=int(row[0]),
                seq=int(row[1]),
                kind=str(row[2]),
                entity_key=str(row[3]),
                body=body,
                reason=str(row[5]),
                detail=str(row[6]),
                first_seen=str(row[7]),
                last_tried=str(row[8]),
                attempts=int(row[9]),
            )
        )
    return out


def count(db: Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM pull_quarantine").fetchone()[0])

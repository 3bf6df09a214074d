"""The audit log and application timeline.

Each event is one link of an SM3 hash chain (``sync.protocol.event_hash``):
``seq`` counts 1, 2, 3, …, ``prev_hash`` is the previous event's hash. The
head is read and the new link written inside the caller's write transaction
(``Store.transaction``: ``BEGIN IMMEDIATE``), so two processes appending at
once are serialised by SQLite and never fork the chain; the UNIQUE index on
``seq`` makes a fork impossible even for a writer that forgot the rule.
"""

from __future__ import annotations

import json
from typing import Any, Final

from sqlite_utils import Database

from counter_app.clock import now_iso
from sync.protocol import (
    GENESIS_HASH,
    OUTCOME_FAILURE,
    OUTCOME_SUCCESS,
    event_hash,
    new_op_id,
)

# Kinds of the security events the audit must hold (等保 安全审计). Business
# kinds (decision.*, print.*, material.*, …) are named where they happen.
# Sign-in and accounts (services/users.py): object user:<name>, outcome
# success or failure, the detail says how (failed, locked) and the way in.
KIND_SIGNIN: Final = "sign_in"
KIND_ACCOUNT_LOCKED: Final = "account_locked"
KIND_ACCOUNT_UNLOCKED: Final = "account_unlocked"
KIND_PASSWORD_CHANGED: Final = "password_changed"
KIND_PASSWORD_RESET: Final = "password_reset"
KIND_USER_CHANGED: Final = "user_saved"
KIND_SETTING_CHANGED: Final = "setting.changed"
KIND_AUDIT_ARCHIVED: Final = "audit.archived"

#: The last word of a kind that means the action did not succeed.
_FAILURE_WORDS: Final = frozenset(
    {"failed", "failure", "error", "rejected", "refused", "denied", "locked_out"}
)

EVENT_COLUMNS: Final = (
    "seq, uid, at, actor, kind, object, outcome, application_id, detail,"
    " prev_hash, hash"
)


def add_event(
    db: Database,
    *,
    kind: str,
    actor: str,
    application_id: str | None = None,
    detail: dict[str, Any] | None = None,
    target: str | None = None,
    outcome: str | None = None,
) -> int:
    """Append one event to the chain; returns its sequence number.

    ``target`` (the event's object) defaults to ``application:<id>``; ``outcome`` to failure for
    kinds ending in a failure word (``signin.failed``), else success. Call it
    with the ``db`` of ``store.transaction()``; outside a transaction it
    opens its own ``BEGIN IMMEDIATE`` for the read-then-write."""
    if target is None:
        target = f"application:{application_id}" if application_id else ""
    if outcome is None:
        last = kind.rsplit(".", 1)[-1]
        outcome = OUTCOME_FAILURE if last in _FAILURE_WORDS else OUTCOME_SUCCESS
    event: dict[str, Any] = {
        "at": now_iso(),
        "actor": actor,
        "kind": kind,
        "object": target,
        "outcome": outcome,
        "application_id": application_id,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    }
    conn = db.conn
    if conn.in_transaction:
        return _append(db, event)
    conn.execute("BEGIN IMMEDIATE")
    try:
        seq = _append(db, event)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return seq


def _append(db: Database, event: dict[str, Any]) -> int:
    head_seq, head_hash = chain_head(db)
    event["seq"] = head_seq + 1
    event["prev_hash"] = head_hash
    event["hash"] = event_hash(event)
    db.execute(
        "INSERT INTO events (seq, uid, at, actor, kind, object, outcome,"
        " application_id, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            event["seq"],
            new_op_id(),
            event["at"],
            event["actor"],
            event["kind"],
            event["object"],
            event["outcome"],
            event["application_id"],
            event["detail"],
            event["prev_hash"],
            event["hash"],
        ],
    )
    return int(event["seq"])


def chain_head(db: Database) -> tuple[int, str]:
    """(seq, hash) of the last event, archived or not; (0, GENESIS) if none."""
    row = db.execute(
        "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    return archive_anchor(db)


def archive_anchor(db: Database) -> tuple[int, str]:
    """(seq, hash) of the last archived event: where the live table's chain
    starts; (0, GENESIS) when nothing was archived."""
    row = db.execute(
        "SELECT last_seq, last_hash FROM audit_archives ORDER BY last_seq DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS_HASH)

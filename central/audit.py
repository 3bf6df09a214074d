"""The desks' audit trails on the platform: append-only, checked as chains.

A desk pushes its events (entity ``event``) and then its chain head. The
platform stores each event once under (desk, seq) and never changes it: a
different event under a stored sequence is refused and recorded as a
finding. An event that does not continue the stored chain (its own hash
wrong, a link to a different previous hash, a missing predecessor) is kept
as received with its problem, so the evidence stays. The head tells what
the desk holds now; comparing it with the stored chain shows events deleted
or rewritten on the desk after they were pushed.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sync import protocol as p

from .db import Conn, Database
from .feed import Desk

_FIELDS = (
    "seq",
    "at",
    "actor",
    "kind",
    "object",
    "outcome",
    "application_id",
    "detail",
    "prev_hash",
    "hash",
)
_STR_FIELDS = (
    "at",
    "actor",
    "kind",
    "object",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
)


def _valid(op: p.Op) -> p.EventPayload | None:
    payload = op["payload"]
    if set(payload) != set(_FIELDS):
        return None
    seq = payload.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return None
    if op["entity_id"] != str(seq):
        return None
    if not all(isinstance(payload.get(k), str) for k in _STR_FIELDS):
        return None
    app = payload.get("application_id")
    if app is not None and not isinstance(app, str):
        return None
    if not (p.is_sha256_hex(payload["hash"]) and p.is_sha256_hex(payload["prev_hash"])):
        return None
    return cast(p.EventPayload, payload)


def apply_event(conn: Conn, desk: Desk, op: p.Op) -> p.OpResult:
    event = _valid(op)
    if event is None:
        return p.OpResult(
            op_id=op["op_id"],
            result="rejected",
            reason=p.REASON_INVALID_PAYLOAD,
            detail="event",
        )
    seq = event["seq"]
    stored = conn.one(
        "SELECT * FROM audit_events WHERE desk_id = ? AND seq = ?", (desk.id, seq)
    )
    if stored is not None:
        if all(stored[k] == event[k] for k in _FIELDS):  # type: ignore[literal-required]
            return p.OpResult(op_id=op["op_id"], result="applied")
        return p.OpResult(
            op_id=op["op_id"],
            result="rejected",
            reason=p.REASON_EVENT_CHANGED,
            detail=str(seq),
        )
    problem = None
    if p.event_hash(event) != event["hash"]:
        problem = p.BREAK_ALTERED
    elif seq > 1:
        before = conn.one(
            "SELECT hash FROM audit_events WHERE desk_id = ? AND seq = ?",
            (desk.id, seq - 1),
        )
        if before is None:
            problem = p.BREAK_DELETED
        elif before["hash"] != event["prev_hash"]:
            problem = p.BREAK_ALTERED
    elif event["prev_hash"] != p.GENESIS_HASH:
        problem = p.BREAK_ALTERED
    now = p.utc_now_iso()
    conn.execute(
        "INSERT INTO audit_events (desk_id, seq, op_id, at, actor, kind, object,"
        " outcome, application_id, detail, prev_hash, hash, problem, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            desk.id,
            seq,
            op["op_id"],
            *(event[k] for k in _FIELDS[1:]),  # type: ignore[literal-required]
            problem,
            now,
        ),
    )
    if problem is not None:
        _finding(
            conn,
            desk.id,
            seq if problem != p.BREAK_DELETED else seq - 1,
            problem,
            "arrived not continuing the chain",
            now,
        )
    return p.OpResult(op_id=op["op_id"], result="applied")


def record_refusal(conn: Conn, desk: Desk, op: p.Op, result: p.OpResult) -> None:
    """A refused event op (changed event, reused op id) is a finding too;
    called in the push's transaction after the op's savepoint rolled back."""
    payload = op.get("payload") if isinstance(op.get("payload"), dict) else {}
    seq = payload.get("seq") if isinstance(payload, dict) else None
    _finding(
        conn,
        desk.id,
        seq if isinstance(seq, int) else 0,
        p.BREAK_ALTERED,
        f"refused: {result.get('reason', '')}",
        p.utc_now_iso(),
    )


def _finding(
    conn: Conn, desk_id: str, seq: int, problem: str, detail: str, at: str
) -> None:
    known = conn.one(
        "SELECT 1 AS x FROM audit_findings WHERE desk_id = ? AND seq = ?"
        " AND problem = ? AND detail = ?",
        (desk_id, seq, problem, detail),
    )
    if known is None:
        conn.execute(
            "INSERT INTO audit_findings (desk_id, seq, problem, detail, found_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (desk_id, seq, problem, detail, at),
        )


def check_head(db: Database, desk: Desk, head: p.AuditHead) -> p.AuditHeadResponse:
    """Compare the desk's head with the stored chain; record what differs."""
    problems: list[p.AuditBreak] = []
    head_seq = int(head["head_seq"])
    now = p.utc_now_iso()
    with db.transaction() as conn:
        top = conn.one(
            "SELECT MAX(seq) AS seq FROM audit_events WHERE desk_id = ?", (desk.id,)
        )
        platform_seq = int(top["seq"] or 0) if top else 0

        def at_of(seq: int) -> dict[str, Any] | None:
            return conn.one(
                "SELECT at, hash FROM audit_events WHERE desk_id = ? AND seq = ?",
                (desk.id, seq),
            )

        if head_seq < platform_seq:
            row = at_of(head_seq + 1)
            problems.append(
                p.AuditBreak(
                    seq=head_seq + 1,
                    at=str(row["at"]) if row else "",
                    problem=p.BREAK_DELETED,
                    detail=f"desk ends at {head_seq}, platform holds {platform_seq}",
                )
            )
        stored = at_of(head_seq) if head_seq else None
        if stored is not None:
            for key, what in (("head_hash", "stored"), ("chain_hash", "recomputed")):
                value = head.get(key)
                if value is not None and value != stored["hash"]:
                    problems.append(
                        p.AuditBreak(
                            seq=head_seq,
                            at=str(stored["at"]),
                            problem=p.BREAK_ALTERED,
                            detail=f"{what} head differs: events up to {head_seq} changed",
                        )
                    )
        anchor = int(head["anchor_seq"])
        held = conn.one(
            "SELECT COUNT(*) AS n FROM audit_events WHERE desk_id = ?"
            " AND seq > ? AND seq <= ?",
            (desk.id, anchor, head_seq),
        )
        held_n = int(held["n"]) if held else 0
        if int(head["count"]) < held_n:
            problems.append(
                p.AuditBreak(
                    seq=anchor + 1,
                    at="",
                    problem=p.BREAK_DELETED,
                    detail=f"desk holds {head['count']} of {held_n} events"
                    f" in {anchor + 1}–{head_seq}",
                )
            )
        broken = head.get("broken")
        if isinstance(broken, dict):
            problems.append(
                p.AuditBreak(
                    seq=int(broken.get("seq", 0)),
                    at=str(broken.get("at", "")),
                    problem=str(broken.get("problem", "")),
                    detail="desk: " + str(broken.get("detail", "")),
                )
            )
        for b in problems:
            _finding(conn, desk.id, b["seq"], b["problem"], b["detail"], now)
        conn.execute(
            "INSERT INTO audit_heads (desk_id, head_seq, head_hash, body, ok,"
            " reported_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (desk_id) DO UPDATE"
            " SET head_seq = excluded.head_seq, head_hash = excluded.head_hash,"
            " body = excluded.body, ok = excluded.ok,"
            " reported_at = excluded.reported_at",
            (
                desk.id,
                head_seq,
                str(head["head_hash"]),
                json.dumps(dict(head), ensure_ascii=False),
                int(not problems),
                now,
            ),
        )
    return p.AuditHeadResponse(
        ok=not problems,
        platform_seq=platform_seq,
        problems=problems,
        server_time=p.utc_now_iso(),
    )


def verify_desk(db: Database, desk_id: str) -> tuple[bool, list[str]]:
    """``verify-audit --desk``: the stored chain, its gaps, and the findings
    (refusals, the desk's last head). Returns (intact, lines to print)."""
    with db.transaction(write=False) as conn:
        rows = conn.all(
            "SELECT seq, at, actor, kind, object, outcome, application_id, detail,"
            " prev_hash, hash FROM audit_events WHERE desk_id = ? ORDER BY seq",
            (desk_id,),
        )
        findings = conn.all(
            "SELECT seq, problem, detail, found_at FROM audit_findings"
            " WHERE desk_id = ? ORDER BY seq, id",
            (desk_id,),
        )
        head = conn.one("SELECT * FROM audit_heads WHERE desk_id = ?", (desk_id,))
    hashes = {r["hash"] for r in rows}
    lines: list[str] = []
    count, broken, _ = p.check_chain(rows, hash_known=hashes.__contains__)
    expected = 1
    gaps: list[str] = []
    for r in rows:
        seq = int(r["seq"])
        if seq > expected:
            gaps.append(
                f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
            )
        expected = seq + 1
    if broken is not None:
        lines.append(
            f"chain broken at seq {broken['seq']} ({broken['at']}):"
            f" {broken['problem']} ({broken['detail']})"
        )
    if gaps:
        lines.append("gaps (events never received): " + ", ".join(gaps))
    for f in findings:
        lines.append(
            f"finding at seq {f['seq']}: {f['problem']} — {f['detail']}"
            f" (found {f['found_at']})"
        )
    if head is not None and not head["ok"]:
        lines.append(
            f"the desk's last head (seq {head['head_seq']}, {head['reported_at']})"
            " did not match the platform's chain"
        )
    intact = not lines
    last = int(rows[-1]["seq"]) if rows else 0
    summary = (
        f"desk {desk_id}: {len(rows)} event(s) stored, seq 1–{last};"
        f" chain intact through {count} event(s)"
    )
    if head is not None:
        summary += f"; desk's last head seq {head['head_seq']} at {head['reported_at']}"
    return intact, [summary, *lines]

"""Pushing the audit chain: events as append-only ops, then the head.

Events are read from the ``events`` table itself (not the outbox) in
``seq`` order from the last sequence the platform acknowledged, so what the
platform receives is exactly what the desk holds at push time; a row edited
before it was pushed arrives with a hash that no longer matches and the
platform flags it. After the events, the chain head goes to the platform,
which compares it with what it stored: events deleted or rewritten on the
desk after they were pushed show up there (see ``central/audit.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from counter_app.store import audit, settings
from counter_app.store.db import Store
from counter_app.store.events import EVENT_COLUMNS
from sync import protocol as p
from sync.state import get_state, put_state

#: Setting: how often the desk re-walks its live chain for the head report
#: (0 = every round).
RECHECK_KEY: Final = "audit.recheck_minutes"
CHECKED_AT_KEY: Final = "audit.checked_at"
PROBLEM_KEY: Final = "audit.platform_problem"


def next_events(store: Store, limit: int) -> list[dict[str, Any]]:
    """The next events the platform has not acknowledged; archived ones too
    (after enrolling with another platform the chain goes up from 1)."""
    after = audit.pushed_seq(store.db)
    cursor = store.db.execute(
        f"SELECT * FROM (SELECT {EVENT_COLUMNS} FROM events_archive WHERE seq > ?"
        f" UNION ALL SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?)"
        " ORDER BY seq LIMIT ?",
        [after, after, limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def event_op(row: dict[str, Any]) -> dict[str, Any]:
    payload = p.EventPayload(
        seq=int(row["seq"]),
        at=str(row["at"]),
        actor=str(row["actor"]),
        kind=str(row["kind"]),
        object=str(row["object"]),
        outcome=str(row["outcome"]),
        application_id=row["application_id"],
        detail=str(row["detail"]),
        prev_hash=str(row["prev_hash"]),
        hash=str(row["hash"]),
    )
    return {
        "op_id": row["uid"],
        "entity": p.ENTITY_EVENT,
        "entity_id": str(row["seq"]),
        "base_version": None,
        "payload": dict(payload),
        "created_at": row["at"],
    }


def record_results(
    store: Store, batch: list[dict[str, Any]], results: list[dict[str, Any]]
) -> tuple[int, str]:
    """Advance the acknowledged sequence over the answered events; returns
    (events stored, the platform's reasons for refusals).

    A refused event (the platform holds a different one under its sequence)
    is passed over: the platform keeps its copy and a finding, and the
    events after it must still reach it. An event without an answer stops
    the advance; it is sent again next time."""
    by_id = {str(r.get("op_id")): r for r in results}
    acked, last = 0, audit.pushed_seq(store.db)
    reasons: list[str] = []
    for row in batch:
        res = by_id.get(str(row["uid"]))
        if res is None:
            break
        if res.get("result") in p.SUCCESS_RESULTS:
            acked += 1
        else:
            reasons.append(
                f"seq {row['seq']}: {res.get('reason') or res.get('result')}"
            )
        last = int(row["seq"])
    with store.transaction() as db:
        put_state(db, audit.PUSHED_SEQ_KEY, str(last))
    return acked, "; ".join(reasons)


def head_report(store: Store, now: datetime) -> p.AuditHead:
    """The head; the whole live chain is re-walked at most every
    ``audit.recheck_minutes`` (about 16 µs per event on a 2-core machine)."""
    minutes = settings.get(store.db, RECHECK_KEY)
    last = get_state(store.db, CHECKED_AT_KEY)
    walk = True
    if last and minutes.isdigit():
        try:
            age = (now - datetime.fromisoformat(last)).total_seconds()
            walk = age >= int(minutes) * 60 or age < 0
        except ValueError:
            walk = True
    report = audit.head_report(store.db, walk=walk)
    if walk:
        with store.transaction() as db:
            put_state(db, CHECKED_AT_KEY, now.isoformat())
    return report


def record_answer(store: Store, answer: dict[str, Any]) -> list[p.AuditBreak]:
    problems: list[p.AuditBreak] = list(answer.get("problems") or [])
    with store.transaction() as db:
        put_state(db, PROBLEM_KEY, problem_text(problems))
    return problems


def problem_text(problems: list[p.AuditBreak]) -> str:
    return "; ".join(f"{b['problem']} at {b['seq']} ({b['detail']})" for b in problems)

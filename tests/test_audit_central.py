"""The audit trail on the platform: events pushed append-only per desk, the
chain head compared each round, and ``python -m central verify-audit --desk``
finding what was deleted or rewritten on the desk — with the real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter_app.store import settings
from counter_app.store.db import DB_FILENAME
from counter_app.store.events import add_event
from sync import protocol as p
from sync.engine import EngineConfig, SyncReport
from sync.runner import sync_once
from tests.audit_fixtures import open_raw
from tests.central_fixtures import (
    CentralServer,
    DeskClient,
    PostgresCluster,
    postgres_cluster,  # noqa: F401
    start_central,
)
from tests.sync_fixtures import (
    FAST_RETRY,
    Desk,
    central_db,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    make_desk,
)

pytestmark = pytest.mark.e2e


def _round(desk: Desk) -> SyncReport:
    report = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
    assert report.ok, report.error
    return report


def _desk_with_events(central: CentralServer, tmp_path: Path, n: int = 12) -> Desk:
    desk = make_desk(central, tmp_path / "desk")
    with desk.store() as store, store.transaction() as db:
        settings.put(db, "audit.recheck_minutes", "0")  # walk every round
        for i in range(n):
            add_event(db, kind="record.read", actor="clerk01", application_id=f"a{i}")
    return desk


def _tamper(desk: Desk, sql: str) -> None:
    with open_raw(desk.data_dir / DB_FILENAME) as raw:
        raw.execute(sql)


def _platform_events(central: CentralServer, desk_id: str) -> dict[int, str]:
    with central_db(central) as conn:
        return {
            r["seq"]: r["hash"]
            for r in conn.execute(
                "SELECT seq, hash FROM audit_events WHERE desk_id = ?", (desk_id,)
            )
        }


def _local_events(desk: Desk) -> dict[int, str]:
    with desk.store() as store:
        return dict(store.db.execute("SELECT seq, hash FROM events").fetchall())


def test_events_reach_the_platform_and_verify(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk_with_events(central, tmp_path)
    report = _round(desk)
    assert report.events_pushed == len(_local_events(desk)) >= 12
    assert report.audit_problems == []
    assert _platform_events(central, desk.desk_id) == _local_events(desk)
    done = central.cli("verify-audit", "--desk", desk.desk_id, check=False)
    assert done.returncode == 0, done.stdout
    assert "chain intact" in done.stdout
    assert _round(desk).events_pushed == 0  # nothing twice


def test_an_event_edited_after_sync_is_reported_by_the_platform(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk_with_events(central, tmp_path)
    _round(desk)
    _tamper(desk, "UPDATE events SET actor = 'someone' WHERE seq = 3")
    report = _round(desk)
    assert any("altered at 3" in text for text in report.audit_problems), report
    done = central.cli("verify-audit", "--desk", desk.desk_id, check=False)
    assert done.returncode == 1
    assert "finding at seq 3: altered" in done.stdout
    # The platform's copy is untouched.
    with central_db(central) as conn:
        actor = conn.execute(
            "SELECT actor FROM audit_events WHERE desk_id = ? AND seq = 3",
            (desk.desk_id,),
        ).fetchone()[0]
    assert actor == "clerk01"


def test_events_deleted_after_sync_are_found_by_the_platform(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk_with_events(central, tmp_path)
    _round(desk)
    held = max(_platform_events(central, desk.desk_id))
    _tamper(desk, "DELETE FROM events WHERE seq = 5")
    report = _round(desk)
    assert any("deleted at 5" in text for text in report.audit_problems), report
    _tamper(desk, f"DELETE FROM events WHERE seq >= {held - 1}")
    _tamper(desk, "DELETE FROM sync_state WHERE key = 'audit.pushed_seq'")
    report = _round(desk)
    assert any(f"deleted at {held - 1}" in t for t in report.audit_problems), report
    done = central.cli("verify-audit", "--desk", desk.desk_id, check=False)
    assert done.returncode == 1
    assert "finding at seq 5: deleted" in done.stdout
    assert f"desk ends at {held - 2}, platform holds {held}" in done.stdout


def test_an_event_edited_before_sync_arrives_flagged(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk_with_events(central, tmp_path)
    _tamper(desk, "UPDATE events SET detail = '{\"x\":1}' WHERE seq = 7")
    _round(desk)
    done = central.cli("verify-audit", "--desk", desk.desk_id, check=False)
    assert done.returncode == 1
    assert "chain broken at seq 7" in done.stdout
    assert "altered" in done.stdout


def _event(seq: int, prev: str, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "seq": seq,
        "at": f"2026-11-25T10:00:{seq:02d}+08:00",
        "actor": "clerk01",
        "kind": "print.printed",
        "object": f"application:A{seq}",
        "outcome": "success",
        "application_id": f"A{seq}",
        "detail": "{}",
        "prev_hash": prev,
    }
    payload.update(changes)
    payload["hash"] = p.event_hash(payload)
    return {
        "op_id": p.new_op_id(),
        "entity": p.ENTITY_EVENT,
        "entity_id": str(seq),
        "base_version": None,
        "payload": payload,
        "created_at": payload["at"],
    }


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CentralServer]:
    url = None
    if request.param == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
    with start_central(tmp_path_factory.mktemp("central"), database_url=url) as c:
        yield c


def _chain(n: int) -> list[dict[str, Any]]:
    ops, prev = [], p.GENESIS_HASH
    for seq in range(1, n + 1):
        op = _event(seq, prev)
        ops.append(op)
        prev = op["payload"]["hash"]
    return ops


def test_platform_refuses_a_changed_event_and_reports_gaps(
    server: CentralServer,
) -> None:
    desk: DeskClient = server.new_desk()
    ops = _chain(6)
    assert [r["result"] for r in desk.push(*ops[:4])] == ["applied"] * 4
    # Same sequence, different content (a new op id): refused.
    changed = _event(2, ops[0]["payload"]["hash"], actor="intruder")
    [result] = desk.push(changed)
    assert (result["result"], result["reason"]) == ("rejected", p.REASON_EVENT_CHANGED)
    # Same op id, different body: refused too.
    reused = dict(changed, op_id=ops[2]["op_id"])
    [result] = desk.push(reused)
    assert (result["result"], result["reason"]) == ("rejected", p.REASON_OP_ID_REUSED)
    assert desk.push(ops[1])[0]["result"] == "duplicate"
    # Event 5 never arrives: 6 is kept, and the gap is reported.
    assert desk.push(ops[5])[0]["result"] == "applied"
    resp = desk.request(
        "POST",
        p.PATH_AUDIT_HEAD,
        json={
            "head_seq": 6,
            "head_hash": ops[5]["payload"]["hash"],
            "count": 6,
            "anchor_seq": 0,
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["ok"] is True and resp.json()["platform_seq"] == 6
    done = server.cli("verify-audit", "--desk", desk.desk_id, check=False)
    assert done.returncode == 1
    assert "gaps (events never received): 5" in done.stdout
    assert "chain broken at seq 5" in done.stdout
    assert "refused: " + p.REASON_EVENT_CHANGED in done.stdout
    # Another desk's identical sequence numbers are its own chain.
    other = server.new_desk()
    assert {r["result"] for r in other.push(*_chain(3))} == {"applied"}
    done = server.cli("verify-audit", "--desk", other.desk_id, check=False)
    assert done.returncode == 0, done.stdout


def test_a_head_behind_the_platform_is_refused_as_deleted(
    server: CentralServer,
) -> None:
    desk = server.new_desk()
    ops = _chain(4)
    desk.push(*ops)
    resp = desk.request(
        "POST",
        p.PATH_AUDIT_HEAD,
        json={
            "head_seq": 2,
            "head_hash": ops[1]["payload"]["hash"],
            "count": 2,
            "anchor_seq": 0,
        },
    )
    body = resp.json()
    assert body["ok"] is False
    assert [(b["seq"], b["problem"]) for b in body["problems"]] == [
        (3, p.BREAK_DELETED)
    ]


def test_a_changed_event_sent_again_is_refused_and_later_events_still_arrive(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk_with_events(central, tmp_path)
    _round(desk)
    original = _platform_events(central, desk.desk_id)[3]
    with desk.store() as store:
        row = dict(next(store.db.query("SELECT * FROM events WHERE seq = 3")))
    row["actor"] = "someone"
    _tamper(
        desk,
        f"UPDATE events SET actor = 'someone', hash = '{p.event_hash(row)}' WHERE seq = 3",
    )
    # As after a re-enrollment: the desk sends its whole chain again.
    _tamper(desk, "DELETE FROM sync_state WHERE key = 'audit.pushed_seq'")
    with desk.store() as store, store.transaction() as db:
        last = add_event(db, kind="record.read", actor="clerk02")
    report = _round(desk)
    assert f"seq 3: {p.REASON_OP_ID_REUSED}" in report.audit_problems
    held = _platform_events(central, desk.desk_id)
    assert held[3] == original and last in held
    done = central.cli("verify-audit", "--desk", desk.desk_id, check=False)
    assert done.returncode == 1
    assert (
        f"finding at seq 3: altered — refused: {p.REASON_OP_ID_REUSED}" in done.stdout
    )

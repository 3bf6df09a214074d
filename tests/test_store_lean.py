"""A lean store: compressed outbox payloads, compaction of acknowledged ops,
and migration 0016 on a store written before it."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils.migrations import Migrations

from counter_app.services import maintenance
from counter_app.services.day_close import close_day
from counter_app.services.demo import seed_demo
from counter_app.store import audit, records
from counter_app.store import db as store_db
from counter_app.store.db import Store
from counter_app.store.migrations import migrations
from counter_app.store.opdict import DICT_V1, DICT_V1_SHA256
from counter_app.store.outbox import (
    Z1,
    add_op,
    compact,
    decode_payload,
    encode_payload,
    payload_text,
)
from sync import protocol as p
from sync.engine import EngineConfig
from sync.runner import sync_lock, sync_once
from tests.central_fixtures import CentralServer
from tests.supervisor_fixtures import add_users, at, make, pin, window_ctx
from tests.sync_fixtures import (
    FAST_RETRY,
    assert_converged,
    central_blobs,
    central_db,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    make_desk,
)

DAY = date(2026, 11, 16)
CHIEF = window_ctx("chief01", role="supervisor", name="张堃")
CLERK = window_ctx("clerk01", name="王晓明")

# The dictionary is frozen: ops on disk were compressed with it. This value
# is written here by hand, not computed from the module.
FROZEN_DICT_V1 = "aa37b10ff2c35ec4116ff7272d7a202090b53c6aa342e97eadabacfd3e3fe471"


@pytest.fixture
def day_store(seeded_store: Store) -> Store:
    add_users(seeded_store)
    make(seeded_store, CLERK, when=at(DAY, 9, 0), seq=1, name="王𠮷")
    pin(at(DAY, 17, 30))
    return seeded_store


def test_dictionary_is_frozen() -> None:
    assert hashlib.sha256(DICT_V1).hexdigest() == FROZEN_DICT_V1 == DICT_V1_SHA256
    assert len(DICT_V1) <= 32 * 1024  # deflate's window: more would be ignored


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(
            st.none(), st.integers(), st.booleans(), st.text(), st.lists(st.text())
        ),
        max_size=12,
    )
)
def test_payload_round_trip(payload: dict[str, object]) -> None:
    stored = encode_payload(payload)
    assert stored.startswith(Z1)
    assert decode_payload(stored) == payload
    assert payload_text(stored) == json.dumps(
        payload, ensure_ascii=False, sort_keys=True
    )


def test_old_text_payloads_read_as_they_are() -> None:
    text = json.dumps({"applicant_name": "李𠮷祥", "version": 2}, ensure_ascii=False)
    assert payload_text(text) == text
    assert decode_payload(text) == {"applicant_name": "李𠮷祥", "version": 2}
    with pytest.raises(ValueError, match="unknown"):
        decode_payload(b"xx123")


def test_application_op_is_stored_compressed(store: Store) -> None:
    seed_demo(store, applications=20, days=2)
    rows = store.db.execute(
        "SELECT entity_id, payload FROM outbox WHERE entity = 'application'"
    ).fetchall()
    assert rows
    stored = sum(len(r[1]) for r in rows)
    text = sum(len(payload_text(r[1]).encode()) for r in rows)
    assert all(isinstance(r[1], bytes) for r in rows)
    kinds = store.db.execute("SELECT DISTINCT typeof(payload) FROM outbox").fetchall()
    assert kinds == [("blob",)]
    assert stored * 4 < text  # measured about 1:8
    last = decode_payload(rows[-1][1])
    current = records.application(store.db, rows[-1][0])
    assert current is not None
    assert last["applicant_name"] == current["applicant_name"]
    assert last["materials"] == current["materials"]


# -- compaction --------------------------------------------------------------

STATES = ("pending", "in_flight", "acked", "rejected")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(STATES), st.integers(min_value=0, max_value=90)),
        min_size=1,
        max_size=25,
    ),
    keep_days=st.integers(min_value=0, max_value=60),
)
def test_compaction_never_touches_an_unacknowledged_op(
    store: Store, ops: list[tuple[str, int]], keep_days: int
) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM outbox")
        for n, (state, age_days) in enumerate(ops):
            op_id = add_op(
                db,
                entity="application",
                entity_id=f"app-{n}",
                base_version=0,
                payload={"id": f"app-{n}", "applicant_name": "张三", "n": n},
                blobs=["ab" * 32],
            )
            # As the engine writes it: the real time, local offset.
            at = datetime.now(UTC) - timedelta(days=age_days, hours=1)
            db.execute(
                "UPDATE outbox SET state = ?, acked_at = ? WHERE op_id = ?",
                [
                    state,
                    at.astimezone().isoformat(timespec="seconds")
                    if state in ("acked", "rejected")
                    else None,
                    op_id,
                ],
            )
    before = {
        r[0]: tuple(r)
        for r in store.db.execute(
            "SELECT op_id, state, payload, blobs, seq FROM outbox ORDER BY seq"
        ).fetchall()
    }
    with store.transaction() as db:
        compact(db, keep_days=keep_days)
    after = {
        r[0]: tuple(r)
        for r in store.db.execute(
            "SELECT op_id, state, payload, blobs, seq FROM outbox"
        ).fetchall()
    }
    for op_id, row in before.items():
        if row[1] != "acked":
            assert after[op_id] == row  # unchanged, payload and all
    for op_id, row in after.items():
        assert row == before[op_id]  # what stays, stays whole
    ids = list(before)  # in insertion order, like ``ops``
    for op_id, (state, age) in zip(ids, ops, strict=True):
        if state != "acked":
            continue
        if keep_days == 0 or age >= keep_days:
            assert op_id not in after
        else:
            assert op_id in after


# -- migration 0016 on a store written before it ------------------------------


def _older() -> Migrations:
    older = Migrations("counter")
    for m in migrations._migrations:
        if m.name != "0016_lean_store":
            older(name=m.name)(m.fn)
    return older


def test_migration_compresses_pending_ops_and_keeps_what_search_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "migrations", _older())
    with Store.open(tmp_path) as store:
        seed_demo(store, applications=12, days=2)
        with store.transaction() as db:
            # As every op was written before: the JSON text in the column.
            for op_id, stored in db.execute(
                "SELECT op_id, payload FROM outbox"
            ).fetchall():
                db.execute(
                    "UPDATE outbox SET payload = ? WHERE op_id = ?",
                    [payload_text(stored), op_id],
                )
            first, second, third = [
                r[0]
                for r in db.execute("SELECT op_id FROM outbox ORDER BY seq LIMIT 3")
            ]
            db.execute(
                "UPDATE outbox SET state = 'acked', acked_at = ? WHERE op_id = ?",
                ["2026-01-01T00:00:00+00:00", first],
            )
            db.execute(
                "UPDATE outbox SET state = 'rejected', reason = 'x' WHERE op_id = ?",
                [second],
            )
        old_ops = {
            r[0]: (r[1], r[2])
            for r in store.db.execute("SELECT op_id, state, payload FROM outbox")
        }
        materials = store.db.execute(
            "SELECT * FROM application_materials ORDER BY application_id, position"
        ).fetchall()
        app_id, name = store.db.execute(
            "SELECT id, applicant_name FROM applications"
            " WHERE agent_name IS NULL AND org_name IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
        terms = store.db.execute(
            "SELECT term, application_id FROM application_terms ORDER BY 1, 2"
        ).fetchall()
        events = audit.verify(store.db).count
    monkeypatch.setattr(store_db, "migrations", migrations)
    with Store.open(tmp_path) as store:
        db = store.db
        rows = {
            r[0]: (r[1], r[2])
            for r in db.execute("SELECT op_id, state, payload FROM outbox")
        }
        assert first not in rows  # acknowledged: compacted away
        for op_id, (state, text) in old_ops.items():
            if op_id == first:
                continue
            assert rows[op_id][0] == state
            assert isinstance(rows[op_id][1], bytes)
            assert decode_payload(rows[op_id][1]) == json.loads(text)
        assert third in rows
        assert (
            db.execute(
                "SELECT * FROM application_materials ORDER BY application_id, position"
            ).fetchall()
            == materials
        )
        sql = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'application_materials'"
        ).fetchone()[0]
        assert sql.rstrip().endswith("WITHOUT ROWID")
        assert (
            db.execute(
                "SELECT term, application_id FROM application_terms ORDER BY 1, 2"
            ).fetchall()
            == terms
        )
        assert audit.verify(db).count == events and audit.verify(db).intact
        # The triggers drop exactly the old name's terms, through the key.
        with store.transaction() as tx:
            tx.execute(
                "UPDATE applications SET applicant_name = '欧阳𠮷' WHERE id = ?",
                [app_id],
            )
        mine = {
            r[0]
            for r in db.execute(
                "SELECT term FROM application_terms WHERE application_id = ?",
                [app_id],
            )
        }
        assert mine == {"欧", "阳", "𠮷", "欧阳", "阳𠮷"}
        assert not ({name[:1], name} - {"欧", "阳", "𠮷"}) & mine
        with store.transaction() as tx:
            tx.execute(
                "DELETE FROM application_materials WHERE application_id = ?", [app_id]
            )
            tx.execute("DELETE FROM applications WHERE id = ?", [app_id])
        assert (
            db.execute(
                "SELECT COUNT(*) FROM application_terms WHERE application_id = ?",
                [app_id],
            ).fetchone()[0]
            == 0
        )


@pytest.mark.e2e
def test_full_payload_ops_from_before_the_upgrade_still_push(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    """Ops written as JSON text (before 0016) and compressed ones push side by
    side; the platform stores the same JSON for both."""
    desk = make_desk(central, tmp_path / "desk", applications=6)
    with desk.store() as store, store.transaction() as db:
        rows = [dict(r) for r in db.query("SELECT * FROM outbox ORDER BY seq")]
        for row in rows[: len(rows) // 2]:
            db.execute(
                "UPDATE outbox SET payload = ? WHERE op_id = ?",
                [payload_text(row["payload"]), row["op_id"]],
            )
    # What the platform must receive: the JSON as it was before 0016.
    expected = {
        row["op_id"]: p.body_hash(
            {
                **row,
                "payload": decode_payload(row["payload"]),
                "blobs": json.loads(row["blobs"]),
            }
        )
        for row in rows
    }
    report = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
    assert report.clean, report
    assert report.acked == len(rows)
    assert_converged(central, desk, central_blobs(central))
    with central_db(central) as conn:
        on_server = {
            r["op_id"]: r["body_hash"]
            for r in conn.execute(
                "SELECT op_id, body_hash FROM ops WHERE desk_id = ?"
                " AND entity != 'event'",
                (desk.desk_id,),
            )
        }
    assert on_server == expected
    with desk.store() as store:
        # Kept as a log (the fixture keeps 30 days).
        left = store.db.execute("SELECT DISTINCT state FROM outbox").fetchall()
    assert left == [("acked",)]


@pytest.mark.e2e
def test_a_desk_deletes_acknowledged_ops_by_default(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "desk", applications=3)
    with desk.store() as store, store.transaction() as db:
        db.execute("DELETE FROM settings WHERE key = 'outbox.keep_days'")
        db.execute(
            "UPDATE outbox SET state = 'rejected', reason = 'test' WHERE seq = 1"
        )
    report = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
    assert report.ok and report.acked > 0
    with desk.store() as store:
        left = store.db.execute("SELECT seq, state FROM outbox").fetchall()
    assert left == [(1, "rejected")]  # the dead letter stays, with its payload


# -- the day close gives compacted space back -----------------------------------


def _fill_and_compact(store: Store, ops: int) -> int:
    """Every pending op acknowledged (nothing waits for the platform), then
    ``ops`` acknowledged ops with incompressible payloads compacted: the
    pages they held are free. Returns the free pages."""
    with store.transaction() as db:
        db.execute("UPDATE outbox SET state = 'acked'")
        for n in range(ops):
            add_op(
                db,
                entity="bogus",
                entity_id=f"x{n}",
                base_version=None,
                payload={"noise": random.Random(n).randbytes(3000).hex()},
            )
        db.execute(
            "UPDATE outbox SET state = 'acked', acked_at = '2026-01-01T00:00:00+00:00'"
            " WHERE entity = 'bogus'"
        )
        compact(db, keep_days=0)
    return int(store.db.execute("PRAGMA freelist_count").fetchone()[0])


def test_day_close_vacuums_when_compaction_freed_a_share_of_the_file(
    day_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maintenance, "RECLAIM_MIN_BYTES", 256 * 1024)
    free = _fill_and_compact(day_store, 600)
    assert free * 4096 > 256 * 1024
    result = close_day(day_store, CHIEF, window_code="01", day=DAY)
    assert result.reclaimed > 0
    assert int(day_store.db.execute("PRAGMA freelist_count").fetchone()[0]) == 0
    kinds = [
        r[0]
        for r in day_store.db.execute(
            "SELECT kind FROM events WHERE kind IN ('day_close', 'store.maintenance')"
            " ORDER BY seq"
        )
    ]
    assert kinds == ["day_close", "store.maintenance"]
    assert audit.verify(day_store.db).intact


def test_day_close_leaves_the_file_alone_while_a_sync_runs(
    day_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maintenance, "RECLAIM_MIN_BYTES", 256 * 1024)
    free = _fill_and_compact(day_store, 600)
    with sync_lock(day_store.data_dir):
        result = close_day(day_store, CHIEF, window_code="01", day=DAY)
    assert result.reclaimed == 0
    # not vacuumed: the close itself reused a few of the free pages at most
    assert int(day_store.db.execute("PRAGMA freelist_count").fetchone()[0]) > free - 20
    assert day_store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 1


def test_day_close_does_not_vacuum_for_a_few_free_pages(day_store: Store) -> None:
    _fill_and_compact(day_store, 50)
    result = close_day(day_store, CHIEF, window_code="01", day=DAY)
    assert result.reclaimed == 0
    assert day_store.db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'store.maintenance'"
    ).fetchone() == (0,)

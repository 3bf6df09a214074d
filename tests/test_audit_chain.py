"""The desk's audit trail: an SM3 hash chain over every event, verified by
``main.py verify-audit``; tampering with sqlite3 names the broken link."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2 as sqlcipher
from sqlite_utils.migrations import Migrations

from counter_app import cli, clock
from counter_app.store import audit
from counter_app.store import db as store_db
from counter_app.store.db import Store, bare_connection
from counter_app.store.events import add_event
from counter_app.store.migrations import migrations
from sync import protocol as p
from tests.audit_fixtures import open_raw

ROOT = Path(__file__).resolve().parent.parent


def _fill(store: Store, n: int) -> None:
    with store.transaction() as db:
        for i in range(n):
            add_event(
                db,
                kind="record.read",
                actor="clerk01",
                application_id=f"app-{i}",
                detail={"role": "clerk", "i": i},
            )


def _raw(store: Store) -> sqlite3.Connection:
    """Another connection on the file, as someone with the sqlite3 tool who
    first drops the append-only triggers."""
    return open_raw(store.path, store.key)


def test_events_refuse_plain_updates_and_deletes(store: Store) -> None:
    _fill(store, 3)
    with bare_connection(store.path, store.key) as raw:
        for sql in (
            "UPDATE events SET actor = 'x' WHERE seq = 2",
            "DELETE FROM events WHERE seq = 2",
        ):
            with pytest.raises(
                (sqlite3.IntegrityError, sqlcipher.IntegrityError), match="append-only"
            ):
                raw.execute(sql)
    assert audit.verify(store.db).count == 3


def test_sm3_is_the_standard_one() -> None:
    # GB/T 32905-2016 Appendix A.1: SM3("abc").
    assert p.sm3_hex(b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_events_form_a_chain_with_object_and_outcome(store: Store) -> None:
    with store.transaction() as db:
        first = add_event(
            db, kind="decision.accept", actor="clerk01", application_id="A"
        )
        second = add_event(
            db, kind="signin.failed", actor="clerk02", target="user:clerk02"
        )
    assert (first, second) == (1, 2)
    rows = [dict(r) for r in store.db.query("SELECT * FROM events ORDER BY seq")]
    assert rows[0]["prev_hash"] == p.GENESIS_HASH
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert [r["object"] for r in rows] == ["application:A", "user:clerk02"]
    assert [r["outcome"] for r in rows] == ["success", "failure"]
    for row in rows:  # recomputed independently of the desk's code path
        body = [1, *(row[k] for k in p.EVENT_HASH_FIELDS)]
        text = json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert row["hash"] == p.sm3_hex(text.encode("utf-8"))
    assert audit.verify(store.db).intact


def test_an_edited_event_is_named_altered(store: Store) -> None:
    _fill(store, 10)
    with _raw(store) as raw:
        raw.execute("UPDATE events SET actor = 'nobody' WHERE seq = 4")
    result = audit.verify(store.db)
    assert result.broken is not None
    assert (result.broken["seq"], result.broken["problem"]) == (4, p.BREAK_ALTERED)
    assert result.count == 3


def test_an_edit_with_its_hash_recomputed_is_still_found(store: Store) -> None:
    _fill(store, 10)
    row = dict(next(store.db.query("SELECT * FROM events WHERE seq = 6")))
    row["detail"] = '{"role":"supervisor"}'
    with _raw(store) as raw:
        raw.execute(
            "UPDATE events SET detail = ?, hash = ? WHERE seq = 6",
            [row["detail"], p.event_hash(row)],
        )
    broken = audit.verify(store.db).broken
    assert broken is not None
    assert (broken["seq"], broken["problem"]) == (6, p.BREAK_ALTERED)


def test_a_deleted_event_is_named_deleted(store: Store) -> None:
    _fill(store, 10)
    at_before = store.db.execute("SELECT at FROM events WHERE seq = 6").fetchone()[0]
    with _raw(store) as raw:
        raw.execute("DELETE FROM events WHERE seq = 7")
    broken = audit.verify(store.db).broken
    assert broken is not None
    assert (broken["seq"], broken["problem"], broken["at"]) == (
        7,
        p.BREAK_DELETED,
        at_before,
    )


def test_swapped_events_are_named_reordered(store: Store) -> None:
    _fill(store, 10)
    with _raw(store) as raw:
        raw.execute("UPDATE events SET seq = -1 WHERE seq = 3")
        raw.execute("UPDATE events SET seq = 3 WHERE seq = 4")
        raw.execute("UPDATE events SET seq = 4 WHERE seq = -1")
    broken = audit.verify(store.db).broken
    assert broken is not None
    assert (broken["seq"], broken["problem"]) == (3, p.BREAK_REORDERED)


def test_events_deleted_at_the_end_after_the_platform_had_them(store: Store) -> None:
    _fill(store, 5)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, '5')",
            [audit.PUSHED_SEQ_KEY],
        )
    with _raw(store) as raw:
        raw.execute("DELETE FROM events WHERE seq >= 4")
    broken = audit.verify(store.db).broken
    assert broken is not None
    assert (broken["seq"], broken["problem"], broken["detail"]) == (
        4,
        p.BREAK_DELETED,
        "4–5",
    )


def test_verify_from_a_date_starts_there(store: Store, today: date) -> None:
    start = datetime.combine(
        today - timedelta(days=3), datetime.min.time()
    ).astimezone()
    for day in range(4):
        clock.set_clock(lambda d=day: start + timedelta(days=d, hours=10))
        _fill(store, 2)
    with _raw(store) as raw:  # broken before the date: not looked at
        raw.execute("UPDATE events SET actor = 'x' WHERE seq = 2")
    assert not audit.verify(store.db).intact
    since = audit.verify(store.db, since=(start + timedelta(days=2)).date())
    assert since.intact and (since.first_seq, since.count) == (5, 4)


def test_cli_verify_audit_exit_codes_and_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(tmp_path) as store:
        _fill(store, 12)
    assert cli.main(["--data-dir", str(tmp_path), "verify-audit"]) == 0
    out = capsys.readouterr().out
    assert "共 12 条事件" in out and "序号 1–12" in out
    with open_raw(tmp_path / store_db.DB_FILENAME) as raw:
        raw.execute("UPDATE events SET kind = 'nothing' WHERE seq = 9")
    assert cli.main(["--data-dir", str(tmp_path), "verify-audit"]) == 1
    out = capsys.readouterr().out
    assert "序号 9 处断开" in out and "被修改" in out
    with open_raw(tmp_path / store_db.DB_FILENAME) as raw:
        raw.execute("DELETE FROM events WHERE seq = 5")
    assert cli.main(["--data-dir", str(tmp_path), "verify-audit"]) == 1
    out = capsys.readouterr().out
    assert "序号 5 处断开" in out and "被删除" in out


def test_migration_chains_existing_events_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = Migrations("counter")
    for m in migrations._migrations:
        if m.name != "0008_audit_chain":
            older(name=m.name)(m.fn)
    monkeypatch.setattr(store_db, "migrations", older)
    with Store.open(tmp_path) as store, store.transaction() as db:
        for i in range(3):
            db.execute(
                "INSERT INTO events (at, actor, application_id, kind, detail)"
                " VALUES (?, 'clerk01', ?, 'decision.accept', '{}')",
                [f"2026-11-0{i + 1}T09:00:00+08:00", "A" if i else None],
            )
    monkeypatch.setattr(store_db, "migrations", migrations)
    with Store.open(tmp_path) as store:
        rows = [dict(r) for r in store.db.query("SELECT * FROM events ORDER BY id")]
        assert [r["seq"] for r in rows] == [1, 2, 3]
        assert [r["object"] for r in rows] == ["", "application:A", "application:A"]
        assert audit.verify(store.db).count == 3
        with store.transaction() as db:
            assert add_event(db, kind="x", actor="y") == 4
        assert audit.verify(store.db).intact


def test_retention_archives_only_old_acknowledged_events(
    store: Store, today: date
) -> None:
    old = datetime.combine(
        today - timedelta(days=200), datetime.min.time()
    ).astimezone()
    clock.set_clock(lambda: old)
    _fill(store, 6)
    clock.set_clock(lambda: old + timedelta(days=199))
    _fill(store, 2)  # recent: stays
    with store.transaction() as db:
        db.execute("INSERT INTO settings (key, value) VALUES ('audit.keep_days', '30')")
        # The platform has acknowledged only up to 4: 5 and 6 must stay.
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, '4')",
            [audit.PUSHED_SEQ_KEY],
        )
    assert audit.keep_days(store.db) == audit.MIN_KEEP_DAYS  # 30 is not allowed
    with store.transaction() as db:
        assert audit.archive_old(db, actor="chief01") == 4
    live = [r[0] for r in store.db.execute("SELECT seq FROM events ORDER BY seq")]
    archived = [
        r[0] for r in store.db.execute("SELECT seq FROM events_archive ORDER BY seq")
    ]
    assert archived == [1, 2, 3, 4]
    assert live == [5, 6, 7, 8, 9]  # 9: the archiving itself is an event
    kind = store.db.execute("SELECT kind FROM events WHERE seq = 9").fetchone()[0]
    assert kind == "audit.archived"
    assert audit.verify(store.db).intact  # across the boundary
    live_check, head = audit.verify_live(store.db)  # from the anchor
    assert live_check.intact and live_check.count == 5
    assert (
        head == store.db.execute("SELECT hash FROM events WHERE seq = 9").fetchone()[0]
    )
    # The timeline still shows archived events.
    from counter_app.store.records import timeline

    # app-0 was read once 200 days ago (archived) and once lately.
    assert [e["kind"] for e in timeline(store.db, "app-0")] == ["record.read"] * 2
    with _raw(store) as raw:  # the archive is checked too
        raw.execute("UPDATE events_archive SET actor = 'x' WHERE seq = 2")
    broken = audit.verify(store.db).broken
    assert broken is not None and broken["seq"] == 2


WRITER = r"""
import sys
import time
from pathlib import Path
from counter_app.store.db import Store
from counter_app.store.events import add_event

store = Store.open(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[2])):
    with store.transaction() as db:
        add_event(db, kind="record.read", actor=sys.argv[3], detail={"i": i})
    time.sleep(0.002)  # let the other process in between
store.close()
"""


@pytest.mark.e2e
def test_two_processes_appending_at_once_never_fork_the_chain(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    per_process = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(per_process), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for name in ("desk-a", "desk-b")
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        proc.stdout.close()
    with Store.open(tmp_path) as store:
        actors = [
            r[0] for r in store.db.execute("SELECT actor FROM events ORDER BY seq")
        ]
        result = audit.verify(store.db)
    assert len(actors) == 2 * per_process
    assert result.intact and result.count == 2 * per_process
    # Both really ran at once: their events interleave.
    switches = sum(1 for a, b in itertools.pairwise(actors) if a != b)
    assert switches > 1

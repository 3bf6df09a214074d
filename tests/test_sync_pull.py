"""Pull, conflicts, dead letters and enrollment against the real server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from counter_app.services.applications import push_application
from counter_app.services.enrollment import EnrollmentError, enroll
from counter_app.store.db import Store
from counter_app.store.outbox import add_op
from sync import protocol as p
from sync.credentials import NoKeyring, load_token
from sync.engine import EngineConfig, SyncReport
from sync.resolve import (
    dead_letters,
    discard,
    keep_local,
    open_conflicts,
    reason_text,
    resend,
    take_remote,
)
from sync.runner import sync_once
from tests.central_fixtures import CentralServer
from tests.sync_fixtures import (
    FAST_RETRY,
    Desk,
    assert_converged,
    central_blobs,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    local_applications,
    make_desk,
)

pytestmark = pytest.mark.e2e


def _sync(desk: Desk) -> SyncReport:
    return sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))  # type: ignore[arg-type]


def _submitted(store: Store) -> tuple[str, str]:
    row = store.db.execute(
        "SELECT id, acceptance_no FROM applications WHERE origin = 'local'"
        " AND status = 'submitted' ORDER BY id LIMIT 1"
    ).fetchone()
    return str(row[0]), str(row[1])


def test_pull_status_users_calendar_and_other_windows(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "a", applications=6, window="01")
    other = make_desk(central, tmp_path / "b", applications=3, window="02", seed=9)
    assert _sync(other).clean
    assert _sync(desk).clean
    with desk.store() as store:
        app_id, number = _submitted(store)
    central.cli("set-status", number, "result_ready", "--note", "已制证")
    central.cli(
        "add-user",
        "clerk09",
        "--role",
        "clerk",
        "--site",
        desk.site_code,
        "--display-name",
        "赵𠮷",
        "--password-stdin",
        input="secret123\n",
    )
    calendar = tmp_path / "cal.json"
    calendar.write_text(
        json.dumps(
            {
                "format": "counter-calendar/1",
                "years": {
                    "2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}
                },
            }
        )
    )
    central.cli("publish-calendar", str(calendar))
    report = _sync(desk)
    assert report.ok and report.dead_letters == 0, report
    assert report.pull is not None and number in report.pull.result_ready
    # Due dates the new year settles are recomputed and go up next round.
    assert _sync(desk).clean
    with desk.store() as store:
        db = store.db
        assert (
            db.execute(
                "SELECT status FROM applications WHERE id = ?", [app_id]
            ).fetchone()[0]
            == "result_ready"
        )
        event = db.execute(
            "SELECT detail FROM events WHERE kind = 'result_ready'"
            " AND application_id = ?",
            [app_id],
        ).fetchone()
        assert "请通知申请人" in json.loads(event[0])["message"]
        verifier = db.execute(
            "SELECT password_verifier, display_name FROM users"
            " WHERE username = 'clerk09'"
        ).fetchone()
        assert verifier[1] == "赵𠮷" and p.verify_password("secret123", verifier[0])
        assert (
            db.execute(
                "SELECT kind FROM calendar_days WHERE day = '2027-01-09'"
            ).fetchone()[0]
            == "workday"
        )
        remote = db.execute(
            "SELECT COUNT(*), MIN(window_code) FROM applications"
            " WHERE origin = 'remote'"
        ).fetchone()
        with other.store() as theirs:
            assert remote[0] == len(local_applications(theirs))
        assert remote[1] == "02"
        state = dict(db.execute("SELECT key, value FROM sync_state").fetchall())
        assert state["window_pushed:02"]
    # Delivering after result_ready pushes on top of the server's version.
    with Store.open(desk.data_dir) as store, store.transaction() as db:
        db.execute(
            "UPDATE applications SET status = 'delivered',"
            " version = version + 1 WHERE id = ?",
            [app_id],
        )
        push_application(db, app_id)
    assert _sync(desk).clean
    assert_converged(central, desk, central_blobs(central))


def test_conflict_recorded_and_resolved(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "a", applications=3)
    assert _sync(desk).clean
    with desk.store() as store:
        app_id, number = _submitted(store)
    central.cli("set-status", number, "in_review")
    # Offline edit made on the version before the back office's.
    with Store.open(desk.data_dir) as store, store.transaction() as db:
        db.execute(
            "UPDATE applications SET status = 'withdrawn',"
            " version = version + 1 WHERE id = ?",
            [app_id],
        )
        push_application(db, app_id)
    report = _sync(desk)
    assert report.conflicts == 1 and report.remaining_ops == 0
    with desk.store() as store:
        [conflict] = open_conflicts(store.db)
        assert conflict.local["status"] == "withdrawn"
        assert conflict.remote["status"] == "in_review"
        assert ("status", "withdrawn", "in_review") in conflict.differences()
        keep_local(store, conflict.id, actor="chief01")
        assert open_conflicts(store.db) == []
    assert _sync(desk).clean
    with desk.store() as store:
        status = store.db.execute(
            "SELECT status FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
    assert status == "withdrawn"
    assert_converged(central, desk, central_blobs(central))


def test_take_remote_overwrites_the_local_record(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "a", applications=2)
    assert _sync(desk).clean
    with desk.store() as store:
        app_id, number = _submitted(store)
    central.cli("set-status", number, "in_review")
    with Store.open(desk.data_dir) as store, store.transaction() as db:
        db.execute(
            "UPDATE applications SET status = 'withdrawn',"
            " version = version + 1 WHERE id = ?",
            [app_id],
        )
        push_application(db, app_id)
    assert _sync(desk).conflicts == 1
    with desk.store() as store:
        [conflict] = open_conflicts(store.db)
        take_remote(store, conflict.id, actor="chief01")
        row = store.db.execute(
            "SELECT status, version FROM applications WHERE id = ?", [app_id]
        ).fetchone()
    assert tuple(row) == ("in_review", 2)


def test_dead_letter_then_discard_or_resend(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "a", applications=1)
    with Store.open(desk.data_dir) as store, store.transaction() as db:
        bad = add_op(
            db, entity="bogus", entity_id="x1", base_version=None, payload={"a": 1}
        )
        add_op(db, entity="bogus", entity_id="x2", base_version=None, payload={"a": 2})
    report = _sync(desk)
    assert report.rejected == 2 and not report.clean
    with desk.store() as store:
        letters = dead_letters(store.db)
        assert [d.entity_id for d in letters] == ["x1", "x2"]
        assert "不认识" in reason_text(letters[0].reason)
        discard(store, bad, actor="chief01")
        resend(store, letters[1].op_id, actor="chief01")
    again = _sync(desk)
    assert again.rejected == 1 and again.dead_letters == 1
    with desk.store() as store:
        discard(store, dead_letters(store.db)[0].op_id, actor="chief01")
    assert _sync(desk).clean


def test_enrollment_errors(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    with Store.open(tmp_path / "d") as store:
        with pytest.raises(EnrollmentError, match="注册码无效"):
            enroll(store, server_url=central.base_url, code="nope")
        with pytest.raises(EnrollmentError, match="CA 证书"):
            enroll(
                store,
                server_url=central.base_url,
                code="x",
                ca_cert=tmp_path / "missing.pem",
            )
        code = central.create_desk(site="S00001", window="03")
        previous = keyring.get_keyring()
        keyring.set_keyring(FailKeyring())
        try:
            with pytest.raises(NoKeyring, match="没有可用的系统密钥环"):
                enroll(store, server_url=central.base_url, code=code)
        finally:
            keyring.set_keyring(previous)
        assert (
            store.db.execute(
                "SELECT value FROM settings WHERE key = 'desk_id'"
            ).fetchone()
            is None
        )
        code = central.create_desk(site="S00001", window="04")
        result = enroll(store, server_url=central.base_url + "/", code=code)
        assert load_token(result.desk_id)
        assert result.window_code == "04"


def test_catalog_published_centrally_reaches_the_desk(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "a")
    root = (
        Path(__file__).resolve().parent.parent / "counter_app" / "resources" / "catalog"
    )
    doc = json.loads((root / "items.json").read_text(encoding="utf-8"))
    doc["version"] = "2026-12"
    doc["items"][0]["name"] = "个体工商户设立登记（新版）"
    removed = doc["items"].pop()["code"]
    items = tmp_path / "items.json"
    items.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    central.cli("publish-catalog", str(items))
    assert _sync(desk).clean
    first = doc["items"][0]["code"]
    with desk.store() as store:
        db = store.db
        assert (
            db.execute(
                "SELECT name FROM catalog_items WHERE code = ?", [first]
            ).fetchone()[0]
            == "个体工商户设立登记（新版）"
        )
        assert (
            db.execute(
                "SELECT value FROM sync_state WHERE key = 'catalog_version'"
            ).fetchone()[0]
            == "2026-12"
        )
    # Republishing without an item announces its deletion.
    doc["items"] = doc["items"][1:]
    items.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    central.cli("publish-catalog", str(items))
    assert _sync(desk).clean
    with desk.store() as store:
        left = {r[0] for r in store.db.execute("SELECT code FROM catalog_items")}
    assert first not in left and removed not in left
    assert len(left) == len(doc["items"])


def test_other_windows_say_up_to_when_their_records_are_in(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    """The supervisor's desk learns, per window, the time of that window's
    last push with nothing refused — by snapshot and by the live feed."""
    chief = make_desk(central, tmp_path / "chief", applications=1, window="01")
    other = make_desk(central, tmp_path / "b", applications=2, window="02", seed=3)
    assert _sync(chief).clean

    def pushed(desk: Desk) -> str | None:
        with desk.store() as store:
            row = store.db.execute(
                "SELECT value FROM sync_state WHERE key = 'window_pushed:02'"
            ).fetchone()
        return None if row is None else str(row[0])

    assert pushed(chief) is None  # window 02 has sent nothing yet
    assert _sync(other).clean
    assert _sync(chief).clean
    first = pushed(chief)
    assert first is not None
    with other.store() as store:
        app_id = local_applications(store)[0]
        with store.transaction() as db:
            db.execute(
                "UPDATE applications SET version = version + 1 WHERE id = ?", [app_id]
            )
            push_application(db, app_id)
    time.sleep(1.1)  # timestamps have one-second resolution
    assert _sync(other).clean
    assert _sync(chief).clean
    second = pushed(chief)
    assert second is not None and second > first

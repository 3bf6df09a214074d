"""An enrolled desk attacking another site's records through the real
platform (issue 11): every attack is refused per op with a reason and a
Chinese message, and the victim's records, public status page and next
sync round stay exactly as they were.

The victim is a real desk (site 320102001, window 01) with applications
pushed by its own sync engine; the attacker is a desk of site 330106001
window 01 speaking plain HTTP built from ``sync/protocol.py``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.domain.numbering import (
    InvalidAcceptanceNumber,
    format_acceptance_number,
)
from sync import protocol as p
from sync.engine import EngineConfig, SyncReport
from sync.runner import sync_once
from tests.central_fixtures import (
    CentralServer,
    DeskClient,
    postgres_cluster,  # noqa: F401
    start_central,
)
from tests.sync_fixtures import (
    FAST_RETRY,
    Desk,
    keyring_home_fixture,  # noqa: F401
    make_desk,
)

VICTIM_SITE, ATTACKER_SITE = "320102001", "330106001"


@dataclass
class Platform:
    server: CentralServer
    victim: Desk
    attacker: DeskClient


def _sync(desk: Desk) -> SyncReport:
    return sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))  # type: ignore[arg-type]


@pytest.fixture
def platform(tmp_path: Path, keyring_home: Path) -> Iterator[Platform]:
    with start_central(tmp_path / "central") as server:
        victim = make_desk(
            server, tmp_path / "victim", site=VICTIM_SITE, window="01", applications=5
        )
        assert _sync(victim).clean
        attacker = server.enroll(server.create_desk(site=ATTACKER_SITE, window="01"))
        yield Platform(server, victim, attacker)


def _app_op(app_id: str, payload: dict[str, Any], base: int | None = None) -> Any:
    return {
        "op_id": p.new_op_id(),
        "entity": p.ENTITY_APPLICATION,
        "entity_id": app_id,
        "base_version": base,
        "payload": {"status": "submitted", **payload},
        "created_at": "2026-11-23T09:00:00+08:00",
    }


def _op(entity: str, entity_id: str, payload: dict[str, Any]) -> Any:
    return {
        "op_id": p.new_op_id(),
        "entity": entity,
        "entity_id": entity_id,
        "base_version": None,
        "payload": payload,
        "created_at": "2026-11-23T09:05:00+08:00",
    }


def _victim_app(platform: Platform) -> tuple[str, str, str]:
    """(id, acceptance number, full status URL) of a victim's application."""
    with platform.victim.store() as store:
        row = store.db.execute(
            "SELECT id, acceptance_no, status_url FROM applications"
            " WHERE origin = 'local' AND acceptance_no IS NOT NULL"
            " AND status_url IS NOT NULL ORDER BY acceptance_no LIMIT 1"
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1]), str(row[2])


def _victim_state(platform: Platform) -> dict[str, Any]:
    """Everything of the victim an attack could touch: its rows on the
    platform, what the platform stores referring to them, every status page
    and the desk's own records."""
    assert platform.server.db_path is not None
    conn = sqlite3.connect(platform.server.db_path)
    conn.row_factory = sqlite3.Row
    with conn:
        apps = [
            dict(r)
            for r in conn.execute(
                "SELECT * FROM applications WHERE desk_id = ? ORDER BY id",
                (platform.victim.desk_id,),
            )
        ]
        ids = [a["id"] for a in apps] + [a["acceptance_no"] for a in apps]
        marks = ",".join("?" * len(ids))
        refs = [
            dict(r)
            for r in conn.execute(
                f"SELECT op_id, entity, desk_id, ref FROM records WHERE ref IN ({marks})"
                " ORDER BY op_id",
                ids,
            )
        ]
        history = [
            dict(r)
            for r in conn.execute(
                "SELECT * FROM status_history WHERE application_id IN"
                f" ({','.join('?' * len(apps))}) ORDER BY id",
                [a["id"] for a in apps],
            )
        ]
    conn.close()
    with platform.victim.store() as store:
        local = [
            tuple(r)
            for r in store.db.execute(
                "SELECT id, acceptance_no, status, version, status_url, applicant_name,"
                " item_code FROM applications WHERE origin = 'local' ORDER BY id"
            )
        ]
        urls = [r[4] for r in local if r[4]]
    pages = {url: requests.get(url, timeout=30).text for url in urls}
    assert pages and all("办件进度查询" in page for page in pages.values())
    return {
        "apps": apps,
        "refs": refs,
        "history": history,
        "local": local,
        "pages": pages,
    }


def _assert_untouched(platform: Platform, before: dict[str, Any]) -> None:
    assert _victim_state(platform) == before
    report = _sync(platform.victim)
    assert report.clean, report
    assert report.pull is not None and report.pull.quarantined == []
    assert _victim_state(platform) == before
    with platform.victim.store() as store:
        assert (
            store.db.execute("SELECT COUNT(*) FROM pull_quarantine").fetchone()[0] == 0
        )


def _refused(result: dict[str, Any], reason: str) -> None:
    assert result["result"] == p.RESULT_REJECTED, result
    assert result["reason"] == reason, result
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result["message"]), result
    assert "status_url" not in result and "current" not in result


@pytest.mark.e2e
def test_other_sites_acceptance_number_is_refused(platform: Platform) -> None:
    app_id, number, url = _victim_app(platform)
    before = _victim_state(platform)
    attacker = platform.attacker
    payload = {
        "acceptance_no": number,
        "item_name": "伪造事项",
        "applicant_name": "冒名",
    }

    [stolen] = attacker.push(_app_op(str(uuid.uuid4()), payload))
    _refused(stolen, p.REASON_NUMBER_PREFIX)
    assert number in stolen["message"] and ATTACKER_SITE in stolen["message"]
    # Writing the victim's application itself (by its id), with any number.
    [taken] = attacker.push(
        _app_op(app_id, {**payload, "acceptance_no": attacker.new_number()}, base=1)
    )
    _refused(taken, p.REASON_NOT_OWNER)
    # A record that claims the victim's site and window.
    [claimed] = attacker.push(
        _app_op(
            str(uuid.uuid4()),
            {"site_code": VICTIM_SITE, "window_code": "01", "item_name": "伪造事项"},
        )
    )
    _refused(claimed, p.REASON_OTHER_SITE)

    # The attacker's own application with its own number goes through.
    own = attacker.new_number()
    [mine] = attacker.push(_app_op(str(uuid.uuid4()), {"acceptance_no": own}))
    assert mine["result"] == p.RESULT_APPLIED
    assert mine["status_url"].startswith(f"/status/{own}?k=")

    page = requests.get(url, timeout=30).text
    assert "伪造事项" not in page and number in page
    _assert_untouched(platform, before)


@pytest.mark.e2e
def test_references_to_another_desks_application_are_refused(
    platform: Platform,
) -> None:
    app_id, number, url = _victim_app(platform)
    before = _victim_state(platform)
    done_before = requests.get(url, timeout=30).text.count('class="done"')
    attacker = platform.attacker
    attempts = [
        (
            _op(p.ENTITY_EVALUATION, str(uuid.uuid4()), {"application_id": app_id}),
            p.REASON_NOT_OWNER_REF,
        ),
        (
            _op(p.ENTITY_EVALUATION, str(uuid.uuid4()), {"acceptance_no": number}),
            p.REASON_NOT_OWNER_REF,
        ),
        (
            _op(
                p.ENTITY_MATERIAL_FILE,
                f"{app_id}/99",
                {"action": "remove", "application_id": app_id, "file_id": 99},
            ),
            p.REASON_NOT_OWNER_REF,
        ),
        (
            _op(p.ENTITY_EVENT, str(uuid.uuid4()), {"application_id": app_id}),
            p.REASON_NOT_OWNER_REF,
        ),
        (  # a consultation logged as the victim's window
            _op(
                p.ENTITY_CONSULTATION,
                str(uuid.uuid4()),
                {"site_code": VICTIM_SITE, "window_code": "01"},
            ),
            p.REASON_OTHER_SITE,
        ),
        (  # the victim's day close
            _op(p.ENTITY_DAY_CLOSE, f"{VICTIM_SITE}:01:2026-11-23", {}),
            p.REASON_OTHER_SITE,
        ),
        (  # an application that is nowhere on the platform
            _op(
                p.ENTITY_EVALUATION,
                str(uuid.uuid4()),
                {"application_id": str(uuid.uuid4())},
            ),
            p.REASON_UNKNOWN_REF,
        ),
    ]
    results = attacker.push(*(op for op, _reason in attempts))
    for result, (_op_sent, reason) in zip(results, attempts, strict=True):
        _refused(result, reason)

    # Its own application may be evaluated: the gate is ownership, not kind.
    own_id = str(uuid.uuid4())
    own = attacker.new_number()
    attacker.push(_app_op(own_id, {"acceptance_no": own, "status": "delivered"}))
    [rated] = attacker.push(
        _op(p.ENTITY_EVALUATION, str(uuid.uuid4()), {"application_id": own_id})
    )
    assert rated["result"] == p.RESULT_APPLIED

    assert requests.get(url, timeout=30).text.count('class="done"') == done_before
    _assert_untouched(platform, before)


@pytest.mark.e2e
def test_set_status_hits_the_addressed_application(platform: Platform) -> None:
    app_id, number, url = _victim_app(platform)
    attacker = platform.attacker
    [stolen] = attacker.push(
        _app_op(str(uuid.uuid4()), {"acceptance_no": number, "status": "delivered"})
    )
    _refused(stolen, p.REASON_NUMBER_PREFIX)
    own_id, own = str(uuid.uuid4()), attacker.new_number()
    attacker.push(_app_op(own_id, {"acceptance_no": own}))

    platform.server.cli("set-status", number, "in_review", "--note", "分派承办人")
    platform.server.cli("set-status", own_id, "suspended", "--note", "现场勘察")
    assert platform.server.db_path is not None
    with sqlite3.connect(platform.server.db_path) as conn:
        rows = dict(
            conn.execute(
                "SELECT id, status FROM applications WHERE id IN (?, ?)",
                (app_id, own_id),
            ).fetchall()
        )
        holders = conn.execute(
            "SELECT COUNT(*) FROM applications WHERE acceptance_no = ?", (number,)
        ).fetchone()[0]
    assert rows == {app_id: "in_review", own_id: "suspended"}
    assert holders == 1
    page = requests.get(url, timeout=30).text
    assert "审查中" in page and "分派承办人" in page and "现场勘察" not in page

    report = _sync(platform.victim)
    assert report.clean, report
    with platform.victim.store() as store:
        local = store.db.execute(
            "SELECT status FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
    assert local == "in_review"
    missing = platform.server.cli("set-status", "NO-SUCH", "approved", check=False)
    assert missing.returncode == 2 and "NO-SUCH" in missing.stderr


@pytest.mark.e2e
def test_status_keys_go_only_to_the_owning_desk(platform: Platform) -> None:
    _app_id, number, url = _victim_app(platform)
    key = url.split("k=", 1)[1]
    neighbour = platform.server.enroll(
        platform.server.create_desk(site=VICTIM_SITE, window="02")
    )
    copies = [
        c["body"]
        for c in neighbour.pull_all()[0]
        if c["kind"] == p.CHANGE_SITE_APPLICATION
    ]
    mine = [c for c in copies if c["acceptance_no"] == number]
    assert mine and all(c["desk_id"] == platform.victim.desk_id for c in mine)
    text = json.dumps(copies, ensure_ascii=False)
    assert key not in text
    assert all("status_key" not in c["record"] for c in copies)
    assert all("status_url" not in c["record"] for c in copies)
    # The attacker of another site sees none of them at all.
    assert not [
        c
        for c in platform.attacker.pull_all()[0]
        if c["kind"] == p.CHANGE_SITE_APPLICATION
    ]


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acceptance_numbers_are_unique_by_constraint(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = None
    if backend == "postgres":
        url = request.getfixturevalue("postgres_cluster").new_database()
    with start_central(tmp_path / "central", database_url=url) as server:
        # Two desks on the same site and window (create-desk now refuses
        # it; a database from before that rule may hold them): the second
        # use of a number is refused.
        first = server.enroll(server.create_desk(site=VICTIM_SITE, window="05"))
        second = server.enroll(server.create_desk(site=VICTIM_SITE, window="06"))
        relabel = f"UPDATE desks SET window_code = '05' WHERE id = '{second.desk_id}'"
        if url:
            import psycopg

            with psycopg.connect(url) as conn:
                conn.execute(relabel)
        else:
            assert server.db_path is not None
            conn = sqlite3.connect(server.db_path)
            with conn:
                conn.execute(relabel)
            conn.close()
        number = first.new_number()
        [ok] = first.push(_app_op(str(uuid.uuid4()), {"acceptance_no": number}))
        assert ok["result"] == p.RESULT_APPLIED
        [dup] = second.push(_app_op(str(uuid.uuid4()), {"acceptance_no": number}))
        _refused(dup, p.REASON_NUMBER_TAKEN)
        # And it is the database that says so, not only the check.
        insert = (
            "INSERT INTO applications (id, desk_id, site_code, window_code,"
            " acceptance_no, status, version, body, updated_at)"
            f" VALUES ('x', 'd', 's', 'w', '{number}', 'submitted', 1, '{{}}', 'now')"
        )
        if url:
            with (
                pytest.raises(psycopg.errors.UniqueViolation),
                psycopg.connect(url) as conn,
            ):
                conn.execute(insert)
        else:
            assert server.db_path is not None
            conn = sqlite3.connect(server.db_path)
            with pytest.raises(sqlite3.IntegrityError, match="acceptance_no"):
                conn.execute(insert)
            conn.close()


@pytest.mark.e2e
def test_create_desk_refuses_codes_the_desk_would_refuse(platform: Platform) -> None:
    for site, window, words in (
        ("S001", "01", "站点代码“S001”无效：应为6至12位数字或大写字母"),
        ("3201o2001", "01", "站点代码“3201o2001”无效：应为6至12位数字或大写字母"),
        ("320102001", "1", "窗口代码“1”无效：应为2至4位数字或大写字母"),
    ):
        done = platform.server.cli(
            "create-desk", "--site", site, "--window", window, "窗口", check=False
        )
        assert done.returncode == 2, done.stdout
        assert words in done.stderr
        assert "enrollment_code" not in done.stdout


@pytest.mark.parametrize(
    ("site", "window"),
    [
        ("320102001", "01"),
        ("S001", "01"),
        ("ABCDEF", "W07"),
        ("ABCDEFGHIJKLM", "01"),
        ("320102001", "12345"),
        ("32010200１", "01"),
        ("abcdef", "01"),
    ],
)
def test_desk_and_platform_share_one_code_rule(site: str, window: str) -> None:
    from datetime import date

    platform_ok = p.code_problem(site_code=site, window_code=window) is None
    try:
        format_acceptance_number(
            site_code=site, window_code=window, day=date(2026, 11, 23), sequence=1
        )
        desk_ok = True
    except InvalidAcceptanceNumber:
        desk_ok = False
    assert platform_ok == desk_ok
    assert platform_ok == (site in ("320102001", "ABCDEF") and window in ("01", "W07"))


@pytest.mark.e2e
def test_a_reference_the_platform_never_got_is_retried_then_shown(
    platform: Platform,
) -> None:
    from counter_app.store.outbox import add_op
    from sync.resolve import dead_letters, reason_text

    missing = str(uuid.uuid4())
    with platform.victim.store() as store, store.transaction() as db:
        add_op(
            db,
            entity=p.ENTITY_EVALUATION,
            entity_id=str(uuid.uuid4()),
            base_version=None,
            payload={"application_id": missing, "level": 5},
        )
    report = _sync(platform.victim)
    assert report.ok and report.rejected == 1 and report.dead_letters == 1
    with platform.victim.store() as store:
        [letter] = dead_letters(store.db)
        attempts = store.db.execute(
            "SELECT attempts FROM outbox WHERE op_id = ?", [letter.op_id]
        ).fetchone()[0]
    assert letter.reason.startswith(p.REASON_UNKNOWN_REF)
    assert "中心平台没有记录所指的办件" in reason_text(letter.reason)
    assert 1 < attempts <= 4  # resent a few times, never in a tight loop

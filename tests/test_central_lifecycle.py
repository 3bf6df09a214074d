"""Token and code lifecycle and rate limits on the real server: revocation
(also as the desk's sync sees it), reissue, code expiry and single use,
429 with Retry-After."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from central import admin
from central.api import Settings
from central.db import Database
from central.embedded import EmbeddedCentral
from central.limits import Rate, RateLimiter, retry_after_header
from counter_app.services.enrollment import enroll
from sync import protocol as p
from sync.engine import EngineConfig
from sync.runner import sync_once
from tests.central_fixtures import CentralServer, start_central
from tests.sync_fixtures import (
    FAST_RETRY,
    assert_converged,
    attach_blob,
    central_blobs,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    local_applications,
    make_desk,
)

pytestmark = pytest.mark.e2e

REVOKED = "本机已被平台吊销，请联系平台管理员"


def _code(out: str) -> str:
    return out.strip().rsplit(":", 1)[1].strip()


def test_revoked_desk_gets_401_with_a_reason_until_reissued(
    central: CentralServer,
) -> None:
    desk, other = central.new_desk(), central.new_desk()
    assert desk.request("GET", p.PATH_CHANGES).status_code == 200
    assert central.cli("revoke-desk", desk.desk_id).returncode == 0
    refused = desk.request("GET", p.PATH_CHANGES)
    assert refused.status_code == 401
    assert refused.json()["error"] == p.ERROR_DESK_REVOKED
    assert "吊销" in refused.json()["message"]
    assert other.request("GET", p.PATH_CHANGES).status_code == 200
    # The administrator lets it back in with a new code.
    again = central.enroll(_code(central.cli("reissue-code", desk.desk_id).stdout))
    assert again.desk_id == desk.desk_id
    assert again.request("GET", p.PATH_CHANGES).status_code == 200
    assert desk.request("GET", p.PATH_CHANGES).status_code == 401
    assert central.cli("revoke-desk", "no-such-desk", check=False).returncode == 2


def test_revocation_voids_an_unused_code(central: CentralServer) -> None:
    code = central.create_desk(site="330106001", window="W02")
    assert central.db_path is not None
    with sqlite3.connect(central.db_path) as conn:
        [desk_id] = conn.execute(
            "SELECT id FROM desks ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
    central.cli("revoke-desk", desk_id)
    resp = requests.post(central.base_url + p.PATH_ENROLL, json={"code": code})
    assert resp.status_code == 403
    assert resp.json()["error"] == p.ERROR_ENROLLMENT_CODE


def test_reissue_invalidates_the_old_token_at_once(central: CentralServer) -> None:
    old = central.new_desk()
    code = _code(central.cli("reissue-code", old.desk_id).stdout)
    # Before anyone uses the new code, the old token is dead already.
    refused = old.request("GET", p.PATH_CHANGES)
    assert refused.status_code == 401
    assert refused.json()["error"] == p.ERROR_UNAUTHORIZED
    new = central.enroll(code)
    assert new.request("GET", p.PATH_CHANGES).status_code == 200


def test_revoked_desk_sync_says_so_and_keeps_its_work(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "desk", applications=2)
    config = EngineConfig(**FAST_RETRY)  # type: ignore[arg-type]
    assert sync_once(desk.data_dir, config=config).clean
    with desk.store() as store:
        attach_blob(store, local_applications(store)[0], 20_000, seed=9)
        pending = _unsent(store)
    assert pending
    central.cli("revoke-desk", desk.desk_id)

    report = sync_once(desk.data_dir, config=config)
    assert not report.ok
    assert report.error == REVOKED
    with desk.store() as store:
        assert _unsent(store) == pending  # nothing dropped, nothing acked
        message = store.db.execute(
            "SELECT value FROM sync_state WHERE key = 'message'"
        ).fetchone()[0]
    assert message == REVOKED  # what the status bar shows

    code = _code(central.cli("reissue-code", desk.desk_id).stdout)
    with desk.store() as store:
        enroll(store, server_url=central.base_url, code=code)
    assert sync_once(desk.data_dir, config=config).clean
    assert_converged(central, desk, central_blobs(central))


def _unsent(store: object) -> list[str]:
    rows = store.db.execute(  # type: ignore[attr-defined]
        "SELECT op_id FROM outbox WHERE state IN ('pending', 'in_flight') ORDER BY seq"
    )
    return [r[0] for r in rows]


# --- code expiry (the platform's clock is injected) ------------------------------


T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(name="db")
def db_fixture(tmp_path: Path) -> Database:
    db = Database(sqlite_path=tmp_path / "central.db")
    db.create_schema()
    return db


def test_enrollment_codes_expire_after_72_hours(db: Database) -> None:
    early = admin.create_desk(
        db, site_code="330106001", window_code="01", name="a", now=T0
    )
    late = admin.create_desk(
        db, site_code="330106001", window_code="02", name="b", now=T0
    )
    got = admin.enroll(
        db, code=early.enrollment_code, desk_name=None, now=T0 + timedelta(hours=71)
    )
    assert got["desk_id"] == early.desk_id
    with pytest.raises(admin.AdminError) as refused:
        admin.enroll(
            db, code=late.enrollment_code, desk_name=None, now=T0 + timedelta(hours=72)
        )
    assert refused.value.code == p.ERROR_ENROLLMENT_CODE_EXPIRED
    assert "过期" in str(refused.value)
    # A reissued code runs from its own issue time, with its own length.
    code = admin.reissue_code(
        db, desk_id=late.desk_id, code_hours=2, now=T0 + timedelta(hours=100)
    )
    with pytest.raises(admin.AdminError):
        admin.enroll(db, code=code, desk_name=None, now=T0 + timedelta(hours=102))
    code = admin.reissue_code(
        db, desk_id=late.desk_id, code_hours=2, now=T0 + timedelta(hours=200)
    )
    got = admin.enroll(db, code=code, desk_name=None, now=T0 + timedelta(hours=201))
    assert got["desk_id"] == late.desk_id
    # Single use, whatever the clock says.
    with pytest.raises(admin.AdminError) as again:
        admin.enroll(db, code=code, desk_name=None, now=T0 + timedelta(hours=201))
    assert again.value.code == p.ERROR_ENROLLMENT_CODE


def test_expired_code_over_http_uses_the_platform_clock(tmp_path: Path) -> None:
    now = [T0]
    server = EmbeddedCentral(
        tmp_path / "central.db", settings=Settings(clock=lambda: now[0])
    )
    with server:
        new = admin.create_desk(
            server.db,
            site_code="330106001",
            window_code="01",
            name="a",
            now=T0,
            code_hours=1,
        )
        url = server.base_url + p.PATH_ENROLL
        now[0] = T0 + timedelta(hours=1, seconds=1)
        resp = requests.post(url, json={"code": new.enrollment_code})
        assert resp.status_code == 403
        assert resp.json()["error"] == p.ERROR_ENROLLMENT_CODE_EXPIRED
        now[0] = T0 + timedelta(minutes=59)
        assert requests.post(url, json={"code": new.enrollment_code}).ok


def test_code_hours_option(central: CentralServer) -> None:
    central.cli(
        "create-desk",
        "--site",
        "330106001",
        "--window",
        "09",
        "九",
        *("--code-hours", "5"),
    )
    assert central.db_path is not None
    with sqlite3.connect(central.db_path) as conn:
        created, expires = conn.execute(
            "SELECT created_at, code_expires_at FROM desks ORDER BY created_at DESC"
            " LIMIT 1"
        ).fetchone()
    span = datetime.fromisoformat(expires) - datetime.fromisoformat(created)
    assert span == timedelta(hours=5)
    bad = central.cli(
        "create-desk",
        "--site",
        "330106001",
        "--window",
        "01",
        "x",
        *("--code-hours", "0"),
        check=False,
    )
    assert bad.returncode == 2 and "有效期" in bad.stderr


# --- rate limits -------------------------------------------------------------------


def _retry_after(resp: requests.Response) -> int:
    assert resp.status_code == 429, resp.text
    assert resp.json()["error"] == p.ERROR_RATE_LIMITED
    assert "频繁" in resp.json()["message"]
    return int(resp.headers["Retry-After"])


def test_rate_limits_answer_429_with_retry_after(tmp_path: Path) -> None:
    limits = (
        *("--limit-enroll", "3", "--limit-status", "5"),
        *("--limit-auth-failures", "4", "--limit-desk", "60"),
    )
    with start_central(tmp_path, extra=limits) as server:
        url = server.base_url
        enroll_url = url + p.PATH_ENROLL
        answers = [
            requests.post(enroll_url, json={"code": "AAAA-BBBB-CCCC"}) for _ in range(3)
        ]
        assert [r.status_code for r in answers] == [403, 403, 403]
        assert _retry_after(requests.post(enroll_url, json={"code": "X"})) >= 1

        status = f"{url}/status/3301060010120261123{uuid.uuid4().int % 10**5:05d}"
        assert [requests.get(status).status_code for _ in range(5)] == [404] * 5
        assert _retry_after(requests.get(status)) >= 1

        bad = {"Authorization": "Bearer guess"}
        changes = url + p.PATH_CHANGES
        assert [requests.get(changes, headers=bad).status_code for _ in range(4)] == [
            401
        ] * 4
        assert _retry_after(requests.get(changes, headers=bad)) >= 1

    with start_central(tmp_path / "b", extra=limits[4:]) as server:
        desk, other = server.new_desk(), server.new_desk()
        # Failed guesses from this address never block a valid token.
        for _ in range(6):
            requests.get(server.base_url + p.PATH_CHANGES, headers=bad)
        # Per desk: a burst of 6, then 429 for that desk only.
        codes = [desk.request("GET", p.PATH_CHANGES).status_code for _ in range(6)]
        assert codes == [200] * 6
        assert _retry_after(desk.request("GET", p.PATH_CHANGES)) >= 1
        assert other.request("GET", p.PATH_CHANGES).status_code == 200


def test_rate_limiter_refills_on_its_clock() -> None:
    now = [100.0]
    limiter = RateLimiter(Rate(per_minute=6, burst=2), clock=lambda: now[0])
    assert limiter.hit("a") == 0.0 and limiter.hit("a") == 0.0
    assert limiter.hit("a") == pytest.approx(10.0)  # one token per 10 s
    assert limiter.hit("b") == 0.0  # keys are separate
    now[0] += 5
    assert limiter.blocked("a") == pytest.approx(5.0)
    now[0] += 5
    assert limiter.hit("a") == 0.0
    assert RateLimiter(Rate(0, 0)).hit("a") == 0.0  # 0 = no limit
    assert retry_after_header(0.2) == {"Retry-After": "1"}
    assert retry_after_header(10.1) == {"Retry-After": "11"}

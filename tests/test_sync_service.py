"""The background service, the CLI enrollment, resnapshot, dedup of blobs,
and the transport's small parsers."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from counter_app.store.db import Store
from counter_app.store.outbox import add_op
from sync.engine import EngineConfig, SyncEvent
from sync.runner import sync_lock, sync_once
from sync.service import SyncService
from sync.state import get_state, put_state
from sync.transport import Timeouts, parse_retry_after
from tests.central_fixtures import CentralServer
from tests.faultproxy import FaultProxy
from tests.sync_fixtures import (
    FAST_RETRY,
    attach_blob,
    central_blobs,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    local_applications,
    make_desk,
    run_cli,
)


def test_retry_after_and_timeouts() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    connect, read = Timeouts(connect=5, read_base=10, min_rate=1000).for_body(5000)
    assert (connect, read) == (5, 15)


def test_service_without_enrollment_says_so(tmp_path: Path, keyring_home: Path) -> None:
    events: list[SyncEvent] = []
    service = SyncService(tmp_path / "d", on_event=events.append, interval=3600)
    service.start()
    try:
        deadline = time.monotonic() + 20
        while "尚未注册" not in service.status().message:
            assert time.monotonic() < deadline, service.status()
            time.sleep(0.05)
        assert service.status().online is None
    finally:
        assert service.stop()


@pytest.mark.e2e
@pytest.mark.slow
def test_service_rounds_busy_cancel_and_stop(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    port = int(central.base_url.rsplit(":", 1)[1])
    with FaultProxy(port) as proxy:
        desk = make_desk(
            central, tmp_path / "desk", server_url=proxy.url, applications=2
        )
        with desk.store() as store:
            attach_blob(store, local_applications(store)[0], 2 * 1024 * 1024, seed=3)
        finished = threading.Event()
        kinds: list[str] = []

        def on_event(event: SyncEvent) -> None:
            kinds.append(event.kind)
            if event.kind in ("finished", "failed"):
                finished.set()

        service = SyncService(
            desk.data_dir,
            on_event=on_event,
            interval=3600,
            config=EngineConfig(**FAST_RETRY),
        )  # type: ignore[arg-type]
        # Another process-like holder of the lock: the round reports busy.
        with sync_lock(desk.data_dir):
            service.start()
            deadline = time.monotonic() + 20
            while "另一个同步" not in service.status().message:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        # A slow upload, cancelled: the round ends soon, nothing acked.
        proxy.throttle(64 * 1024)
        service.sync_now()
        deadline = time.monotonic() + 20
        while not proxy.stats.blob_put_bytes:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        started = time.monotonic()
        service.cancel()
        assert finished.wait(20)
        assert time.monotonic() - started < 1.5  # cut within one small read
        assert service.last_report is not None and not service.last_report.ok
        assert service.status().pending_ops > 0
        # Full speed: the next round converges and the status says so.
        proxy.throttle(None)
        finished.clear()
        service.sync_now()
        assert finished.wait(30)
        assert service.last_report is not None and service.last_report.clean
        deadline = time.monotonic() + 10
        while service.status().running or service.status().pending_ops:
            assert time.monotonic() < deadline, service.status()
            time.sleep(0.05)
        status = service.status()
        assert status.online is True and status.message == "同步完成"
        assert status.last_success is not None
        assert "started" in kinds and "status" in kinds
        assert service.stop()
        assert not service.running


@pytest.mark.e2e
def test_cli_enroll_and_sync(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(keyring_home))
    code = central.create_desk(site="320102001", window="07")
    data = tmp_path / "desk"
    bad = run_cli(data, "enroll", "--server", central.base_url, "--code", "x", env=env)
    assert bad.returncode == 2 and "注册码无效" in bad.stderr
    ok = run_cli(data, "enroll", "--server", central.base_url, "--code", code, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "窗口 07" in ok.stdout
    done = run_cli(data, "sync", "--once", env=env)
    assert done.returncode == 0, done.stderr
    with Store.open(data) as store:
        assert get_state(store.db, "last_success")
        with store.transaction() as db:
            add_op(db, entity="bogus", entity_id="x", base_version=None, payload={})
    failed = run_cli(data, "sync", "--once", env=env)
    assert failed.returncode == 1  # a rejected op is left for a supervisor
    assert "拒绝" in failed.stderr


@pytest.mark.e2e
def test_expired_cursor_resnapshots_remote_copies(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    other = make_desk(central, tmp_path / "b", applications=2, window="02", seed=3)
    desk = make_desk(central, tmp_path / "a", applications=1, window="01")
    config = EngineConfig(**FAST_RETRY)  # type: ignore[arg-type]
    assert sync_once(other.data_dir, config=config).clean
    assert sync_once(desk.data_dir, config=config).clean
    with Store.open(desk.data_dir) as store, store.transaction() as db:
        db.execute(
            "INSERT INTO applications (id, item_code, item_name, department, status,"
            " applicant_type, applicant_name, site_code, window_code, clerk, origin,"
            " created_at, day, updated_at) VALUES ('gone', 'X', 'X', 'X', 'submitted',"
            " 'person', '某', 's', '09', 'c', 'remote', 'now', '2026-11-23', 'now')"
        )
        put_state(db, "cursor", "another-epoch.5")
    report = sync_once(desk.data_dir, config=config)
    assert report.pull is not None and report.pull.resnapshot
    with Store.open(desk.data_dir) as store, Store.open(other.data_dir) as theirs:
        remote = {
            r[0]
            for r in store.db.execute(
                "SELECT id FROM applications WHERE origin = 'remote'"
            )
        }
        assert remote == set(local_applications(theirs))


@pytest.mark.e2e
def test_identical_bytes_upload_once(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    port = int(central.base_url.rsplit(":", 1)[1])
    config = EngineConfig(**FAST_RETRY)  # type: ignore[arg-type]
    with FaultProxy(port) as proxy:
        first = make_desk(
            central, tmp_path / "a", server_url=proxy.url, applications=2, window="01"
        )
        second = make_desk(
            central,
            tmp_path / "b",
            server_url=proxy.url,
            applications=1,
            window="02",
            seed=5,
        )
        for desk in (first, second):
            with desk.store() as store:
                for app_id in local_applications(store):
                    sha = attach_blob(store, app_id, 300_000, seed=42)
        assert sync_once(first.data_dir, config=config).clean
        assert sync_once(second.data_dir, config=config).clean
    assert proxy.stats.blob_put_bytes[sha] == 300_000
    assert (central_blobs(central) / sha[:2] / sha).stat().st_size == 300_000

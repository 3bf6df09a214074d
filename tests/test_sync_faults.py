"""Fault injection between the desk and the real central server: every case
ends with server and desk agreeing on every op, application and blob."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sync.blobs import DEFAULT_CHUNK_BYTES
from sync.engine import EngineConfig, SyncEngine, SyncReport
from sync.runner import load_credentials, make_transport, sync_lock, sync_once
from sync.transport import Timeouts, utc_now
from tests.central_fixtures import CentralServer, start_central
from tests.faultproxy import FaultProxy
from tests.sync_fixtures import (
    FAST_RETRY,
    Desk,
    assert_converged,
    attach_blob,
    central_blobs,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    local_applications,
    make_desk,
    run_cli,
    spawn_cli,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(name="proxy")
def proxy_fixture(central: CentralServer) -> Iterator[FaultProxy]:
    port = int(central.base_url.rsplit(":", 1)[1])
    with FaultProxy(port) as proxy:
        yield proxy


def _desk(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, n: int = 6
) -> Desk:
    return make_desk(central, tmp_path / "desk", server_url=proxy.url, applications=n)


def _sync(desk: Desk, **config: object) -> SyncReport:
    options: dict[str, object] = dict(FAST_RETRY)
    options.update(config)
    return sync_once(desk.data_dir, config=EngineConfig(**options))  # type: ignore[arg-type]


def _cli_env(keyring_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(keyring_home)
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    return env


def _outbox_states(desk: Desk) -> dict[str, int]:
    with desk.store() as store:
        return dict(
            store.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        )


def test_connection_refused_then_converges(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path)
    proxy.refuse()
    report = _sync(desk, max_failures=2)
    assert not report.ok and report.online is False
    assert report.acked == 0 and report.remaining_ops > 0
    assert "acked" not in _outbox_states(desk)
    proxy.accept_again()
    assert _sync(desk).clean
    assert_converged(central, desk, central_blobs(central))


def test_reply_lost_after_server_applied(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path)
    proxy.drop_reply(1, path_prefix="/api/v1/ops")
    report = _sync(desk)
    assert proxy.stats.dropped_replies == 1
    assert report.clean, report
    assert report.duplicates > 0  # the resent batch was recognised, not re-applied
    assert_converged(central, desk, central_blobs(central))


@pytest.mark.slow
def test_cut_mid_upload_resumes_from_server_offset(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=2)
    size = 20 * 1024 * 1024
    with desk.store() as store:
        sha = attach_blob(store, local_applications(store)[0], size, seed=20)
    proxy.cut_after(9 * 1024 * 1024 + 12345, path_prefix="/api/v1/blobs")
    report = _sync(desk)
    assert proxy.stats.cuts == 1
    assert report.clean, report
    resent = proxy.stats.blob_put_bytes[sha] - size
    assert 0 <= resent <= DEFAULT_CHUNK_BYTES
    assert_converged(central, desk, central_blobs(central))


def test_5xx_and_429_bursts_with_retry_after(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path)
    proxy.burst(503, 2, path_prefix="/api/v1/ops")
    proxy.burst(429, 1, retry_after=1, path_prefix="/api/v1/ops")
    proxy.burst(500, 1, path_prefix="/api/v1/changes")
    started = time.monotonic()
    report = _sync(desk)
    assert report.clean, report
    assert report.retries == 4 and proxy.stats.injected == 4
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert_converged(central, desk, central_blobs(central))


@pytest.mark.slow
def test_slow_link_never_yields_a_false_success(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=1)
    proxy.throttle(5 * 1024)
    # Timeouts far too short for 5 KB/s: the round must fail, not ack.
    short = Timeouts(connect=2, read_base=0.2, min_rate=10**9)
    report = _sync(desk, max_failures=2, timeouts=short)
    assert not report.ok
    assert report.acked == 0
    states = _outbox_states(desk)
    assert set(states) <= {"pending", "in_flight"}, states
    # With timeouts scaled to the body, the same link succeeds honestly.
    report = _sync(desk)
    assert report.clean, report
    proxy.throttle(None)
    assert_converged(central, desk, central_blobs(central))


def _wait_for(
    predicate: object, timeout: float = 60, proc: subprocess.Popen[str] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"client exited {proc.returncode}: {out} {err}")
        time.sleep(0.02)
    if proc is not None:
        proc.kill()
        proc.communicate()
    raise AssertionError("condition not reached in time")


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)


@pytest.mark.slow
def test_sigkill_during_push_then_converges(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=30)
    env = _cli_env(keyring_home)
    proxy.throttle(40 * 1024)
    proc = spawn_cli(desk.data_dir, "sync", "--once", env=env)
    _wait_for(lambda: proxy.stats.begun("POST", "/api/v1/ops") >= 1, proc=proc)
    time.sleep(0.3)
    _kill(proc)
    states = _outbox_states(desk)
    assert states.get("in_flight", 0) > 0, states  # marked before sending
    proxy.throttle(None)
    done = run_cli(desk.data_dir, "sync", "--once", env=env)
    assert done.returncode == 0, done.stderr
    assert_converged(central, desk, central_blobs(central))


@pytest.mark.slow
def test_sigkill_during_blob_upload_then_resumes(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=1)
    size = 4 * 1024 * 1024
    with desk.store() as store:
        sha = attach_blob(store, local_applications(store)[0], size, seed=4)
    env = _cli_env(keyring_home)
    proxy.throttle(1024 * 1024)
    proc = spawn_cli(desk.data_dir, "sync", "--once", env=env)
    _wait_for(lambda: proxy.stats.blob_put_bytes[sha] > 1024 * 1024, proc=proc)
    _kill(proc)
    proxy.throttle(None)
    done = run_cli(desk.data_dir, "sync", "--once", env=env)
    assert done.returncode == 0, done.stderr
    assert proxy.stats.blob_put_bytes[sha] - size <= DEFAULT_CHUNK_BYTES
    assert_converged(central, desk, central_blobs(central))


def test_second_instance_refuses_or_waits(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=2)
    env = _cli_env(keyring_home)
    with sync_lock(desk.data_dir):
        busy = run_cli(desk.data_dir, "sync", "--once", env=env)
        assert busy.returncode == 3
        assert "另一个同步正在进行" in busy.stderr
        waiting = spawn_cli(desk.data_dir, "sync", "--once", "--wait", env=env)
        time.sleep(1.0)
        assert waiting.poll() is None  # still waiting for the lock
    _out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert_converged(central, desk, central_blobs(central))


@pytest.mark.slow
def test_server_restarted_mid_sync(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=30)
    proxy.throttle(60 * 1024)
    result: list[SyncReport] = []
    config = {"max_failures": 30, "backoff_base": 0.1, "backoff_cap": 0.5}
    worker = threading.Thread(target=lambda: result.append(_sync(desk, **config)))
    worker.start()
    _wait_for(lambda: proxy.stats.begun("POST", "/api/v1/ops") >= 1)
    time.sleep(0.3)
    central.process.terminate()
    central.process.wait(10)
    proxy.cut_all()
    assert central.db_path is not None
    with start_central(central.db_path.parent) as again:
        proxy.set_upstream(int(again.base_url.rsplit(":", 1)[1]))
        proxy.throttle(None)
        worker.join(120)
        assert result and result[0].clean, result
        assert result[0].retries > 0  # the restart was felt, and survived
        assert_converged(again, desk, central_blobs(again))


def test_client_clock_two_hours_off(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=2)
    report = sync_once(
        desk.data_dir,
        config=EngineConfig(**FAST_RETRY),  # type: ignore[arg-type]
        clock=lambda: utc_now() + timedelta(hours=2),
    )
    assert report.clean, report
    assert report.skew_warning
    assert report.skew_seconds is not None
    assert abs(report.skew_seconds + 7200) < 60
    assert_converged(central, desk, central_blobs(central))


def test_batch_halves_on_413_and_grows_back(
    central: CentralServer, proxy: FaultProxy, tmp_path: Path, keyring_home: Path
) -> None:
    desk = _desk(central, proxy, tmp_path, n=6)
    proxy.burst(413, 2, path_prefix="/api/v1/ops")
    config = EngineConfig(batch_start=8, batch_max=16, **FAST_RETRY)  # type: ignore[arg-type]
    with desk.store() as store:
        transport = make_transport(load_credentials(store))
        engine = SyncEngine(store, transport, config=config)
        sizes: list[int] = []
        engine.on_event = lambda event: sizes.append(engine.batch)
        report = engine.run_once()
        transport.close()
    assert report.clean, report
    assert proxy.stats.injected == 2
    # 8 → 4 → 2 after two 413s, then ×2 after the first answered batch.
    assert sizes[:2] == [8, 4]
    assert engine.batch == 16  # doubled back up to the maximum
    assert_converged(central, desk, central_blobs(central))

"""Blob rules on the real server: an upload in progress belongs to the desk
that started it, the first declared size blocks no one, stale partial
uploads expire, a desk's partial bytes have a quota; and the desk's
uploader never loops against any answer."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from central.blobs import BlobStore
from central.db import Database
from sync import protocol as p
from sync.engine import EngineConfig
from sync.runner import sync_once
from tests.central_fixtures import CentralServer, DeskClient, start_central
from tests.sync_fixtures import (
    assert_converged,
    attach_blob,
    central_blobs,
    central_fixture,  # noqa: F401
    keyring_home_fixture,  # noqa: F401
    local_applications,
    make_desk,
    run_cli,
)

pytestmark = pytest.mark.e2e


def _put(desk: DeskClient, sha: str, data: bytes, start: int, total: int):
    return desk.request(
        "PUT",
        f"{p.PATH_BLOBS}/{sha}",
        data=data,
        headers={
            "Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}",
            "Content-Type": p.BLOB_CONTENT_TYPE,
        },
    )


def _offset(desk: DeskClient, sha: str) -> tuple[int, int]:
    resp = desk.request("HEAD", f"{p.PATH_BLOBS}/{sha}")
    return resp.status_code, int(resp.headers[p.HEADER_UPLOAD_OFFSET])


def _cli_env(keyring_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(keyring_home)
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    return env


def test_a_foreign_declared_size_does_not_block_the_victims_sync(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    """The issue's attack: another desk starts the victim's blob first with
    ``bytes 0-9/999999``; the victim's ``sync --once`` still completes."""
    victim = make_desk(central, tmp_path / "victim", applications=1)
    with victim.store() as store:
        sha = attach_blob(store, local_applications(store)[0], 300_000, seed=3)
    attacker = central.new_desk()
    first = _put(attacker, sha, b"x" * 10, 0, 999_999)
    assert first.status_code == 200, first.text

    done = run_cli(victim.data_dir, "sync", "--once", env=_cli_env(keyring_home))
    assert done.returncode == 0, done.stderr
    assert_converged(central, victim, central_blobs(central))
    stored = central_blobs(central) / sha[:2] / sha
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    # The attacker's own partial upload counts for nothing now.
    assert _offset(attacker, sha) == (200, 300_000)


def test_a_desk_cannot_touch_another_desks_partial_upload(
    central: CentralServer,
) -> None:
    owner, other = central.new_desk(), central.new_desk()
    data = os.urandom(40_000)
    sha = hashlib.sha256(data).hexdigest()
    assert _put(owner, sha, data[:10_000], 0, len(data)).status_code == 200
    # The other desk sees nothing of it and cannot append at its offset.
    assert _offset(other, sha) == (404, 0)
    wrong = _put(other, sha, b"\0" * 10_000, 10_000, len(data))
    assert wrong.status_code == 409
    assert wrong.json()["error"] == p.ERROR_OFFSET_MISMATCH
    assert wrong.headers[p.HEADER_UPLOAD_OFFSET] == "0"
    # A different declared size from the other desk does not stick either.
    assert _put(other, sha, b"y" * 5, 0, 999).status_code == 200
    assert _offset(owner, sha) == (200, 10_000)
    # The owner finishes; everyone then sees the blob complete.
    done = _put(owner, sha, data[10_000:], 10_000, len(data))
    assert done.status_code == 200 and done.json()["complete"] is True
    assert _offset(other, sha) == (200, len(data))


def test_the_owner_may_restart_with_another_size(central: CentralServer) -> None:
    desk = central.new_desk()
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    assert _put(desk, sha, b"z" * 100, 0, 999_999).status_code == 200
    again = _put(desk, sha, data, 0, len(data))
    assert again.status_code == 200 and again.json()["complete"] is True


def test_partial_bytes_of_a_desk_have_a_quota(tmp_path: Path) -> None:
    with start_central(tmp_path, extra=("--partial-quota-bytes", "1000")) as server:
        desk, other = server.new_desk(), server.new_desk()
        a, b = os.urandom(2000), os.urandom(2000)
        sha_a, sha_b = (hashlib.sha256(x).hexdigest() for x in (a, b))
        assert _put(desk, sha_a, a[:600], 0, 2000).status_code == 200
        refused = _put(desk, sha_b, b[:600], 0, 2000)
        assert refused.status_code == 413
        assert refused.json()["error"] == p.ERROR_UPLOAD_QUOTA
        assert "限额" in refused.json()["message"]
        # Another desk has its own quota; finishing an upload frees it.
        assert _put(other, sha_b, b[:600], 0, 2000).status_code == 200
        assert _put(desk, sha_a, a[600:], 600, 2000).json()["complete"] is True
        assert _put(desk, sha_b, b[:600], 0, 2000).status_code == 200


def test_stale_partial_uploads_are_purged_by_the_admin_command(
    central: CentralServer,
) -> None:
    desk = central.new_desk()
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    fresh = os.urandom(5000)
    fresh_sha = hashlib.sha256(fresh).hexdigest()
    assert _put(desk, sha, data[:1000], 0, 5000).status_code == 200
    assert _put(desk, fresh_sha, fresh[:1000], 0, 5000).status_code == 200
    assert central.db_path is not None
    long_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    with sqlite3.connect(central.db_path) as conn:
        conn.execute(
            "UPDATE blob_uploads SET updated_at = ? WHERE sha256 = ?", (long_ago, sha)
        )
    out = central.cli(
        "purge-uploads", "--blobs-dir", str(central_blobs(central))
    ).stdout
    assert "purged 1 " in out
    assert _offset(desk, sha) == (404, 0)
    assert _offset(desk, fresh_sha) == (200, 1000)
    # The desk simply starts that upload again.
    assert _put(desk, sha, data, 0, 5000).json()["complete"] is True


def test_stale_partial_uploads_are_purged_on_access(tmp_path: Path) -> None:
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    db = Database(sqlite_path=tmp_path / "central.db")
    db.create_schema()
    store = BlobStore(db=db, root=tmp_path / "blobs", clock=lambda: now[0])
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    store.put_chunk(sha, desk_id="d1", start=0, total=3000, data=data[:1000])
    now[0] += timedelta(hours=23)
    assert store.status(sha, "d1") == {"sha256": sha, "offset": 1000, "complete": False}
    now[0] += timedelta(hours=1, minutes=1)  # 24 h after the last chunk
    assert store.status(sha, "d1") is None
    assert not list((tmp_path / "blobs").glob("*/*.part"))
    db.close()


# --- the desk's uploader against a misbehaving server ---------------------------


class _Misbehaving(BaseHTTPRequestHandler):
    mode = "409"
    count = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"{}", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _count(self) -> None:
        with _Misbehaving.lock:
            _Misbehaving.count += 1
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def do_HEAD(self) -> None:
        self._count()
        self._answer(200, Upload_Offset="10", Upload_Complete="0")

    def do_PUT(self) -> None:
        self._count()
        mode = _Misbehaving.mode
        if mode == "409":
            self._answer(409, b'{"error":"offset_mismatch"}', Upload_Offset="10")
        elif mode == "500":
            self._answer(500, b"oops")
        elif mode == "429":
            self._answer(429, b'{"error":"rate_limited"}', Retry_After="1")
        elif mode == "stuck":
            self._answer(200, b'{"offset": 0, "complete": false}')
        else:  # garbage
            self._answer(200, b"<html>not json</html>")

    def do_GET(self) -> None:
        self._count()
        self._answer(500)

    do_POST = do_GET


@pytest.fixture(name="bad_server")
def bad_server_fixture() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("mode", ["409", "500", "429", "stuck", "garbage"])
def test_uploader_has_a_retry_budget_against_any_answer(
    central: CentralServer,
    bad_server: str,
    tmp_path: Path,
    keyring_home: Path,
    mode: str,
) -> None:
    desk = make_desk(central, tmp_path / "desk", applications=1)
    with desk.store() as store:
        attach_blob(store, local_applications(store)[0], 50_000, seed=5)
        pending_before = store.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state != 'acked'"
        ).fetchone()[0]
    _Misbehaving.mode, _Misbehaving.count = mode, 0
    config = EngineConfig(backoff_base=0.05, backoff_cap=0.2, max_failures=4)
    outcome: dict[str, object] = {}
    cancel = threading.Event()

    def run() -> None:
        outcome["report"] = sync_once(
            desk.data_dir, server_url=bad_server, config=config, cancel=cancel
        )

    started = time.monotonic()
    worker = threading.Thread(target=run)
    worker.start()
    worker.join(60)
    looping = worker.is_alive()
    cancel.set()
    worker.join(10)
    elapsed = time.monotonic() - started
    assert not looping, f"{_Misbehaving.count} requests and still going"
    report = outcome["report"]
    assert not report.ok and report.error  # type: ignore[attr-defined]
    # One blob of one chunk: per attempt a HEAD, at most 1 + slack PUTs and a
    # HEAD per stall; four attempts in all. The old client sent thousands.
    assert 2 <= _Misbehaving.count <= 4 * 12, _Misbehaving.count
    if mode == "429":  # Retry-After: 1 is honoured between attempts
        assert elapsed >= 3.0
    with desk.store() as store:  # nothing lost, nothing acked
        assert (
            store.db.execute(
                "SELECT COUNT(*) FROM outbox WHERE state != 'acked'"
            ).fetchone()[0]
            == pending_before
        )

"""Desks, servers and convergence checks for the sync tests and bench."""

from __future__ import annotations

import hashlib
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from counter_app.services.demo import seed_demo
from counter_app.services.enrollment import enroll
from counter_app.store import settings
from counter_app.store.blobstore import BlobStore
from counter_app.store.db import Store
from counter_app.store.outbox import decode_payload
from tests.central_fixtures import ROOT, CentralServer, start_central

FAST_RETRY = {"backoff_base": 0.05, "backoff_cap": 0.5}


@pytest.fixture(name="keyring_home")
def keyring_home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The plaintext test keyring writes under this directory, not ~."""
    home = tmp_path / "xdg-data"
    home.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture(name="central")
def central_fixture(tmp_path: Path) -> Iterator[CentralServer]:
    with start_central(tmp_path / "central") as server:
        yield server


def central_blobs(server: CentralServer) -> Path:
    assert server.db_path is not None
    return server.db_path.parent / "blobs"


@dataclass
class Desk:
    data_dir: Path
    desk_id: str
    site_code: str
    window_code: str

    def store(self) -> Store:
        return Store.open(self.data_dir)


def make_desk(
    server: CentralServer,
    data_dir: Path,
    *,
    server_url: str | None = None,
    site: str = "320102001",
    window: str = "01",
    applications: int = 0,
    seed: int = 7,
) -> Desk:
    code = server.create_desk(site=site, window=window)
    with Store.open(data_dir) as store:
        result = enroll(store, server_url=server_url or server.base_url, code=code)
        # Keep acknowledged ops so tests can compare them with the
        # platform's; a desk deletes them at the end of the round by default.
        with store.transaction() as db:
            settings.put(db, "outbox.keep_days", "30")
        if applications:
            seed_demo(store, applications=applications, days=3, seed=seed)
    return Desk(data_dir, result.desk_id, result.site_code, result.window_code)


def attach_blob(store: Store, application_id: str, size: int, *, seed: int) -> str:
    """A scan of ``size`` bytes on an application, queued like a service does."""
    from counter_app.services.applications import push_application

    data = random.Random(seed).randbytes(size)
    info = BlobStore(store.data_dir, key=store.key).put_bytes(
        data, mime="application/pdf", pages=1
    )
    with store.transaction() as db:
        db.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, mime, pages, created_at)"
            " VALUES (?, ?, ?, 1, '2026-11-23T09:00:00+08:00')",
            [info.sha256, info.size, info.mime],
        )
        key = db.execute(
            "SELECT material_key FROM application_materials WHERE application_id = ?"
            " ORDER BY position LIMIT 1",
            [application_id],
        ).fetchone()
        db.execute(
            "INSERT INTO material_files (application_id, material_key, sha256,"
            " position, pages, created_at) VALUES (?, ?, ?, 0, 1, ?)",
            [
                application_id,
                key[0] if key else "m",
                info.sha256,
                "2026-11-23T09:00:00+08:00",
            ],
        )
        db.execute(
            "UPDATE applications SET version = version + 1 WHERE id = ?",
            [application_id],
        )
        push_application(db, application_id)
    return info.sha256


def local_applications(store: Store) -> list[str]:
    return [
        r[0]
        for r in store.db.execute(
            "SELECT id FROM applications WHERE origin = 'local' ORDER BY id"
        )
    ]


def central_db(server: CentralServer) -> sqlite3.Connection:
    assert server.db_path is not None
    conn = sqlite3.connect(server.db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def assert_converged(server: CentralServer, desk: Desk, blobs_dir: Path) -> None:
    """Server and desk agree on every op, application and blob, exactly once."""
    with desk.store() as store:
        states = dict(
            store.db.execute(
                "SELECT state, COUNT(*) FROM outbox GROUP BY state"
            ).fetchall()
        )
        assert set(states) <= {"acked", "rejected"}, states
        local_ops = {
            r[0]: r[1]
            for r in store.db.execute(
                "SELECT op_id, entity FROM outbox WHERE state = 'acked'"
                " AND result IN ('applied', 'duplicate')"
            )
        }
        last_status = {
            r[0]: decode_payload(r[1])["status"]
            for r in store.db.execute(
                "SELECT entity_id, payload FROM outbox WHERE entity = 'application'"
                " AND state = 'acked' ORDER BY seq"
            )
        }
        local_events = dict(
            store.db.execute(
                "SELECT seq, hash FROM events UNION ALL"
                " SELECT seq, hash FROM events_archive"
            ).fetchall()
        )
        blob_rows = store.db.execute(
            "SELECT sha256, uploaded_at FROM blobs WHERE sha256 IN"
            " (SELECT sha256 FROM material_files)"
        ).fetchall()
    with central_db(server) as conn:
        server_ops = {
            r["op_id"]: r["entity"]
            for r in conn.execute(
                "SELECT op_id, entity FROM ops WHERE desk_id = ? AND entity != 'event'",
                (desk.desk_id,),
            )
        }
        # Audit events travel outside the outbox (sync/audit.py).
        server_events = {
            r["seq"]: r["hash"]
            for r in conn.execute(
                "SELECT seq, hash FROM audit_events WHERE desk_id = ?",
                (desk.desk_id,),
            )
        }
        apps = {
            r["id"]: r["status"]
            for r in conn.execute(
                "SELECT id, status FROM applications WHERE desk_id = ?", (desk.desk_id,)
            )
        }
        records = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT op_id) FROM records WHERE desk_id = ?",
            (desk.desk_id,),
        ).fetchone()
        complete = {
            r["sha256"]
            for r in conn.execute("SELECT sha256 FROM blobs WHERE complete = 1")
        }
    assert server_ops == local_ops
    assert server_events == local_events
    assert records[0] == records[1]
    assert apps == last_status
    for sha, uploaded_at in blob_rows:
        assert uploaded_at, sha
        assert sha in complete, sha
        path = blobs_dir / sha[:2] / sha
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha


def run_cli(
    data_dir: Path, *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn_cli(data_dir: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def iter_lines(text: str) -> Iterator[str]:
    yield from text.splitlines()

"""Push and pull against the real central server (no faults)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.engine import EngineConfig
from sync.runner import sync_once
from tests.central_fixtures import CentralServer
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


def test_push_blobs_and_pull(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "desk", applications=8)
    with desk.store() as store:
        app_id = local_applications(store)[0]
        sha = attach_blob(store, app_id, 600_000, seed=1)
    report = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
    assert report.error == ""
    assert report.clean, report
    assert report.blobs_uploaded == 1
    assert report.blob_bytes_sent == 600_000
    assert_converged(central, desk, central_blobs(central))
    with desk.store() as store:
        url = store.db.execute(
            "SELECT status_url FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
        assert url.startswith(central.base_url + "/status/")
        state = dict(store.db.execute("SELECT key, value FROM sync_state").fetchall())
    assert state["cursor"] and state["last_success"]
    assert abs(float(state["server_skew_seconds"])) < 60
    # A second round sends nothing and uploads nothing again.
    again = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
    assert again.clean and again.acked == 0 and again.blob_bytes_sent == 0
    del sha

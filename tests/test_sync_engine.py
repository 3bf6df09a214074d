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


def test_scan_attached_through_the_service_syncs_clean(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    """A file attached with services.materials goes up with its blob and is
    applied — not left in the dead-letter list."""
    from PIL import Image

    from counter_app.services.materials import import_files

    desk = make_desk(central, tmp_path / "desk", applications=3)
    page = tmp_path / "page.png"
    Image.new("L", (400, 560), 200).save(page)
    with desk.store() as store:
        app_id = local_applications(store)[0]
        key = store.db.execute(
            "SELECT material_key FROM application_materials WHERE application_id = ?"
            " LIMIT 1",
            [app_id],
        ).fetchone()[0]
        result = import_files(
            store,
            application_id=app_id,
            material_key=key,
            paths=[page],
            actor="clerk01",
        )
        assert result.attached and not result.errors
    report = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
    assert report.error == ""
    assert report.clean, report
    with desk.store() as store:
        states = dict(
            store.db.execute(
                "SELECT entity, state FROM outbox WHERE entity = 'material_file'"
            ).fetchall()
        )
    assert states == {"material_file": "acked"}
    assert_converged(central, desk, central_blobs(central))


def test_receipt_link_printed_before_the_first_sync_works_after_it(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    """The QR code of a receipt printed offline carries a key the desk made;
    once the application is synced, that very link opens the status page."""
    import requests

    desk = make_desk(central, tmp_path / "desk", applications=2)
    with desk.store() as store:
        app_id = local_applications(store)[0]
        printed = store.db.execute(
            "SELECT status_url FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
    assert printed.startswith(central.base_url + "/status/") and "?k=" in printed
    assert sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY)).clean
    page = requests.get(printed, timeout=10)
    assert page.status_code == 200
    assert "受理" in page.text
    wrong = printed[:-3] + ("000" if not printed.endswith("000") else "111")
    assert requests.get(wrong, timeout=10).status_code == 404


def test_old_acknowledged_operations_are_pruned(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "desk", applications=4)
    assert sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY)).clean
    with desk.store() as store:
        acked = store.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state = 'acked'"
        ).fetchone()[0]
        assert acked > 0  # kept: acknowledged today
        with store.transaction() as db:
            db.execute("UPDATE outbox SET acked_at = '2020-01-01T00:00:00+00:00'")
            kept = store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    assert sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY)).clean
    with desk.store() as store:
        assert store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
        assert (
            store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == kept
        )

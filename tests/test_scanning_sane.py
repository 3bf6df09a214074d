"""SANE end to end with the real ``test`` backend (no /etc changes)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from counter_app.scanning import sane, sources
from counter_app.scanning.errors import ScannerFailed, SourceUnavailable
from counter_app.services import materials
from counter_app.store.db import Store

pytestmark = pytest.mark.e2e

ADF = "Automatic Document Feeder"


@pytest.fixture
def sane_env(tmp_path: Path) -> dict[str, str]:
    reason = sane.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    config = tmp_path / "sane.d"
    config.mkdir()
    (config / "dll.conf").write_text("test\n", "utf-8")
    return {"SANE_CONFIG_DIR": str(config)}


def test_lists_test_devices_and_options(sane_env: dict[str, str]) -> None:
    devices = sane.list_devices(env=sane_env)
    names = [d.name for d in devices]
    assert "test:0" in names
    options = sane.device_options("test:0", env=sane_env)
    assert "Gray" in options.modes and "Color" in options.modes
    assert options.adf_source == ADF
    assert options.resolution_range is not None


def test_scan_one_page_at_150_dpi(sane_env: dict[str, str]) -> None:
    data = sane.scan_page(
        "test:0", sane.ScanSettings(resolution=150, mode="Color"), env=sane_env
    )
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG" and im.mode == "RGB"
        assert round(im.info["dpi"][0]) == 150
        # The test device's default area is 80 × 100 mm.
        assert im.width == pytest.approx(80 / 25.4 * 150, abs=3)


def test_adf_batch_of_three_into_one_material(
    sane_env: dict[str, str], store: Store
) -> None:
    progress: list[tuple[int, int]] = []
    pages = sane.scan_batch(
        "test:0",
        sane.ScanSettings(resolution=150, source=ADF),
        env=sane_env,
        count=3,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert len(pages) == 3
    assert progress[-1] == (3, 3)
    result = materials.attach_scanned_pages(
        store, application_id="app-1", material_key="license", pages=pages,
        actor="clerk01",
    )  # fmt: skip
    assert result.errors == []
    rows = materials.list_files(store, "app-1")
    assert [(r.material_key, r.position, r.source) for r in rows] == [
        ("license", i, "sane") for i in range(3)
    ]
    assert rows[0].original_name == "scan_001.png"


def test_feeder_runs_empty_without_count(sane_env: dict[str, str]) -> None:
    # The test feeder holds 10 sheets, then reports "out of documents".
    pages = sane.scan_batch(
        "test:0", sane.ScanSettings(resolution=25, source=ADF), env=sane_env
    )
    assert len(pages) == 10


def test_unknown_device_is_a_clear_error(sane_env: dict[str, str]) -> None:
    with pytest.raises(ScannerFailed) as err:
        sane.scan_page("nosuch:0", sane.ScanSettings(), env=sane_env)
    assert "nosuch:0" in str(err.value)


def test_no_devices_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    if sane.unavailable_reason() is not None:
        pytest.skip(sane.unavailable_reason() or "")
    empty = tmp_path / "empty.d"
    empty.mkdir()
    (empty / "dll.conf").write_text("", "utf-8")
    env = {"SANE_CONFIG_DIR": str(empty)}
    assert sane.list_devices(env=env) == []
    statuses = sources.source_statuses(sane_env=env, include_camera=False)
    scanner = [s for s in statuses if s.kind == "sane"]
    assert len(scanner) == 1 and not scanner[0].available
    assert "扫描仪" in (scanner[0].reason or "")


def test_missing_scanimage_binary_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "scanimage" in (sane.unavailable_reason() or "")
    with pytest.raises(SourceUnavailable):
        sane.list_devices()
    statuses = sources.source_statuses(include_camera=False)
    assert [s.available for s in statuses] == [True, False, False]

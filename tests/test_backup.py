"""main.py backup / restore / check, run as real processes on a store
filled through the services."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.services import materials
from counter_app.services.context import DeskContext
from counter_app.store.db import DB_FILENAME, Store
from tests.encryption_fixtures import (
    ID,
    fill_store,
    forget_keys,
    found_in,
    secrets_of,
)

__all__ = ["forget_keys"]
pytestmark = [pytest.mark.usefixtures("forget_keys"), pytest.mark.e2e]
ROOT = Path(__file__).resolve().parent.parent


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _counts(data: Path) -> tuple[int, int]:
    with Store.open(data) as store:
        apps = store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
        return apps, len(materials.live_shas(store.db))


def test_backup_is_sealed_and_restore_puts_it_back(
    tmp_path: Path, clerk: DeskContext
) -> None:
    data = tmp_path / "desk"
    with Store.open(data) as store:
        scan_slice = fill_store(store, clerk, tmp_path)
    before = _counts(data)
    out = tmp_path / "usb" / "desk.backup"
    done = run(data, "backup", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "已备份" in done.stdout and "1 个办件" in done.stdout
    assert (out.stat().st_mode & 0o777) == 0o600
    assert found_in(out.parent, secrets_of(scan_slice)) == set()

    # Later: a second intake, then a scan file lost.
    with Store.open(data) as store:
        fill_store(store, clerk, tmp_path)
        blobs = materials.blob_store(store)
        lost = sorted(materials.live_shas(store.db))[0]
        blobs.path_for(lost).unlink()
    checked = run(data, "check")
    assert checked.returncode == 1
    assert "扫描件文件在本机找不到" in checked.stdout and "从备份恢复" in checked.stdout

    restored = run(data, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert "已从" in restored.stdout and "before-restore-" in restored.stdout
    assert _counts(data) == before
    assert run(data, "check", "--verify-scans").returncode == 0
    with Store.open(data) as store:
        assert store.db.execute("SELECT id_number FROM applications").fetchone() == (
            ID,
        )
        for sha in materials.live_shas(store.db):
            assert materials.blob_store(store).read_bytes(sha)
    [aside] = data.glob("before-restore-*")
    assert (aside / DB_FILENAME).exists()  # the replaced data is kept, sealed


def test_restore_refuses_another_folders_backup_and_junk(
    tmp_path: Path, clerk: DeskContext
) -> None:
    data, other = tmp_path / "desk", tmp_path / "other"
    with Store.open(data) as store:
        fill_store(store, clerk, tmp_path)
    Store.open(other).close()
    out = tmp_path / "desk.backup"
    assert run(data, "backup", "--out", str(out)).returncode == 0
    before = (other / DB_FILENAME).read_bytes()
    refused = run(other, "restore", str(out))
    assert refused.returncode == 2
    assert "无法用本目录的密钥解开" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (other / DB_FILENAME).read_bytes() == before
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup" * 100)
    refused = run(data, "restore", str(junk))
    assert refused.returncode == 2 and "不是 Counter 的备份文件" in refused.stderr
    inside = run(data, "backup", "--out", str(data / "x.backup"))
    assert inside.returncode == 2 and "不能放在数据目录之内" in inside.stderr


def test_check_names_a_damaged_database(tmp_path: Path, clerk: DeskContext) -> None:
    data = tmp_path / "desk"
    with Store.open(data) as store:
        fill_store(store, clerk, tmp_path)
    path = data / DB_FILENAME
    raw = bytearray(path.read_bytes())
    page = 4096
    last = len(raw) // page - 1  # a data page, not the schema on page 1
    raw[last * page + 100 : last * page + 164] = bytes(64)
    path.write_bytes(bytes(raw))
    checked = run(data, "check")
    assert checked.returncode in (1, 2), checked.stderr
    text = checked.stdout + checked.stderr
    assert ("完整性检查发现问题" in text or "损坏" in text) and "Traceback" not in text

"""The PostgreSQL fixture finds whatever server version is installed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.central_fixtures import find_pg_bin


def _server(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("initdb", "pg_ctl"):
        (folder / name).write_text("#!/bin/sh\n")
    return folder


def _pg_config(tmp_path: Path, bindir: Path) -> str:
    tool = tmp_path / "tools" / "pg_config"
    tool.parent.mkdir(exist_ok=True)
    tool.write_text(f"#!/bin/sh\necho {bindir}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return str(tool)


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNTER_PG_BIN", raising=False)


def test_newest_server_version_wins(tmp_path: Path) -> None:
    root = tmp_path / "postgresql"
    _server(root / "9.6" / "bin")
    _server(root / "15" / "bin")
    newest = _server(root / "16" / "bin")
    (root / "17" / "bin").mkdir(parents=True)  # client only: no initdb
    (root / "notes").mkdir()
    assert find_pg_bin(root=root, pg_config="no-such-pg-config") == newest


def test_pg_config_bindir_first_when_it_holds_a_server(tmp_path: Path) -> None:
    root = tmp_path / "postgresql"
    _server(root / "16" / "bin")
    chosen = _server(tmp_path / "custom" / "bin")
    assert find_pg_bin(root=root, pg_config=_pg_config(tmp_path, chosen)) == chosen


def test_pg_config_of_a_client_only_install_is_passed_over(tmp_path: Path) -> None:
    root = tmp_path / "postgresql"
    server = _server(root / "16" / "bin")
    client = root / "17" / "bin"
    client.mkdir(parents=True)
    assert find_pg_bin(root=root, pg_config=_pg_config(tmp_path, client)) == server


def test_nothing_installed(tmp_path: Path) -> None:
    assert find_pg_bin(root=tmp_path / "none", pg_config="no-such-pg-config") is None


def test_this_machine_has_a_server_found() -> None:
    found = find_pg_bin()
    if found is None:
        pytest.skip("no PostgreSQL server installed here")
    assert os.access(found / "initdb", os.X_OK)
    assert os.access(found / "pg_ctl", os.X_OK)

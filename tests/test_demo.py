"""The README's demo: data seeded through the services, the embedded central
platform started, the desk enrolled and synced — even with no keyring."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.store.db import open_connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.e2e
def test_demo_prepares_enrolls_and_syncs(tmp_path: Path) -> None:
    # As on a desktop with the test extra installed but no system keyring:
    # keyring itself would pick the plaintext file of keyrings.alt; the app
    # refuses it and the demo says where its token goes instead.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHON_KEYRING_BACKEND", "COUNTER_TEST_KEYRING")
    }
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    out = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--data-dir",
            str(tmp_path),
            "demo",
            "--applications",
            "30",
            "--no-gui",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    assert "clerk01" in out.stdout and "counter123" in out.stdout
    assert "密钥环" in out.stdout  # says plainly where the demo token went
    token_file = tmp_path / "demo-keyring.json"
    assert str(token_file) in out.stdout
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "xdg").exists()  # no keyrings.alt file anywhere
    # ... and where the data key went: beside the data folder, never inside.
    key_file = tmp_path.parent / f"{tmp_path.name}.demo-key"
    assert str(key_file) in out.stdout
    conn = open_connection(tmp_path, key=bytes.fromhex(key_file.read_text()))
    desk_id = conn.execute(
        "SELECT value FROM settings WHERE key = 'desk_id'"
    ).fetchone()[0]
    states = dict(conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
    apps = conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    conn.close()
    assert desk_id
    assert apps == 30
    assert set(states) <= {"acked"}  # acknowledged ops are compacted away
    central = sqlite3.connect(tmp_path / "central" / "central.sqlite3")
    on_server = central.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    central.close()
    assert on_server == 30

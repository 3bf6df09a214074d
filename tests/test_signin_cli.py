"""Passwords never on the command line; ``user add|unlock|reset`` and the
export's sign-in under the same lock as the window."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.cli import main
from counter_app.services import users
from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from tests.supervisor_fixtures import add_users

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("COUNTER_PASSWORD", raising=False)
    store = Store.open(tmp_path / "data")
    ensure_seeded(store)
    add_users(store)
    store.close()
    return tmp_path / "data"


def _main(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def _export(data_dir: Path, tmp_path: Path, user: str) -> int:
    return _main(
        data_dir,
        "export",
        "daily-log",
        "--date",
        "2026-11-25",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "log.csv"),
        "--user",
        user,
        "--password-stdin",
    )


def test_password_flags_are_gone(tmp_path: Path) -> None:
    for args in (
        ["user", "add", "x", "--name", "x", "--password", "secret-123"],
        [
            *("export", "daily-log", "--date", "2026-11-25", "--format", "csv"),
            *("--out", "x.csv", "--user", "x", "--password", "secret-123"),
        ],
    ):
        out = subprocess.run(
            [sys.executable, "main.py", "--data-dir", str(tmp_path), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 2
        assert "密码不能写在命令行上" in out.stderr
        assert "COUNTER_PASSWORD" in out.stderr


def test_user_add_reads_stdin_or_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "temp-2026\n")
    assert (
        _main(data_dir, "user", "add", "clerk05", "--name", "赵", "--password-stdin")
        == 0
    )
    assert "首次登录时须修改密码" in capsys.readouterr().out
    monkeypatch.setenv("COUNTER_PASSWORD", "var-pass-1")
    assert _main(data_dir, "user", "add", "clerk06", "--name", "钱") == 0
    with Store.open(data_dir) as store:
        assert users.authenticate(
            store, username="clerk05", password="temp-2026"
        ).must_change
        assert users.authenticate(
            store, username="clerk06", password="var-pass-1"
        ).must_change
        actors = {
            json.loads(d)["user"]: a
            for a, d in store.db.execute(
                "SELECT actor, detail FROM events WHERE kind = 'user_saved'"
            )
        }
    assert actors["clerk05"].startswith("cli:")


def test_no_terminal_and_no_variable_says_how(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "")
    assert _main(data_dir, "user", "add", "clerk05", "--name", "赵") == 2
    err = capsys.readouterr().err
    assert "--password-stdin" in err and "COUNTER_PASSWORD" in err
    _stdin(monkeypatch, "short\n")
    assert (
        _main(data_dir, "user", "add", "clerk05", "--name", "赵", "--password-stdin")
        == 2
    )
    assert "密码太短" in capsys.readouterr().err


def test_export_locks_unlock_and_reset_from_the_command_line(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for _i in range(5):
        _stdin(monkeypatch, "wrong-pass1\n")
        assert _export(data_dir, tmp_path, "clerk01") == 2
    _stdin(monkeypatch, "counter123\n")
    assert _export(data_dir, tmp_path, "clerk01") == 2
    assert "锁定" in capsys.readouterr().err
    assert not (tmp_path / "log.csv").exists()

    assert _main(data_dir, "user", "unlock", "clerk01") == 0
    assert "已解锁" in capsys.readouterr().out
    _stdin(monkeypatch, "counter123\n")
    assert _export(data_dir, tmp_path, "clerk01") == 0

    _stdin(monkeypatch, "temp-2026\n")
    assert _main(data_dir, "user", "reset", "clerk01", "--password-stdin") == 0
    _stdin(monkeypatch, "temp-2026\n")
    assert _export(data_dir, tmp_path, "clerk01") == 2
    assert "临时密码" in capsys.readouterr().err
    assert _main(data_dir, "user", "unlock", "nobody") == 2
    assert "没有用户 nobody" in capsys.readouterr().err
    with Store.open(data_dir) as store:
        channels = [
            json.loads(d)["channel"]
            for (d,) in store.db.execute(
                "SELECT detail FROM events WHERE kind = 'sign_in'"
            )
        ]
    assert set(channels) == {"cli"}

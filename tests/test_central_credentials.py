"""``python -m central add-user`` takes no password on the command line; a
password typed by the platform's administrator is temporary by default."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from central.cli import main
from central.db import open_database
from sync import protocol as p


def _verifier(db_path: Path, username: str) -> str:
    db = open_database(db_path=str(db_path), database_url=None)
    try:
        with db.transaction(write=False) as conn:
            row = conn.one(
                "SELECT password_verifier FROM users WHERE username = ?", (username,)
            )
    finally:
        db.close()
    assert row is not None
    return str(row["password_verifier"])


def _add(db: Path, name: str, *extra: str) -> int:
    return main(
        ["add-user", name, "--db", str(db), "--role", "clerk", "--site", "S1", *extra]
    )


def test_add_user_password_from_stdin_or_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "central.sqlite3"
    monkeypatch.delenv("COUNTER_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("temp-2026\n"))
    assert _add(db, "u1", "--password-stdin") == 0
    first = _verifier(db, "u1")
    assert p.verifier_must_change(first) and p.verify_password("temp-2026", first)

    monkeypatch.setenv("COUNTER_PASSWORD", "final-2026")
    assert _add(db, "u2", "--no-must-change") == 0
    second = _verifier(db, "u2")
    assert not p.verifier_must_change(second)
    assert p.verify_password("final-2026", second)

    monkeypatch.delenv("COUNTER_PASSWORD")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert _add(db, "u3") == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_password_on_the_command_line_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        _add(tmp_path / "c.sqlite3", "u1", "--password", "secret-123")
    assert info.value.code == 2
    assert "密码不能写在命令行上" in capsys.readouterr().err

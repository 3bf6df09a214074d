"""``main.py export daily-log`` end to end in the same process."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from counter_app.cli import main
from counter_app.domain.status import Decision
from counter_app.services.setup import ensure_seeded
from counter_app.store import settings
from counter_app.store.db import Store
from tests.supervisor_fixtures import add_users, at, make, window_ctx

DAY = date(2026, 11, 16)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = Store.open(tmp_path / "data")
    ensure_seeded(store)
    with store.transaction() as db:  # a desk configured for its site
        settings.put(db, "site_code", "320102001")
    add_users(store)
    make(store, window_ctx("clerk01"), when=at(DAY, 9, 0), seq=1, name="王𠮷")
    make(
        store,
        window_ctx("clerk02", window="02"),
        when=at(DAY, 9, 30),
        decision=Decision.NOTICE,
        seq=2,
        name="欧阳䶮",
    )
    store.close()
    return tmp_path / "data"


def _run(data_dir: Path, *args: str) -> int:
    return main(
        [
            "--data-dir",
            str(data_dir),
            "export",
            "daily-log",
            "--date",
            DAY.isoformat(),
            *args,
        ]
    )


def test_supervisor_exports_the_site(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COUNTER_PASSWORD", "counter123")
    out = tmp_path / "site.csv"
    assert (
        _run(data_dir, "--format", "csv", "--out", str(out), "--user", "chief01") == 0
    )
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert {r[5] for r in rows[1:]} == {"王𠮷", "欧阳䶮"}
    printed = capsys.readouterr().out
    assert "已导出 2 条记录" in printed and "窗口 02：未同步" in printed
    store = Store.open(data_dir)
    event = store.db.execute(
        "SELECT actor FROM events WHERE kind = 'export.daily_log'"
    ).fetchone()
    store.close()
    assert event[0] == "chief01"


def test_clerk_export_is_forced_to_own_records(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COUNTER_PASSWORD", "counter123")
    out = tmp_path / "mine.xlsx"
    assert (
        _run(
            data_dir,
            "--format",
            "xlsx",
            "--out",
            str(out),
            "--user",
            "clerk01",
            "--window",
            "02",
        )
        == 0
    )
    import openpyxl

    ws = openpyxl.load_workbook(out).worksheets[0]
    names = [r[5].value for r in ws.iter_rows(min_row=2)]
    assert names == ["王𠮷"]
    assert "本窗口本人" in capsys.readouterr().err


def test_wrong_password_and_bad_date(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COUNTER_PASSWORD", "wrong-password")
    out = tmp_path / "x.pdf"
    assert (
        _run(data_dir, "--format", "pdf", "--out", str(out), "--user", "chief01") == 2
    )
    assert "用户名或密码不正确" in capsys.readouterr().err
    assert not out.exists()
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "export",
                "daily-log",
                "--date",
                "2026/11/16",
                "--format",
                "pdf",
                "--out",
                str(out),
                "--user",
                "chief01",
            ]
        )
        == 2
    )
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_pdf_export(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTER_PASSWORD", "counter123")
    out = tmp_path / "site.pdf"
    assert (
        _run(
            data_dir,
            "--to",
            "2026-11-17",
            "--format",
            "pdf",
            "--out",
            str(out),
            "--user",
            "chief01",
        )
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF")

"""Daily log and its exports, read back against the database."""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from counter_app.domain.identifiers import mask_identifier
from counter_app.domain.status import Decision
from counter_app.services.consultations import consult
from counter_app.services.context import PermissionDenied
from counter_app.services.daily_log import LogFilter, daily_log
from counter_app.services.exports import ExportFormat, column_names, export_daily_log
from counter_app.store.db import Store
from counter_app.store.settings import put
from tests.supervisor_fixtures import PLAIN_ITEM, add_users, at, make, pin, window_ctx

DAY = date(2026, 11, 16)
NEXT = date(2026, 11, 17)


@pytest.fixture
def busy(seeded_store: Store) -> Store:
    """Two windows, three clerks, rare-character names, every decision."""
    add_users(seeded_store)
    c1 = window_ctx("clerk01", name="王晓明")
    c2 = window_ctx("clerk02", window="02", name="李𠮷祥")
    make(seeded_store, c1, when=at(DAY, 9, 5), name="王𠮷", seq=1)
    make(
        seeded_store,
        c1,
        when=at(DAY, 9, 30),
        decision=Decision.NOTICE,
        name="欧阳䶮",
        seq=2,
    )
    make(
        seeded_store,
        c2,
        when=at(DAY, 10, 0),
        decision=Decision.REJECT,
        name="张三",
        seq=3,
    )
    make(
        seeded_store,
        c2,
        when=at(DAY, 11, 0),
        decision=Decision.ACCEPT_DEFERRED,
        name="李四",
        seq=4,
    )
    pin(at(DAY, 11, 30))
    consult(
        seeded_store,
        c1,
        item_code=PLAIN_ITEM,
        answers={},
        applicant_name="赵𠮷",
        phone="13900001111",
    )
    make(seeded_store, c1, when=at(NEXT, 9, 0), name="钱五", seq=5)
    return seeded_store


def db_rows(store: Store, day: date, window: str = "") -> list[dict[str, object]]:
    sql = "SELECT * FROM applications WHERE day = ?"
    args: list[object] = [day.isoformat()]
    if window:
        sql += " AND window_code = ?"
        args.append(window)
    return [dict(r) for r in store.db.query(sql + " ORDER BY created_at", args)]


def test_log_lists_applications_and_consultations_in_time_order(busy: Store) -> None:
    chief = window_ctx("chief01", role="supervisor")
    log = daily_log(busy, chief, LogFilter.day(DAY))
    assert [e.kind for e in log.entries] == [
        "application",
        "application",
        "application",
        "application",
        "consultation",
    ]
    assert [e.applicant_name for e in log.entries] == [
        "王𠮷",
        "欧阳䶮",
        "张三",
        "李四",
        "赵𠮷",
    ]
    by_no = {r["acceptance_no"]: r for r in db_rows(busy, DAY)}
    for e in log.entries[:4]:
        row = by_no[e.acceptance_no]
        assert e.id_masked == mask_identifier(str(row["id_number"]))
        assert "*" in e.id_masked and e.id_masked != row["id_number"]
        assert e.decision == row["decision"]
        assert e.status == row["status"]
    assert log.entries[1].materials == 3  # one of four missing
    assert log.totals.applications == 4
    assert log.totals.consultations == 1
    assert (
        log.totals.accepted,
        log.totals.notified,
        log.totals.rejected,
        log.totals.deferred,
    ) == (1, 1, 1, 1)


def test_filters_by_window_clerk_and_item(busy: Store) -> None:
    chief = window_ctx("chief01", role="supervisor")
    only2 = daily_log(busy, chief, LogFilter.day(DAY, window_code="02"))
    assert {e.window_code for e in only2.entries} == {"02"}
    assert len(only2.entries) == 2
    clerk1 = daily_log(busy, chief, LogFilter.day(DAY, clerk="clerk01"))
    assert {e.clerk_name for e in clerk1.entries} == {"王晓明"}
    plain = daily_log(busy, chief, LogFilter(DAY, NEXT, item_code=PLAIN_ITEM))
    assert len([e for e in plain.entries if e.kind == "application"]) == 4
    rng = daily_log(busy, chief, LogFilter(DAY, NEXT))
    assert rng.totals.applications == 5


def test_clerk_sees_only_own_records(busy: Store) -> None:
    clerk = window_ctx("clerk01")
    log = daily_log(busy, clerk, LogFilter.day(DAY, window_code="02"))
    assert log.filters.window_code == "01" and log.filters.clerk == "clerk01"
    assert {e.clerk for e in log.entries} == {"clerk01"}


def test_coverage_says_unsynced_and_as_of(busy: Store) -> None:
    chief = window_ctx("chief01", role="supervisor")
    log = daily_log(busy, chief, LogFilter.day(DAY))
    texts = {c.window_code: c.text() for c in log.coverage}
    assert "本机" in texts["01"]
    assert texts["02"] == "窗口 02：未同步"
    with busy.transaction() as db:
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)",
            ["window_pushed:02", "2026-11-16T17:45:00+08:00"],
        )
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)",
            ["window_pushed:03", "2026-11-16T12:00:00+08:00"],
        )
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)",
            ["last_success", "2026-11-16T18:00:00+08:00"],
        )
    log = daily_log(busy, chief, LogFilter.day(DAY))
    texts = {c.window_code: c.text() for c in log.coverage}
    assert texts["02"].startswith("窗口 02：截至 2026-11-16")
    # A window that synced but took nothing that day is still accounted for.
    assert texts["03"].startswith("窗口 03：截至 2026-11-16")
    assert texts["01"].startswith("窗口 01：本机记录完整（最近同步 2026-11-16")
    only2 = daily_log(busy, chief, LogFilter.day(DAY, window_code="02"))
    assert [c.window_code for c in only2.coverage] == ["02"]


def test_csv_reads_back_with_bom_and_rare_characters(
    busy: Store, tmp_path: Path
) -> None:
    chief = window_ctx("chief01", role="supervisor")
    out = tmp_path / "log.csv"
    result = export_daily_log(
        busy, chief, LogFilter.day(DAY), fmt=ExportFormat.CSV, out=out
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == column_names()
    assert len(rows) == 1 + result.rows == 6
    header = rows[0]
    records = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    by_no = {r["acceptance_no"]: r for r in db_rows(busy, DAY)}
    for rec in records:
        if rec["类型"] == "咨询":
            assert rec["申请人"] == "赵𠮷"
            continue
        db = by_no[rec["受理编号"]]
        assert rec["申请人"] == db["applicant_name"]
        assert rec["证件号码"] == mask_identifier(str(db["id_number"]))
        assert str(db["id_number"]) not in raw.decode("utf-8-sig")
        assert rec["时间"] == str(db["created_at"])[11:16]
    assert {r["申请人"] for r in records} >= {"王𠮷", "欧阳䶮"}
    event = busy.db.execute(
        "SELECT actor, detail FROM events WHERE kind = 'export.daily_log'"
    ).fetchone()
    assert event[0] == "chief01" and '"rows": 5' in event[1]


def test_xlsx_is_typed_with_frozen_header(busy: Store, tmp_path: Path) -> None:
    import openpyxl

    chief = window_ctx("chief01", role="supervisor")
    out = tmp_path / "log.xlsx"
    export_daily_log(busy, chief, LogFilter(DAY, NEXT), fmt=ExportFormat.XLSX, out=out)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["D"].width >= 20
    header = [c.value for c in ws[1]]
    assert header == column_names(xlsx=True)
    rows = [
        dict(zip(header, [c.value for c in r], strict=True))
        for r in ws.iter_rows(min_row=2)
    ]
    assert len(rows) == 6
    first = rows[0]
    assert isinstance(first["序号"], int)
    assert isinstance(first["时间"], datetime)
    assert first["时间"] == datetime(2026, 11, 16, 9, 5)
    assert isinstance(first["办结期限"], datetime)  # Excel dates read back as datetime
    db = {r["acceptance_no"]: r for r in db_rows(busy, DAY) + db_rows(busy, NEXT)}
    for row in rows:
        if row["受理编号"]:
            rec = db[row["受理编号"]]
            assert row["申请人"] == rec["applicant_name"]
            assert row["证件号码"] == mask_identifier(str(rec["id_number"]))
            if rec["due_date"]:
                assert row["办结期限"].date().isoformat() == rec["due_date"]
            assert isinstance(row["材料数"], int)
    assert {r["申请人"] for r in rows} >= {"王𠮷", "欧阳䶮", "赵𠮷"}
    totals = {
        r[0].value: r[1].value for r in wb.worksheets[1].iter_rows() if r[0].value
    }
    assert totals["办件"] == 5 and totals["咨询"] == 1


def test_provisional_due_date_is_marked(busy: Store, tmp_path: Path) -> None:
    with busy.transaction() as db:
        db.execute(
            "UPDATE applications SET due_provisional = 1 WHERE applicant_name = '王𠮷'"
        )
    chief = window_ctx("chief01", role="supervisor")
    log = daily_log(busy, chief, LogFilter.day(DAY))
    assert log.entries[0].due_text.endswith("（预计）")
    out = tmp_path / "log.csv"
    export_daily_log(busy, chief, LogFilter.day(DAY), fmt=ExportFormat.CSV, out=out)
    assert "（预计）" in out.read_text(encoding="utf-8-sig")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_pdf_reads_back(busy: Store, tmp_path: Path) -> None:
    put_center(busy)
    chief = window_ctx("chief01", role="supervisor", name="张堃")
    out = tmp_path / "log.pdf"
    export_daily_log(busy, chief, LogFilter.day(DAY), fmt=ExportFormat.PDF, out=out)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    compact = "".join(text.split())
    assert "业务日志" in compact
    assert "合计" in compact
    assert "第1页" in compact
    for row in db_rows(busy, DAY):
        masked = mask_identifier(str(row["id_number"]))
        assert masked[:6] in compact and masked[-4:] in compact
        assert str(row["id_number"]) not in compact
    assert "欧阳䶮" in compact
    assert "王𠮷" in compact
    assert "窗口02：未同步" in compact


def put_center(store: Store) -> None:
    with store.transaction() as db:
        put(db, "center_name", "示范区政务服务中心")


def test_clerk_export_is_limited_to_own_records(busy: Store, tmp_path: Path) -> None:
    clerk = window_ctx("clerk02", window="02")
    out = tmp_path / "mine.csv"
    result = export_daily_log(
        busy, clerk, LogFilter.day(DAY), fmt=ExportFormat.CSV, out=out
    )
    assert result.rows == 2
    assert result.log.filters.clerk == "clerk02"


def test_close_is_refused_to_a_clerk(busy: Store) -> None:
    from counter_app.services.day_close import close_day

    with pytest.raises(PermissionDenied, match="科室负责人"):
        close_day(busy, window_ctx("clerk01"), window_code="01", day=DAY)

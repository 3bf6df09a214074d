"""Day close: pending changes, archive, read-only day, corrections."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date

import pytest

from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.context import PermissionDenied
from counter_app.services.day_close import (
    DayClosed,
    DayCloseError,
    PendingNotConfirmed,
    assert_day_open,
    close_day,
    corrections,
    preview,
    record_correction,
    reopen_day,
)
from counter_app.services.intake import MaterialEntry, MaterialState
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from counter_app.store.outbox import decode_payload, pending_summary
from tests.supervisor_fixtures import PLAIN_ITEM, add_users, at, make, pin, window_ctx

DAY = date(2026, 11, 16)
CHIEF = window_ctx("chief01", role="supervisor", name="张堃")
CLERK = window_ctx("clerk01", name="王晓明")


@pytest.fixture
def day_store(seeded_store: Store) -> Store:
    add_users(seeded_store)
    make(seeded_store, CLERK, when=at(DAY, 9, 0), seq=1, name="王𠮷")
    make(
        seeded_store,
        CLERK,
        when=at(DAY, 9, 30),
        decision=Decision.NOTICE,
        seq=2,
        name="欧阳䶮",
    )
    pin(at(DAY, 17, 30))
    return seeded_store


def _ack_all(store: Store) -> None:
    with store.transaction() as db:
        db.execute("UPDATE outbox SET state = 'acked'")


def test_pending_changes_need_a_recorded_confirmation(day_store: Store) -> None:
    pending, _bytes = pending_summary(day_store.db)
    assert pending > 0
    with pytest.raises(PendingNotConfirmed) as info:
        close_day(day_store, CHIEF, window_code="01", day=DAY)
    assert info.value.pending_ops == pending
    assert str(pending) in str(info.value)
    assert day_store.db.execute("SELECT COUNT(*) FROM day_closes").fetchone()[0] == 0
    assert not (day_store.data_dir / "archive").exists() or not any(
        (day_store.data_dir / "archive").rglob("*.pdf")
    )

    result = close_day(
        day_store, CHIEF, window_code="01", day=DAY, confirm_pending=True
    )
    row = dict(next(day_store.db.query("SELECT * FROM day_closes")))
    assert row["pending_ops"] == pending and row["pending_confirmed"] == 1
    assert row["closed_by"] == "chief01"
    totals = json.loads(row["totals"])
    assert totals["applications"] == 2 and totals["notified"] == 1
    assert result.archive_path == (
        day_store.data_dir
        / "archive"
        / "2026"
        / "11"
        / "daily-log_320102001_01_2026-11-16.pdf"
    )
    assert result.archive_path.read_bytes().startswith(b"%PDF")
    op = day_store.db.execute(
        "SELECT entity, entity_id, payload FROM outbox WHERE op_id = ?", [result.op_id]
    ).fetchone()
    assert op[0] == "day_close" and op[1] == "320102001:01:2026-11-16"
    assert decode_payload(op[2])["pending_confirmed"] == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_archive_pdf_holds_the_day(day_store: Store) -> None:
    _ack_all(day_store)
    result = close_day(day_store, CHIEF, window_code="01", day=DAY)
    assert not result.pending_confirmed
    text = subprocess.run(
        ["pdftotext", "-layout", str(result.archive_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    compact = "".join(text.split())
    assert "王𠮷" in compact and "欧阳䶮" in compact and "合计" in compact


def test_closed_day_refuses_supplement_and_new_records(day_store: Store) -> None:
    notice = day_store.db.execute(
        "SELECT id FROM applications WHERE decision = 'notice'"
    ).fetchone()[0]
    close_day(day_store, CHIEF, window_code="01", day=DAY, confirm_pending=True)
    item = get_item(day_store.db, PLAIN_ITEM)
    entries = [
        MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
        for m in item.materials_for({})
    ]
    pin(at(DAY, 17, 45))
    with pytest.raises(DayClosed) as info:
        apps.supplement(day_store, CLERK, application_id=notice, materials=entries)
    message = str(info.value)
    assert "张堃" in message and "日结" in message and "更正" in message
    assert "2026-11-16" in message
    with pytest.raises(DayClosed):
        make(day_store, CLERK, when=at(DAY, 17, 50), seq=3)
    # The next day the window works again; the supplement is accepted.
    pin(at(date(2026, 11, 17), 9, 0))
    result = apps.supplement(day_store, CLERK, application_id=notice, materials=entries)
    assert result.status.value == "submitted"
    # Another window's day is not affected.
    make(day_store, window_ctx("clerk02", window="02"), when=at(DAY, 17, 55), seq=4)


def test_close_twice_and_future_day_are_refused(day_store: Store) -> None:
    _ack_all(day_store)
    close_day(day_store, CHIEF, window_code="01", day=DAY)
    with pytest.raises(DayClosed):
        close_day(day_store, CHIEF, window_code="01", day=DAY)
    with pytest.raises(DayCloseError, match="今天以后"):
        close_day(day_store, CHIEF, window_code="01", day=date(2026, 11, 17))


def test_clerk_may_not_close_preview_or_correct(day_store: Store) -> None:
    app_id = day_store.db.execute("SELECT id FROM applications").fetchone()[0]
    with pytest.raises(PermissionDenied):
        close_day(day_store, CLERK, window_code="01", day=DAY, confirm_pending=True)
    with pytest.raises(PermissionDenied):
        preview(day_store, CLERK, window_code="01", day=DAY)
    with pytest.raises(PermissionDenied):
        record_correction(
            day_store,
            CLERK,
            application_id=app_id,
            field="phone",
            new_value="13900000000",
            reason="录错",
        )


def test_preview_counts_and_pending(day_store: Store) -> None:
    p = preview(day_store, CHIEF, window_code="01", day=DAY)
    assert p.rows == 2 and p.pending_ops > 0 and p.already_closed is None
    assert ("办件", "2") in p.totals


def test_correction_after_close_is_logged_and_queued(day_store: Store) -> None:
    app_id = day_store.db.execute(
        "SELECT id FROM applications WHERE decision = 'accept'"
    ).fetchone()[0]
    close_day(day_store, CHIEF, window_code="01", day=DAY, confirm_pending=True)
    with pytest.raises(DayClosed):
        assert_day_open(
            day_store.db, site_code="320102001", window_code="01", day="2026-11-16"
        )
    before = day_store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    cid = record_correction(
        day_store,
        CHIEF,
        application_id=app_id,
        field="applicant_name",
        new_value="王𠮷明",
        reason="姓名录入漏字，核对身份证后更正",
    )
    rows = corrections(day_store.db, app_id)
    assert rows[0]["id"] == cid
    assert rows[0]["old_value"] == "王𠮷" and rows[0]["new_value"] == "王𠮷明"
    assert rows[0]["closed_day"] == "2026-11-16"
    rec = day_store.db.execute(
        "SELECT applicant_name, version FROM applications WHERE id = ?", [app_id]
    ).fetchone()
    assert rec[0] == "王𠮷明" and rec[1] == 2
    assert (
        day_store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == before + 1
    )
    event = day_store.db.execute(
        "SELECT actor, detail FROM events WHERE kind = 'correction'"
    ).fetchone()
    assert event[0] == "chief01" and "王𠮷明" in event[1]
    with pytest.raises(DayCloseError, match="不能通过更正登记"):
        record_correction(
            day_store,
            CHIEF,
            application_id=app_id,
            field="id_number",
            new_value="x",
            reason="r",
        )
    with pytest.raises(DayCloseError, match="格式不对"):
        record_correction(
            day_store,
            CHIEF,
            application_id=app_id,
            field="promise_date",
            new_value="下周一",
            reason="r",
        )
    with pytest.raises(DayCloseError, match="理由"):
        record_correction(
            day_store,
            CHIEF,
            application_id=app_id,
            field="phone",
            new_value="13900000000",
            reason=" ",
        )


def test_reopen_needs_a_supervisor_and_a_reason_then_intake_goes_on(
    day_store: Store,
) -> None:
    _ack_all(day_store)
    result = close_day(day_store, CHIEF, window_code="01", day=DAY)
    with pytest.raises(DayClosed):
        assert_day_open(
            day_store.db, site_code="320102001", window_code="01", day=DAY.isoformat()
        )
    with pytest.raises(PermissionDenied):
        reopen_day(day_store, CLERK, window_code="01", day=DAY, reason="误操作")
    with pytest.raises(DayCloseError) as err:
        reopen_day(day_store, CHIEF, window_code="01", day=DAY, reason="  ")
    assert err.value.field == "reason"
    kept = reopen_day(
        day_store, CHIEF, window_code="01", day=DAY, reason="误操作，仍有群众排队"
    )
    # Open again: the window takes applications; the closed log is kept.
    assert_day_open(
        day_store.db, site_code="320102001", window_code="01", day=DAY.isoformat()
    )
    make(day_store, CLERK, when=at(DAY, 17, 40), seq=3, name="李四")
    assert kept is not None and kept.exists() and not result.archive_path.exists()
    [event] = day_store.db.execute(
        "SELECT actor, detail FROM events WHERE kind = 'day_reopen'"
    ).fetchall()
    assert event[0] == "chief01"
    assert json.loads(event[1])["reason"] == "误操作，仍有群众排队"
    op = day_store.db.execute(
        "SELECT entity_id, payload FROM outbox WHERE entity = 'day_close'"
        " ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    assert op[0] == "320102001:01:2026-11-16"
    assert decode_payload(op[1])["reopened_by"] == "chief01"
    # A second close archives anew beside the kept one.
    _ack_all(day_store)
    again = close_day(day_store, CHIEF, window_code="01", day=DAY)
    assert again.archive_path.exists() and kept.exists()
    with pytest.raises(DayCloseError, match="尚未日结"):
        reopen_day(
            day_store, CHIEF, window_code="01", day=date(2026, 11, 13), reason="x"
        )

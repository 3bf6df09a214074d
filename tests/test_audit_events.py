"""Every action 等保 asks to audit leaves an event with time, user, type,
object and outcome, in the chain: intake and decision, print, export,
record read, day close, settings change, user change, enrollment."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.audit import RetentionTooShort, set_keep_days
from counter_app.services.context import DeskContext, PermissionDenied
from counter_app.services.daily_log import LogFilter
from counter_app.services.day_close import close_day
from counter_app.services.documents import record_print
from counter_app.services.exports import ExportFormat, export_daily_log
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.queries import read_record
from counter_app.services.settings_service import save_desk_settings, set_setting
from counter_app.services.users import add_user
from counter_app.store import audit
from counter_app.store.catalog import get_item
from counter_app.store.db import Store


def _events(store: Store, after: int = 0) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in store.db.query(
            "SELECT seq, at, actor, kind, object, outcome, detail FROM events"
            " WHERE seq > ? ORDER BY seq",
            [after],
        )
    ]


def _last_seq(store: Store) -> int:
    return int(
        store.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
    )


def _accept(store: Store, ctx: DeskContext) -> str:
    item = get_item(store.db, "GG00302001")
    form = IntakeForm(
        item_codes=[item.code],
        applicant=Applicant(name="李𠮷", id_number="11010519491231002X"),
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
            for m in item.materials_for({})
        ],
    )
    [result] = apps.decide(store, ctx, form, Decision.ACCEPT)
    return result.application_id


def test_window_actions_are_audited_with_all_five_elements(
    seeded_store: Store,
    clerk: DeskContext,
    supervisor: DeskContext,
    tmp_path: Path,
    today: date,
) -> None:
    store = seeded_store
    start = _last_seq(store)
    app_id = _accept(store, clerk)
    read_record(store, clerk, app_id)
    record_print(
        store,
        clerk,
        application_id=app_id,
        document="receipt",
        printer="PDF",
        status="printed",
    )
    record_print(
        store,
        clerk,
        application_id=app_id,
        document="receipt",
        printer="PDF",
        status="failed",
        error="paper jam",
    )
    export_daily_log(
        store,
        supervisor,
        LogFilter.day(today),
        fmt=ExportFormat.CSV,
        out=tmp_path / "log.csv",
    )
    close_day(store, supervisor, window_code="01", day=today, confirm_pending=True)
    got = [
        (e["actor"], e["kind"], e["object"], e["outcome"])
        for e in _events(store, start)
    ]
    app = f"application:{app_id}"
    assert got == [
        ("clerk01", "decision.accept", app, "success"),
        ("clerk01", "record.read", app, "success"),
        ("clerk01", "print.printed", app, "success"),
        ("clerk01", "print.failed", app, "failure"),
        ("chief01", "export.daily_log", f"file:{tmp_path / 'log.csv'}", "success"),
        ("chief01", "day_close", f"day:01/{today.isoformat()}", "success"),
    ]
    assert all(e["at"].startswith(today.isoformat()) for e in _events(store, start))
    assert audit.verify(store.db).intact


def test_settings_and_user_changes_are_audited(
    store: Store, supervisor: DeskContext
) -> None:
    save_desk_settings(store, language="en", idle_lock_minutes=5, actor="chief01")
    save_desk_settings(store, language="en", idle_lock_minutes=5, actor="chief01")
    set_setting(store, "scan.hot_folder", "/srv/scans", actor="clerk01")
    add_user(
        store,
        username="clerk09",
        display_name="周𠮷",
        role="clerk",
        password="s3cret-pass",
        by=supervisor,
    )
    add_user(
        store,
        username="clerk09",
        display_name="周𠮷",
        role="supervisor",
        password="another-pass",
        by=supervisor,
    )
    events = _events(store)
    got = [(e["actor"], e["kind"], e["object"]) for e in events]
    assert got == [  # the unchanged second save writes nothing
        ("chief01", "setting.changed", "setting:language"),
        ("chief01", "setting.changed", "setting:idle_lock_minutes"),
        ("clerk01", "setting.changed", "setting:scan.hot_folder"),
        ("chief01", "user_saved", "user:clerk09"),
        ("chief01", "user_saved", "user:clerk09"),
    ]
    assert json.loads(events[1]["detail"]) == {"old": "10", "new": "5"}
    changed = json.loads(events[4]["detail"])
    assert (changed["action"], changed["old_role"], changed["role"]) == (
        "updated",
        "clerk",
        "supervisor",
    )
    text = " ".join(e["detail"] for e in events)
    assert "s3cret" not in text and "scrypt" not in text


def test_retention_setting_has_a_legal_minimum(
    store: Store, supervisor: DeskContext, clerk: DeskContext
) -> None:
    with pytest.raises(RetentionTooShort, match="180"):
        set_keep_days(store, supervisor, 90)
    with pytest.raises(PermissionDenied):
        set_keep_days(store, clerk, 365)
    set_keep_days(store, supervisor, 365)
    assert audit.keep_days(store.db) == 365
    [event] = _events(store)
    assert (event["kind"], event["object"]) == (
        "setting.changed",
        "setting:audit.keep_days",
    )

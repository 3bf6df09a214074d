"""Hostile names in the daily log's CSV and XLSX files: never a formula a
spreadsheet would run, never a file the writer cannot save."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from counter_app.domain.errors import DomainError
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import LogFilter
from counter_app.services.exports import ExportFormat, export_daily_log
from counter_app.store.db import Store
from tests.hostile_strategies import hostile_text
from tests.test_hostile_services import form

FORMULAS = [
    '=HYPERLINK("http://x.example/","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
]


def export_both(
    store: Store, ctx: DeskContext, day: date, tmp: Path
) -> tuple[list[list[str]], list]:  # type: ignore[type-arg]
    csv_out, xlsx_out = tmp / "log.csv", tmp / "log.xlsx"
    export_daily_log(store, ctx, LogFilter.day(day), fmt=ExportFormat.CSV, out=csv_out)
    export_daily_log(
        store, ctx, LogFilter.day(day), fmt=ExportFormat.XLSX, out=xlsx_out
    )
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    sheet = load_workbook(xlsx_out).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    return rows, cells


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.one_of(st.sampled_from(FORMULAS), hostile_text))
def test_names_never_become_formulas(
    seeded_store: Store,
    clerk: DeskContext,
    supervisor: DeskContext,
    today: date,
    tmp_path: Path,
    name: str,
) -> None:
    try:
        apps.decide(seeded_store, clerk, form(seeded_store, name=name), Decision.ACCEPT)
    except DomainError:
        return
    rows, cells = export_both(seeded_store, supervisor, today, tmp_path)
    assert all(c.data_type != "f" for c in cells)
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row
    )


@pytest.mark.parametrize("name", FORMULAS)
def test_formula_names_read_back_as_quoted_text(
    seeded_store: Store,
    clerk: DeskContext,
    supervisor: DeskContext,
    today: date,
    tmp_path: Path,
    name: str,
) -> None:
    apps.decide(seeded_store, clerk, form(seeded_store, name=name), Decision.ACCEPT)
    rows, cells = export_both(seeded_store, supervisor, today, tmp_path)
    assert "'" + name in rows[1]
    assert "'" + name in [c.value for c in cells]


def test_control_characters_from_older_or_remote_records_do_not_break_xlsx(
    seeded_store: Store,
    clerk: DeskContext,
    supervisor: DeskContext,
    today: date,
    tmp_path: Path,
) -> None:
    [result] = apps.decide(seeded_store, clerk, form(seeded_store), Decision.ACCEPT)
    # Stored before the text rule (or copied from another window as it was).
    seeded_store.db.execute(
        "UPDATE applications SET applicant_name = ?, item_name = ? WHERE id = ?",
        ["王\x00\x1b明\x0b", "事项\x07", result.application_id],
    )
    rows, cells = export_both(seeded_store, supervisor, today, tmp_path)
    assert "王明" in rows[1] and "事项" in rows[1]
    assert "王明" in [c.value for c in cells]


def test_spreadsheet_text_holds_only_what_xml_can() -> None:
    from counter_app.services.exports import spreadsheet_text

    assert spreadsheet_text("王\ufffe明\uffff\x00\x1b\ud800") == "王明\ufffd"
    assert spreadsheet_text("=1+1") == "'=1+1" and spreadsheet_text("-3") == "-3"

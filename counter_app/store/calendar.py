"""The working-day calendar as stored on this desk (seeded, synced, imported)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from sqlite_utils import Database

from counter_app.clock import now_iso
from counter_app.domain.workdays import WorkCalendar, YearSchedule


def load_calendar(db: Database) -> WorkCalendar:
    years = [row[0] for row in db.execute("SELECT year FROM calendar_years")]
    holidays: dict[int, set[date]] = defaultdict(set)
    workdays: dict[int, set[date]] = defaultdict(set)
    for day_text, kind in db.execute("SELECT day, kind FROM calendar_days"):
        day = date.fromisoformat(day_text)
        (holidays if kind == "holiday" else workdays)[day.year].add(day)
    return WorkCalendar(
        {
            year: YearSchedule(
                year=year,
                holidays=frozenset(holidays[year]),
                workdays=frozenset(workdays[year]),
            )
            for year in years
        }
    )


def store_years(
    db: Database, years: Mapping[int, YearSchedule], *, source: str
) -> None:
    """Replace the given years (a newer schedule supersedes an older one)."""
    for year, schedule in years.items():
        db.execute(
            "DELETE FROM calendar_days WHERE day BETWEEN ? AND ?",
            [f"{year}-01-01", f"{year}-12-31"],
        )
        db.conn.executemany(
            "INSERT INTO calendar_days (day, kind) VALUES (?, ?)",
            [(d.isoformat(), "holiday") for d in sorted(schedule.holidays)]
            + [(d.isoformat(), "workday") for d in sorted(schedule.workdays)],
        )
        db.execute(
            "INSERT INTO calendar_years (year, source, imported_at) VALUES (?, ?, ?)"
            " ON CONFLICT(year) DO UPDATE SET source = excluded.source,"
            " imported_at = excluded.imported_at",
            [year, source, now_iso()],
        )

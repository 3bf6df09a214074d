"""First start of a desk, and the data it takes by file import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.catalog import load_catalog_dir, load_default_catalog
from counter_app.domain.workdays import (
    CalendarFileError,
    WorkCalendar,
    due_date_or_provisional,
    parse_calendar,
)
from counter_app.i18n import _
from counter_app.services.applications import push_application
from counter_app.store.calendar import load_calendar, store_years
from counter_app.store.catalog import store_catalog
from counter_app.store.db import Store
from counter_app.store.events import add_event


def ensure_seeded(store: Store) -> None:
    """Give an empty desk the shipped catalog and holiday calendar."""
    db = store.db
    has_items = db.execute("SELECT 1 FROM catalog_items LIMIT 1").fetchone()
    has_years = db.execute("SELECT 1 FROM calendar_years LIMIT 1").fetchone()
    if has_items and has_years:
        return
    catalog = None if has_items else load_default_catalog()
    calendar = None if has_years else WorkCalendar.load_default()
    with store.transaction() as tx:
        if catalog is not None:
            store_catalog(tx, catalog)
        if calendar is not None:
            store_years(
                tx,
                {y: calendar.schedule(y) for y in calendar.years},
                source="resources",
            )


def import_calendar(store: Store, path: Path, *, actor: str) -> list[int]:
    """Import a holiday calendar file (the same format sync delivers);
    provisional due dates that the new years settle are recomputed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileError(
            _(
                "无法读取日历文件 {path}：{error}。请确认文件存在且为 UTF-8 编码的 JSON。"
            ).format(path=path, error=exc),
            source=str(path),
        ) from exc
    years = parse_calendar(text, source=str(path))
    with store.transaction() as db:
        store_years(db, years, source=path.name)
        recompute_provisional(db, actor=actor)
        add_event(
            db,
            kind="calendar.import",
            actor=actor,
            detail={"years": sorted(years), "file": path.name},
        )
    return sorted(years)


def recompute_provisional(db: Database, *, actor: str) -> int:
    """Settle provisional due dates whose years are now in the calendar.
    Returns how many due dates changed status. Runs inside the caller's
    transaction."""
    calendar = load_calendar(db)
    rows = db.execute(
        "SELECT id, accepted_on, promised_days FROM applications"
        " WHERE due_provisional = 1 AND accepted_on IS NOT NULL"
    ).fetchall()
    settled = 0
    for app_id, accepted_on, days in rows:
        due = due_date_or_provisional(calendar, date.fromisoformat(accepted_on), days)
        if due.provisional:
            continue
        db.execute(
            "UPDATE applications SET due_date = ?, due_provisional = 0,"
            " version = version + 1, updated_at = ? WHERE id = ?",
            [due.date.isoformat(), clock.now_iso(), app_id],
        )
        add_event(
            db,
            kind="due_date.settled",
            actor=actor,
            application_id=app_id,
            detail={"due_date": due.date.isoformat()},
        )
        push_application(db, app_id)
        settled += 1
    return settled


def provisional_count(db: Database) -> int:
    """For the supervisor's warning: due dates still computed on weekdays."""
    return int(
        db.execute(
            "SELECT COUNT(*) FROM applications WHERE due_provisional = 1"
            " AND status NOT IN ('delivered', 'rejected', 'withdrawn')"
        ).fetchone()[0]
    )


def import_catalog(store: Store, directory: Path, *, actor: str) -> int:
    """Import a catalog update (``items.json`` and optional ``bundles.json``
    in ``directory``), e.g. carried to an offline township station on a USB
    stick. The whole file is checked before anything is stored."""
    catalog = load_catalog_dir(directory)
    with store.transaction() as db:
        store_catalog(db, catalog)
        add_event(
            db,
            kind="catalog.import",
            actor=actor,
            detail={"version": catalog.version, "items": len(catalog.items)},
        )
    return len(catalog.items)

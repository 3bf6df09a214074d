"""The feed's pages read in process (central/feed.py): a snapshot paged in
any size is exactly the site's current state, in (rank, key) order, whatever
page boundaries fall across kinds; incremental pages keep each audience;
retention archives closed applications out of the snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from central import feed, ops, retention
from central.db import Database
from sync import protocol as p

ME = feed.Desk(id="d-me", site_code="S1", window_code="W1", name="me")
OTHER = feed.Desk(id="d-other", site_code="S1", window_code="W2", name="other")
ELSEWHERE = feed.Desk(id="d-far", site_code="S2", window_code="W1", name="far")
OLD = "2022-01-10T08:00:00.000+00:00"
RECENT = "2026-11-20T08:00:00.000+00:00"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    db = Database(sqlite_path=tmp_path / "central.db")
    db.create_schema()
    try:
        yield db
    finally:
        db.close()


def _app(db: Database, desk: feed.Desk, app_id: str, status: str, at: str) -> None:
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO applications (id, desk_id, site_code, window_code,"
            " acceptance_no, status, version, body, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (
                app_id,
                desk.id,
                desk.site_code,
                desk.window_code,
                f"{desk.site_code}{desk.window_code}{app_id}",
                status,
                json.dumps({"id": app_id, "status_key": "secret"}),
                at,
            ),
        )
        conn.execute(
            "INSERT INTO status_history (application_id, status, source, note, at)"
            " VALUES (?, ?, 'desk', 'n', ?)",
            (app_id, status, at),
        )


def _fill(db: Database) -> None:
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('catalog_meta', ?)",
            (json.dumps({"version": "v1"}),),
        )
        for code in ("A1", "B2", "C3"):
            conn.execute(
                "INSERT INTO catalog_items (code, body, version) VALUES (?, ?, 'v1')",
                (code, json.dumps({"code": code})),
            )
        conn.execute(
            "INSERT INTO catalog_items (code, body, version, deleted)"
            " VALUES ('Z9', '{}', 'v1', 1)"
        )
        for year in (2025, 2026, 2027):
            conn.execute(
                "INSERT INTO calendar_years (year, body) VALUES (?, ?)",
                (year, json.dumps({"year": year})),
            )
        for name, site in (("u1", "S1"), ("u2", "S1"), ("u9", "S2")):
            conn.execute(
                "INSERT INTO users (username, display_name, role, site_code,"
                " password_verifier, updated_at) VALUES (?, ?, 'clerk', ?, 'v', ?)",
                (name, name, site, RECENT),
            )
        for desk in (OTHER, ELSEWHERE):
            conn.execute(
                "INSERT INTO desk_pushes (desk_id, site_code, window_code, pushed_at)"
                " VALUES (?, ?, ?, ?)",
                (desk.id, desk.site_code, desk.window_code, RECENT),
            )
    for i in range(5):
        _app(db, ME, f"m{i}", p.STATUS_SUBMITTED, RECENT)
    for i in range(7):
        _app(db, OTHER, f"o{i}", p.STATUS_IN_REVIEW, RECENT)
    _app(db, ELSEWHERE, "far", p.STATUS_SUBMITTED, RECENT)


def _snapshot(db: Database, desk: feed.Desk, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = feed.read_changes(db, desk, since=cursor, limit=limit)
        assert page["resnapshot"] is True and len(page["changes"]) <= limit
        out.extend(page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            return out


def _names(changes: list[dict[str, Any]]) -> list[str]:
    keys = {
        p.CHANGE_CATALOG_META: lambda b: "meta",
        p.CHANGE_CATALOG_ITEM: lambda b: b["code"],
        p.CHANGE_CALENDAR_YEAR: lambda b: str(b["year"]),
        p.CHANGE_USER: lambda b: b["username"],
        p.CHANGE_APPLICATION_STATUS: lambda b: "own:" + b["application_id"],
        p.CHANGE_SITE_APPLICATION: lambda b: "site:" + b["application_id"],
        p.CHANGE_WINDOW_PUSH: lambda b: "push:" + b["desk_id"],
    }
    return [keys[c["kind"]](c["body"]) for c in changes]


EXPECTED = [
    *("meta", "A1", "B2", "C3", "2025", "2026", "2027", "u1", "u2"),
    *(f"own:m{i}" for i in range(5)),
    *(f"site:o{i}" for i in range(7)),
    "push:d-other",
]


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 8, 500])
def test_snapshot_pages_are_the_whole_state_in_order(db: Database, limit: int) -> None:
    _fill(db)
    assert _names(_snapshot(db, ME, limit)) == EXPECTED


def test_snapshot_keeps_owner_only_fields_to_the_owner(db: Database) -> None:
    _fill(db)
    changes = _snapshot(db, ME, 4)
    site = [c["body"] for c in changes if c["kind"] == p.CHANGE_SITE_APPLICATION]
    assert all("status_key" not in b["record"] for b in site)
    own = [c["body"] for c in changes if c["kind"] == p.CHANGE_APPLICATION_STATUS]
    assert [b["note"] for b in own] == ["n"] * 5


def test_a_forged_snapshot_cursor_starts_a_new_snapshot(db: Database) -> None:
    _fill(db)
    epoch = db.meta("epoch")
    for forged in (f"{epoch}.s.0.99.x", f"{epoch}.s.0.2.abc", f"{epoch}.s.0.-1.x"):
        page = feed.read_changes(db, ME, since=forged, limit=3)
        assert page["resnapshot"] is True
        assert _names(page["changes"]) == ["meta", "A1", "B2"]


def test_incremental_pages_keep_each_audience(db: Database) -> None:
    _fill(db)
    cursors = {d.id: _cursor_after_snapshot(db, d) for d in (ME, OTHER, ELSEWHERE)}
    with db.transaction() as conn:
        feed.emit(conn, p.CHANGE_CATALOG_ITEM, {"code": "D4"}, entity_id="D4")
        feed.emit(
            conn, p.CHANGE_USER, {"username": "u3"}, entity_id="u3", site_code="S1"
        )
        feed.emit(
            conn,
            p.CHANGE_SITE_APPLICATION,
            {"application_id": "o9"},
            entity_id="o9",
            site_code="S1",
            origin_desk_id=OTHER.id,
        )
        feed.emit(
            conn,
            p.CHANGE_APPLICATION_STATUS,
            {"application_id": "m1"},
            entity_id="m1",
            desk_id=ME.id,
        )
    got = {
        desk.id: [
            c["kind"]
            for c in feed.read_changes(db, desk, since=cursors[desk.id], limit=500)[
                "changes"
            ]
        ]
        for desk in (ME, OTHER, ELSEWHERE)
    }
    assert got == {
        ME.id: [
            p.CHANGE_CATALOG_ITEM,
            p.CHANGE_USER,
            p.CHANGE_SITE_APPLICATION,
            p.CHANGE_APPLICATION_STATUS,
        ],
        OTHER.id: [p.CHANGE_CATALOG_ITEM, p.CHANGE_USER],
        ELSEWHERE.id: [p.CHANGE_CATALOG_ITEM],
    }
    # In pages of one, the same rows in the same order.
    cursor, kinds = cursors[ME.id], []
    while True:
        page = feed.read_changes(db, ME, since=cursor, limit=1)
        kinds += [c["kind"] for c in page["changes"]]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert kinds == got[ME.id]


def _cursor_after_snapshot(db: Database, desk: feed.Desk) -> str:
    page = feed.read_changes(db, desk, since=None, limit=5000)
    assert not page["more"]
    return page["cursor"]


def test_retention_archives_closed_old_applications_out_of_the_snapshot(
    db: Database,
) -> None:
    _fill(db)
    _app(db, OTHER, "old-delivered", p.STATUS_DELIVERED, OLD)
    _app(db, OTHER, "old-open", p.STATUS_IN_REVIEW, OLD)  # still open: stays
    _app(db, OTHER, "new-delivered", p.STATUS_DELIVERED, RECENT)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert retention.archive_closed(db, now=now) == 1
    assert retention.archive_closed(db, now=now) == 0
    names = _names(_snapshot(db, ME, 4))
    assert "site:old-delivered" not in names
    assert {"site:old-open", "site:new-delivered"} <= set(names)
    with db.transaction(write=False) as conn:
        moved = conn.one(
            "SELECT status, updated_at FROM applications_archive"
            " WHERE id = 'old-delivered'"
        )
        history = conn.scalar(
            "SELECT COUNT(*) FROM status_history_archive"
            " WHERE application_id = 'old-delivered'"
        )
        left = conn.scalar(
            "SELECT COUNT(*) FROM status_history WHERE application_id = ?",
            ("old-delivered",),
        )
    assert moved == {"status": p.STATUS_DELIVERED, "updated_at": OLD}
    assert (history, left) == (1, 0)
    with pytest.raises(ops.UnknownApplication):
        ops.set_status(db, application_id="old-delivered", status=p.STATUS_APPROVED)
    # 0 days means never.
    assert retention.archive_closed(db, older_than_days=0, now=now) == 0


def test_every_page_query_is_an_index_range_scan(db: Database) -> None:
    """No page reads a table whole: the change log by audience and seq, the
    snapshot by site (and desk) and key (SQLite's plan)."""
    queries = [
        (feed.AUDIENCE_PAGE, ("d", 0, 9, 5, "S1", 0, 9, "d", 5, 0, 9, 5, 5)),
        (feed.SITE_APPLICATIONS_PAGE, ("S1", "", "d", 5)),
        (feed.OWN_APPLICATIONS_PAGE, ("S1", "d", "", 5)),
    ]
    with db.transaction(write=False) as conn:
        for sql, params in queries:
            plan = [r["detail"] for r in conn.all("EXPLAIN QUERY PLAN " + sql, params)]
            reads = [d for d in plan if " changes" in d or " applications" in d]
            assert reads and all(d.startswith("SEARCH") for d in reads), plan
            assert all("USING INDEX" in d for d in reads), plan

"""Statistics against a small fixture whose figures are counted by hand."""

from __future__ import annotations

from datetime import date

import pytest

from counter_app.domain.status import Decision, Status
from counter_app.services import applications as apps
from counter_app.services.backoffice import apply_status_change
from counter_app.services.statistics import (
    GroupBy,
    StatsFilter,
    report,
    volume_rollups,
)
from counter_app.store.db import Store
from counter_app.store.settings import put
from tests.supervisor_fixtures import add_users, at, make, pin, window_ctx

D1, D2, D3, D4 = (
    date(2026, 11, 16),
    date(2026, 11, 17),
    date(2026, 11, 18),
    date(2026, 11, 19),
)
TODAY = date(2026, 12, 3)
PERIOD = StatsFilter(D1, date(2026, 12, 4))


@pytest.fixture
def fixture(seeded_store: Store) -> dict[str, str]:
    s = seeded_store
    add_users(s)
    with s.transaction() as db:
        put(db, "bad_rating_follow_up_days", "5")
    c1 = window_ctx("clerk01", name="王晓明")
    c2 = window_ctx("clerk02", window="02", name="李𠮷祥")
    ids = {}
    ids["A1"] = make(s, c1, when=at(D1, 9, 0), seq=1, intake_seconds=100).application_id
    ids["A2"] = make(
        s, c1, when=at(D1, 9, 30), seq=2, intake_seconds=200
    ).application_id
    ids["A3"] = make(
        s, c1, when=at(D1, 10, 0), seq=3, intake_seconds=300
    ).application_id
    ids["A4"] = make(
        s, c1, when=at(D1, 10, 30), decision=Decision.NOTICE, seq=4, intake_seconds=60
    ).application_id
    ids["A5"] = make(
        s,
        c2,
        when=at(D1, 11, 0),
        decision=Decision.ACCEPT_DEFERRED,
        seq=5,
        intake_seconds=120,
    ).application_id
    ids["A6"] = make(
        s, c1, when=at(D2, 9, 0), decision=Decision.REJECT, seq=6, intake_seconds=None
    ).application_id
    ids["A7"] = make(s, c2, when=at(D2, 10, 0), seq=7, intake_seconds=90).application_id
    ids["A8"] = make(
        s, c2, when=at(D2, 11, 0), seq=8, intake_seconds=150
    ).application_id
    ids["A9"] = make(s, c1, when=at(D4, 9, 0), seq=9, intake_seconds=180).application_id

    pin(at(D2, 15, 0))
    with s.transaction() as db:
        apply_status_change(db, application_id=ids["A1"], status=Status.RESULT_READY)
        apply_status_change(db, application_id=ids["A8"], status=Status.IN_REVIEW)
    pin(at(D3, 9, 0))
    apps.deliver(
        s,
        c1,
        application_id=ids["A1"],
        recipient_name="王𠮷",
        recipient_id_number=_id(s, ids["A1"]),
    )
    apps.evaluate(s, c1, application_id=ids["A1"], level=5)
    apps.evaluate(s, c2, application_id=ids["A7"], level=3)
    pin(at(date(2026, 12, 2), 10, 0))
    with s.transaction() as db:
        apply_status_change(db, application_id=ids["A2"], status=Status.RESULT_READY)
    apps.evaluate(s, c1, application_id=ids["A2"], level=4)
    pin(at(D1, 16, 0))
    apps.evaluate(s, c1, application_id=ids["A4"], level=1, reasons=["等候时间长"])
    pin(at(D2, 16, 0))
    bad = apps.evaluate(s, c1, application_id=ids["A6"], level=2)
    pin(at(date(2026, 11, 20), 10, 0))
    apps.follow_up(
        s,
        window_ctx("chief01", role="supervisor"),
        evaluation_id=bad,
        text="已电话回访并致歉",
    )
    pin(at(TODAY, 9, 0))
    return ids


def _id(store: Store, app_id: str) -> str:
    return str(
        store.db.execute(
            "SELECT id_number FROM applications WHERE id = ?", [app_id]
        ).fetchone()[0]
    )


def test_due_dates_are_what_the_figures_assume(
    seeded_store: Store, fixture: dict[str, str]
) -> None:
    rows = {
        r[0]: r[1]
        for r in seeded_store.db.execute("SELECT id, due_date FROM applications")
    }
    assert rows[fixture["A3"]] == "2026-11-30"
    assert rows[fixture["A7"]] == "2026-12-01"
    assert rows[fixture["A9"]] == "2026-12-03"


def test_volumes_per_day_window_and_clerk(
    seeded_store: Store, fixture: dict[str, str]
) -> None:
    chief = window_ctx("chief01", role="supervisor")
    r = report(seeded_store, chief, PERIOD)
    by_day = {row.key: row for row in r.by_day}
    assert sorted(by_day) == ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]
    d1 = by_day["2026-11-16"]
    assert (
        d1.applications,
        d1.accepted,
        d1.notified,
        d1.deferred,
        d1.rejected,
        d1.delivered,
    ) == (5, 3, 1, 1, 0, 0)
    d2 = by_day["2026-11-17"]
    assert (d2.applications, d2.accepted, d2.rejected) == (3, 2, 1)
    assert by_day["2026-11-18"].delivered == 1
    assert by_day["2026-11-18"].applications == 0
    w = {row.key: row for row in r.by_window}
    assert (
        w["01"].applications,
        w["01"].accepted,
        w["01"].notified,
        w["01"].rejected,
        w["01"].delivered,
    ) == (6, 4, 1, 1, 1)
    assert w["01"].average_intake_seconds == pytest.approx(840 / 5)
    assert (w["02"].applications, w["02"].accepted, w["02"].deferred) == (3, 2, 1)
    assert w["02"].average_intake_seconds == pytest.approx(120.0)
    clerks = {row.key: row for row in r.by_clerk}
    assert clerks["clerk02"].label == "李𠮷祥"
    assert r.totals.applications == 9
    assert r.totals.average_intake_seconds == pytest.approx(1200 / 8)


def test_overdue_due_soon_and_on_time(
    seeded_store: Store, fixture: dict[str, str]
) -> None:
    chief = window_ctx("chief01", role="supervisor")
    r = report(seeded_store, chief, PERIOD)
    overdue = {i.application_id: i for i in r.overdue.items}
    assert r.overdue.total == 4
    assert set(overdue) == {fixture[k] for k in ("A3", "A5", "A7", "A8")}
    assert overdue[fixture["A3"]].working_days == -3
    assert overdue[fixture["A7"]].working_days == -2
    assert r.due_soon.total == 1
    assert r.due_soon.items[0].application_id == fixture["A9"]
    assert r.due_soon.items[0].working_days == 0
    assert (r.on_time.completed, r.on_time.on_time) == (2, 1)
    assert r.on_time.rate == pytest.approx(0.5)


def test_satisfaction_and_bad_rating_follow_up(
    seeded_store: Store, fixture: dict[str, str]
) -> None:
    chief = window_ctx("chief01", role="supervisor")
    s = report(seeded_store, chief, PERIOD).satisfaction
    assert s.ratings == 5 and s.good == 2
    assert s.rate == pytest.approx(0.4)
    assert s.by_level == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert s.follow_up_days == 5
    bad = {b.application_id: b for b in s.bad}
    assert set(bad) == {fixture["A4"], fixture["A6"]}
    assert bad[fixture["A4"]].deadline == date(2026, 11, 23)
    assert bad[fixture["A4"]].state == "overdue"
    assert bad[fixture["A4"]].reasons == "等候时间长"
    assert bad[fixture["A6"]].deadline == date(2026, 11, 24)
    assert bad[fixture["A6"]].state == "done"


def test_clerk_sees_only_own_figures(
    seeded_store: Store, fixture: dict[str, str]
) -> None:
    r = report(
        seeded_store,
        window_ctx("clerk02", window="02"),
        StatsFilter(D1, TODAY, window_code="01"),
    )
    assert r.filters.window_code == "02" and r.filters.clerk == "clerk02"
    assert r.totals.applications == 3
    assert {i.window_code for i in r.overdue.items} == {"02"}
    assert r.satisfaction.ratings == 1


def test_window_filter_and_unsynced_window(
    seeded_store: Store, fixture: dict[str, str]
) -> None:
    chief = window_ctx("chief01", role="supervisor")
    rows = volume_rollups(seeded_store.db, "320102001", StatsFilter(D1, D1, "02"))[
        GroupBy.DAY
    ]
    assert [(r.key, r.applications) for r in rows] == [("2026-11-16", 1)]
    r = report(seeded_store, chief, PERIOD)
    assert [c.text() for c in r.coverage] == [
        "窗口 01：本机记录完整（尚未同步到平台）",
        "窗口 02：未同步",
    ]


def test_queue_times_start_from_the_tickets(seeded_store: Store) -> None:
    """A desk has a few tickets and up to a million applications: the
    waiting times are read from the tickets, each application found by its
    key — walking the applications by day took 9 s at a million."""
    from counter_app.services import statistics

    captured: list[str] = []
    db = seeded_store.db
    db.conn.set_trace_callback(captured.append)
    try:
        statistics.queue_times(db, "320102001", StatsFilter(D1, D1))
    finally:
        db.conn.set_trace_callback(None)
    [sql] = [s for s in captured if "application_tickets" in s]
    plan = [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
    assert plan[0].startswith("SCAN t"), plan
    assert any(
        "USING INDEX sqlite_autoindex_applications" in p or "PRIMARY KEY" in p
        for p in plan
    ), plan

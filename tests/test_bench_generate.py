"""The scale benchmarks' store generator (``python -m bench.generate``): a
small store it makes opens in the app's own services and behaves like a
desk after a clean sync."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from bench.generate import generate
from counter_app import clock
from counter_app.services import materials
from counter_app.services.context import DeskContext
from counter_app.services.queries import ApplicationQuery, count, list_page, read_record
from counter_app.services.users import authenticate
from counter_app.store.audit import pushed_seq, verify
from counter_app.store.db import Store


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, today: date) -> Path:
    """The store, and its chain head as the generator left it (``head``)."""
    # module-scoped: the per-test pinned clock is not set yet
    clock.set_clock(lambda: datetime.combine(today, time(10)).astimezone())
    out = tmp_path_factory.mktemp("generated")
    summary = generate(
        out,
        applications=1200,
        years=1.2,
        windows=4,
        catalog_items=41,
        seed=5,
        progress=lambda _line: None,
    )
    clock.set_clock(None)
    assert summary.applications == 1200
    assert 150 < summary.own < 600  # one window of four
    (out / "head").write_text(str(summary.events))
    return out


def test_the_store_is_one_window_after_a_clean_sync(generated: Path) -> None:
    with Store.open(generated) as store:
        db = store.db
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
        origins = dict(
            db.execute(
                "SELECT origin, COUNT(DISTINCT window_code) FROM applications"
                " GROUP BY origin"
            ).fetchall()
        )
        assert origins == {"local": 1, "remote": 3}
        assert {r[0] for r in db.execute("SELECT window_code FROM applications"
                                         " WHERE origin = 'local'")} == {"01"}  # fmt: skip
        # history only for the desk's own records
        foreign = db.execute(
            "SELECT COUNT(*) FROM events e JOIN applications a ON a.id ="
            " e.application_id WHERE a.origin = 'remote'"
        ).fetchone()[0]
        assert foreign == 0
        spread = db.execute("SELECT MIN(day), MAX(day) FROM applications").fetchone()
        assert spread[1] <= clock.today().isoformat()
        assert (clock.today() - date.fromisoformat(spread[0])).days > 365
        statuses = {
            r[0] for r in db.execute("SELECT DISTINCT status FROM applications")
        }
        assert {"delivered", "in_review", "notified_to_supplement", "rejected"} <= (
            statuses
        )
        for table in ("evaluations", "print_jobs", "material_files", "day_closes"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0


def test_search_by_number_id_last4_and_name_finds_the_record(
    generated: Path, clerk: DeskContext
) -> None:
    with Store.open(generated) as store:
        number, id_number, name, app_id = store.db.execute(
            "SELECT acceptance_no, id_number, applicant_name, id FROM applications"
            " WHERE origin = 'local' ORDER BY created_at LIMIT 1 OFFSET 40"
        ).fetchone()
        for text in (number, id_number, id_number[-4:], name):
            page = list_page(store, ApplicationQuery(text=text), limit=500)
            assert app_id in {r.id for r in page.rows}, text
            assert count(store, ApplicationQuery(text=text)) >= 1
        assert [r.id for r in list_page(store, ApplicationQuery(text=number)).rows] == [
            app_id
        ]
        view = read_record(store, clerk, app_id)
        assert view.record["acceptance_no"] == number
        assert view.timeline[0]["kind"].startswith("decision.")


def test_search_terms_are_what_the_schema_triggers_make(generated: Path) -> None:
    """Rewriting a name fires the schema's own term trigger: the terms the
    bulk load left must be exactly what it recomputes."""
    with Store.open(generated) as store:
        ids = [
            r[0]
            for r in store.db.execute(
                "SELECT id FROM applications ORDER BY random() LIMIT 40"
            )
        ]

        def terms() -> set[tuple[str, str]]:
            marks = ",".join("?" * len(ids))
            return set(
                store.db.execute(
                    "SELECT term, application_id FROM application_terms"
                    f" WHERE application_id IN ({marks})",
                    ids,
                ).fetchall()
            )

        before = terms()
        with store.transaction() as db:
            db.execute(
                "UPDATE applications SET applicant_name = applicant_name || '',"
                " agent_name = agent_name, org_name = org_name WHERE id IN"
                f" ({','.join('?' * len(ids))})",
                ids,
            )
        assert before and terms() == before
        # and no application was left out of the search
        unsearchable = store.db.execute(
            "SELECT count(*) FROM applications WHERE id NOT IN"
            " (SELECT application_id FROM application_terms)"
        ).fetchone()[0]
        assert unsearchable == 0


def test_the_audit_chain_verifies_and_matches_the_platform_head(
    generated: Path,
) -> None:
    with Store.open(generated) as store:
        result = verify(store.db)
        assert result.intact, result.broken
        total = store.db.execute(
            "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM"
            " events_archive)"
        ).fetchone()[0]
        assert result.count == total
        # the platform acknowledged the whole chain as generated
        assert pushed_seq(store.db) == int((generated / "head").read_text())
        # the day closes archived what is older than the retention
        archived = store.db.execute("SELECT COUNT(*) FROM events_archive").fetchone()
        assert archived[0] > 0
        oldest_live = store.db.execute("SELECT MIN(at) FROM events").fetchone()[0]
        newest_archived = store.db.execute(
            "SELECT MAX(at) FROM events_archive"
        ).fetchone()[0]
        assert newest_archived <= oldest_live


def test_scans_are_on_disk_and_users_sign_in(generated: Path) -> None:
    with Store.open(generated) as store:
        report = materials.startup_check(store, verify=True)
        assert (report.missing, report.orphans, report.corrupt) == ([], [], [])
        user = authenticate(store, username="clerk01", password="counter123")
        assert user.role == "clerk"

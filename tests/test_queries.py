from __future__ import annotations

from datetime import date

import pytest

from counter_app.domain.status import Status
from counter_app.services import queries
from counter_app.services.demo import demo_context
from counter_app.services.queries import ApplicationQuery
from counter_app.store.db import Store
from tests.workspace_fixtures import (
    RARE_ID,
    RARE_NAME,
    RARE_PHONE,
    add_rare_applicant,
    demo_store,
)

__all__ = ["demo_store"]


def _all(
    store: Store, query: ApplicationQuery, limit: int = 7
) -> list[queries.ListRow]:
    rows: list[queries.ListRow] = []
    cursor = None
    while True:
        page = queries.list_page(store, query, after=cursor, limit=limit)
        rows.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            return rows


def test_paging_walks_every_row_once_newest_first(demo_store: Store) -> None:
    rows = _all(demo_store, ApplicationQuery())
    total = demo_store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    assert len(rows) == total == queries.count(demo_store, ApplicationQuery())
    assert len({r.id for r in rows}) == total
    keys = [(r.created_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)


def test_list_masks_id_and_phone(demo_store: Store) -> None:
    rows = _all(demo_store, ApplicationQuery(text=RARE_NAME))
    assert [r.applicant_name for r in rows] == [RARE_NAME]
    assert rows[0].id_masked == RARE_ID[:6] + "********" + RARE_ID[-4:]
    assert rows[0].phone_masked == "139****5678"
    page = queries.list_page(demo_store, ApplicationQuery(), limit=100)
    for row in page.rows:
        assert "*" in row.id_masked


def test_search_by_rare_character_alone_and_in_bigram(demo_store: Store) -> None:
    for text in ("𠮷", RARE_NAME, "李𠮷 "):
        names = {
            r.applicant_name for r in _all(demo_store, ApplicationQuery(text=text))
        }
        assert RARE_NAME in names
        assert all("𠮷" in n for n in names)


def test_search_by_two_character_name(demo_store: Store) -> None:
    name = demo_store.db.execute(
        "SELECT applicant_name FROM applications WHERE length(applicant_name) = 3"
        " LIMIT 1"
    ).fetchone()[0]
    given = name[1:]
    expected = {
        r[0]
        for r in demo_store.db.execute(
            "SELECT id FROM applications WHERE instr(applicant_name, ?)"
            " OR instr(coalesce(agent_name, ''), ?)",
            [given, given],
        )
    }
    found = {r.id for r in _all(demo_store, ApplicationQuery(text=given))}
    assert expected <= found
    assert found  # bigram index answered


def test_search_by_number_id_tail_and_phone(demo_store: Store) -> None:
    number = demo_store.db.execute(
        "SELECT acceptance_no FROM applications WHERE applicant_name = ?", [RARE_NAME]
    ).fetchone()[0]
    for text in (number, RARE_ID, RARE_ID.lower(), RARE_ID[-4:], RARE_PHONE):
        names = [
            r.applicant_name for r in _all(demo_store, ApplicationQuery(text=text))
        ]
        assert RARE_NAME in names, text
    assert len(_all(demo_store, ApplicationQuery(text=number))) == 1


def test_search_by_item_name(demo_store: Store) -> None:
    code, name = demo_store.db.execute(
        "SELECT item_code, item_name FROM applications LIMIT 1"
    ).fetchone()
    rows = _all(demo_store, ApplicationQuery(text=name))
    assert rows and any(r.item_code == code for r in rows)


def test_no_match_is_empty(demo_store: Store) -> None:
    assert _all(demo_store, ApplicationQuery(text="不存在的名字")) == []
    assert queries.count(demo_store, ApplicationQuery(text="𠀀𠀁")) == 0


def test_filters_status_date_window_overdue(demo_store: Store) -> None:
    q = ApplicationQuery(statuses=(Status.NOTIFIED_TO_SUPPLEMENT.value,))
    rows = _all(demo_store, q)
    assert rows and all(r.status is Status.NOTIFIED_TO_SUPPLEMENT for r in rows)
    day = demo_store.db.execute("SELECT MIN(day) FROM applications").fetchone()[0]
    first = date.fromisoformat(day)
    rows = _all(demo_store, ApplicationQuery(date_from=first, date_to=first))
    assert rows and all(r.created_at.startswith(day) for r in rows)
    assert _all(demo_store, ApplicationQuery(window_code="99")) == []
    assert len(_all(demo_store, ApplicationQuery(window_code="01"))) == queries.count(
        demo_store, ApplicationQuery()
    )
    demo_store.db.execute(
        "UPDATE applications SET due_date = '2000-01-03' WHERE applicant_name = ?",
        [RARE_NAME],
    )
    overdue = _all(demo_store, ApplicationQuery(overdue_only=True))
    assert RARE_NAME in [r.applicant_name for r in overdue]
    for row in overdue:
        assert row.days_left is not None and row.days_left < 0
    assert queries.window_codes(demo_store) == ["01"]


def test_read_record_is_audited_and_unmasked(demo_store: Store) -> None:
    app_id = add_rare_applicant(demo_store)
    ctx = demo_context(demo_store, "clerk02")
    view = queries.read_record(demo_store, ctx, app_id)
    assert view.record["id_number"] == RARE_ID
    assert view.record["materials"]
    assert view.timeline[0]["kind"].startswith("decision.")
    assert view.days_left is not None and view.days_left >= 0
    audit = demo_store.db.execute(
        "SELECT actor FROM events WHERE kind = 'record.read' AND application_id = ?",
        [app_id],
    ).fetchall()
    assert audit == [("clerk02",)]


def test_renaming_updates_the_search_terms(demo_store: Store) -> None:
    app_id = add_rare_applicant(demo_store)
    demo_store.db.execute(
        "UPDATE applications SET applicant_name = '欧阳䶮' WHERE id = ?", [app_id]
    )
    assert [r.id for r in _all(demo_store, ApplicationQuery(text="阳䶮"))] == [app_id]
    rows = _all(demo_store, ApplicationQuery(text=RARE_NAME))
    assert app_id not in [r.id for r in rows]


def test_search_terms() -> None:
    assert queries.search_terms("𠮷") == ["𠮷"]
    assert queries.search_terms("李𠮷祥") == ["李𠮷", "𠮷祥"]


def test_dense_and_sparse_plans_agree(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = demo_store.db.execute(
        "SELECT applicant_name FROM applications WHERE length(applicant_name) = 3"
        " LIMIT 1"
    ).fetchone()[0]
    item = demo_store.db.execute("SELECT item_name FROM applications").fetchone()[0]
    texts = ["𠮷", name[1:], name, item, RARE_ID[-4:], name[0]]
    for status in ((), (Status.SUBMITTED.value,)):
        for text in texts:
            q = ApplicationQuery(text=text, statuses=status)
            monkeypatch.setattr(queries, "DENSE_MATCHES", 10**9)
            sparse = [r.id for r in _all(demo_store, q)]
            monkeypatch.setattr(queries, "DENSE_MATCHES", 0)
            dense = [r.id for r in _all(demo_store, q)]
            assert dense == sparse, text
            assert len(sparse) == queries.count(demo_store, q)

"""Hostile catalog and calendar files: each import ends in a clean error that
names the file (and the entry, where there is one) with nothing stored, or
in data that reads back as it was in the file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from counter_app.domain.errors import DomainError
from counter_app.domain.text import clean_text
from counter_app.domain.workdays import CALENDAR_FORMAT
from counter_app.services.setup import import_calendar, import_catalog
from counter_app.store.calendar import load_calendar
from counter_app.store.catalog import get_item, search
from counter_app.store.db import Store
from tests.hostile_strategies import mutated, without_surrogates

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = json.loads(
    (ROOT / "counter_app/resources/catalog/items.json").read_text("utf-8")
)

HYP = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

CALENDAR = {
    "format": CALENDAR_FORMAT,
    "years": {
        "2031": {
            "holidays": ["2031-01-01", "2031-10-01", "2031-10-02"],
            "workdays": ["2031-09-28"],
        }
    },
}
CATALOG = {
    "format": SHIPPED["format"],
    "version": "2031.01",
    "conditions": SHIPPED["conditions"],
    "items": [
        {**SHIPPED["items"][1], "code": "XK99101002"},
        {**SHIPPED["items"][0], "code": "XK99101001"},
    ],
}


def dump(doc: Any) -> str:
    # ASCII escapes carry lone surrogates and NaN as a hostile file could.
    return json.dumps(doc, allow_nan=True)


def snapshot(store: Store) -> list[Any]:
    db = store.db
    return [
        db.execute("SELECT * FROM catalog_items ORDER BY code").fetchall(),
        db.execute("SELECT * FROM catalog_conditions ORDER BY key").fetchall(),
        db.execute("SELECT * FROM calendar_years ORDER BY year").fetchall(),
        db.execute("SELECT count(*) FROM events").fetchall(),
    ]


def check_error(exc: DomainError, *, file: str, path: tuple[Any, ...]) -> None:
    message = str(exc)
    assert file in message, message
    assert without_surrogates(message) and len(message) < 600, message[:200]
    assert not any(c in message for c in "\x00\x1b\u202e"), message
    if path[:1] == ("items",) and len(path) > 2 and path[2] != "code":
        # an entry's error names the entry
        code = CATALOG["items"][path[1]]["code"]
        assert code in message or f"items[{path[1]}]" in message, message


@HYP
@given(case=mutated(CALENDAR))
def test_calendar_import(seeded_store: Store, tmp_path: Path, case: Any) -> None:
    doc, path = case
    file = tmp_path / "calendar-2031.json"
    file.write_text(dump(doc), encoding="utf-8")
    before = snapshot(seeded_store)
    try:
        years = import_calendar(seeded_store, file, actor="chief01")
    except DomainError as exc:
        check_error(exc, file=file.name, path=path)
        assert snapshot(seeded_store) == before
        return
    calendar = load_calendar(seeded_store.db)
    for year in years:
        raw = doc["years"][str(year)]
        schedule = calendar.schedule(year)
        assert sorted(d.isoformat() for d in schedule.holidays) == sorted(
            raw["holidays"]
        )


@HYP
@given(case=mutated(CATALOG))
def test_catalog_import(seeded_store: Store, tmp_path: Path, case: Any) -> None:
    doc, path = case
    (tmp_path / "items.json").write_text(dump(doc), encoding="utf-8")
    before = snapshot(seeded_store)
    try:
        count = import_catalog(seeded_store, tmp_path, actor="chief01")
    except DomainError as exc:
        check_error(exc, file="items.json", path=path)
        assert snapshot(seeded_store) == before
        return
    assert count == len(doc["items"])
    for raw in doc["items"]:
        item = get_item(seeded_store.db, raw["code"])
        assert item.name == clean_text(raw["name"], field="", label="", multiline=True)
        assert item.legal_days == raw["legal_days"]
        assert [m.key for m in item.materials] == [m["key"] for m in raw["materials"]]


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00garbage",
        b"",
        b"[]",
        b"{" * 100_000,
        b"[" * 100_000,
        b'{"format": "\\ud800"}',
        b"\xef\xbb\xbf{}",
        json.dumps(
            {**CALENDAR, "years": {"2031": {"holidays": ["x" * 10_000]}}}
        ).encode(),
    ],
)
def test_calendar_garbage_files(
    seeded_store: Store, tmp_path: Path, content: bytes
) -> None:
    file = tmp_path / "bad.json"
    file.write_bytes(content)
    before = snapshot(seeded_store)
    with pytest.raises(DomainError) as err:
        import_calendar(seeded_store, file, actor="chief01")
    check_error(err.value, file="bad.json", path=())
    assert snapshot(seeded_store) == before


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00garbage", b"", b"[" * 100_000, b'{"format": NaN}', b"\x00"],
)
def test_catalog_garbage_files(
    seeded_store: Store, tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "items.json").write_bytes(content)
    before = snapshot(seeded_store)
    with pytest.raises(DomainError) as err:
        import_catalog(seeded_store, tmp_path, actor="chief01")
    check_error(err.value, file="items.json", path=())
    assert snapshot(seeded_store) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "营业\ud800执照"),
        ("keywords", ["低保", "\udfff"]),
        ("legal_basis", "《条例》" * 2_000),
        ("fee", ["免费"]),
    ],
)
def test_catalog_entry_errors_name_file_item_and_field(
    seeded_store: Store, tmp_path: Path, field: str, value: object
) -> None:
    doc = copy.deepcopy(CATALOG)
    doc["items"][1][field] = value
    (tmp_path / "items.json").write_text(dump(doc), encoding="utf-8")
    before = snapshot(seeded_store)
    with pytest.raises(DomainError) as err:
        import_catalog(seeded_store, tmp_path, actor="chief01")
    message = str(err.value)
    assert "items.json" in message and "XK99101001" in message and field in message
    assert without_surrogates(message) and len(message) < 400
    # the first, valid item was not stored either
    assert snapshot(seeded_store) == before


def test_catalog_text_is_stored_by_the_text_rule(
    seeded_store: Store, tmp_path: Path
) -> None:
    doc = copy.deepcopy(CATALOG)
    doc["items"][0]["name"] = "个体\u202e户\x00变更<b>登记</b>"
    (tmp_path / "items.json").write_text(dump(doc), encoding="utf-8")
    import_catalog(seeded_store, tmp_path, actor="chief01")
    assert get_item(seeded_store.db, "XK99101002").name == "个体户变更<b>登记</b>"
    assert [h.code for h in search(seeded_store.db, "<b>登记")] == ["XK99101002"]

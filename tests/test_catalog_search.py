from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from bench.gen_catalog import county_catalog
from counter_app.domain.catalog import parse_catalog
from counter_app.services.setup import ensure_seeded
from counter_app.store.catalog import (
    code_key,
    get_item,
    score,
    search,
    search_text,
    store_catalog,
    upsert_item,
)
from counter_app.store.db import Store


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("居住证申领", "居住证申领"),
        ("GG00302001", "居住证申领"),
        ("gg003", "居住证申领"),
        ("低保", "最低生活保障审核确认"),  # a word people use, not the name
        ("db", "最低生活保障审核确认"),  # its pinyin initials
        ("社保卡", "社会保障卡申领"),
        ("sbk", "社会保障卡申领"),
        ("过户", "不动产转移登记"),
        ("食品经营", "食品经营许可（新办）"),
    ],
)
def test_search_ranks_the_expected_item_first(
    seeded_store: Store, query: str, expected_first: str
) -> None:
    hits = search(seeded_store.db, query)
    assert hits, query
    assert hits[0].name == expected_first


def test_two_character_words_are_found(seeded_store: Store) -> None:
    """FTS5 trigram finds nothing for two characters; the fallback must."""
    names = [h.name for h in search(seeded_store.db, "执照")]
    assert any("营业执照" in n for n in names)
    names = [h.name for h in search(seeded_store.db, "残疾")]
    assert "残疾人证核发（新办、换领）" in names


def test_pinyin_initials_of_keywords(seeded_store: Store) -> None:
    names = [h.name for h in search(seeded_store.db, "yyzz")]
    assert "个体工商户设立登记" in names[:3]


def test_material_names_rank_below_item_names(seeded_store: Store) -> None:
    hits = search(seeded_store.db, "居住证")
    assert hits[0].name.startswith("居住证")
    assert all(h.score <= hits[0].score for h in hits)


def test_empty_and_odd_queries(seeded_store: Store) -> None:
    assert search(seeded_store.db, "   ") == []
    assert search(seeded_store.db, '"') == []
    assert search(seeded_store.db, "%_") == []
    assert search(seeded_store.db, "没有这种事项名称") == []


def _reference(
    texts: dict[str, tuple[str, ...]], query: str, limit: int = 20
) -> list[tuple[str, int]]:
    """The ranking as it was defined before the index: every item whose
    search text contains the query, scored in Python."""
    q = " ".join(query.split()).lower()
    rows = []
    for code, text in texts.items():
        if any(q in column for column in text):
            rows.append((code, score(q, text)))
    return sorted(rows, key=lambda r: (-r[1], r[0]))[:limit]


def test_indexed_ranking_equals_the_python_ranking_at_county_size() -> None:
    """Every query length, on a 600-item synthetic county catalog: the term
    table (1–2 characters) and the SQL score (3 and more) rank exactly as
    scoring every matching item in Python does."""
    store = Store.memory()
    try:
        ensure_seeded(store)
        doc = county_catalog(600, seed=5)
        with store.transaction() as tx:
            store_catalog(tx, parse_catalog(json.dumps(doc, ensure_ascii=False)))
        rng = random.Random(5)
        queries = {
            "证",
            "y",
            "X",
            "执照",
            "DB",
            "居民身份证",
            "gg003",
            "yy zz",
            "sh bz",
        }
        items = rng.sample(doc["items"], 60)
        for raw in items:
            item = get_item(store.db, raw["code"])
            for column in search_text(item):
                if column:
                    n = rng.randint(1, min(6, len(column)))
                    start = rng.randrange(len(column) - n + 1)
                    queries.add(column[start : start + n])
        texts = {
            code: search_text(get_item(store.db, code))
            for (code,) in store.db.execute("SELECT code FROM catalog_items")
        }
        checked = 0
        for q in sorted(queries):
            expected = _reference(texts, q)
            got = [(h.code, h.score) for h in search(store.db, q)]
            if q.strip():
                assert got == expected, q
                checked += bool(expected)
        assert checked > 100
    finally:
        store.close()


def test_updated_and_deleted_items_leave_no_stale_terms(seeded_store: Store) -> None:
    item = get_item(seeded_store.db, "GG00302001")
    with seeded_store.transaction() as tx:
        upsert_item(tx, replace(item, name="暂住登记", keywords=()))
    # the old name's terms are gone: 居住 now matches a material at most
    old = [h for h in search(seeded_store.db, "居住") if h.code == "GG00302001"]
    assert all(h.score <= 10 for h in old)
    assert search(seeded_store.db, "暂住")[0].code == "GG00302001"
    terms = "SELECT 1 FROM catalog_terms WHERE item = ?"
    assert seeded_store.db.execute(terms, [code_key("GG00302001")]).fetchone()
    with seeded_store.transaction() as tx:  # as a deletion pulled from central
        tx.execute("DELETE FROM catalog_items WHERE code = 'GG00302001'")
    assert not seeded_store.db.execute(terms, [code_key("GG00302001")]).fetchone()


def test_code_keys_sort_as_the_codes_do() -> None:
    rng = random.Random(3)
    codes = [
        rng.choice(["XK", "QR", "JF", "GG", "QT"]) + f"{rng.randrange(10**8):08d}"
        for _ in range(500)
    ]
    assert sorted(codes) == sorted(codes, key=code_key)


def test_migration_0015_indexes_the_catalog_of_an_existing_desk(tmp_path: Path) -> None:
    """A desk stored before 0015 (FTS rows with their own rowids, no term
    table) is searchable by every query length once reopened."""
    store = Store.open(tmp_path)
    ensure_seeded(store)
    store.db.executescript(
        """
        DROP TRIGGER catalog_items_terms;
        DROP TABLE catalog_terms;
        DELETE FROM _sqlite_migrations WHERE name = '0015_catalog_terms';
        CREATE TEMP TABLE old_fts AS SELECT * FROM catalog_fts;
        DELETE FROM catalog_fts;
        INSERT INTO catalog_fts SELECT * FROM old_fts;
        """
    )
    assert store.db.execute("SELECT max(rowid) FROM catalog_fts").fetchone()[0] < 100
    store.close()
    store = Store.open(tmp_path)
    try:
        assert search(store.db, "db")[0].name == "最低生活保障审核确认"
        assert search(store.db, "社保卡")[0].name == "社会保障卡申领"
        count = "SELECT COUNT(*) FROM catalog_fts"
        assert store.db.execute(count).fetchone()[0] == 41
    finally:
        store.close()

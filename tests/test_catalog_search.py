from __future__ import annotations

import pytest

from counter_app.store.catalog import search
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

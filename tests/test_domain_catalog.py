from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.catalog import (
    DEFAULT_DIR,
    Catalog,
    CatalogFileError,
    UnknownBundle,
    UnknownItem,
    item_from_dict,
    item_to_dict,
    load_catalog_dir,
    load_default_catalog,
    parse_catalog,
    pinyin_full,
    pinyin_initials,
)
from counter_app.domain.errors import DomainError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_default_catalog()


# ------------------------------------------------------------ shipped seed


def test_seed_parses_with_enough_items_and_bundles(catalog: Catalog) -> None:
    assert len(catalog.items) >= 32
    assert len(catalog.bundles) >= 4
    assert catalog.version == "2026.11"


def test_seed_time_limits_are_consistent(catalog: Catalog) -> None:
    for item in catalog.items.values():
        if item.legal_days is not None:
            assert item.promised_days <= item.legal_days, item.code
        assert item.on_the_spot == (item.promised_days == 0), item.code


def test_seed_conditions_are_all_defined(catalog: Catalog) -> None:
    raw = json.loads((DEFAULT_DIR / "items.json").read_text(encoding="utf-8"))
    defined = set(raw["conditions"])
    used = {
        m["condition"]
        for it in raw["items"]
        for m in it["materials"]
        if m["condition"] is not None
    }
    assert used <= defined
    assert {"agent", "organisation", "first_time", "non_local"} <= defined
    assert set(catalog.conditions) == defined


def test_seed_agent_materials_come_in_pairs(catalog: Catalog) -> None:
    for item in catalog.items.values():
        agent = {m.name for m in item.materials if m.condition == "agent"}
        assert agent in (set(), {"授权委托书", "代理人居民身份证"}), item.code
    with_agent = [
        it for it in catalog.items.values() if any(m.key == "poa" for m in it.materials)
    ]
    assert len(with_agent) >= 30


def test_seed_bundles_share_materials_consistently(catalog: Catalog) -> None:
    # The intake collects a document once only if name and condition match.
    for bundle in catalog.bundles.values():
        conditions: dict[str, set[str | None]] = {}
        for item in catalog.bundle_items(bundle.code):
            for m in item.materials:
                conditions.setdefault(m.name, set()).add(m.condition)
        mixed = {name: c for name, c in conditions.items() if len(c) > 1}
        assert not mixed, (bundle.code, mixed)


def test_seed_items_round_trip_through_dicts(catalog: Catalog) -> None:
    for item in catalog.items.values():
        data = json.loads(json.dumps(item_to_dict(item), ensure_ascii=False))
        assert item_from_dict(data, conditions=catalog.conditions) == item


# ---------------------------------------------------------------- behaviour


def test_materials_for_agent_and_not_agent(catalog: Catalog) -> None:
    item = catalog.item("XK00101001")
    own = {m.name for m in item.materials_for({})}
    by_agent = {m.name for m in item.materials_for({"agent": True})}
    assert "居民身份证" in own
    assert "授权委托书" not in own
    assert "代理人居民身份证" not in own
    assert by_agent - own == {"授权委托书", "代理人居民身份证"}
    assert {m.name for m in item.materials_for({"agent": False})} == own
    assert item.condition_keys() == ("rented_premises", "prerequisite", "agent")


def test_organisation_condition(catalog: Catalog) -> None:
    item = catalog.item("QR00901001")
    person = {m.key for m in item.materials_for({"sale": True})}
    company = {m.key for m in item.materials_for({"sale": True, "organisation": True})}
    assert "org_licence" not in person
    assert company - person == {"org_licence", "legal_rep"}


def test_birth_bundle_collects_id_card_once(catalog: Catalog) -> None:
    rows = catalog.bundle_materials("YJS-CS-001", {"married": True})
    names = [m.name for m, _codes in rows]
    assert len(names) == len(set(names))
    id_rows = [(m, codes) for m, codes in rows if m.name == "居民身份证"]
    assert len(id_rows) == 1
    assert id_rows[0][1] == catalog.bundle("YJS-CS-001").item_codes
    hukou_codes = next(codes for m, codes in rows if m.name == "户口簿")
    assert len(hukou_codes) >= 2
    assert "结婚证" in names
    assert "结婚证" not in [
        m.name for m, _c in catalog.bundle_materials("YJS-CS-001", {})
    ]


def test_bundle_merge_takes_largest_counts_and_strictest_flags() -> None:
    items = _doc()
    second = copy.deepcopy(items["items"][0])
    second["code"] = "GG00001002"
    second["name"] = "第二个事项"
    second["materials"][0].update(originals=2, copies=3, e_cert=False)
    items["items"].append(second)
    bundles = {
        "format": "counter-bundles/1",
        "bundles": [
            {
                "code": "YJS-T-001",
                "name": "测试一件事",
                "description": "测试",
                "items": ["GG00001001", "GG00001002"],
            }
        ],
    }
    cat = parse_catalog(json.dumps(items), json.dumps(bundles))
    rows = cat.bundle_materials("YJS-T-001", {"agent": True})
    by_name = {m.name: (m, codes) for m, codes in rows}
    card, codes = by_name["居民身份证"]
    assert (card.originals, card.copies, card.e_cert) == (2, 3, False)
    assert codes == ("GG00001001", "GG00001002")
    assert by_name["授权委托书"][1] == ("GG00001001", "GG00001002")


def test_unknown_item_and_bundle(catalog: Catalog) -> None:
    with pytest.raises(UnknownItem) as info:
        catalog.item("XK99999999")
    assert isinstance(info.value, DomainError)
    assert "XK99999999" in str(info.value)
    assert "拼音" in str(info.value) and "名称" in str(info.value)
    with pytest.raises(UnknownBundle):
        catalog.bundle_materials("YJS-XX-999", {})


def test_pinyin() -> None:
    assert pinyin_initials("营业执照") == "yyzz"
    assert pinyin_full("营业执照") == "yingyezhizhao"
    assert pinyin_initials("银行卡（存折）") == "yhkcz"
    assert pinyin_initials("A级 B2 证") == "ajb2z"


def test_pinyin_initials_of_licence_items(catalog: Catalog) -> None:
    licence_items = [it for it in catalog.items.values() if "营业执照" in it.name]
    assert licence_items
    for item in licence_items:
        assert "yyzz" in pinyin_initials(item.name)
    assert licence_items[0] in catalog.search("yyzz")
    assert {it.code for it in catalog.search("jzz")} >= {"GG00302001", "GG00302002"}
    assert [it.code for it in catalog.search("XK00101001")] == ["XK00101001"]
    assert catalog.item("GG00302001") in catalog.search("juzhuzheng")


# ------------------------------------------------------------ malformed files


def _doc() -> dict[str, Any]:
    material = {
        "key": "id_card",
        "name": "居民身份证",
        "originals": 1,
        "copies": 0,
        "e_cert": True,
        "deferrable": False,
        "condition": None,
        "source": "申请人自备",
    }
    return {
        "format": "counter-catalog/1",
        "version": "t1",
        "conditions": {"agent": "由代理人（受托人）办理"},
        "items": [
            {
                "code": "GG00001001",
                "name": "测试事项",
                "department": "区测试局",
                "item_type": "公共服务",
                "legal_days": 20,
                "promised_days": 5,
                "fee": "免费",
                "on_the_spot": False,
                "allows_commitment": False,
                "address": "综合受理区 1 号窗口",
                "hours": "周一至周五 9:00–17:00",
                "guide_url": "https://zwfw.example.gov.cn/guide/GG00001001",
                "legal_basis": "《测试条例》第一条",
                "materials": [
                    material,
                    {
                        **material,
                        "key": "poa",
                        "name": "授权委托书",
                        "e_cert": False,
                        "condition": "agent",
                        "note": "写明委托事项",
                    },
                ],
            }
        ],
    }


def _bundles(*codes: str) -> dict[str, Any]:
    return {
        "format": "counter-bundles/1",
        "bundles": [
            {
                "code": "YJS-T-001",
                "name": "测试",
                "description": "测试",
                "items": [*codes],
            }
        ],
    }


Mutation = Callable[[dict[str, Any]], None]


def _item(d: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = d["items"][0]
    return item


def _dup_item(d: dict[str, Any]) -> None:
    d["items"].append(copy.deepcopy(_item(d)))


def _dup_key(d: dict[str, Any]) -> None:
    _item(d)["materials"][1]["key"] = "id_card"


ITEM_CASES: list[tuple[str, Mutation, str]] = [
    ("missing field", lambda d: _item(d).pop("fee"), "fee"),
    ("unknown field", lambda d: _item(d).update(promise_days=3), "promise_days"),
    ("wrong type", lambda d: _item(d).update(legal_days="20"), "legal_days"),
    ("bool as int", lambda d: _item(d)["materials"][0].update(copies=True), "copies"),
    ("negative", lambda d: _item(d).update(promised_days=-1), "promised_days"),
    ("promised > legal", lambda d: _item(d).update(promised_days=25), "promised_days"),
    ("duplicate code", _dup_item, "code"),
    ("duplicate material key", _dup_key, "materials[1].key"),
    (
        "unknown condition",
        lambda d: _item(d)["materials"][1].update(condition="proxy"),
        "materials[1].condition",
    ),
    (
        "material missing field",
        lambda d: _item(d)["materials"][0].pop("source"),
        "materials[0].source",
    ),
    ("bad code", lambda d: _item(d).update(code="XK123"), "code"),
    ("type vs prefix", lambda d: _item(d).update(item_type="行政许可"), "item_type"),
    ("on the spot", lambda d: _item(d).update(on_the_spot=True), "on_the_spot"),
    ("empty name", lambda d: _item(d).update(name=" "), "name"),
    ("no copies", lambda d: _item(d)["materials"][0].update(originals=0), "originals"),
    ("materials not list", lambda d: _item(d).update(materials={}), "materials"),
    ("format", lambda d: d.update(format="counter-catalog/9"), "format"),
    ("condition label", lambda d: d["conditions"].update(agent=1), "conditions.agent"),
]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [case[1:] for case in ITEM_CASES],
    ids=[case[0] for case in ITEM_CASES],
)
def test_malformed_items_name_the_field(mutate: Mutation, field: str) -> None:
    doc = _doc()
    mutate(doc)
    with pytest.raises(CatalogFileError) as info:
        parse_catalog(json.dumps(doc, ensure_ascii=False), source="/srv/catalog")
    err = info.value
    assert err.field is not None and err.field.endswith(field)
    message = str(err)
    assert "items.json" in message
    assert field in message
    assert "请" in message  # says what to do
    if field not in ("format", "conditions.agent"):
        assert err.code is not None and err.code in message


BUNDLE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown item", _bundles("GG00001001", "XK99999001"), "items[1]"),
    ("single item", _bundles("GG00001001"), "items"),
    ("repeated item", _bundles("GG00001001", "GG00001001"), "items[1]"),
    ("wrong format", {"format": "x", "bundles": []}, "format"),
    ("missing list", {"format": "counter-bundles/1"}, "bundles"),
]


@pytest.mark.parametrize(
    ("bundles", "field"),
    [case[1:] for case in BUNDLE_CASES],
    ids=[case[0] for case in BUNDLE_CASES],
)
def test_malformed_bundles_name_the_field(bundles: dict[str, Any], field: str) -> None:
    with pytest.raises(CatalogFileError) as info:
        parse_catalog(json.dumps(_doc()), json.dumps(bundles), source="src")
    assert info.value.field == field
    assert "bundles.json" in str(info.value)
    assert field in str(info.value)


def test_duplicate_bundle_code() -> None:
    bundles = _bundles("GG00001001", "GG00001001")
    bundles["bundles"][0]["items"] = ["GG00001001"]
    doc = _doc()
    _dup_item(doc)
    doc["items"][1]["code"] = "GG00001002"
    bundles["bundles"][0]["items"].append("GG00001002")
    bundles["bundles"].append(copy.deepcopy(bundles["bundles"][0]))
    with pytest.raises(CatalogFileError) as info:
        parse_catalog(json.dumps(doc), json.dumps(bundles))
    assert info.value.field == "code"
    assert "YJS-T-001" in str(info.value)


def test_invalid_json_and_duplicate_json_keys() -> None:
    with pytest.raises(CatalogFileError) as info:
        parse_catalog('{"format": ', source="central")
    assert "JSON" in str(info.value) and "第 1 行" in str(info.value)
    with pytest.raises(CatalogFileError) as info:
        parse_catalog('{"format": "counter-catalog/1", "format": "x"}')
    assert info.value.field == "format"
    with pytest.raises(CatalogFileError):
        parse_catalog("[]")


def test_load_catalog_dir(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError) as info:
        load_catalog_dir(tmp_path)
    assert "items.json" in str(info.value)
    (tmp_path / "items.json").write_text(json.dumps(_doc()), encoding="utf-8")
    cat = load_catalog_dir(tmp_path)
    assert list(cat.items) == ["GG00001001"]
    assert cat.bundles == {}

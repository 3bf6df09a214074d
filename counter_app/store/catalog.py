"""The item catalog on this desk, and its search.

Search ranks, for each candidate item: exact code or name, then prefixes,
then substrings of name, pinyin initials (``yyzz`` → 营业执照), full pinyin,
department and material names. Queries of three or more characters use the
FTS5 trigram index; shorter ones (``执照``, ``yy``) use LIKE, which on a
catalog of a few hundred items is just as fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from counter_app.clock import now_iso
from counter_app.domain.catalog import (
    Bundle,
    Catalog,
    Item,
    UnknownItem,
    item_from_dict,
    item_to_dict,
    pinyin_full,
    pinyin_initials,
)
from counter_app.domain.text import clean_query


def store_catalog(db: Database, catalog: Catalog) -> None:
    for item in catalog.items.values():
        upsert_item(db, item)
    for key, label in catalog.conditions.items():
        db.execute(
            "INSERT INTO catalog_conditions (key, label) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET label = excluded.label",
            [key, label],
        )
    for bundle in catalog.bundles.values():
        upsert_bundle(db, bundle)


def upsert_bundle(db: Database, bundle: Bundle) -> None:
    db.execute(
        "INSERT INTO bundles (code, name, description, item_codes) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
        " description = excluded.description, item_codes = excluded.item_codes",
        [bundle.code, bundle.name, bundle.description, json.dumps(bundle.item_codes)],
    )


def upsert_item(db: Database, item: Item) -> None:
    initials = " ".join([pinyin_initials(w) for w in (item.name, *item.keywords)])
    full = pinyin_full(item.name)
    db.execute("DELETE FROM catalog_items WHERE code = ?", [item.code])
    db.execute("DELETE FROM catalog_fts WHERE code = ?", [item.code])
    db.execute(
        "INSERT INTO catalog_items (code, name, department, item_type, legal_days,"
        " promised_days, fee, on_the_spot, allows_commitment, body, pinyin_initials,"
        " pinyin_full, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item.code,
            item.name,
            item.department,
            item.item_type,
            item.legal_days,
            item.promised_days,
            item.fee,
            int(item.on_the_spot),
            int(item.allows_commitment),
            json.dumps(item_to_dict(item), ensure_ascii=False),
            initials,
            full,
            now_iso(),
        ],
    )
    db.conn.executemany(
        "INSERT INTO catalog_materials (item_code, key, position, name, originals,"
        " copies, e_cert, can_defer, condition, source, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                item.code,
                m.key,
                position,
                m.name,
                m.originals,
                m.copies,
                int(m.e_cert),
                int(m.deferrable),
                m.condition,
                m.source,
                m.note,
            )
            for position, m in enumerate(item.materials)
        ],
    )
    db.execute(
        "INSERT INTO catalog_fts (code, name, keywords, pinyin_initials, pinyin_full,"
        " department, materials) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            item.code,
            item.name,
            " ".join(item.keywords),
            initials,
            full,
            item.department,
            " ".join(m.name for m in item.materials),
        ],
    )


def get_item(db: Database, code: str) -> Item:
    row = db.execute("SELECT body FROM catalog_items WHERE code = ?", [code]).fetchone()
    if row is None:
        raise UnknownItem(code)
    return item_from_dict(json.loads(row[0]))


def get_bundle(db: Database, code: str) -> Bundle | None:
    row = db.execute(
        "SELECT code, name, description, item_codes FROM bundles WHERE code = ?",
        [code],
    ).fetchone()
    if row is None:
        return None
    return Bundle(
        code=row[0],
        name=row[1],
        description=row[2],
        item_codes=tuple(json.loads(row[3])),
    )


def list_bundles(db: Database) -> list[Bundle]:
    return [
        Bundle(
            code=r[0], name=r[1], description=r[2], item_codes=tuple(json.loads(r[3]))
        )
        for r in db.execute(
            "SELECT code, name, description, item_codes FROM bundles ORDER BY code"
        )
    ]


def conditions(db: Database) -> dict[str, str]:
    return dict(db.execute("SELECT key, label FROM catalog_conditions ORDER BY key"))


@dataclass(frozen=True)
class SearchHit:
    code: str
    name: str
    department: str
    promised_days: int
    score: int


_COLUMNS = "code, name, keywords, pinyin_initials, pinyin_full, department, materials"


def search(db: Database, text: str, *, limit: int = 20) -> list[SearchHit]:
    query = clean_query(text)
    if not query:
        return []
    lowered = query.lower()
    if len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM catalog_fts WHERE catalog_fts MATCH ?",
            [phrase],
        ).fetchall()
    else:
        like = "%" + lowered.replace("%", r"\%").replace("_", r"\_") + "%"
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM catalog_fts WHERE lower(code) LIKE ?1 ESCAPE '\\'"
            " OR name LIKE ?1 ESCAPE '\\' OR keywords LIKE ?1 ESCAPE '\\'"
            " OR pinyin_initials LIKE ?1 ESCAPE '\\'"
            " OR pinyin_full LIKE ?1 ESCAPE '\\' OR department LIKE ?1 ESCAPE '\\'"
            " OR materials LIKE ?1 ESCAPE '\\'",
            [like],
        ).fetchall()
    ranked = sorted(rows, key=lambda r: (-_score(lowered, r), r[0]))[:limit]
    days = dict(
        db.execute(
            "SELECT code, promised_days FROM catalog_items WHERE code IN ("
            + ",".join("?" * len(ranked))
            + ")",
            [r[0] for r in ranked],
        ).fetchall()
    )
    return [
        SearchHit(
            code=r[0],
            name=r[1],
            department=r[5],
            promised_days=int(days.get(r[0]) or 0),
            score=_score(lowered, r),
        )
        for r in ranked
    ]


def _score(q: str, row: tuple[str, ...]) -> int:
    code, name, keywords, initials, full, department, materials = (
        (v or "").lower() for v in row
    )
    if q in (code, name) or q in keywords.split():
        return 100
    if code.startswith(q) or name.startswith(q):
        return 90
    if initials.startswith(q) or q in initials.split():
        return 80
    if q in name:
        return 70
    if q in keywords:
        return 65
    if q in initials or full.replace(" ", "").startswith(q.replace(" ", "")):
        return 60
    if q in full.replace(" ", ""):
        return 50
    if q in department:
        return 30
    if q in materials:
        return 10
    return 5

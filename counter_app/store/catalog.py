"""The item catalog on this desk, and its search.

Search ranks, for each candidate item: exact code or name, then prefixes,
then substrings of name, pinyin initials (``yyzz`` → 营业执照), full pinyin,
department and material names (``score``). A county catalog holds up to
3,000 items, and a one-character query (证) hits nearly all of them, so no
query scores its hits in Python:

- queries of one or two characters read ``catalog_terms``, which holds, for
  every item and every one- or two-character substring of its search text,
  the score that substring earns (computed by ``score`` when the item is
  stored): one index range scan, already in rank order;
- longer queries find candidates with the FTS5 trigram index and rank them
  with ``_SCORE_SQL``, the same rules as ``score`` written in SQL. The FTS
  table holds the search text lower-cased, so SQL's ``instr`` compares as
  Python's ``in`` does on lower-cased text.
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


def search_text(item: Item) -> tuple[str, ...]:
    """The columns search looks at, lower-cased, in ``_COLUMNS`` order."""
    initials = " ".join([pinyin_initials(w) for w in (item.name, *item.keywords)])
    row = (
        item.code,
        item.name,
        " ".join(" ".join(item.keywords).split()),
        initials,
        pinyin_full(item.name),
        item.department,
        " ".join(m.name for m in item.materials),
    )
    return tuple(v.lower() for v in row)


def upsert_item(db: Database, item: Item) -> None:
    text = search_text(item)
    initials, full = text[3], text[4]
    # A catalog_fts row's rowid is its code_key (since migration 0015); the
    # catalog_items delete trigger drops the item's catalog_terms.
    db.execute("DELETE FROM catalog_fts WHERE rowid = ?", [code_key(item.code)])
    db.execute("DELETE FROM catalog_items WHERE code = ?", [item.code])
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
    _index(db, item.code, text)


def _index(db: Database, code: str, text: tuple[str, ...]) -> None:
    key = code_key(code)
    db.execute(
        "INSERT INTO catalog_fts (rowid, code, name, keywords, pinyin_initials,"
        " pinyin_full, department, materials) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [key, code, *text[1:]],
    )
    db.conn.executemany(
        "INSERT INTO catalog_terms (term, rank, item) VALUES (?, ?, ?)",
        [(t, 100 - score(t, text), key) for t in short_terms(text)],
    )


# Item codes are 2 type letters + 8 digits (domain.catalog._CODE_RE), so
# this integer sorts as the code does: catalog_terms rows come out of their
# index already in (rank, code) order, and catalog_fts (whose rowid it is)
# yields its matches in code order. Migration 0015's trigger computes the
# same in SQL.
_TYPES = "GGJFQRQTXK"


def code_key(code: str) -> int:
    return (_TYPES.index(code[:2]) // 2) * 100_000_000 + int(code[2:])


def _key_code(key: int) -> str:
    kind, number = divmod(key, 100_000_000)
    return _TYPES[kind * 2 : kind * 2 + 2] + f"{number:08d}"


def reindex_catalog(db: Database) -> None:
    """Rebuild catalog_fts and catalog_terms from the stored items."""
    db.execute("DELETE FROM catalog_fts")
    db.execute("DELETE FROM catalog_terms")
    for (body,) in db.execute("SELECT body FROM catalog_items").fetchall():
        item = item_from_dict(json.loads(body))
        _index(db, item.code, search_text(item))


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

# ``score`` in SQL, over the lower-cased catalog_fts columns (the code is
# kept as it is, to join on, and is ASCII: lower() suffices); ?1 is the
# lower-cased query, ?2 the same without spaces (the prefix rule on
# pinyin_full ignores spaces; pinyin_full itself holds none). Whole words: ``q in
# keywords.split()`` is ``instr(' ' || keywords || ' ', ' ' || q || ' ')``
# for a query without spaces, and never true for one with spaces.
_SCORE_SQL = """CASE
 WHEN lower(code) = ?1 OR name = ?1 OR (instr(?1, ' ') = 0
   AND instr(' ' || keywords || ' ', ' ' || ?1 || ' ') > 0) THEN 100
 WHEN substr(lower(code), 1, length(?1)) = ?1 OR substr(name, 1, length(?1)) = ?1 THEN 90
 WHEN substr(pinyin_initials, 1, length(?1)) = ?1 OR (instr(?1, ' ') = 0
   AND instr(' ' || pinyin_initials || ' ', ' ' || ?1 || ' ') > 0) THEN 80
 WHEN instr(name, ?1) > 0 THEN 70
 WHEN instr(keywords, ?1) > 0 THEN 65
 WHEN instr(pinyin_initials, ?1) > 0
   OR substr(pinyin_full, 1, length(?2)) = ?2 THEN 60
 WHEN instr(pinyin_full, ?1) > 0 THEN 50
 WHEN instr(department, ?1) > 0 THEN 30
 WHEN instr(materials, ?1) > 0 THEN 10
 ELSE 5 END"""


def search(db: Database, text: str, *, limit: int = 20) -> list[SearchHit]:
    query = clean_query(text)
    if not query:
        return []
    lowered = query.lower()
    if len(lowered) <= 2:
        # A query of one or two characters holds no space (split above).
        ranked = [
            (_key_code(key), 100 - rank)
            for key, rank in db.execute(
                "SELECT item, rank FROM catalog_terms WHERE term = ?"
                " ORDER BY rank, item LIMIT ?",
                [lowered, limit],
            )
        ]
    else:
        ranked = _search_long(db, query, lowered, limit)
    if not ranked:
        return []
    found = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT code, name, department, promised_days FROM catalog_items"
            " WHERE code IN (" + ",".join("?" * len(ranked)) + ")",
            [r[0] for r in ranked],
        )
    }
    return [
        SearchHit(
            code=code,
            name=found[code][0],
            department=found[code][1],
            promised_days=int(found[code][2] or 0),
            score=int(points),
        )
        for code, points in ranked
        if code in found
    ]


_HEAD = "{code name keywords pinyin_initials pinyin_full department}"


def _search_long(
    db: Database, query: str, lowered: str, limit: int
) -> list[tuple[str, int]]:
    """Items named by the query first, then those only one of whose
    materials names it (all score 10, in code order). Reading an FTS row's
    columns is what costs, and a material like 居民身份证 is in nearly every
    item, so only the items matched outside the materials are scored."""
    phrase = '"' + query.replace('"', '""') + '"'
    head: list[tuple[str, int]] = db.execute(
        f"SELECT code, {_SCORE_SQL} AS score FROM catalog_fts"
        " WHERE catalog_fts MATCH ?3 ORDER BY score DESC, code LIMIT ?4",
        [lowered, lowered.replace(" ", ""), f"{_HEAD} : {phrase}", limit],
    ).fetchall()
    if len(head) == limit and head[-1][1] > 10:
        return head
    named = [code_key(code) for code, _ in head]
    rest = [
        (_key_code(key), 10)
        for (key,) in db.execute(
            "SELECT rowid FROM catalog_fts WHERE catalog_fts MATCH ? AND rowid"
            " NOT IN (" + ",".join("?" * len(named)) + ") ORDER BY rowid LIMIT ?",
            [f"{{materials}} : {phrase}", *named, limit],
        )
    ]
    return sorted([*head, *rest], key=lambda r: (-r[1], r[0]))[:limit]


def short_terms(text: tuple[str, ...]) -> set[str]:
    """Every one- and two-character substring of the search text, no spaces."""
    terms: set[str] = set()
    for column in text:
        for word in column.split():
            terms.update(word)
            terms.update(word[i : i + 2] for i in range(len(word) - 1))
    return terms


def score(q: str, text: tuple[str, ...]) -> int:
    """How well lower-cased query ``q`` matches an item's lower-cased
    ``search_text``; ``_SCORE_SQL`` is the same in SQL."""
    code, name, keywords, initials, full, department, materials = text
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
    if q in initials or full.startswith(q.replace(" ", "")):
        return 60
    if q in full.replace(" ", ""):
        return 50
    if q in department:
        return 30
    if q in materials:
        return 10
    return 5

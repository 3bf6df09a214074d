"""Hypothesis strategies for hostile text: what a paste, a scanner, a bad
file or a broken server can put into a field."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\x9b"]
BIDI = ["\u200e", "\u200f", "\u061c", *map(chr, range(0x202A, 0x202F))]
BIDI += [chr(c) for c in range(0x2066, 0x206A)]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
MARKUP = ["<b>", "</b>", "&amp;", "&lt;", "<para>", "</para>", "<br/>", "<font>"]
MARKUP += ['<font name="x">', "<a href='javascript:1'>", "]]>", "&#0;", "&"]
SQL = ["'; DROP TABLE applications;--", "' OR '1'='1", '"', "%", "_", "\\", "*"]
SQL += ["NEAR(", "AND", "OR", "^", "--", "/*", "ESCAPE"]
RARE = ["𠮷", "䶮", "堃", "𪚥", "𫝀", "𬌗", "\U00030000", "\ue000", "\uffff"]

#: One hostile piece: a control, a mark, markup, SQL, a rare character.
piece = st.sampled_from(CONTROL + BIDI + ZERO_WIDTH + MARKUP + SQL + RARE)
#: Pieces mixed with ordinary text (Chinese, ASCII, anything Unicode).
plain = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
mixed = st.lists(st.one_of(piece, plain, st.sampled_from(["王", "明", " "])))
hostile_text = st.one_of(
    mixed.map("".join),
    st.text(max_size=30),  # includes lone surrogates
    st.sampled_from(SURROGATES).map(lambda s: "王" + s + "明"),
    st.sampled_from(["长", "x", "𠮷", "<b>", "\n", "王 "]).map(
        lambda c: (c * 10_000)[:10_000]
    ),
)


def without_surrogates(text: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in text)


# Anything a JSON file can hold where a value was expected.
json_value = st.one_of(
    hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.lists(hostile_text, max_size=3),
    st.dictionaries(hostile_text, hostile_text, max_size=2),
    st.just([]),
    st.just({}),
)


def paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*path, index))


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
    """``base`` with one place replaced, deleted or renamed."""
    doc = copy.deepcopy(base)
    path = draw(st.sampled_from([p for p in paths(doc) if p]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = draw(st.sampled_from(["replace", "replace", "delete", "rename"]))
    if action == "replace":
        parent[last] = draw(json_value)
    elif isinstance(parent, dict) and action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[draw(hostile_text)] = parent.pop(last)
    else:
        del parent[last]
    return doc, path

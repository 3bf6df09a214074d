"""Hypothesis strategies for hostile text: what a paste, a scanner, a bad
file or a broken server can put into a field."""

from __future__ import annotations

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

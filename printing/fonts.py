"""Embedded CJK fonts for printed documents.

Documents embed a subset of the body font (WenQuanYi Micro Hei; 微软雅黑 or
宋体 on Windows) and fall back to HanaMin A/B (SimSun-ExtB on Windows) for
rare characters (CJK Ext. A/B+), switching font per character run so a name
such as 𠮷 or 䶮 prints everywhere alike. ``printing.fontfiles`` finds them.

reportlab writes each ToUnicode entry as one 16-bit code, which truncates
characters beyond the BMP; ``CjkTTFont`` rewrites those maps with UTF-16
surrogate pairs so text extraction (archive search, ``pdftotext``) returns
the real character.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

from counter_app.domain.text import shown
from printing.fontfiles import BODY as BODY
from printing.fontfiles import RARE_A as RARE_A
from printing.fontfiles import RARE_B as RARE_B
from printing.fontfiles import SPECS, FontFile, locate_fonts
from printing.fontfiles import FontNotFound as FontNotFound
from printing.fontfiles import font_dirs as font_dirs
from printing.model import TooLong
from printing.text import printable

#: No field of any document holds more (a rejection's reason is at most
#: 1,000 characters); longer text is refused before reportlab spends
#: seconds laying it out.
MAX_TEXT = 4000


def make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """A ToUnicode CMap whose entries beyond U+FFFF are surrogate pairs."""
    entries = [f"<{i:02X}> <{_utf16_hex(code)}>" for i, code in enumerate(subset)]
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    # A bfchar block holds at most 100 entries (PDF reference, 5.9.2).
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(chunk)
        lines.append("endbfchar")
    lines += [
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def _utf16_hex(code: int) -> str:
    if code <= 0xFFFF:
        return f"{code:04X}"
    code -= 0x10000
    return f"{0xD800 + (code >> 10):04X}{0xDC00 + (code & 0x3FF):04X}"


class CjkTTFont(TTFont):  # type: ignore[misc]
    """A TTFont whose ToUnicode maps keep characters beyond the BMP."""

    def addObjects(self, doc: Any) -> None:
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            if all(code <= 0xFFFF for code in subset):
                continue
            base = b"".join(
                (SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)
            ).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = make_to_unicode_cmap(base, subset)


_lock = threading.Lock()
_body: tuple[str, frozenset[int]] | None = None
# The rare-character fonts are large; they load on the first character the
# body font lacks (or on register_fonts()).
_rare: tuple[tuple[str, frozenset[int]], ...] | None = None


def _register(name: str, file: FontFile) -> frozenset[int]:
    font = CjkTTFont(name, str(file.path), subfontIndex=file.index)
    pdfmetrics.registerFont(font)
    # No bold/italic faces: map them to the same file so <b> never fails.
    registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return frozenset(font.face.charToGlyph)


def _body_font() -> tuple[str, frozenset[int]]:
    global _body
    if _body is None:
        with _lock:
            if _body is None:
                found = locate_fonts()
                _body = (BODY, _register(BODY, found[BODY]))
    return _body


def _rare_fonts() -> tuple[tuple[str, frozenset[int]], ...]:
    global _rare
    if _rare is None:
        _body_font()
        with _lock:
            if _rare is None:
                found = locate_fonts()
                _rare = tuple(
                    (spec.name, _register(spec.name, found[spec.name]))
                    for spec in SPECS[1:]
                    if spec.name in found
                )
    return _rare


def register_fonts(*, rare: bool = True) -> tuple[str, ...]:
    """Register the document fonts once; return their names, body font first.

    Raises FontNotFound when the body font is missing. ``rare=False`` leaves
    the fallback fonts to load when first needed.
    """
    names = [_body_font()[0]]
    if rare:
        names += [name for name, _cover in _rare_fonts()]
    return tuple(names)


def font_for(char: str) -> str:
    """The first registered font that has a glyph for ``char``."""
    body, cover = _body_font()
    code = ord(char)
    if code in cover:
        return body
    for name, rare_cover in _rare_fonts():
        if code in rare_cover:
            return name
    return body


def split_runs(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (font name, run) pairs by glyph coverage."""
    runs: list[tuple[str, str]] = []
    for char in printable(text):
        # Whitespace and line breaks stay with the current run.
        name = runs[-1][0] if runs and char.isspace() else font_for(char)
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    return runs


def missing_glyphs(text: str) -> list[str]:
    """Characters no registered font can draw."""
    covers = [_body_font()[1], *(cover for _name, cover in _rare_fonts())]
    return [
        c for c in text if not c.isspace() and not any(ord(c) in cv for cv in covers)
    ]


def markup(text: str) -> str:
    """Escape ``text`` for a Paragraph, wrapping rare runs in <font> tags."""
    if len(text) > MAX_TEXT:
        # Named by its start: the clerk sees which text to shorten.
        raise TooLong(shown(text, limit=12))
    body = _body_font()[0]
    parts: list[str] = []
    for name, run in split_runs(text):
        escaped = escape(run).replace("\n", "<br/>")
        # Paragraph collapses and strips U+3000 like any space; no-break
        # spaces of the same width keep indents and blank date fields.
        escaped = escaped.replace("\u3000", "\u00a0" * 4)
        parts.append(
            escaped if name == body else f'<font name="{name}">{escaped}</font>'
        )
    return "".join(parts)


def draw_text(
    canvas: Any, x: float, y: float, text: str, *, size: float, anchor: str = "left"
) -> float:
    """Draw ``text`` on a canvas font run by font run; return its width."""
    runs = split_runs(text)
    width = float(sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs))
    if anchor == "center":
        x -= width / 2
    elif anchor == "right":
        x -= width
    for name, run in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)
    return width

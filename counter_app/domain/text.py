"""Free text a clerk types, pastes or scans in, checked one way for every
field before it is stored.

The rule, the same for names, addresses, reasons and comments:

- broken Unicode (a lone surrogate half, as a bad copy-and-paste leaves) is
  refused with the field's name: it cannot be stored, printed or sent;
- ``\\r\\n``, ``\\r`` and the Unicode line and paragraph separators become
  ``\\n``; one-line fields turn every line break and
  tab into a space and collapse runs of spaces; multi-line fields keep
  ``\\n``;
- invisible characters are dropped: control characters (NUL, ESC, …),
  direction marks and overrides (U+200E/F, U+202A–E, U+2066–9, U+061C, which
  can make printed text read differently from what is stored), zero-width
  spaces and the byte-order mark; one-line fields drop zero-width joiners
  too (a name never needs one, and one would defeat search);
- leading and trailing spaces are removed;
- the result is at most ``max_len`` characters (code points, so a rare
  CJK Ext. B character counts as one), else it is refused.

Markup (``<b>``, ``&amp;``) and SQL fragments are ordinary text here: the
store binds parameters and the documents escape what they print.
"""

from __future__ import annotations

from counter_app.domain.errors import DomainError
from counter_app.i18n import _

#: Applicant, agent, recipient and user display names (foreign names included).
NAME_MAX = 64
#: Addresses, organisation names, relations, tracking numbers.
LINE_MAX = 200
#: Reasons, comments, follow-ups and notes (multi-line).
NOTE_MAX = 1000

_INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u061c\u2060\ufeff\u180e"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_JOINERS = frozenset("\u200c\u200d")


class TextError(DomainError):
    """A text field that cannot be stored; ``field`` names it."""


def clean_text(
    value: object,
    *,
    field: str,
    label: str,
    max_len: int = LINE_MAX,
    multiline: bool = False,
) -> str:
    """``value`` normalised by the rule above; raise TextError naming
    ``label`` (already translated) when it cannot be stored."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TextError(
            _("“{label}”应为文字，请重新输入。").format(label=label), field=field
        )
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise TextError(
            _(
                "“{label}”含有无法识别的字符（多为复制粘贴带来的乱码），"
                "请删除后重新输入。"
            ).format(label=label),
            field=field,
        )
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    if multiline:
        lines = [_visible(line, keep_joiners=True) for line in text.split("\n")]
        text = "\n".join(line.rstrip() for line in lines).strip()
    else:
        text = " ".join(_visible(text, keep_joiners=False).split())
    if len(text) > max_len:
        raise TextError(
            _("“{label}”最多 {limit} 个字，现有 {count} 个，请删减。").format(
                label=label, limit=max_len, count=len(text)
            ),
            field=field,
        )
    return text


def _visible(text: str, *, keep_joiners: bool) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in _INVISIBLE or (not keep_joiners and char in _JOINERS):
            continue
        if code < 0x20 or 0x7F <= code < 0xA0:
            # Tabs and line breaks separate words; other controls vanish.
            if char in "\t\n\v\f\x1c\x1d\x1e\x1f\x85":
                out.append(" ")
            continue
        out.append(char)
    return "".join(out)


def shown(text: str, *, limit: int = 20) -> str:
    """``text`` as an error message may quote it: broken Unicode as U+FFFD,
    invisible characters dropped, cut after ``limit`` characters."""
    safe = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    safe = " ".join(_visible(safe, keep_joiners=False).split())
    if not safe and text:
        return "\ufffd"  # only invisible characters: show that something is there
    return safe if len(safe) <= limit else safe[:limit] + "…"


#: A search box takes a name, a number or a few words, never a page.
QUERY_MAX = 100


def clean_query(text: str) -> str:
    """What a search looks for: broken Unicode and invisible characters
    dropped, spaces collapsed, at most ``QUERY_MAX`` characters."""
    safe = "".join(c for c in text if not "\ud800" <= c <= "\udfff")
    return " ".join(_visible(safe, keep_joiners=False).split())[:QUERY_MAX]

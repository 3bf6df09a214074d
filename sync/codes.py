"""Site and window codes and the acceptance numbers built from them: the one
definition the desk (``domain/numbering.py``) and the platform (``central``,
through :mod:`sync.protocol`) both use. Standard library only."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Final

SITE_CODE_RULE: Final = "6至12位数字或大写字母"
WINDOW_CODE_RULE: Final = "2至4位数字或大写字母"

SITE_CODE_PATTERN: Final = r"[0-9A-Z]{6,12}"
WINDOW_CODE_PATTERN: Final = r"[0-9A-Z]{2,4}"
_SITE_CODE = re.compile(SITE_CODE_PATTERN)
_WINDOW_CODE = re.compile(WINDOW_CODE_PATTERN)
#: A desk with no configured site numbers under a provisional site code:
#: this letter and eight random capitals/digits (as long as a real code, so
#: receipts look alike). Real site codes are administrative codes, all
#: digits; the platform refuses this letter for a desk's own site, so a
#: provisional prefix never meets a real one.
PROVISIONAL_SITE_LEAD: Final = "Z"
PROVISIONAL_WINDOW_CODE: Final = "01"
_PROVISIONAL_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NUMBER_TAIL = re.compile(r"(\d{8})(\d{4}|[1-9]\d{4})")


def is_site_code(code: str) -> bool:
    """6–12 digits or capital letters (e.g. 320102001)."""
    return isinstance(code, str) and bool(_SITE_CODE.fullmatch(code))


def is_window_code(code: str) -> bool:
    """2–4 digits or capital letters (e.g. 01, W07)."""
    return isinstance(code, str) and bool(_WINDOW_CODE.fullmatch(code))


def code_problem(*, site_code: str, window_code: str) -> str | None:
    """A Chinese sentence naming the bad code, or None when both are valid."""
    if not is_site_code(site_code):
        return f"站点代码“{site_code}”无效：应为{SITE_CODE_RULE}"
    if not is_window_code(window_code):
        return f"窗口代码“{window_code}”无效：应为{WINDOW_CODE_RULE}"
    return None


def is_provisional_site_code(code: str) -> bool:
    """A valid site code in the range reserved for un-enrolled desks."""
    return is_site_code(code) and code.startswith(PROVISIONAL_SITE_LEAD)


def new_provisional_site_code() -> str:
    """A desk-unique provisional site code (36**8 ≈ 2.8e12 choices)."""
    tail = "".join(secrets.choice(_PROVISIONAL_ALPHABET) for _ in range(8))
    return PROVISIONAL_SITE_LEAD + tail


def real_code_problem(*, site_code: str, window_code: str) -> str | None:
    """Like :func:`code_problem`, and a provisional site code is refused:
    the codes a desk is configured or registered with."""
    problem = code_problem(site_code=site_code, window_code=window_code)
    if problem is None and is_provisional_site_code(site_code):
        return (
            f"站点代码“{site_code}”无效：以 {PROVISIONAL_SITE_LEAD} 开头的代码"
            "留作未注册终端的临时代码，请填写真实的站点代码"
        )
    return problem


def is_acceptance_number_of(number: str, *, site_code: str, window_code: str) -> bool:
    """Whether ``number`` is site code + window code + YYYYMMDD + sequence
    (0001–9999, or 10000–99999) of exactly this site and window."""
    prefix = site_code + window_code
    if not isinstance(number, str) or not number.startswith(prefix):
        return False
    tail = _NUMBER_TAIL.fullmatch(number[len(prefix) :])
    if tail is None or int(tail.group(2)) == 0:
        return False
    stamp = tail.group(1)
    try:
        date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        return False
    return True

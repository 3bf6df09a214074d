"""Acceptance numbers (受理编号) that are unique without a network.

Number = site code + window code + YYYYMMDD + per-window daily sequence.
Site and window codes are unique by configuration, the date and sequence
are assigned by the desk in the same transaction as the record, so two
desks can never produce the same number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import normalize
from counter_app.i18n import _
from sync.codes import is_site_code, is_window_code

MAX_SEQUENCE = 99_999
# 6–12 + 2–4 + 8 + 4–5 characters.
_ANY_NUMBER = re.compile(r"[0-9A-Z]{8,16}\d{12,13}")


class InvalidAcceptanceNumber(DomainError, ValueError):
    """A malformed acceptance number or one of its parts."""


@dataclass(frozen=True)
class AcceptanceNumber:
    site_code: str
    window_code: str
    day: date
    sequence: int

    @property
    def text(self) -> str:
        return format_acceptance_number(
            site_code=self.site_code,
            window_code=self.window_code,
            day=self.day,
            sequence=self.sequence,
        )

    def __str__(self) -> str:
        return self.text


def format_acceptance_number(
    *, site_code: str, window_code: str, day: date, sequence: int
) -> str:
    """site code + window code + YYYYMMDD + sequence.

    The sequence is written with 4 digits (0001–9999). A window that takes
    more than 9999 applications in one day gets 5 digits (10000–99999), so
    such numbers are one character longer; ``parse_acceptance_number``
    accepts both lengths.
    """
    if not is_site_code(site_code):
        raise InvalidAcceptanceNumber(
            _("站点代码“{code}”无效：应为6至12位数字或大写字母").format(code=site_code),
            field="site_code",
        )
    if not is_window_code(window_code):
        raise InvalidAcceptanceNumber(
            _("窗口代码“{code}”无效：应为2至4位数字或大写字母").format(
                code=window_code
            ),
            field="window_code",
        )
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidAcceptanceNumber(
            _("当日流水号{sequence}超出范围（1至{maximum}）").format(
                sequence=sequence, maximum=MAX_SEQUENCE
            ),
            field="sequence",
        )
    return f"{site_code}{window_code}{day:%Y%m%d}{sequence:04d}"


def parse_acceptance_number(
    text: str, *, site_code_len: int, window_code_len: int
) -> AcceptanceNumber:
    """Split a number into its parts, given this deployment's code lengths."""
    value = normalize(text)
    prefix = site_code_len + window_code_len
    if len(value) not in (prefix + 12, prefix + 13):
        raise InvalidAcceptanceNumber(
            _(
                "受理编号“{text}”的长度不对：应为{short}或{long}位，现为{count}位"
            ).format(text=value, short=prefix + 12, long=prefix + 13, count=len(value)),
            field="acceptance_number",
        )
    site_code, window_code = value[:site_code_len], value[site_code_len:prefix]
    stamp, sequence = value[prefix : prefix + 8], value[prefix + 8 :]
    try:
        if not (stamp.isdigit() and sequence.isdigit()):
            raise ValueError(stamp)
        day = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        raise InvalidAcceptanceNumber(
            _("受理编号“{text}”中的日期或流水号无效").format(text=value),
            field="acceptance_number",
        ) from None
    number = AcceptanceNumber(
        site_code=site_code, window_code=window_code, day=day, sequence=int(sequence)
    )
    if number.text != value:  # codes of the wrong alphabet, 5-digit "01234"
        raise InvalidAcceptanceNumber(
            _("受理编号“{text}”格式不正确").format(text=value),
            field="acceptance_number",
        )
    return number


def _plausible_day(stamp: str) -> bool:
    try:
        day = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        return False
    return 2000 <= day.year <= 2099


def looks_like_acceptance_number(text: str) -> bool:
    """Whether a search-box entry is probably an acceptance number (whole)."""
    value = normalize(text)
    if not (20 <= len(value) <= 29 and _ANY_NUMBER.fullmatch(value)):
        return False
    return _plausible_day(value[-12:-4]) or _plausible_day(value[-13:-5])

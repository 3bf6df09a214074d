"""Working days under the official holiday calendar with in-lieu days (调休).

A year's schedule lists the statutory days off ("holidays", whatever weekday
they fall on) and the weekend days worked in lieu ("workdays"). Any other
day is a working day from Monday to Friday. Deadlines count working days
from the day after acceptance; a deadline that needs a year the calendar
lacks is either refused (``CalendarYearMissing``) or computed on weekdays
and flagged provisional (``due_date_or_provisional``), never guessed silently.

The calendar file (``counter_app/resources/calendar/cn_workdays.json``)::

    {"format": "counter-calendar/1", "source": "...",
     "years": {"2026": {"holidays": ["2026-01-01", ...],
                        "workdays": ["2026-01-04", ...], "source": "..."}}}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from counter_app.domain.errors import DomainError
from counter_app.domain.text import shown
from counter_app.i18n import _
from counter_app.resources import resource_path

CALENDAR_FORMAT = "counter-calendar/1"
DEFAULT_CALENDAR_PATH = resource_path("calendar", "cn_workdays.json")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_KEY = re.compile(r"\d{4}")
_OPTIONAL_TEXT_KEYS = frozenset({"source", "note"})
_ONE_DAY = timedelta(days=1)


class CalendarYearMissing(DomainError):
    """The holiday calendar has no schedule for a year a computation needs."""

    def __init__(self, year: int) -> None:
        super().__init__(
            _(
                "节假日日历缺少{year}年的安排，无法准确计算工作日。"
                "请同步中心数据或导入{year}年的日历文件。"
            ).format(year=year)
        )
        self.year = year


class CalendarFileError(DomainError):
    """A calendar file that cannot be used, naming the file and the bad key."""

    def __init__(self, message: str, *, source: str = "", key: str = "") -> None:
        super().__init__(message, field=key or None)
        self.source = source
        self.key = key


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]


# -- parsing ----------------------------------------------------------------


def _file_error(detail: str, *, source: str, key: str = "") -> CalendarFileError:
    # The detail quotes the file's values: a hostile file must not put broken
    # Unicode, control characters or pages of text into the message.
    detail, key = shown(detail, limit=200), shown(key, limit=60)
    name = source or _("（未命名）")
    where = (
        _("日历文件{source}中的{key}：").format(source=name, key=key)
        if key
        else _("日历文件{source}：").format(source=name)
    )
    hint = _("请使用中心发布的日历文件，或修正后重新导入。")
    return CalendarFileError(where + detail + hint, source=source, key=key)


def _parse_dates(value: object, *, year: int, key: str, source: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise _file_error(_("应为日期列表。"), source=source, key=key)
    seen: set[date] = set()
    for index, item in enumerate(value):
        item_key = f"{key}[{index}]"
        if not isinstance(item, str) or not _ISO_DATE.fullmatch(item):
            raise _file_error(
                _("“{value}”不是YYYY-MM-DD格式的日期。").format(value=item),
                source=source,
                key=item_key,
            )
        try:
            day = date.fromisoformat(item)
        except ValueError:
            raise _file_error(
                _("“{value}”不是真实存在的日期。").format(value=item),
                source=source,
                key=item_key,
            ) from None
        if day.year != year:
            raise _file_error(
                _("日期{value}不属于{year}年。").format(value=item, year=year),
                source=source,
                key=item_key,
            )
        if day in seen:
            raise _file_error(
                _("日期{value}重复出现。").format(value=item),
                source=source,
                key=item_key,
            )
        seen.add(day)
    return frozenset(seen)


def _parse_year(key: str, value: object, *, source: str) -> YearSchedule:
    where = f"years.{key}"
    if not _YEAR_KEY.fullmatch(key):
        raise _file_error(
            _("年份“{key}”应为4位数字。").format(key=key), source=source, key=where
        )
    year = int(key)
    if not isinstance(value, dict):
        raise _file_error(
            _("应包含holidays和workdays两个列表。"), source=source, key=where
        )
    for name in value:
        if name not in ("holidays", "workdays") and name not in _OPTIONAL_TEXT_KEYS:
            raise _file_error(
                _("不认识的项目“{name}”。").format(name=name), source=source, key=where
            )
    if "holidays" not in value:
        raise _file_error(_("缺少holidays列表。"), source=source, key=where)
    holidays = _parse_dates(
        value["holidays"], year=year, key=f"{where}.holidays", source=source
    )
    if not holidays:
        raise _file_error(
            _("放假日期列表为空，全年不可能没有法定节假日。"),
            source=source,
            key=f"{where}.holidays",
        )
    workdays = _parse_dates(
        value.get("workdays", []), year=year, key=f"{where}.workdays", source=source
    )
    both = sorted(holidays & workdays)
    if both:
        raise _file_error(
            _("{day}既列为放假日又列为调休上班日。").format(day=both[0].isoformat()),
            source=source,
            key=where,
        )
    for day in sorted(workdays):
        if day.weekday() < 5:
            raise _file_error(
                _("调休上班日{day}不是周六或周日。").format(day=day.isoformat()),
                source=source,
                key=f"{where}.workdays",
            )
    return YearSchedule(year=year, holidays=holidays, workdays=workdays)


def parse_calendar(text: str, *, source: str = "") -> dict[int, YearSchedule]:
    """Parse and strictly check a calendar file; errors name ``source``."""
    try:
        data: Any = json.loads(text)
    except RecursionError:
        raise _file_error(_("JSON嵌套层次过深。"), source=source) from None
    except json.JSONDecodeError as exc:
        raise _file_error(
            _("第{line}行第{column}列不是有效的JSON（{reason}）。").format(
                line=exc.lineno, column=exc.colno, reason=exc.msg
            ),
            source=source,
        ) from None
    if not isinstance(data, dict):
        raise _file_error(_("内容应为一个JSON对象。"), source=source)
    if data.get("format") != CALENDAR_FORMAT:
        raise _file_error(
            _("格式标记应为“{expected}”，现为“{actual}”。").format(
                expected=CALENDAR_FORMAT, actual=data.get("format", "")
            ),
            source=source,
            key="format",
        )
    years = data.get("years")
    if not isinstance(years, dict) or not years:
        raise _file_error(
            _("缺少年份安排（years），或其中没有任何年份。"),
            source=source,
            key="years",
        )
    schedules = [_parse_year(key, value, source=source) for key, value in years.items()]
    return {schedule.year: schedule for schedule in schedules}


def format_calendar(years: Mapping[int, YearSchedule], *, source: str = "") -> str:
    """The calendar file text for ``years`` (what ``parse_calendar`` reads)."""
    body: dict[str, object] = {"format": CALENDAR_FORMAT}
    if source:
        body["source"] = source
    body["years"] = {
        str(year): {
            "holidays": [d.isoformat() for d in sorted(years[year].holidays)],
            "workdays": [d.isoformat() for d in sorted(years[year].workdays)],
        }
        for year in sorted(years)
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


# -- computing --------------------------------------------------------------


def _count_between(
    start: date, end: date, *, is_working: Callable[[date], bool]
) -> int:
    if end < start:
        return -_count_between(end, start, is_working=is_working)
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        count += is_working(day)
    return count


def _nth_working_day(
    accepted_on: date,
    working_days: int,
    *,
    is_working: Callable[[date], bool],
    suspended: frozenset[date],
) -> date:
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    day, counted = accepted_on, 0
    while counted < working_days:
        day += _ONE_DAY
        if day not in suspended and is_working(day):
            counted += 1
    return day


class WorkCalendar:
    """Working-day arithmetic over the years it holds a schedule for."""

    def __init__(self, years: Mapping[int, YearSchedule]) -> None:
        for year, schedule in years.items():
            if schedule.year != year:
                raise ValueError(f"schedule for {schedule.year} filed under {year}")
        self._years: Mapping[int, YearSchedule] = MappingProxyType(dict(years))

    @classmethod
    def load_default(cls) -> WorkCalendar:
        """The calendar shipped in ``counter_app/resources/calendar/cn_workdays.json``."""
        try:
            text = DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8")
        except OSError as exc:
            raise _file_error(
                _("无法读取（{reason}）。").format(reason=exc.strerror or exc),
                source=str(DEFAULT_CALENDAR_PATH),
            ) from exc
        return cls(parse_calendar(text, source=str(DEFAULT_CALENDAR_PATH)))

    @property
    def years(self) -> frozenset[int]:
        return frozenset(self._years)

    def schedule(self, year: int) -> YearSchedule:
        try:
            return self._years[year]
        except KeyError:
            raise CalendarYearMissing(year) from None

    def is_working_day(self, d: date) -> bool:
        schedule = self.schedule(d.year)
        if d in schedule.holidays:
            return False
        return d in schedule.workdays or d.weekday() < 5

    def due_date(
        self,
        accepted_on: date,
        working_days: int,
        *,
        suspended_days: Iterable[date] = (),
    ) -> date:
        """The Nth working day strictly after ``accepted_on`` (N=0: that day).

        ``suspended_days`` (挂起: hearing, inspection, expert review) do not
        count. Raises CalendarYearMissing when a needed year is absent.
        """
        return _nth_working_day(
            accepted_on,
            working_days,
            is_working=self.is_working_day,
            suspended=frozenset(suspended_days),
        )

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start``: with ``start`` = today and
        ``end`` = the due date, a positive value is days left, a negative one
        the working days overdue.
        """
        return _count_between(start, end, is_working=self.is_working_day)

    def merged(self, years: Mapping[int, YearSchedule]) -> WorkCalendar:
        """A calendar with ``years`` added, replacing schedules of the same year."""
        return WorkCalendar({**self._years, **years})

    def __repr__(self) -> str:
        return f"WorkCalendar(years={sorted(self._years)})"


@dataclass(frozen=True)
class DueDate:
    date: date
    provisional: bool


# Holidays on the same date every year (全国年节及纪念日放假办法): a year whose
# schedule has not arrived still rests on these. The lunar ones and the 调休
# weekends come only with the year's notice.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


class _WeekdayFallback:
    """Calendar days for known years; for the others Monday–Friday less the
    fixed-date holidays (noted as provisional)."""

    def __init__(self, cal: WorkCalendar) -> None:
        self._cal = cal
        self._known = cal.years
        self.used = False

    def __call__(self, day: date) -> bool:
        if day.year in self._known:
            return self._cal.is_working_day(day)
        self.used = True
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def due_date_or_provisional(
    cal: WorkCalendar,
    accepted_on: date,
    working_days: int,
    *,
    suspended_days: Iterable[date] = (),
) -> DueDate:
    """Like ``WorkCalendar.due_date``, but days of a year the calendar lacks
    count Monday–Friday and the result is flagged ``provisional``, to be
    recomputed once that year's schedule arrives."""
    is_working = _WeekdayFallback(cal)
    day = _nth_working_day(
        accepted_on,
        working_days,
        is_working=is_working,
        suspended=frozenset(suspended_days),
    )
    return DueDate(date=day, provisional=is_working.used)


@dataclass(frozen=True)
class WorkingDayCount:
    days: int
    provisional: bool


def working_days_between_or_provisional(
    cal: WorkCalendar, start: date, end: date
) -> WorkingDayCount:
    """Like ``WorkCalendar.working_days_between`` (days left when positive,
    overdue when negative), counting Monday–Friday in years the calendar
    lacks and then flagged ``provisional``."""
    is_working = _WeekdayFallback(cal)
    days = _count_between(start, end, is_working=is_working)
    return WorkingDayCount(days=days, provisional=is_working.used)


def days_left(cal: WorkCalendar, today: date, due: date) -> WorkingDayCount:
    """Working days from ``today`` to a due date: positive = days left, 0 = due
    today, negative = overdue by that many.

    The one overdue rule of the desk (list, filter, colour, statistics, daily
    log): an application is overdue once its due date has passed. On a weekend
    or holiday right after the due date no working day has passed yet, but the
    deadline has: that counts as one working day overdue, never "due today".
    """
    count = working_days_between_or_provisional(cal, today, due)
    if due < today and count.days > -1:
        return WorkingDayCount(days=-1, provisional=count.provisional)
    return count

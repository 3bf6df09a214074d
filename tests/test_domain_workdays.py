from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from counter_app.domain.errors import DomainError
from counter_app.domain.workdays import (
    DEFAULT_CALENDAR_PATH,
    CalendarFileError,
    CalendarYearMissing,
    DueDate,
    WorkCalendar,
    WorkingDayCount,
    YearSchedule,
    days_left,
    due_date_or_provisional,
    format_calendar,
    parse_calendar,
    working_days_between_or_provisional,
)

D = date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.load_default()


def schedule(year: int, holidays: list[date], workdays: list[date]) -> YearSchedule:
    return YearSchedule(
        year=year, holidays=frozenset(holidays), workdays=frozenset(workdays)
    )


# -- the shipped calendar ---------------------------------------------------


def test_default_calendar_years(cal: WorkCalendar) -> None:
    assert {2025, 2026} <= cal.years
    data = json.loads(DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8"))
    assert data["format"] == "counter-calendar/1"
    assert "国务院办公厅" in data["source"]


@pytest.mark.parametrize(("year", "expected"), [(2024, 251), (2025, 248), (2026, 248)])
def test_working_days_per_year(cal: WorkCalendar, year: int, expected: int) -> None:
    # 2024: 366 − 104 weekend days − 11 statutory days; from 2025 on the law
    # gives 13 statutory days. In-lieu swaps cancel out over the year.
    assert cal.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 1, 1), False),  # New Year
        (D(2025, 1, 26), True),  # Sunday worked in lieu
        (D(2025, 1, 28), False),  # Spring Festival eve
        (D(2025, 2, 4), False),
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),  # Saturday worked in lieu
        (D(2025, 4, 27), True),
        (D(2025, 5, 5), False),
        (D(2025, 6, 2), False),
        (D(2025, 9, 28), True),
        (D(2025, 10, 8), False),
        (D(2025, 10, 11), True),
        (D(2025, 10, 12), False),  # ordinary Sunday
        (D(2026, 1, 2), False),
        (D(2026, 1, 4), True),
        (D(2026, 2, 14), True),
        (D(2026, 2, 15), False),
        (D(2026, 2, 23), False),  # Monday inside the Spring Festival break
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        (D(2026, 5, 9), True),
        (D(2026, 9, 20), True),
        (D(2026, 9, 25), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),
        (D(2026, 11, 23), True),  # ordinary Monday
        (D(2026, 11, 21), False),  # ordinary Saturday
    ],
)
def test_is_working_day(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


# -- due dates around the long holidays ----------------------------------------


@pytest.mark.parametrize(
    ("accepted", "n", "due"),
    [
        # Spring Festival 2025: 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) on.
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 24), 2, D(2025, 1, 27)),
        (D(2025, 1, 24), 3, D(2025, 2, 5)),
        (D(2025, 2, 3), 4, D(2025, 2, 8)),
        # National Day + Mid-Autumn 2025: 10-01..10-08 off, 09-28 and 10-11 on.
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        (D(2025, 9, 30), 4, D(2025, 10, 13)),
        # Spring Festival 2026: 02-15..02-23 off, 02-14 and 02-28 (Sat) on.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 24), 4, D(2026, 2, 28)),
        # 2026: Mid-Autumn 09-25..27; National Day 10-01..07; 09-20, 10-10 on.
        (D(2026, 9, 18), 1, D(2026, 9, 20)),
        # 10-08 Thu, 10-09 Fri, 10-10 Sat (in lieu), 10-12 Mon, 10-13 Tue.
        (D(2026, 9, 30), 5, D(2026, 10, 13)),
        (D(2026, 9, 24), 20, D(2026, 10, 29)),
        # 20 working days across New Year 2026: 12 in December 2025, then
        # Sun 01-04 (in lieu), 01-05..09, 01-12, 01-13.
        (D(2025, 12, 15), 20, D(2026, 1, 13)),
    ],
)
def test_due_date(cal: WorkCalendar, accepted: date, n: int, due: date) -> None:
    assert cal.due_date(accepted, n) == due
    assert cal.working_days_between(accepted, due) == n
    assert due_date_or_provisional(cal, accepted, n) == DueDate(due, False)


def test_zero_working_days_is_the_acceptance_day(cal: WorkCalendar) -> None:
    assert cal.due_date(D(2026, 2, 15), 0) == D(2026, 2, 15)  # even on a holiday
    assert cal.due_date(D(2031, 5, 6), 0) == D(2031, 5, 6)  # no calendar needed
    assert due_date_or_provisional(cal, D(2031, 5, 6), 0) == DueDate(
        D(2031, 5, 6), False
    )


def test_negative_working_days(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.due_date(D(2026, 3, 2), -1)


def test_suspended_days_stop_the_clock(cal: WorkCalendar) -> None:
    monday = D(2026, 3, 2)
    assert cal.due_date(monday, 3) == D(2026, 3, 5)
    stopped = [D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 7)]  # 3-7 is a Saturday
    assert cal.due_date(monday, 3, suspended_days=stopped) == D(2026, 3, 9)
    assert due_date_or_provisional(
        cal, monday, 3, suspended_days=iter(stopped)
    ) == DueDate(D(2026, 3, 9), False)


def test_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert cal.working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    assert cal.working_days_between(D(2026, 2, 16), D(2026, 2, 16)) == 0
    # Days left from a holiday to the first working day after it.
    assert cal.working_days_between(D(2026, 2, 16), D(2026, 2, 24)) == 1


# -- missing years ----------------------------------------------------------


def test_missing_year_raises(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarYearMissing) as excinfo:
        cal.due_date(D(2026, 12, 28), 5)
    assert excinfo.value.year == 2027
    assert "2027年" in str(excinfo.value)
    assert "导入" in str(excinfo.value)
    assert isinstance(excinfo.value, DomainError)
    with pytest.raises(CalendarYearMissing):
        cal.is_working_day(D(2027, 1, 4))
    with pytest.raises(CalendarYearMissing):
        cal.working_days_between(D(2026, 12, 30), D(2027, 1, 5))


def test_due_date_inside_known_year_needs_no_next_year(cal: WorkCalendar) -> None:
    # Tue 12-29, Wed 12-30, Thu 12-31: finished before 2027 is looked at.
    assert cal.due_date(D(2026, 12, 28), 3) == D(2026, 12, 31)


def test_provisional_due_date_across_2026_2027(cal: WorkCalendar) -> None:
    # 2026 days use the calendar; 2027 counts Monday–Friday less the
    # fixed-date holidays: 12-29, 12-30, 12-31, then (not 元旦 2027-01-01)
    # Mon 01-04 and Tue 01-05.
    assert due_date_or_provisional(cal, D(2026, 12, 28), 5) == DueDate(
        D(2027, 1, 5), True
    )
    assert due_date_or_provisional(cal, D(2026, 12, 28), 3) == DueDate(
        D(2026, 12, 31), False
    )


def test_days_left_into_a_missing_year(cal: WorkCalendar) -> None:
    today, due = D(2026, 12, 28), D(2027, 1, 4)
    assert working_days_between_or_provisional(cal, today, due) == WorkingDayCount(
        4, True
    )
    assert working_days_between_or_provisional(cal, due, today) == WorkingDayCount(
        -4, True
    )
    assert working_days_between_or_provisional(
        cal, D(2026, 2, 13), D(2026, 2, 24)
    ) == WorkingDayCount(2, False)


def test_provisional_becomes_final_when_the_year_arrives(cal: WorkCalendar) -> None:
    y2027 = schedule(2027, [D(2027, 1, 1)], [])
    updated = cal.merged({2027: y2027})
    assert updated.years == cal.years | {2027}
    assert 2027 not in cal.years  # the original is unchanged
    assert due_date_or_provisional(updated, D(2026, 12, 28), 5) == DueDate(
        D(2027, 1, 5), False
    )
    assert updated.due_date(D(2026, 12, 28), 5) == D(2027, 1, 5)


def test_provisional_uses_known_years_after_a_gap() -> None:
    only_2026 = WorkCalendar({2026: schedule(2026, [D(2026, 10, 1)], [])})
    result = due_date_or_provisional(only_2026, D(2025, 12, 30), 2)
    assert result == DueDate(D(2026, 1, 1), True)  # 12-31 weekday, 01-01 known


def test_merged_replaces_a_year(cal: WorkCalendar) -> None:
    changed = cal.merged({2026: schedule(2026, [D(2026, 3, 2)], [])})
    assert not changed.is_working_day(D(2026, 3, 2))
    assert changed.is_working_day(D(2026, 2, 16))
    assert not cal.is_working_day(D(2026, 2, 16))


def test_schedule_filed_under_wrong_year() -> None:
    with pytest.raises(ValueError):
        WorkCalendar({2025: schedule(2026, [D(2026, 1, 1)], [])})


# -- calendar files ---------------------------------------------------------


def calendar_text(years: object, fmt: str = "counter-calendar/1") -> str:
    return json.dumps({"format": fmt, "years": years}, indent=2)


GOOD_YEAR = {"holidays": ["2027-01-01"], "workdays": ["2027-01-02"]}


def test_parse_and_format_round_trip(cal: WorkCalendar) -> None:
    text = DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8")
    years = parse_calendar(text, source="cn_workdays.json")
    again = parse_calendar(format_calendar(years, source="test"))
    assert again == years
    assert years[2026].workdays == frozenset(
        D(2026, m, d) for m, d in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]
    )


def test_parse_minimal_year_with_optional_text() -> None:
    text = calendar_text({"2027": {**GOOD_YEAR, "source": "国办通知", "note": "x"}})
    years = parse_calendar(text)
    assert years[2027] == schedule(2027, [D(2027, 1, 1)], [D(2027, 1, 2)])


def test_workdays_list_may_be_omitted() -> None:
    years = parse_calendar(calendar_text({"2027": {"holidays": ["2027-01-01"]}}))
    assert years[2027].workdays == frozenset()


def test_invalid_json_names_file_and_line() -> None:
    text = '{\n  "format": "counter-calendar/1",\n  "years": {,}\n}'
    with pytest.raises(CalendarFileError) as excinfo:
        parse_calendar(text, source="/media/usb/2027.json")
    message = str(excinfo.value)
    assert "/media/usb/2027.json" in message
    assert "第3行" in message
    assert excinfo.value.source == "/media/usb/2027.json"


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[]", "", "JSON对象"),
        (calendar_text({"2027": GOOD_YEAR}, fmt="other/2"), "format", "other/2"),
        (calendar_text({}), "years", "years"),
        (calendar_text({"27": GOOD_YEAR}), "years.27", "4位数字"),
        (calendar_text({"2027": []}), "years.2027", "holidays"),
        (calendar_text({"2027": {"workdays": []}}), "years.2027", "缺少holidays"),
        (
            calendar_text({"2027": {**GOOD_YEAR, "extra": 1}}),
            "years.2027",
            "“extra”",
        ),
        (
            calendar_text({"2027": {"holidays": []}}),
            "years.2027.holidays",
            "为空",
        ),
        (
            calendar_text({"2027": {"holidays": "2027-01-01"}}),
            "years.2027.holidays",
            "日期列表",
        ),
        (
            calendar_text({"2027": {"holidays": ["2027/01/01"]}}),
            "years.2027.holidays[0]",
            "YYYY-MM-DD",
        ),
        (
            calendar_text({"2027": {"holidays": ["20270101"]}}),
            "years.2027.holidays[0]",
            "YYYY-MM-DD",
        ),
        (
            calendar_text({"2027": {"holidays": ["2027-01-01", "2027-02-30"]}}),
            "years.2027.holidays[1]",
            "真实存在",
        ),
        (
            calendar_text({"2027": {"holidays": ["2026-12-31"]}}),
            "years.2027.holidays[0]",
            "不属于2027年",
        ),
        (
            calendar_text({"2027": {"holidays": ["2027-01-01", "2027-01-01"]}}),
            "years.2027.holidays[1]",
            "重复",
        ),
        (
            calendar_text(
                {"2027": {"holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}}
            ),
            "years.2027",
            "既列为放假日又列为调休上班日",
        ),
        (
            calendar_text(
                {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-04"]}}
            ),
            "years.2027.workdays",
            "不是周六或周日",
        ),
    ],
)
def test_calendar_file_errors(text: str, key: str, fragment: str) -> None:
    with pytest.raises(CalendarFileError) as excinfo:
        parse_calendar(text, source="import.json")
    message = str(excinfo.value)
    assert fragment in message
    assert "import.json" in message
    assert "重新导入" in message  # says what to do
    assert excinfo.value.key == key


def test_unnamed_source_still_reads_clearly() -> None:
    with pytest.raises(CalendarFileError, match="未命名"):
        parse_calendar("not json")


def test_every_shipped_workday_is_a_weekend_and_holidays_are_not_empty(
    cal: WorkCalendar,
) -> None:
    for year in cal.years:
        days = cal.schedule(year)
        assert days.holidays
        assert all(d.weekday() >= 5 for d in days.workdays)
        # The New Year's Day holiday is in every year's schedule.
        assert D(year, 1, 1) in days.holidays


def test_long_count_is_consistent(cal: WorkCalendar) -> None:
    start = D(2025, 1, 1)
    for n in range(0, 240, 7):
        due = cal.due_date(start, n)
        assert cal.working_days_between(start, due) == n
        assert n == 0 or cal.is_working_day(due)
        if n:
            assert cal.working_days_between(start, due - timedelta(days=1)) == n - 1


@pytest.mark.parametrize(
    ("today", "due", "expected"),
    [
        (D(2026, 11, 25), D(2026, 11, 27), 2),  # Wed → Fri: two left
        (D(2026, 11, 27), D(2026, 11, 27), 0),  # due today
        (D(2026, 11, 28), D(2026, 11, 27), -1),  # Saturday after: overdue
        (D(2026, 11, 29), D(2026, 11, 27), -1),  # Sunday after: overdue
        (D(2026, 11, 30), D(2026, 11, 27), -1),  # Monday: one working day
        (D(2026, 12, 1), D(2026, 11, 27), -2),
        (D(2026, 10, 1), D(2026, 9, 30), -1),  # National Day after the due day
        (D(2026, 10, 7), D(2026, 9, 30), -1),
        (D(2026, 10, 8), D(2026, 9, 30), -1),  # first working day after it
        (D(2026, 10, 9), D(2026, 9, 30), -2),
        (D(2026, 9, 30), D(2026, 10, 9), 2),  # 10-08, 10-09
    ],
)
def test_days_left_overdue_once_the_due_date_has_passed(
    cal: WorkCalendar, today: date, due: date, expected: int
) -> None:
    count = days_left(cal, today, due)
    assert count == WorkingDayCount(expected, False)
    assert (count.days < 0) is (due < today)


@pytest.mark.parametrize(
    ("accepted", "days", "due"),
    [
        (D(2027, 4, 29), 1, D(2027, 4, 30)),
        (D(2027, 4, 30), 1, D(2027, 5, 3)),  # Sat 05-01 is no working day anyway
        (D(2028, 4, 28), 1, D(2028, 5, 2)),  # Mon 2028-05-01 is skipped
        (D(2027, 9, 30), 1, D(2027, 10, 4)),  # Fri 10-01 skipped, then the weekend
        (D(2027, 12, 31), 1, D(2028, 1, 3)),
    ],
)
def test_provisional_dates_skip_the_fixed_date_holidays(
    cal: WorkCalendar, accepted: date, days: int, due: date
) -> None:
    assert due_date_or_provisional(cal, accepted, days) == DueDate(due, True)

"""The working-day calendar under any dates from 2004 to 2030 and any overrides (hypothesis):
no crash, counts that agree with day-by-day checking, deadlines that only move forward, and
adjusted working weekends (调休) counted as working days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lianzheng.workdays import Override, WorkdayCalendar, package_years

DAYS = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
OVERRIDES = st.dictionaries(
    DAYS, st.builds(Override, working=st.booleans(), note=st.just("测试")), max_size=25
)


def by_day(calendar: WorkdayCalendar, start: date, end: date) -> int:
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


@settings(max_examples=150, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=400), OVERRIDES)
def test_counting_agrees_with_checking_each_day(start, span, overrides):
    calendar = WorkdayCalendar(overrides)
    end = min(start + timedelta(days=span), date(2030, 12, 31))
    assert calendar.working_days_between(start, end) == by_day(calendar, start, end)
    assert calendar.working_days_between(end, start) == 0 or end == start


@settings(max_examples=200, deadline=None)
@given(DAYS, DAYS, DAYS, OVERRIDES)
def test_counts_are_monotonic_in_the_end_date(start, a, b, overrides):
    calendar = WorkdayCalendar(overrides)
    low, high = sorted((a, b))
    assert calendar.working_days_between(start, low) <= calendar.working_days_between(start, high)


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=60), OVERRIDES)
def test_deadlines_move_forward_and_invert_the_count(start, n, overrides):
    calendar = WorkdayCalendar(overrides)
    due = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, due) == n
    assert calendar.add_working_days(start, n + 1) > due
    if n:
        assert calendar.is_working_day(due)


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(min_value=1, max_value=30), OVERRIDES)
def test_the_latest_notice_day_gives_enough_working_days_and_no_later_one_does(end, n, overrides):
    calendar = WorkdayCalendar(overrides)
    latest = calendar.subtract_working_days(end, n)
    assert calendar.working_days_between(latest, end) >= n
    assert calendar.working_days_between(latest + timedelta(days=1), end) < n
    sent = calendar.last_working_day_for_notice(end, n)
    assert sent <= latest and calendar.is_working_day(sent)


@settings(max_examples=100, deadline=None)
@given(DAYS, OVERRIDES)
def test_an_override_decides_its_day(day, overrides):
    working = day.weekday() >= 5  # make a weekend day working, a weekday a day off
    calendar = WorkdayCalendar({**overrides, day: Override(working=working, note="调整")})
    assert calendar.is_working_day(day) is working
    before = day - timedelta(days=1)
    assert calendar.working_days_between(before, day) == int(working)


def test_official_adjusted_weekends_count_as_working_days():
    """调休: Sunday 2024-02-04 and Saturday 2023-04-23… worked by the State Council's notice."""
    calendar = WorkdayCalendar()
    adjusted = [date(2024, 2, 4), date(2024, 2, 18), date(2023, 4, 23), date(2019, 9, 29)]
    adjusted = [d for d in adjusted if d.year in package_years()]
    assert adjusted, "chinesecalendar must cover these years"
    for day in adjusted:
        assert day.weekday() >= 5
        assert calendar.is_working_day(day)
        assert calendar.working_days_between(day - timedelta(days=1), day) == 1
    # and the Spring Festival weekday holidays do not count
    assert not calendar.is_working_day(date(2024, 2, 12))

"""The working-day calendar under any dates from 2004 to 2030 and any overrides (hypothesis):
no crash, counts that agree with day-by-day checking, deadlines that only move forward, and
adjusted working weekends (调休) counted as working days."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lianzheng.workdays import Override, WorkdayCalendar, package_years

DAYS = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
# Every Saturday and Sunday the State Council made a working day (调休), from the package's data.
ADJUSTED_WEEKENDS = sorted(d for d in chinese_calendar.workdays if d.weekday() >= 5)
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


@settings(max_examples=150, deadline=None)
@given(DAYS, st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=90))
def test_deadlines_are_monotonic_in_the_start_and_the_talk_date(start, n, later):
    """A later start never gives an earlier deadline; a later talk never an earlier last
    notice day."""
    calendar = WorkdayCalendar()
    other = start + timedelta(days=later)
    assert calendar.add_working_days(start, n) <= calendar.add_working_days(other, n)
    assert calendar.last_working_day_for_notice(start, n) <= calendar.last_working_day_for_notice(
        other, n
    )


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ADJUSTED_WEEKENDS), DAYS, DAYS, OVERRIDES)
def test_every_adjusted_weekend_day_is_counted_in_any_span_holding_it(day, a, b, overrides):
    """Saturdays and Sundays worked by the State Council's notice count, in every span that
    holds them: ruling that one day off takes exactly one from the count."""
    assume(day not in overrides)
    start, end = min(a, day - timedelta(days=1)), max(b, day)
    calendar = WorkdayCalendar(overrides, override_years=frozenset())
    without = WorkdayCalendar(
        {**overrides, day: Override(working=False, note="测试")}, override_years=frozenset()
    )
    assert calendar.is_working_day(day)
    assert calendar.working_days_between(start, end) == without.working_days_between(start, end) + 1


def test_official_adjusted_weekends_count_as_working_days():
    """调休: Sunday 2024-02-04, Saturday 2024-05-11 and Saturday 2023-10-07… worked by the State
    Council's notice."""
    calendar = WorkdayCalendar()
    adjusted = [
        date(2024, 2, 4),
        date(2024, 2, 18),
        date(2024, 5, 11),
        date(2024, 9, 14),
        date(2023, 4, 23),
        date(2023, 10, 7),
        date(2019, 9, 29),
    ]
    adjusted = [d for d in adjusted if d.year in package_years()]
    assert adjusted, "chinesecalendar must cover these years"
    assert any(day.weekday() == 5 for day in adjusted)
    for day in adjusted:
        assert day.weekday() >= 5
        assert calendar.is_working_day(day)
        assert calendar.working_days_between(day - timedelta(days=1), day) == 1
    # and the Spring Festival weekday holidays do not count
    assert not calendar.is_working_day(date(2024, 2, 12))


@pytest.mark.django_db
def test_overrides_entered_in_the_admin_decide_their_days_in_the_loaded_calendar():
    """The calendar every case uses (load_calendar) honours the editors' override rows, and its
    counts across them still agree with checking each day."""
    from lianzheng.models import CalendarOverride
    from lianzheng.selectors.calendar import load_calendar
    from tests.hostile import each_example

    @settings(max_examples=30, deadline=None)
    @given(OVERRIDES, DAYS)
    def run(overrides, start):
        with each_example():
            for day, override in overrides.items():
                CalendarOverride.objects.create(
                    date=day, working=override.working, note=override.note
                )
            calendar = load_calendar()
            for day, override in overrides.items():
                assert calendar.is_working_day(day) is override.working
                assert calendar.status(day).source == "override"
            end = max([start, *overrides]) if overrides else start
            end = min(end, start + timedelta(days=400))
            assert calendar.working_days_between(start, end) == by_day(calendar, start, end)

    run()

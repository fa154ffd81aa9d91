"""Tests for lianzheng.workdays.

Every concrete date below was checked against the data shipped in chinesecalendar 1.11.0
(``chinese_calendar.constants.holidays`` / ``workdays``), not taken from memory.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from lianzheng.workdays import DayStatus, Override, WorkdayCalendar, package_years

D = date.fromisoformat


@pytest.fixture
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


# -- coverage ------------------------------------------------------------------------


def test_package_coverage_is_read_from_the_package_data(cal):
    expected = {d.year for d in chinese_calendar.holidays}
    assert cal.years_covered_by_package() == frozenset(range(min(expected), max(expected) + 1))
    assert package_years() == cal.years_covered_by_package()
    # chinesecalendar 1.11.0 ships 2004..2026.
    assert {2004, 2025, 2026} <= cal.years_covered_by_package()
    assert 2003 not in cal.years_covered_by_package()
    assert 2027 not in cal.years_covered_by_package()


def test_year_covered_and_missing_years_without_overrides(cal):
    assert cal.year_covered(2025)
    assert not cal.year_covered(2027)
    touched = (D("2025-10-09"), D("2027-03-01"), D("2003-12-31"), D("2027-01-04"))
    assert cal.missing_years(*touched) == [2003, 2027]
    assert cal.missing_years(D("2025-10-09"), D("2026-02-24")) == []
    assert cal.missing_years() == []


# -- single days from the official calendar -----------------------------------------


def test_2025_national_day_holiday_is_off_for_all_eight_days(cal):
    for day in _days(D("2025-10-01"), D("2025-10-08")):
        status = cal.status(day)
        assert status.working is False, day
        assert status.source == "official"
        assert cal.is_working_day(day) is False
    # Weekdays inside the break are what a Mon–Fri rule would get wrong.
    assert D("2025-10-01").weekday() == 2  # Wednesday


def test_holiday_note_is_the_chinese_holiday_name(cal):
    assert cal.status(D("2025-10-01")) == DayStatus(D("2025-10-01"), False, "official", "国庆节")
    # The package labels 6 Oct 2025 as the Mid-Autumn Festival.
    assert cal.status(D("2025-10-06")).note == "中秋"
    # An ordinary weekend day carries no note.
    assert cal.status(D("2025-09-27")) == DayStatus(D("2025-09-27"), False, "official", "")


def test_adjusted_working_weekend_days_around_national_day_2025_are_working(cal):
    sunday, saturday = D("2025-09-28"), D("2025-10-11")
    assert sunday.weekday() == 6 and saturday.weekday() == 5
    assert cal.status(sunday) == DayStatus(sunday, True, "official", "国庆节")
    assert cal.status(saturday) == DayStatus(saturday, True, "official", "国庆节")
    assert cal.is_working_day(sunday) and cal.is_working_day(saturday)
    # Their neighbours are ordinary weekend days and stay off.
    assert not cal.is_working_day(D("2025-09-27"))
    assert not cal.is_working_day(D("2025-10-12"))


def test_every_day_agrees_with_package_is_workday(cal):
    for day in _days(D("2004-01-01"), D("2026-12-31")):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day


def test_2025_working_day_total_includes_adjusted_weekends(cal):
    # 248 working days in 2025 per the package, 5 of them on weekends
    # (26 Jan, 8 Feb, 27 Apr, 28 Sep, 11 Oct).
    assert cal.working_days_between(D("2024-12-31"), D("2025-12-31")) == 248
    trap = chinese_calendar.get_workdays(D("2025-01-01"), D("2025-12-31"), include_weekends=False)
    assert len(trap) == 243  # the package helper we must not use drops the adjusted weekends


# -- counting across the National Day break -----------------------------------------


def test_count_across_national_day_skips_the_break(cal):
    # From 30 Sep to 9 Oct only 9 Oct is a working day; Mon–Fri would say 7.
    assert cal.working_days_between(D("2025-09-30"), D("2025-10-09")) == 1
    # Notice day excluded, talk day included.
    assert cal.working_days_between(D("2025-09-26"), D("2025-09-29")) == 2  # Sun 28 + Mon 29
    assert cal.working_days_between(D("2025-10-09"), D("2025-10-09")) == 0
    assert cal.working_days_between(D("2025-10-09"), D("2025-09-01")) == 0


def test_talk_right_after_national_day_needs_notice_before_the_holiday(cal):
    # Talk on Thu 9 Oct 2025: the three working days are 29 Sep, 30 Sep and 9 Oct,
    # so the notice must go out by Sun 28 Sep (itself an adjusted working day).
    talk = D("2025-10-09")
    latest = cal.subtract_working_days(talk, 3)
    assert latest == D("2025-09-28")
    assert cal.working_days_between(latest, talk) == 3
    assert cal.working_days_between(latest + timedelta(days=1), talk) == 2
    # Talk on Fri 10 Oct: 30 Sep, 9 Oct, 10 Oct → notice by Mon 29 Sep.
    assert cal.subtract_working_days(D("2025-10-10"), 3) == D("2025-09-29")


def test_adjusted_working_saturday_counts_when_adding(cal):
    # Notice on Thu 9 Oct 2025: the 1st working day after is Fri 10 Oct, the 2nd is
    # the adjusted working Saturday 11 Oct, the 3rd is Mon 13 Oct.
    assert cal.add_working_days(D("2025-10-09"), 1) == D("2025-10-10")
    assert cal.add_working_days(D("2025-10-09"), 2) == D("2025-10-11")
    assert cal.add_working_days(D("2025-10-09"), 3) == D("2025-10-13")
    assert cal.working_days_between(D("2025-10-09"), D("2025-10-11")) == 2
    # Notice on Tue 30 Sep: first working day after the break is 9 Oct.
    assert cal.add_working_days(D("2025-09-30"), 1) == D("2025-10-09")


def test_year_boundary_new_year_2026(cal):
    # 1–3 Jan 2026 off, Sun 4 Jan 2026 an adjusted working day.
    assert not cal.is_working_day(D("2026-01-01"))
    assert not cal.is_working_day(D("2026-01-02"))
    assert cal.is_working_day(D("2026-01-04"))
    assert cal.working_days_between(D("2025-12-31"), D("2026-01-05")) == 2
    assert cal.add_working_days(D("2025-12-31"), 1) == D("2026-01-04")
    assert cal.subtract_working_days(D("2026-01-05"), 3) == D("2025-12-30")


def test_spring_festival_2026_break_and_makeup_saturdays(cal):
    # 15–23 Feb 2026 off; Sat 14 Feb and Sat 28 Feb 2026 are working.
    assert all(not cal.is_working_day(d) for d in _days(D("2026-02-15"), D("2026-02-23")))
    assert cal.is_working_day(D("2026-02-14")) and cal.is_working_day(D("2026-02-28"))
    assert cal.working_days_between(D("2026-02-13"), D("2026-02-24")) == 2  # 14 and 24 Feb
    assert cal.subtract_working_days(D("2026-02-25"), 3) == D("2026-02-13")


def test_year_end_when_the_last_working_day_is_not_31_december(cal):
    # Sat 31 Dec 2022 is off, so Fri 30 Dec 2022 is the year's last working day; the
    # lookup must not return 31 Dec just because the year's count is exhausted there.
    assert D("2022-12-31").weekday() == 5
    assert cal.add_working_days(D("2022-12-29"), 1) == D("2022-12-30")
    assert cal.add_working_days(D("2022-12-29"), 2) == D("2023-01-03")  # 1–2 Jan 2023 off
    assert cal.subtract_working_days(D("2023-01-03"), 1) == D("2023-01-02")
    assert cal.subtract_working_days(D("2023-01-03"), 2) == D("2022-12-29")
    assert cal.subtract_working_days(D("2023-01-02"), 1) == D("2022-12-29")


# -- years beyond the package -----------------------------------------------------


def test_uncovered_year_falls_back_to_monday_to_friday(cal):
    # 1 Oct 2027 is a Friday: without data it is treated as a working day, with a warning.
    friday, saturday = D("2027-10-01"), D("2027-10-02")
    assert friday.weekday() == 4
    assert cal.status(friday) == DayStatus(friday, True, "weekday", "")
    assert cal.status(saturday) == DayStatus(saturday, False, "weekday", "")
    assert cal.missing_years(friday) == [2027]
    assert cal.working_days_between(D("2027-09-30"), D("2027-10-08")) == 6


def test_overrides_make_a_2027_holiday_and_a_2027_working_saturday():
    cal = WorkdayCalendar(
        {
            D("2027-10-01"): Override(working=False, note="国庆节"),
            D("2027-10-09"): Override(working=True, note="国庆节调休上班"),
        }
    )
    assert D("2027-10-09").weekday() == 5
    assert cal.status(D("2027-10-01")) == DayStatus(D("2027-10-01"), False, "override", "国庆节")
    assert cal.status(D("2027-10-09")) == DayStatus(
        D("2027-10-09"), True, "override", "国庆节调休上班"
    )
    assert not cal.is_working_day(D("2027-10-01"))
    assert cal.is_working_day(D("2027-10-09"))
    # Thu 30 Sep → Mon 11 Oct: 4,5,6,7,8 Oct + Sat 9 Oct + 11 Oct; 1 Oct removed.
    assert cal.working_days_between(D("2027-09-30"), D("2027-10-11")) == 7
    assert cal.add_working_days(D("2027-10-08"), 1) == D("2027-10-09")


def test_override_years_default_and_explicit():
    overrides = {D("2027-10-01"): Override(working=False)}
    # Default: a year with any override row counts as entered.
    by_default = WorkdayCalendar(overrides)
    assert by_default.year_covered(2027)
    assert by_default.missing_years(D("2027-03-01")) == []
    assert by_default.status(D("2027-03-01")).source == "official"
    # Explicit: the editor has not declared 2027 complete yet.
    partial = WorkdayCalendar(overrides, override_years=set())
    assert not partial.year_covered(2027)
    assert partial.missing_years(D("2027-03-01")) == [2027]
    assert partial.status(D("2027-03-01")).source == "weekday"
    # The override still applies either way.
    assert not partial.is_working_day(D("2027-10-01"))
    # Declaring a year complete without rows.
    declared = WorkdayCalendar(override_years={2028})
    assert declared.year_covered(2028)
    assert declared.missing_years(D("2027-01-04"), D("2028-01-03")) == [2027]


def test_override_beats_package_data():
    # Pretend the bureau was closed on an ordinary Tuesday, and worked on Sun 12 Oct 2025.
    cal = WorkdayCalendar(
        {
            D("2025-10-14"): Override(working=False, note="停电闭馆"),
            D("2025-10-12"): Override(working=True),
        }
    )
    assert cal.status(D("2025-10-14")) == DayStatus(D("2025-10-14"), False, "override", "停电闭馆")
    assert cal.is_working_day(D("2025-10-12"))
    assert cal.working_days_between(D("2025-10-10"), D("2025-10-15")) == 4  # 11,12,13,15
    # Overrides are copied: mutating the caller's dict does not change the calendar.
    rows = {D("2027-05-03"): Override(working=False)}
    snapshot = WorkdayCalendar(rows)
    rows[D("2027-05-04")] = Override(working=False)
    assert snapshot.is_working_day(D("2027-05-04"))


def test_crossing_from_package_years_into_uncovered_year(cal):
    # Thu 31 Dec 2026 → Mon 4 Jan 2027: Fri 1 Jan 2027 counts under the fallback.
    assert cal.working_days_between(D("2026-12-31"), D("2027-01-04")) == 2
    assert cal.add_working_days(D("2026-12-30"), 3) == D("2027-01-04")
    assert cal.subtract_working_days(D("2027-01-04"), 3) == D("2026-12-30")


# -- argument validation -----------------------------------------------------------


def test_rejects_datetimes_and_negative_n(cal):
    with pytest.raises(TypeError):
        cal.status(datetime(2025, 10, 1, 23, 30))
    with pytest.raises(TypeError):
        cal.working_days_between(datetime(2025, 10, 1), D("2025-10-09"))
    with pytest.raises(TypeError):
        WorkdayCalendar({datetime(2027, 10, 1): Override(working=False)})
    with pytest.raises(TypeError):
        WorkdayCalendar({D("2027-10-01"): False})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        cal.add_working_days(D("2025-10-09"), -1)
    with pytest.raises(ValueError):
        cal.subtract_working_days(D("2025-10-09"), -1)


def test_zero_working_days(cal):
    assert cal.add_working_days(D("2025-10-04"), 0) == D("2025-10-04")
    assert cal.subtract_working_days(D("2025-10-04"), 0) == D("2025-10-04")


# -- invariants --------------------------------------------------------------------


def _brute_count(cal: WorkdayCalendar, start: date, end: date) -> int:
    return sum(cal.status(d).working for d in _days(start + timedelta(days=1), end))


def _invariant_calendars() -> list[WorkdayCalendar]:
    return [
        WorkdayCalendar(),
        WorkdayCalendar(
            {
                D("2027-10-01"): Override(working=False),
                D("2027-10-09"): Override(working=True),
                D("2025-10-14"): Override(working=False),
            }
        ),
    ]


@pytest.mark.parametrize("cal", _invariant_calendars(), ids=["plain", "with-overrides"])
def test_working_days_between_matches_day_by_day_count(cal):
    rng = random.Random(20251009)
    lo, hi = D("2004-01-01").toordinal(), D("2030-12-31").toordinal()
    for _ in range(150):
        a = date.fromordinal(rng.randint(lo, hi))
        b = a + timedelta(days=rng.randint(-30, 800))
        expected = _brute_count(cal, a, b) if b > a else 0
        assert cal.working_days_between(a, b) == expected, (a, b)


@pytest.mark.parametrize("cal", _invariant_calendars(), ids=["plain", "with-overrides"])
def test_add_and_subtract_invariants(cal):
    rng = random.Random(81)
    lo, hi = D("2004-01-01").toordinal(), D("2030-12-31").toordinal()
    samples = [date.fromordinal(rng.randint(lo, hi)) for _ in range(300)]
    samples += list(_days(D("2025-09-20"), D("2025-10-20")))
    samples += list(_days(D("2026-12-20"), D("2027-01-10")))
    for d in samples:
        for n in (0, 1, 2, 3, 5, 30, 400):
            added = cal.add_working_days(d, n)
            assert cal.working_days_between(d, added) == n, (d, n)
            if n:
                assert cal.is_working_day(added), (d, n)
                assert cal.working_days_between(d, added - timedelta(days=1)) == n - 1

            latest = cal.subtract_working_days(d, n)
            assert latest <= d, (d, n)
            assert cal.working_days_between(latest, d) >= n, (d, n)
            if n:
                # "latest": one day later is already too late.
                assert cal.working_days_between(latest + timedelta(days=1), d) < n, (d, n)
                assert cal.add_working_days(latest, n) <= d


def test_working_days_between_is_monotonic_in_end(cal):
    for start in (D("2025-09-25"), D("2026-12-28"), D("2004-01-01")):
        previous = 0
        for end in _days(start - timedelta(days=3), start + timedelta(days=500)):
            current = cal.working_days_between(start, end)
            assert current >= previous, (start, end)
            assert current - previous <= 1, (start, end)
            previous = current


def test_long_span_is_consistent_with_per_year_totals(cal):
    # 2004-01-01 .. 2030-12-31 in one call equals the sum of the yearly counts.
    total = cal.working_days_between(D("2003-12-31"), D("2030-12-31"))
    by_year = sum(
        cal.working_days_between(date(y - 1, 12, 31), date(y, 12, 31)) for y in range(2004, 2031)
    )
    assert total == by_year
    assert cal.working_days_between(D("2024-12-31"), D("2026-12-31")) == 248 + 248


def test_last_working_day_for_notice_skips_days_off():
    """A talk on Wed 2 Dec 2026: three working days elapse from Sunday 29 Nov, but the office
    sends notices on working days, so the last one is Friday 27 Nov."""
    calendar = WorkdayCalendar()
    assert calendar.subtract_working_days(date(2026, 12, 2), 3) == date(2026, 11, 29)
    assert calendar.last_working_day_for_notice(date(2026, 12, 2), 3) == date(2026, 11, 27)
    # The adjusted working Sunday before National Day 2025 is itself a working day.
    assert calendar.last_working_day_for_notice(date(2025, 10, 9), 3) == date(2025, 9, 28)


def test_working_days_back_skips_the_national_day_holiday(cal):
    """Two working days before Thursday 2025-10-09: Saturday 10-11 is a 调休 working day after
    it, the holiday 10-01…10-08 is skipped, so 09-30 and 09-29 count."""
    assert cal.working_days_back(date(2025, 10, 9), 1) == date(2025, 9, 30)
    assert cal.working_days_back(date(2025, 10, 9), 2) == date(2025, 9, 29)
    assert cal.working_days_back(date(2025, 10, 9), 0) == date(2025, 10, 9)
    # 调休: Sunday 2025-09-28 is a working day.
    assert cal.working_days_back(date(2025, 9, 29), 1) == date(2025, 9, 28)
    with pytest.raises(ValueError):
        cal.working_days_back(date(2025, 10, 9), -1)

"""Working-day arithmetic on China's official calendar.

The regulation (第六条（三）) requires the written notice to reach the subject at least
three *working days* (工作日) before the talk. A working day is defined by the State
Council's yearly holiday arrangement, not by the weekday: public holidays are off and
adjusted working days (调休, often a Saturday or Sunday) are on. A Mon–Fri count would
let a notice sent on 30 September "satisfy" the rule for a talk on 9 October, which
is exactly the situation the rule is meant to prevent.

The ``chinese_calendar`` package carries the official arrangement for a limited range
of years. Editors can type the arrangement for later years (or corrections) as
overrides. For a year that nobody has covered we still answer with the Mon–Fri rule so
the workflow never stops, but :meth:`WorkdayCalendar.missing_years` tells callers to
show a warning that the official calendar for that year is missing.

This module is deliberately free of Django so it can be tested and reasoned about in
isolation; the Django side is responsible for loading overrides and passing them in.

Never use ``chinese_calendar.get_workdays(..., include_weekends=False)``: it silently
drops adjusted working Saturdays and Sundays. Everything here goes through
``chinese_calendar.is_workday`` / ``get_holiday_detail`` one day at a time, cached
per year.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import chinese_calendar

__all__ = [
    "DayStatus",
    "Override",
    "Source",
    "WorkdayCalendar",
    "package_years",
]

Source = Literal["override", "official", "weekday"]
"""Who decided a day's status.

``override``: an editor's row for that exact date.
``official``: the official calendar of a covered year — from ``chinese_calendar``, or,
for a year the editors declared fully entered, the absence of an override row (the
editors vouch that such a day is an ordinary day).
``weekday``: the Mon–Fri fallback for a year nobody covers; callers should warn.
"""

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Override:
    """An editor's ruling on one date, for years the package does not know or gets wrong."""

    working: bool
    note: str = ""


@dataclass(frozen=True)
class DayStatus:
    """One day's answer plus its provenance, so the UI can explain *why* a day is off."""

    day: date
    working: bool
    source: Source
    note: str = ""


def _holiday_label(english_name: str | None) -> str:
    """Prefer the Chinese holiday name because that is what the bureau's users read."""
    if not english_name:
        return ""
    try:
        return chinese_calendar.Holiday(english_name).chinese
    except ValueError:
        # A future package release may add a name this Enum lookup does not know;
        # the English name is still more helpful than nothing.
        return english_name


@functools.cache
def _package_probe(day: date) -> tuple[bool, str] | None:
    """Ask the package about one day; ``None`` means it has no data for that year.

    The package signals an unsupported year by raising ``NotImplementedError`` (its
    ``_validate_date``); we turn that into a value so callers can fall back instead of
    crashing.
    """
    try:
        working = chinese_calendar.is_workday(day)
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return bool(working), _holiday_label(name)


def _compute_package_years() -> frozenset[int]:
    """Derive the covered years from the package data so upgrading it needs no code change.

    The package accepts every year between the smallest and largest year in its
    ``holidays`` table (see its ``_validate_date``). We take that span and keep only the
    years for which a probe actually answers, so a change in how the package validates
    cannot make us claim coverage it does not have.
    """
    tables = (chinese_calendar.holidays, chinese_calendar.workdays)
    known = {d.year for table in tables for d in table}
    if not known:
        return frozenset()
    span = range(min(known), max(known) + 1)
    return frozenset(y for y in span if _package_probe(date(y, 7, 1)) is not None)


_PACKAGE_YEARS: frozenset[int] = _compute_package_years()


def package_years() -> frozenset[int]:
    """Years the installed ``chinese_calendar`` covers (computed once at import)."""
    return _PACKAGE_YEARS


def _require_date(value: object, name: str) -> date:
    """Reject datetimes: an aware UTC datetime late in the evening is already the next
    day in Beijing, so silently truncating it would shift deadlines by a day. Callers
    must convert with ``django.utils.timezone.localdate`` (or similar) first."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not datetime), got {type(value)!r}")
    return value


@dataclass(frozen=True)
class _Year:
    """Cumulative working-day counts for one year.

    ``prefix[i]`` is the number of working days among day-of-year 1..i (``prefix[0]`` is
    0). Counting a span is then two lookups, and finding the n-th working day is a
    bisect, which keeps multi-year property tests fast.
    """

    year: int
    prefix: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.prefix[-1]

    def day_at(self, index: int) -> date:
        return date(self.year, 1, 1) + timedelta(days=index - 1)


def _day_index(day: date) -> int:
    return day.timetuple().tm_yday


class WorkdayCalendar:
    """Answers "is this a working day?" and counts working days for notice deadlines.

    Overrides are copied at construction time, so a calendar is an immutable snapshot;
    build a new one after editors change the override table.
    """

    def __init__(
        self,
        overrides: Mapping[date, Override] | None = None,
        override_years: frozenset[int] | set[int] | None = None,
    ) -> None:
        copied: dict[date, Override] = {}
        for key, value in (overrides or {}).items():
            _require_date(key, "override key")
            if not isinstance(value, Override):
                raise TypeError(f"override for {key} must be an Override, got {type(value)!r}")
            copied[key] = value
        self._overrides = copied
        # An editor who entered a year's rows is taken to have entered the whole year,
        # unless the caller says exactly which years are complete.
        if override_years is None:
            self._override_years = frozenset(d.year for d in copied)
        else:
            self._override_years = frozenset(override_years)
        self._years: dict[int, _Year] = {}

    # -- single days ---------------------------------------------------------------

    def status(self, day: date) -> DayStatus:
        """Overrides first (editors correct or extend the package), then the package,
        then Mon–Fri, so the answer is always available even when the data is not."""
        _require_date(day, "day")
        override = self._overrides.get(day)
        if override is not None:
            return DayStatus(day, override.working, "override", override.note)
        if day.year in _PACKAGE_YEARS:
            probed = _package_probe(day)
            if probed is not None:
                working, note = probed
                return DayStatus(day, working, "official", note)
        weekday_rule = day.weekday() < 5
        if day.year in self._override_years:
            return DayStatus(day, weekday_rule, "official")
        return DayStatus(day, weekday_rule, "weekday")

    def is_working_day(self, day: date) -> bool:
        """Shortcut for the common yes/no question; goes through the same cache as counts."""
        _require_date(day, "day")
        year = self._year(day.year)
        i = _day_index(day)
        return year.prefix[i] != year.prefix[i - 1]

    # -- coverage ------------------------------------------------------------------

    def years_covered_by_package(self) -> frozenset[int]:
        """Exposed so the admin can tell editors from which year on they must type rows."""
        return _PACKAGE_YEARS

    def year_covered(self, year: int) -> bool:
        """Whether answers for ``year`` rest on the official calendar rather than Mon–Fri."""
        return year in _PACKAGE_YEARS or year in self._override_years

    def missing_years(self, *days: date) -> list[int]:
        """Years to warn about ("the official calendar for year Y is missing") for the dates
        a deadline computation touched."""
        return sorted({d.year for d in days if not self.year_covered(d.year)})

    # -- counting ------------------------------------------------------------------

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days d with ``start < d <= end``.

        The notice day itself does not count, because the subject must have full
        working days to prepare; a non-positive span yields 0 rather than a negative
        number so callers can compare against the required minimum directly.
        """
        _require_date(start, "start")
        _require_date(end, "end")
        if end <= start:
            return 0
        first = self._year(start.year)
        if start.year == end.year:
            return first.prefix[_day_index(end)] - first.prefix[_day_index(start)]
        count = first.total - first.prefix[_day_index(start)]
        for y in range(start.year + 1, end.year):
            count += self._year(y).total
        count += self._year(end.year).prefix[_day_index(end)]
        return count

    def add_working_days(self, start: date, n: int) -> date:
        """The day on which the n-th working day after ``start`` falls.

        Used to tell the office the earliest permissible talk date for a notice sent on
        ``start``; ``n == 0`` returns ``start`` so that
        ``working_days_between(start, result) == n`` holds for every n.
        """
        _require_date(start, "start")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        year = self._year(start.year)
        base = year.prefix[_day_index(start)]
        remaining = n
        # Skip whole years at a time; there is always a later year with working days
        # because uncovered years fall back to Mon–Fri.
        while year.total - base < remaining:
            remaining -= year.total - base
            year = self._year(year.year + 1)
            base = 0
        return year.day_at(bisect_left(year.prefix, base + remaining))

    def subtract_working_days(self, end: date, n: int) -> date:
        """The latest day a notice can go out so that ``n`` working days elapse by ``end``.

        Formally the latest d with ``working_days_between(d, end) >= n``. That is the day
        before the n-th working day counted backwards from ``end`` (inclusive), which may
        itself be a non-working day — the regulation counts elapsed working days, it does
        not require the notice to be sent on one. ``n == 0`` returns ``end``.
        """
        _require_date(end, "end")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return end
        year = self._year(end.year)
        available = year.prefix[_day_index(end)]
        remaining = n
        while available < remaining:
            remaining -= available
            year = self._year(year.year - 1)
            available = year.total
        nth_back = year.day_at(bisect_left(year.prefix, available - remaining + 1))
        return nth_back - _ONE_DAY

    def working_days_back(self, start: date, n: int) -> date:
        """The n-th working day before ``start`` (``start`` itself not counted): a talk held
        "two working days ago" in the demo data and the tests. ``n == 0`` returns ``start``."""
        _require_date(start, "start")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start
        for _ in range(n):
            day -= _ONE_DAY
            while not self.is_working_day(day):
                day -= _ONE_DAY
        return day

    def last_working_day_for_notice(self, end: date, n: int) -> date:
        """The last *working* day a notice can go out for a talk on ``end`` (the office does
        not send notices on days off): the working day on or before subtract_working_days."""
        day = self.subtract_working_days(end, n)
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    # -- cache ---------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        day = date(year, 1, 1)
        prefix = [0]
        running = 0
        while day.year == year:
            running += self.status(day).working
            prefix.append(running)
            if day == date.max:
                break
            day += _ONE_DAY
        built = _Year(year, tuple(prefix))
        self._years[year] = built
        return built

"""The working-day calendar as the bureau keeps it: China's official calendar with the
editors' overrides, loaded once per process while it does not change."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from lianzheng.models import (
    CalendarOverride,
    CalendarYear,
    TalkCase,
)
from lianzheng.refusals import chinese
from lianzheng.workdays import Override, WorkdayCalendar

_CALENDAR: tuple = ((), None)  # (stamp, WorkdayCalendar) kept by this process


def _calendar_stamp() -> tuple:
    """The hash of the last history row of each calendar table, in one query.

    Every change to an override or a year, in this process or another, writes a history row,
    and rows are linked (so numbered) under the chain's lock in commit order; a change rolled
    back takes its row with it. So the stamp changes exactly when the stored calendar does, and
    a hash, unlike a number, is never given again to a different change.
    """
    qn = connection.ops.quote_name
    parts = [
        f"(SELECT {qn('chain_hash')} FROM {qn(model.history.model._meta.db_table)} "
        f"ORDER BY {qn('history_id')} DESC LIMIT 1)"
        for model in (CalendarOverride, CalendarYear)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        return tuple(cursor.fetchone())


def load_calendar() -> WorkdayCalendar:
    """The working-day calendar with the editors' overrides, kept per process.

    Editors change it a few times a year; every transition, case page and listing asks for
    it. One small query checks that the kept calendar is still the stored one (see
    ``_calendar_stamp``), instead of reading both tables and building it again.
    """
    global _CALENDAR
    stamp = _calendar_stamp()
    kept_stamp, calendar = _CALENDAR
    if calendar is not None and kept_stamp == stamp:
        return calendar
    overrides = {
        o.date: Override(working=o.working, note=o.note) for o in CalendarOverride.objects.all()
    }
    years = set(CalendarYear.objects.values_list("year", flat=True))
    calendar = WorkdayCalendar(overrides, override_years=years)
    _CALENDAR = (stamp, calendar)
    return calendar


def calendar_warnings(
    case: TalkCase, calendar: WorkdayCalendar | None = None, *, notices=None, items=None
) -> list[str]:
    """Years the case's dates fall in that neither the official calendar package nor the
    editors' entries cover: working days there are counted Monday to Friday, so say so.
    ``notices`` and ``items``: the case's, when the caller has read them already."""
    calendar = calendar or load_calendar()
    notices = case.notices.all() if notices is None else notices
    items = case.rectification_items.all() if items is None else items
    days = [timezone.localtime(case.scheduled_at).date()] if case.scheduled_at else []
    days += [n.written_on for n in notices]
    days += [i.deadline for i in items]
    if chinese():
        return [
            f"{year}年官方节假日安排尚未录入，工作日暂按周一至周五计算，请编辑录入后核对。"
            for year in calendar.missing_years(*days)
        ]
    return [
        f"The official calendar for {year} is missing; working days are counted Monday to "
        "Friday until an editor enters it."
        for year in calendar.missing_years(*days)
    ]


def calendar_marks(
    calendar: WorkdayCalendar, start: date, end: date
) -> list[tuple[date, bool, str]]:
    """The days a date picker marks between ``start`` and ``end``: (day, working, note) for each
    official holiday on a weekday and each adjusted working day at a weekend — the days where
    the calendar differs from Monday to Friday, which R6.3's count of working days follows."""
    marks = []
    day = start
    while day <= end:
        status = calendar.status(day)
        if status.working != (day.weekday() < 5):
            marks.append((day, status.working, status.note))
        day += timedelta(days=1)
    return marks


# The State Council publishes next year's arrangement in late October or in November.
WARN_FROM = (11, 1)


def next_year_missing(today=None) -> int | None:
    """Next year, from 1 November, while neither the calendar package nor the editors cover it
    (its working days would be counted Monday to Friday); otherwise None."""
    today = today or timezone.localdate()
    if (today.month, today.day) < WARN_FROM:
        return None
    year = today.year + 1
    missing = load_calendar().missing_years(today.replace(year=year, month=1, day=1))
    return year if year in missing else None

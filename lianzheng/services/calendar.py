"""Entering a year's working-day calendar from the State Council's notice, in one step.

The editor pastes the notice and confirms the year as the admin shows it
(lianzheng.views.calendar_import); this writes it: one override per date the notice names (a
day off, or an adjusted working day), the year marked entered (``CalendarYear``), every row's
history saying it came from that notice and who confirmed it. The notice is the whole
arrangement of its year, so an earlier override of that year it does not name becomes an
ordinary day again (Monday to Friday worked), by a change in its history, never a deletion.
Everything or nothing: the text is read again here, never trusted from the preview, and a text
that does not read changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from lianzheng.history import Change, recording
from lianzheng.holiday_notice import HolidayNotice, parse_notice
from lianzheng.models import CalendarOverride, CalendarYear
from lianzheng.refusals import NOT_PERMITTED, TransitionRefused

__all__ = ["CALENDAR_PERMISSIONS", "calendar_year_enter", "user_can_enter_calendar"]

CALENDAR_PERMISSIONS = (
    "lianzheng.add_calendaryear",
    "lianzheng.change_calendaryear",
    "lianzheng.add_calendaroverride",
    "lianzheng.change_calendaroverride",
)
# An earlier override of the year that the notice does not name: made an ordinary day again
# (overrides are never deleted; history keeps what it said).
NOT_IN_NOTICE = "通知未列，按平常日"


def user_can_enter_calendar(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perms(CALENDAR_PERMISSIONS))


def wanted_days(notice: HolidayNotice) -> dict:
    """date -> (working, note) for every date the notice names."""
    days = {day: (False, name[:100]) for day, name in notice.days_off.items()}
    days.update({day: (True, f"{name}调休上班"[:100]) for day, name in notice.working_days.items()})
    return days


@transaction.atomic
def calendar_year_enter(*, text: str, user) -> tuple[CalendarYear, dict[str, int]]:
    """Enter the year of the notice ``text``; raises NoticeError (nothing saved) when it does
    not read. Returns the year's row and how many overrides were added, changed, removed."""
    if not user_can_enter_calendar(user):
        raise TransitionRefused([NOT_PERMITTED])
    notice = parse_notice(text)
    wanted = wanted_days(notice)
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    reason = f"据《{notice.title}》录入"
    with recording(Change(user=user, reason=reason)):
        existing = {
            o.date: o
            for o in CalendarOverride.objects.select_for_update().filter(
                Q(date__in=list(wanted)) | Q(date__year=notice.year)
            )
        }
        for day, (working, note) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                row = CalendarOverride(date=day, working=working, note=note)
                counts["added"] += 1
            elif (row.working, row.note) != (working, note):
                row.working, row.note = working, note
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
                continue
            row.full_clean()
            row.save()
        for day, row in sorted(existing.items()):
            if day in wanted or day.year != notice.year:
                continue
            ordinary = (day.weekday() < 5, NOT_IN_NOTICE)
            if (row.working, row.note) != ordinary:
                row.working, row.note = ordinary
                row.save()
                counts["removed"] += 1
        year = CalendarYear.objects.filter(year=notice.year).first() or CalendarYear(
            year=notice.year
        )
        year.source = notice.title
        year.full_clean()
        year.save()
    return year, counts

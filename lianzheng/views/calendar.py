"""The calendar in the admin: a notice's talk as an iCalendar file, for whoever may open the
case, and the official holidays marked in the date pickers."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html, json_script
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from lianzheng.documents.ics import notice_ics
from lianzheng.models import Notice
from lianzheng.permissions import user_can_view_cases
from lianzheng.refusals import chinese
from lianzheng.selectors.calendar import calendar_marks, load_calendar
from lianzheng.selectors.reminders import notice_ics_filename
from lianzheng.views.cases import Forbidden


class NoticeCalendarView(View):
    def get(self, request, pk, notice_id):
        if not user_can_view_cases(request.user):
            raise Forbidden
        notice = get_object_or_404(Notice.objects.select_related("case"), pk=notice_id, case_id=pk)
        response = HttpResponse(notice_ics(notice), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{notice_ics_filename(notice)}"'
        response["Cache-Control"] = "private, no-store"
        return response


_MARKS: tuple = (None, "", ())  # (calendar, language, marks) kept by this process


def _mark_label(working: bool, note: str) -> str:
    """「调休上班」, or the holiday's Chinese name (国庆节) for a Chinese reader; for an English
    one the kind of day alone, the calendar knowing its names in Chinese only."""
    if working:
        return _("adjusted working day")
    return note if note and chinese() else _("official holiday")


def date_picker_marks() -> str:
    """For every admin page (``insert_global_admin_js``): the official holidays and adjusted
    working days from last year to next, which lianzheng/js/calendar-marks.js hands to each of
    Wagtail's date pickers — the days R6.3's count of working days treats differently from a
    plain Monday to Friday. Worked out again only when the calendar or the language changes."""
    global _MARKS
    calendar, language = load_calendar(), get_language()
    kept_calendar, kept_language, marks = _MARKS
    if calendar is not kept_calendar or language != kept_language:
        year = timezone.localdate().year
        marks = tuple(
            ",".join(
                (
                    day.isoformat(),
                    _mark_label(working, note).replace(",", "，"),
                    "lz-day-working" if working else "lz-day-holiday",
                )
            )
            for day, working, note in calendar_marks(
                calendar, date(year - 1, 1, 1), date(year + 1, 12, 31)
            )
        )
        _MARKS = (calendar, language, marks)
    return format_html(
        '{}<link rel="stylesheet" href="{}"><script src="{}"></script>',
        json_script(list(marks), "lz-calendar-marks"),
        static("lianzheng/css/calendar-marks.css"),
        static("lianzheng/js/calendar-marks.js"),
    )

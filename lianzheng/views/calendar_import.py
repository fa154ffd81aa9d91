"""The calendar of next year from the State Council's notice: paste, look, confirm.

Step one reads the pasted notice (lianzheng.holiday_notice) and shows the whole year as a
calendar — days off, adjusted working days, the ordinary weekends — so that the editor checks
it against the notice before anything is saved; a notice that does not read is shown again with
every line that failed. Step two sends the same text back and the service reads it again and
saves it (lianzheng.services.calendar). Nothing is kept between the steps but the text itself.
"""

from __future__ import annotations

import calendar as month_calendar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import IndexView

from lianzheng.holiday_notice import HolidayNotice, NoticeError, parse_notice
from lianzheng.models import CalendarOverride, CalendarYear
from lianzheng.services.calendar import (
    NOT_IN_NOTICE,
    calendar_year_enter,
    user_can_enter_calendar,
    wanted_days,
)

MAX_NOTICE_CHARS = 10_000


class NoticeForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("The notice's text"),
        help_text=gettext_lazy(
            "Paste the State Council's notice (国务院办公厅关于YYYY年部分节假日安排的通知), "
            "title and numbered lines included."
        ),
        max_length=MAX_NOTICE_CHARS,
        widget=forms.Textarea(attrs={"rows": 14}),
    )


def year_months(notice: HolidayNotice) -> list[dict]:
    """The notice's year, month by month, a week a row (Monday first), each day with its kind."""
    wanted = wanted_days(notice)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_calendar.Calendar().monthdatescalendar(notice.year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                working, note = wanted.get(day, (day.weekday() < 5, ""))
                if day in notice.days_off:
                    kind = "off"
                elif day in notice.working_days:
                    kind = "work"
                else:
                    kind = "" if working else "weekend"
                row.append({"day": day, "kind": kind, "note": note})
            weeks.append(row)
        months.append({"month": month, "weeks": weeks})
    return months


class CalendarImportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "lianzheng/admin/calendar_import.html"
    page_title = gettext_lazy("Enter a year from the State Council's notice")
    header_icon = "calendar-alt"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("wagtailsnippets_lianzheng_calendaryear:list"),
                "label": CalendarYear._meta.verbose_name_plural,
            },
            {"url": "", "label": self.page_title},
        ]

    def dispatch(self, request, *args, **kwargs):
        if not user_can_enter_calendar(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=NoticeForm()))

    def post(self, request, *args, **kwargs):
        form = NoticeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        text = form.cleaned_data["text"]
        if "confirm" in request.POST:
            try:
                year, counts = calendar_year_enter(text=text, user=request.user)
            except NoticeError as refused:
                return self.refused(form, refused)
            messages.success(
                request,
                _(
                    "The calendar of %(year)s is entered: %(added)s days added, %(changed)s "
                    "changed, %(removed)s made ordinary days again."
                )
                % {"year": year.year, **counts},
            )
            return redirect("wagtailsnippets_lianzheng_calendaryear:list")
        try:
            notice = parse_notice(text)
        except NoticeError as refused:
            return self.refused(form, refused)
        replaced = (
            CalendarOverride.objects.filter(date__year=notice.year)
            .exclude(date__in=list(wanted_days(notice)))
            .exclude(note=NOT_IN_NOTICE)
        )
        return self.render_to_response(
            self.get_context_data(
                form=form,
                notice=notice,
                months=year_months(notice),
                days_off=len(notice.days_off),
                working_days=len(notice.working_days),
                outside=sorted(
                    d for d in [*notice.days_off, *notice.working_days] if d.year != notice.year
                ),
                removed=list(replaced),
                weekdays=[_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
            )
        )

    def refused(self, form, refused: NoticeError):
        for problem in refused.problems:
            form.add_error("text", problem)
        return self.render_to_response(self.get_context_data(form=form))


class CalendarYearIndexView(IndexView):
    """The years entered, with the way to enter the next one from its notice."""

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if user_can_enter_calendar(self.request.user):
            buttons.append(
                HeaderButton(
                    CalendarImportView.page_title,
                    url=reverse("wagtailsnippets_lianzheng_calendaryear:import"),
                    icon_name="calendar-alt",
                )
            )
        return buttons

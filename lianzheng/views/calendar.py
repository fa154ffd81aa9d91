"""The talk of a notice as an iCalendar file, for whoever may open the case."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View

from lianzheng.documents.ics import notice_ics
from lianzheng.models import Notice
from lianzheng.permissions import user_can_view_cases
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

"""Dashboard panels: each role's worklist on the Wagtail home page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from lianzheng.choices import CaseState, ReminderKind, Role
from lianzheng.models import TalkCase
from lianzheng.permissions import LEADERS, OFFICE, user_can_view_cases, user_roles
from lianzheng.rules.table import NOTICE
from lianzheng.selectors.audit import chain_status
from lianzheng.selectors.calendar import load_calendar, next_year_missing
from lianzheng.selectors.facts import actor_facts
from lianzheng.selectors.reminders import due_for_user, reminders_for_user, still_due_ids
from lianzheng.selectors.worklists import (
    awaiting_consent,
    notices_due,
    overdue_worklist,
    postponements_to_decide,
    rectification_checks_due,
    upcoming_talks_for,
    year_figures,
)
from lianzheng.services.calendar import user_can_enter_calendar
from lianzheng.views.audit import user_can_read_audit


class CasePanel(Component):
    """A worklist: at most ``limit`` rows, how many there are, and a link to the full listing.

    Only the rows shown are read, and the rest are counted up to ``COUNT_CAP`` ("100+" beyond):
    at 100,000 cases the principal head has thousands awaiting consent, and a dashboard that
    read or counted them all grew with the backlog (issue #14)."""

    COUNT_CAP = 100

    template_name = "lianzheng/admin/panels/cases.html"
    heading = ""
    empty = _("Nothing here.")
    order = 50
    limit = 10
    more_query = ""
    # The headers of the two columns each worklist fills its own way (its date, its note).
    when_label = _("date")
    note_label = _("note")

    def __init__(self, request):
        self.request = request

    @property
    def name(self):
        return type(self).__name__.lower()

    def entries(self):
        """The worklist as a queryset in the order it is shown."""
        raise NotImplementedError

    def row(self, entry):
        return entry

    def first_and_total(self) -> tuple[list, int]:
        entries = self.entries()
        first = list(entries[: self.limit])
        if len(first) < self.limit:
            return first, len(first)
        return first, entries.order_by()[: self.COUNT_CAP + 1].count()

    def get_context_data(self, parent_context):
        first, total = self.first_and_total()
        more = reverse("wagtailsnippets_lianzheng_talkcase:list") + self.more_query
        return {
            "heading": self.heading,
            "rows": [self.row(entry) for entry in first],
            "total": min(total, self.COUNT_CAP),
            "beyond_cap": total > self.COUNT_CAP,
            "more_url": more if self.more_query else "",
            "empty": self.empty,
            "panel": self,
        }


class AwaitingConsentPanel(CasePanel):
    heading = _("Cases awaiting my consent")
    order = 10
    when_label = _("submitted on")
    note_label = _("state")
    more_query = "?state=submitted"

    def entries(self):
        return awaiting_consent()

    def row(self, case):
        # The bureau's day (Asia/Shanghai), not UTC's: before 08:00 they differ.
        # The state as the listing names it (待审批), not a second name for it (「已提交」).
        day = timezone.localdate(case.submitted_at or case.created_at)
        return (case, day, case.get_state_display())


class PostponementsPanel(CasePanel):
    """What waits for a leader's decision: a subject's written application to postpone his talk
    (第八条（一））, which only the lead interviewer or the principal head may decide."""

    heading = _("Postponements awaiting my decision")
    order = 12
    when_label = _("applied on")
    note_label = _("reason given")

    def entries(self):
        return postponements_to_decide(self.request.user)

    def row(self, case):
        return (case, case.applied_on, Truncator(case.application or "").chars(41))


class UpcomingTalksPanel(CasePanel):
    heading = _("Talks I lead or attend in the next two weeks")
    order = 20
    when_label = _("talk time")
    note_label = _("place")

    def entries(self):
        return upcoming_talks_for(self.request.user)

    def row(self, case):
        place = case.place or "—"
        if case.state == CaseState.APPROVED:
            place = _("%(place)s (written notice not sent yet)") % {"place": place}
        return (case, case.scheduled_at, place)


class NoticesDuePanel(CasePanel):
    order = 15
    when_label = _("send by")
    note_label = _("when")

    @property
    def heading(self):
        return _("Notices that must go out today to keep %(days)s working days") % {
            "days": NOTICE.working_days
        }

    def entries(self):
        self.calendar = load_calendar()
        self.today = timezone.localdate()
        return notices_due(self.calendar, self.today)

    def row(self, case):
        last = NOTICE.last_day(self.calendar, timezone.localtime(case.scheduled_at).date())
        late = last < self.today
        return (case, last, _("late: the notice can no longer be on time") if late else _("today"))


class RectificationChecksPanel(CasePanel):
    heading = _("Rectification checks due")
    template_name = "lianzheng/admin/panels/items.html"
    order = 25

    def entries(self):
        return rectification_checks_due()


class OverduePanel(CasePanel):
    """Late the longest first: its rows and count come from ``overdue_worklist``, which asks
    each kind of lateness on its own index."""

    heading = _("Overdue")
    order = 30
    more_query = "?overdue=on"
    when_label = _("due by")
    note_label = _("what is late")

    def first_and_total(self):
        return overdue_worklist(self.limit, self.COUNT_CAP)

    def row(self, overdue):
        return (overdue.case, overdue.due, overdue.late)


class MyRemindersPanel(CasePanel):
    """The reminders sent to the signed-in user: the dashboard side of every email."""

    heading = _("Reminders sent to me")
    empty = _("No reminders in the last 30 days.")
    template_name = "lianzheng/admin/panels/reminders.html"
    order = 5

    class Media:
        css = {"all": ["lianzheng/css/panels.css"]}

    def get_context_data(self, parent_context):

        user = self.request.user
        reminders = reminders_for_user(user)
        may_open = user_can_view_cases(user)
        due = due_for_user(user) if may_open else []
        cases = TalkCase.objects.in_bulk([e.case_id for e in due])
        due_rows = [
            {
                "event": e,
                "kind": ReminderKind(e.kind).label,
                "case": cases[e.case_id],
                "url": reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[e.case_id]),
            }
            for e in due
            if e.case_id in cases
        ]
        shown = list(reminders[: self.limit])
        pending = still_due_ids(shown)
        rows = [
            {
                "reminder": r,
                "still_due": r.pk in pending,
                "url": reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[r.case_id])
                if may_open
                else "",
            }
            for r in shown
        ]
        return {
            "heading": self.heading,
            "rows": rows,
            "due_rows": due_rows,
            "total": reminders.count() + len(due_rows),
            "empty": self.empty,
            "panel": self,
        }


class YearChartPanel(Component):
    template_name = "lianzheng/admin/panels/chart.html"
    order = 90
    name = "lianzheng_year_chart"

    class Media:
        css = {"all": ["lianzheng/css/panels.css"]}

    def get_context_data(self, parent_context):
        return {"figures": year_figures()}


class ChainStatusPanel(Component):
    template_name = "lianzheng/admin/panels/chain.html"
    order = 95
    name = "lianzheng_chain"

    def get_context_data(self, parent_context):

        return {
            "status": chain_status(),
            "verify_url": reverse("lianzheng_audit:verify"),
            "log_url": reverse("lianzheng_audit:log"),
            # The "verify now" button is a form: the component's template is rendered without
            # the request, so the page's CSRF token is passed on.
            "csrf_token": parent_context.get("csrf_token"),
        }


class CalendarMissingPanel(Component):
    """From 1 November, while next year's holiday arrangement is not entered: every deadline
    counted into that year treats its holidays as working days. Editors get the way to enter
    it; the office sees why the dates may move."""

    template_name = "lianzheng/admin/panels/calendar_missing.html"
    order = 1
    name = "lianzheng_calendar_missing"

    def __init__(self, request, year: int):
        self.request, self.year = request, year

    def get_context_data(self, parent_context):
        may_enter = user_can_enter_calendar(self.request.user)
        return {
            "year": self.year,
            "import_url": reverse("wagtailsnippets_lianzheng_calendaryear:import")
            if may_enter
            else "",
        }


def add_panels(request, panels) -> None:
    """construct_homepage_panels: each role gets the worklists of its part in the regulation."""
    user = request.user

    if user_can_enter_calendar(user) or user_roles(user) & OFFICE or user.is_superuser:
        missing = next_year_missing()
        if missing:
            panels.append(CalendarMissingPanel(request, missing))
    if user_can_view_cases(user) or reminders_for_user(user).exists():
        panels.append(MyRemindersPanel(request))
    if not user_can_view_cases(user):
        return
    roles = user_roles(user)

    offices = actor_facts(user).roles
    if Role.PRINCIPAL_HEAD in offices or Role.PRINCIPAL_HEAD in roles:
        panels.append(AwaitingConsentPanel(request))
    if roles & LEADERS or offices & LEADERS:
        panels.append(PostponementsPanel(request))
    panels.append(UpcomingTalksPanel(request))
    if roles & OFFICE or user.is_superuser:
        panels.append(NoticesDuePanel(request))
        panels.append(RectificationChecksPanel(request))
    if (
        roles
        & (OFFICE | {Role.PRINCIPAL_HEAD, Role.DEPUTY_HEAD_DISCIPLINE, Role.DISCIPLINE_OFFICER})
        or user.is_superuser
    ):
        panels.append(OverduePanel(request))
    panels.append(YearChartPanel())

    if user_can_read_audit(user):
        panels.append(ChainStatusPanel())

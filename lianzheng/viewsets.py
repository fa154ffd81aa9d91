"""The add-on's Wagtail admin: snippet viewsets, grouped under one 廉政约谈 menu.

Cases get their own views (lianzheng.views.cases) and a permission policy from
lianzheng.permissions; the reference data (people, units, offices, grounds, calendar) uses
Wagtail's generic snippet views with model permissions granted by the roles table.
"""

from __future__ import annotations

from functools import partial

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.search import SearchArea
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.views.snippets import (
    HistoryView,
    SnippetViewSet,
    SnippetViewSetGroup,
    UsageView,
)

from lianzheng.choices import CaseState, County, TalkType
from lianzheng.dates import written
from lianzheng.models import (
    Appointment,
    CalendarOverride,
    CalendarYear,
    Ground,
    Person,
    RoleAssignment,
    TalkCase,
    Unit,
)
from lianzheng.permissions import (
    user_can_ask,
    user_can_edit_case,
    user_can_view_cases,
)
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.cases import cases_of_user_q, in_county, in_unit, next_deadline, overdue_q
from lianzheng.views import calendar as calendar_views
from lianzheng.views import calendar_import
from lianzheng.views import cases as case_views
from lianzheng.views import documents as document_views
from lianzheng.views import snippets as snippet_views
from lianzheng.views.choosers import (
    PersonChooserViewSet,
    ReadCheckedChooserViewSet,
    UnitChooserViewSet,
)
from lianzheng.views.filters import TickFilter
from lianzheng.views.workflow import WorkflowDiagramView


class CasePermissionPolicy(BasePermissionPolicy):
    """Cases are never deleted; who may open, create and edit them follows the roles and the
    per-state map in lianzheng.permissions, not Django model permissions."""

    def user_has_permission(self, user, action):
        if action == "view":
            return user_can_view_cases(user)
        if action == "add":
            return user_can_ask(user, "create")
        if action == "change":
            return user_can_ask(user, "update")
        return False

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "change":
            return user_can_edit_case(user, instance)
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        return [u for u in users if any(self.user_has_permission(u, a) for a in actions)]


class CaseFilterSet(WagtailFilterSet):
    talk_type = django_filters.ChoiceFilter(label=_("type"), choices=TalkType.choices)
    # distinct=False: a filter on the case's own column cannot duplicate rows, and DISTINCT
    # over every column was the slowest part of ?state= at 100,000 cases.
    state = django_filters.MultipleChoiceFilter(
        label=_("state"),
        choices=CaseState.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("subject's unit"), queryset=Unit.objects.all(), method="filter_unit"
    )
    county = django_filters.ChoiceFilter(
        label=_("county or city"), choices=County.choices, method="filter_county"
    )
    year = django_filters.NumberFilter(label=_("year"))
    overdue = TickFilter(label=_("overdue"), method="filter_overdue")
    mine = TickFilter(label=_("my cases"), method="filter_mine")

    class Meta:
        model = TalkCase
        fields = []

    def filter_unit(self, queryset, name, value):
        return in_unit(queryset, value) if value else queryset

    def filter_county(self, queryset, name, value):
        return in_county(queryset, value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q(load_calendar())) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(cases_of_user_q(self.request.user)) if value else queryset


class CardColumn(Column):
    """A cell that carries its column's name, so that on a phone the listing shows each case
    as a card with its values named (lianzheng/static/lianzheng/css/admin.css)."""

    cell_template_name = "lianzheng/admin/tables/card_cell.html"


class NextDeadlineColumn(CardColumn):
    """The next thing due, worked out with one calendar for the whole page."""

    def __init__(self, *args, **kwargs):
        super().__init__("next_deadline", label=_("next deadline"), **kwargs)
        self._calendar = None

    def get_value(self, instance):
        if self._calendar is None:
            self._calendar = load_calendar()
        due = next_deadline(instance, self._calendar)
        if not due:
            return ""
        day, label = due
        late = "⚠ " if day < timezone.localdate() else ""
        return f"{late}{written(day)} {label}"


class Refuse403Mixin:
    """Wagtail's generic snippet views answer a refusal with a redirect; ours answer 403.

    And their breadcrumbs read in the reader's language: Wagtail 7.4's SnippetViewSet builds
    「首页」 with a plain gettext when the URLs are made, in the server's language, so an
    English reader saw Chinese there (#17); here the label is lazy."""

    @property
    def breadcrumbs_items(self):
        home, *rest = super().breadcrumbs_items
        return [{**home, "label": _("Home")}, *rest]

    def get_urlpatterns(self):
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = case_views.as_403(
                    pattern.callback, catch=PermissionDenied, back_url="/admin/"
                )
        return patterns


class ReadableHistoryView(HistoryView):
    """Wagtail shows a snippet's history only to those who may change it; the auditors and the
    leaders read the history of people, units and offices too."""

    any_permission_required = ["add", "change", "delete", "view"]


class ReadableUsageView(UsageView):
    permission_required = "view"


class ReferenceViewSet(Refuse403Mixin, SnippetViewSet):
    """Reference data: kept by its keepers (lianzheng.roles), read by everyone in the admin;
    refused forms name their fields."""

    index_view_class = snippet_views.ReadableIndexView
    inspect_view_class = snippet_views.ReadableInspectView
    add_view_class = snippet_views.SnippetCreateView
    edit_view_class = snippet_views.SnippetEditView
    history_view_class = ReadableHistoryView
    usage_view_class = ReadableUsageView
    chooser_viewset_class = ReadCheckedChooserViewSet
    copy_view_enabled = False


class LocalTimeColumn(CardColumn):
    """A date and time as staff write it (Beijing time), not "3 days ago"."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return written(value, "moment")


class TalkCaseViewSet(Refuse403Mixin, SnippetViewSet):
    model = TalkCase
    icon = "clipboard-list"
    chooser_viewset_class = ReadCheckedChooserViewSet
    usage_view_class = ReadableUsageView
    menu_label = _("Talk cases")
    menu_order = 1
    permission_policy = CasePermissionPolicy(TalkCase)
    index_view_class = case_views.CaseIndexView
    # The listing's stylesheet: on a phone each case is a card (lianzheng/css/admin.css).
    index_template_name = "lianzheng/admin/case_index.html"
    # A search matching more cases than the listing counts says so (views.cases.SearchPaginator).
    index_results_template_name = "lianzheng/admin/case_index_results.html"
    inspect_view_class = case_views.CaseInspectView
    history_view_class = case_views.CaseHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = CaseFilterSet
    search_fields = ["number"]
    search_backend_name = None
    ordering = ["-year", "-sequence"]
    list_per_page = 20
    list_display = [
        "number",
        CardColumn(
            "talk_type", label=_("type"), accessor="get_talk_type_display", sort_key="talk_type"
        ),
        CardColumn("subjects", label=_("subjects"), accessor="subject_names"),
        CardColumn("units", label=_("subject's unit"), accessor="subject_units"),
        CardColumn("state", label=_("state"), accessor="get_state_display", sort_key="state"),
        LocalTimeColumn("scheduled_at", label=_("talk time"), sort_key="scheduled_at"),
        CardColumn("lead", label=_("lead interviewer"), accessor="lead_name"),
        NextDeadlineColumn(),
    ]
    list_export = [
        "number",
        "get_talk_type_display",
        "subject_names",
        "subject_units",
        "get_state_display",
        "scheduled_at",
        "lead_name",
        "next_deadline",
    ]
    export_headings = {
        "number": _("case number"),
        "get_talk_type_display": _("type"),
        "subject_names": _("subjects"),
        "subject_units": _("subject's unit"),
        "get_state_display": _("state"),
        "scheduled_at": _("talk time"),
        "lead_name": _("lead interviewer"),
        "next_deadline": _("next deadline"),
    }
    export_filename = "lianzheng-cases"

    @property
    def add_view(self):
        return case_views.as_403(case_views.CaseCreateView.as_view())

    @property
    def edit_view(self):
        return case_views.as_403(case_views.CaseEditView.as_view())

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "<int:pk>/transition/<str:transition>/",
                case_views.as_403(case_views.TransitionView.as_view()),
                name="transition",
            ),
            path(
                "<int:pk>/subjects/add/",
                case_views.as_403(case_views.SubjectAddView.as_view()),
                name="subject_add",
            ),
            path(
                "<int:pk>/subjects/<int:person_id>/remove/",
                case_views.as_403(case_views.SubjectRemoveView.as_view()),
                name="subject_remove",
            ),
            path(
                "<int:pk>/participants/add/",
                case_views.as_403(case_views.ParticipantAddView.as_view()),
                name="participant_add",
            ),
            path(
                "<int:pk>/participants/<int:person_id>/remove/",
                case_views.as_403(case_views.ParticipantRemoveView.as_view()),
                name="participant_remove",
            ),
            path(
                "<int:pk>/participants/suggested/",
                case_views.as_403(case_views.SuggestedParticipantsView.as_view()),
                name="participants_suggested",
            ),
            path(
                "<int:pk>/confidential/",
                case_views.as_403(case_views.ConfidentialEditView.as_view()),
                name="confidential",
            ),
            path(
                "<int:pk>/items/add/",
                case_views.as_403(case_views.ItemAddView.as_view()),
                name="item_add",
            ),
            path(
                "<int:pk>/items/<int:item_id>/check/",
                case_views.as_403(case_views.CheckView.as_view()),
                name="item_check",
            ),
            path(
                "<int:pk>/documents/generate/",
                case_views.as_403(document_views.CaseDocumentGenerateView.as_view()),
                name="document_generate",
            ),
            path(
                "<int:pk>/documents/generate-all/",
                case_views.as_403(document_views.CaseDocumentGenerateAllView.as_view()),
                name="document_generate_all",
            ),
            path(
                "<int:pk>/documents/<int:document_id>/",
                case_views.as_403(document_views.CaseDocumentDownloadView.as_view()),
                name="document",
            ),
            path(
                "<int:pk>/checks/<int:row_id>/evidence/",
                case_views.as_403(document_views.EvidenceDownloadView.as_view()),
                name="evidence",
            ),
            path(
                "<int:pk>/postponements/<int:row_id>/scan/",
                case_views.as_403(document_views.ScanDownloadView.as_view()),
                name="postponement_scan",
            ),
            path(
                "<int:pk>/notices/<int:notice_id>/talk.ics",
                case_views.as_403(calendar_views.NoticeCalendarView.as_view()),
                name="notice_ics",
            ),
            path(
                "workdays/",
                case_views.as_403(case_views.WorkdayCheckView.as_view()),
                name="workdays",
            ),
            path(
                "workflow/",
                case_views.as_403(WorkflowDiagramView.as_view()),
                name="workflow",
            ),
        ]


class PersonViewSet(ReferenceViewSet):
    model = Person
    icon = "user"
    chooser_viewset_class = PersonChooserViewSet
    menu_label = _("People")
    list_display = ["name", "unit", "category", "rank", "post", "active"]
    list_filter = ["category", "rank", "active"]
    search_fields = ["name", "post"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_enabled = True

    inspect_view_class = document_views.PersonInspectView

    def get_queryset(self, request):
        return Person.objects.select_related("unit")

    def get_urlpatterns(self):
        back = partial(case_views.as_403, back_url="/admin/")
        return [
            *super().get_urlpatterns(),
            path(
                "<int:pk>/integrity-file/",
                back(document_views.IntegrityFileGenerateView.as_view()),
                name="integrity_file",
            ),
            path(
                "<int:pk>/documents/<int:document_id>/",
                back(document_views.PersonDocumentDownloadView.as_view()),
                name="document",
            ),
        ]


class AppointmentViewSet(ReferenceViewSet):
    model = Appointment
    icon = "date"
    menu_label = _("Appointments")
    list_display = ["__str__", "kind", "post", "effective_date"]
    search_fields = ["person__name", "post"]
    search_backend_name = None

    def get_queryset(self, request):
        return Appointment.objects.select_related("person")


class UnitViewSet(ReferenceViewSet):
    model = Unit
    icon = "group"
    chooser_viewset_class = UnitChooserViewSet
    menu_label = _("Units")
    list_display = ["name", "kind", "county", "active"]
    list_filter = ["kind", "county", "active"]
    search_fields = ["name", "code"]
    search_backend_name = None
    ordering = ["sort_order", "name"]
    inspect_view_enabled = True


class RoleAssignmentViewSet(ReferenceViewSet):
    model = RoleAssignment
    icon = "key"
    menu_label = _("Role assignments")
    list_display = ["person", "role", "unit", "valid_from", "valid_until"]
    list_filter = ["role"]
    search_fields = ["person__name"]
    search_backend_name = None

    def get_queryset(self, request):
        return RoleAssignment.objects.select_related("person", "unit")


class GroundViewSet(ReferenceViewSet):
    model = Ground
    icon = "list-ol"
    menu_label = _("Grounds (第五条)")
    list_display = ["__str__", "requires_justification", "active"]
    ordering = ["number"]


class CalendarOverrideViewSet(ReferenceViewSet):
    model = CalendarOverride
    icon = "calendar-alt"
    menu_label = _("Working-day overrides")
    list_display = ["date", "working", "note"]
    list_filter = ["working"]
    ordering = ["-date"]


class CalendarYearViewSet(ReferenceViewSet):
    model = CalendarYear
    icon = "calendar-check"
    menu_label = _("Calendar years entered")
    list_display = ["year", "source"]
    index_view_class = calendar_import.CalendarYearIndexView

    def get_urlpatterns(self):
        # The year from the State Council's notice, read and confirmed (issue 18).
        return [
            *super().get_urlpatterns(),
            path(
                "import/",
                case_views.as_403(
                    calendar_import.CalendarImportView.as_view(),
                    catch=PermissionDenied,
                    back_url="/admin/",
                ),
                name="import",
            ),
        ]


class LianzhengViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Integrity talks")
    menu_icon = "clipboard-list"
    menu_order = 200
    items = (
        TalkCaseViewSet,
        PersonViewSet,
        AppointmentViewSet,
        UnitViewSet,
        RoleAssignmentViewSet,
        GroundViewSet,
        CalendarOverrideViewSet,
        CalendarYearViewSet,
    )

    def get_submenu_items(self):
        """The viewsets' items, with the workflow diagram right after the cases."""
        items = super().get_submenu_items()
        position, cases = next(
            (n, r) for n, r in enumerate(self.registerables) if isinstance(r, TalkCaseViewSet)
        )
        items.insert(position + 1, WorkflowMenuItem(cases))
        for order, item in enumerate(items, start=1):
            item.order = order
        return items


class WorkflowMenuItem(MenuItem):
    """The case workflow diagram, for everyone who may open cases."""

    def __init__(self, cases_viewset):
        super().__init__(
            _("Case workflow"),
            reverse(cases_viewset.get_url_name("workflow")),
            name="lianzheng-workflow",
            icon_name="clipboard-list",
        )

    def is_shown(self, request):
        return user_can_view_cases(request.user)


class CaseSearchArea(SearchArea):
    """The admin's search box leads those who work cases to the case listing's search; Wagtail's
    first search area is the page search (order 100), which refuses them (「你没有权限访问」).
    Editors, who may not open cases, keep the page search."""

    def __init__(self):
        super().__init__(
            _("Talk cases"),
            reverse("wagtailsnippets_lianzheng_talkcase:list"),
            name="lianzheng-cases",
            icon_name="clipboard-list",
            order=50,
        )

    def is_shown(self, request):
        return user_can_view_cases(request.user) and not request.user.is_superuser

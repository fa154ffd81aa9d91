"""The case admin: listing, case page, content forms, one form per transition, small actions.

Views read through selectors and write through services; they check who may *see* (403
otherwise) and leave who may *do* to the services, whose refusals they show next to the field.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.coreutils import multigetattr
from wagtail.snippets.views.snippets import HistoryView, IndexView, InspectView

from lianzheng import dates
from lianzheng.choices import CaseRole, CaseState, RectificationStatus, Transition
from lianzheng.forms import (
    CaseForm,
    CheckForm,
    ConfidentialForm,
    ConfirmForm,
    ItemForm,
    ParticipantForm,
    RemovalForm,
    SubjectForm,
)
from lianzheng.models import Person, RectificationItem, TalkCase
from lianzheng.models.calendar import FIRST_YEAR, LAST_YEAR
from lianzheng.permissions import (
    editable_fields,
    user_can_ask,
    user_can_edit_case,
    user_can_view_cases,
)
from lianzheng.refusals import TransitionRefused
from lianzheng.rules.table import NOTICE
from lianzheng.selectors.calendar import calendar_warnings, load_calendar
from lianzheng.selectors.cases import case_listing, case_search, next_deadline
from lianzheng.selectors.facts import person_for_user, read_case_parts
from lianzheng.selectors.people import substitutes_needed, suggested_participants
from lianzheng.selectors.timeline import case_timeline
from lianzheng.services.cases import case_create, case_update
from lianzheng.services.confidential import confidential_report_show, user_can_see_confidential
from lianzheng.services.documents import case_document_options
from lianzheng.services.errors import OperationFailed
from lianzheng.services.rectification import rectification_check_record, rectification_item_add
from lianzheng.services.workflow import case_explain, case_transition
from lianzheng.views.exports import csv_cell, xlsx_cell, xlsx_value
from lianzheng.views.faults import ServiceOwnsTheWrite, expected_faults
from lianzheng.workflow.steps import step_named

URL_PREFIX = "wagtailsnippets_lianzheng_talkcase"


def case_url(name: str, *args) -> str:
    return reverse(f"{URL_PREFIX}:{name}", args=args)


class Forbidden(PermissionDenied):
    """Raised by our views; answered with a real 403 page rather than Wagtail's redirect, so
    a refused request (an auditor's POST, say) is visible as refused to any client."""


def forbidden_response(request, back_url=None):
    return TemplateResponse(
        request,
        "lianzheng/admin/forbidden.html",
        {
            "page_title": _("Not permitted"),
            "header_title": _("Not permitted"),
            "back_url": back_url or case_url("list"),
        },
        status=403,
    )


def as_403(view_func, *, catch=Forbidden, back_url=None):
    """Answer a refusal with a 403 page; Wagtail would redirect to the dashboard, which hides
    from the client (and from an auditor's tools) that the request was refused."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        try:
            return view_func(request, *args, **kwargs)
        except catch:
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                raise
            pk = kwargs.get("pk")
            if back_url is not None:
                return forbidden_response(request, back_url)
            return forbidden_response(request, case_url("inspect", pk) if pk else None)

    return wrapped


class SearchPaginator(WagtailPaginator):
    """Wagtail's paginator that, while a search is on (``cap`` set), counts the matches only up
    to ``cap`` + 1: a word found in most of 100,000 cases is not worth counting exactly (the
    count alone cost more than the page), and the listing says 「200件以上」 and asks for more
    words or a filter instead."""

    cap: int | None = None

    @cached_property
    def count(self):
        if self.cap is None:
            return super().count
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap

    @cached_property
    def items_count_label(self):
        if self.capped:
            return _("more than %(cap)s talk cases") % {
                "cap": number_format(self.cap, force_grouping=True)
            }
        # Wagtail's label is "14 约谈案件", a number and a plural noun with no measure word.
        return ngettext("%(count)s talk case", "%(count)s talk cases", self.count) % {
            "count": number_format(self.count, force_grouping=True)
        }


class CaseIndexView(IndexView):
    """The listing: a row per case with who, what, when and the next thing due."""

    table_classname = "listing lz-case-cards"
    paginator_class = SearchPaginator
    # Matches counted exactly up to this many while searching (SearchPaginator): ten pages, as
    # many as anyone reads of a search; the walk of a query found in many cases
    # (selectors.cases.DENSE_MATCHES) reads cases until it has found this many.
    SEARCH_COUNT_CAP = 200

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        if self.is_searching:
            paginator.cap = self.SEARCH_COUNT_CAP
        return paginator

    def get_base_queryset(self):
        return case_listing(super().get_base_queryset())

    @cached_property
    def columns(self):
        # No bulk actions: cases are never deleted, and each transition is taken one by one.
        return [c for c in super().columns if c.name != "bulk_actions"]

    def get_edit_url(self, instance):
        # The case page is where a case is worked; editing its content is one action there.
        return self.get_inspect_url(instance)

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # The number, or for a draft (numbered when first submitted) what it is instead.
        return super()._get_title_column(field_name, column_class, accessor=str, **kwargs)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return case_search(
            queryset,
            self.search_query,
            with_confidential=user_can_see_confidential(self.request.user),
        )

    @cached_property
    def calendar(self):
        return load_calendar()

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return csv_cell(value) if export_format == self.FORMAT_CSV else xlsx_value(value)

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        for cell in super().generate_xlsx_row(worksheet, row_dict, date_format=date_format):
            yield xlsx_cell(cell)

    def to_row_dict(self, item):
        row = {}
        for field in self.list_export:
            if field == "next_deadline":
                due = next_deadline(item, self.calendar)
                row[field] = f"{due[0]:%Y-%m-%d} {due[1]}" if due else ""
            elif field == "scheduled_at":
                row[field] = (
                    timezone.localtime(item.scheduled_at).strftime("%Y-%m-%d %H:%M")
                    if item.scheduled_at
                    else ""
                )
            else:
                row[field] = multigetattr(item, field)
        return row


class CaseAccessMixin:
    """Load the case; 403 for anyone who may not open cases."""

    def dispatch(self, request, *args, **kwargs):
        if not user_can_view_cases(request.user):
            raise Forbidden
        self.case = get_object_or_404(TalkCase, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def case_breadcrumbs(self, *extra):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": case_url("list"), "label": _("talk cases")},
            {"url": case_url("inspect", self.case.pk), "label": str(self.case)},
            *extra,
        ]


def participants_to_suggest(case, participants) -> list:
    """第六条（二）'s suggestion, unless every suggested person is already on the case in the part
    suggested (the page offered 「采用以上人员」 for the people already there)."""
    suggested = suggested_participants(case)
    present = {(p.person_id, p.role) for p in participants}
    if present and {(person.pk, role) for person, role in suggested} <= present:
        return []
    return suggested


class CaseHistoryView(HistoryView):
    """Wagtail's log of the case, readable by everyone who may open the case."""

    any_permission_required = ["add", "change", "delete", "view"]


class CaseInspectView(InspectView):
    """The case page: everything about the case, its timeline, and what can be done next."""

    template_name = "lianzheng/admin/case_inspect.html"

    def get_fields(self):
        # The page lays the case out itself; Wagtail's list of every field's value (a query for
        # each link) is not shown.
        return []

    def get_object(self, queryset=None):
        # The people and the regulation every case names, with the case. Not the links that
        # are mostly empty (a delegation, a shorter notice, an appointment): an empty link costs
        # no query, and each further join cost PostgreSQL's planner about half a millisecond
        # (nine tables: 5 ms of planning for a 0.3 ms query).
        return get_object_or_404(
            TalkCase.objects.select_related(
                "proposed_by", "consented_by", "regulation_page", "created_by"
            ),
            pk=unquote(str(self.pk)),
        )

    def get_page_title(self):
        return str(self.object)  # its number, or 「未编号草稿」 for a draft

    def get_page_subtitle(self):
        return self.object.get_talk_type_display()

    def get_edit_url(self):
        if user_can_edit_case(self.request.user, self.object):
            return case_url("edit", self.object.pk)
        return None

    def get_context_data(self, **kwargs):
        """Each part of the case is read once and handed to what shows it (the warnings, the
        next deadline, the documents and the timeline read the same notices and items)."""
        context = super().get_context_data(**kwargs)
        case = self.object
        user = self.request.user
        calendar = load_calendar()
        parts = read_case_parts(case)
        explanations = case_explain(case=case, user=user, calendar=calendar, parts=parts)
        confidential = None
        if user_can_see_confidential(user) and hasattr(case, "confidential"):
            confidential = confidential_report_show(case=case, user=user, purpose="case page")
        subjects, notices, records, items = (
            parts.subjects,
            parts.notices,
            parts.records,
            parts.items,
        )
        case.open_items = [i for i in items if i.status != RectificationStatus.VERIFIED]
        editable = editable_fields(user, case)
        context.update(
            case=case,
            subjects=subjects,
            participants=parts.participants,
            grounds=parts.grounds,
            notices=notices,
            postponements=parts.postponements,
            records=records,
            items=items,
            may_escalate=any(e.name == Transition.ESCALATE and e.allowed for e in explanations),
            escalate_url=case_url("transition", case.pk, Transition.ESCALATE),
            escalation=getattr(case, "escalation", None),
            explanations=explanations,
            timeline=case_timeline(case, item_ids=[i.pk for i in items]),
            warnings=calendar_warnings(case, calendar, notices=notices, items=items),
            confidential=confidential,
            may_see_confidential=user_can_see_confidential(user),
            editable=editable,
            may_rectify=case.state == CaseState.RECTIFYING and user_can_ask(user, "rectification"),
            may_package=user_can_ask(user, "package"),
            suggested=participants_to_suggest(case, parts.participants)
            if "participants" in editable
            else [],
            substitutes_needed=substitutes_needed(case)
            if case.state in (CaseState.DRAFT, CaseState.SUBMITTED, CaseState.APPROVED)
            else [],
            due=next_deadline(case, calendar),
            # Who typed the case in, by name (R6.1: its author, never its 约谈主体).
            author=person_for_user(case.created_by) if case.created_by_id else None,
            **document_panel(case, user, subjects=subjects, notices=notices, records=records),
        )
        return context


def _by_kind(rows) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row["option"].kind, []).append(row)
    return grouped


def document_panel(case, user, **parts) -> dict:
    """The documents section of the case page: what the case produces, the versions made.
    ``parts``: the case's subjects, notices and records when the page has read them."""
    versions: dict[tuple, list] = {}
    for document in case.documents.order_by("-version"):
        versions.setdefault((document.kind, document.person_id), []).append(
            {
                "document": document,
                "url": case_url("document", case.pk, document.pk),
            }
        )
    rows = [
        {
            "option": option,
            "versions": versions.get((option.kind, getattr(option.person, "pk", None)), []),
        }
        for option in case_document_options(case, **parts)
    ]
    return {
        "document_rows": rows,
        "may_generate": user_can_ask(user, "document"),
        "generate_url": case_url("document_generate", case.pk),
        # One button for a collective talk's notices (records…): every subject's at once.
        "generate_all": [
            (kind, rows_of[0]["option"].label)
            for kind, rows_of in _by_kind(rows).items()
            if sum(1 for r in rows_of if r["option"].person and r["option"].available) > 1
        ],
        "generate_all_url": case_url("document_generate_all", case.pk),
    }


class CaseFormView(ServiceOwnsTheWrite, WagtailAdminTemplateMixin, FormView):
    """Shared by the content, transition and small-action forms: render in the admin's form
    template, call a service on submit, show refusals next to the fields, and above the form
    a fault that stopped the service (lianzheng.views.faults)."""

    template_name = "lianzheng/admin/case_form.html"
    header_icon = "clipboard-list"
    submit_label = _("Save")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(self.extra_form_kwargs())
        return kwargs

    def extra_form_kwargs(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(),
            submit_button_label=self.submit_label,
            submit_button_active_label=self.submit_label,
            media=context["form"].media,
            confirmation=self.confirmation(),
        )
        return context

    def confirmation(self) -> tuple[str, list[str]] | None:
        """For a form without fields, what the button will do: a heading and its lines, shown
        above the button, so that nobody confirms what he cannot see."""
        return None

    def form_valid(self, form):
        try:
            with expected_faults():
                result = self.call_service(form)
        except TransitionRefused as error:
            form.add_refusals(error)
            return self.form_invalid(form)
        except OperationFailed as fault:
            form.add_error(None, str(fault))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(result))
        return redirect(self.get_success_url())


class CaseCreateView(CaseFormView):
    page_title = _("New talk case")
    submit_label = _("Create the case")
    form_class = CaseForm

    def dispatch(self, request, *args, **kwargs):
        if not user_can_ask(request.user, "create"):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": case_url("list"), "label": _("talk cases")},
            {"url": "", "label": _("New talk case")},
        ]

    def call_service(self, form):
        data = form.changed_values()
        self.case = case_create(
            user=self.request.user, subjects=[form.cleaned_data["subject"]], **data
        )
        return self.case

    def success_message(self, case):
        return _("Case %(number)s opened as a draft.") % {"number": case}

    def get_success_url(self):
        return case_url("inspect", self.case.pk)


class CaseEditView(CaseAccessMixin, CaseFormView):
    page_title = _("Edit the case")
    form_class = CaseForm

    def get(self, request, *args, **kwargs):
        self.check_editable()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.check_editable()
        return super().post(request, *args, **kwargs)

    def check_editable(self):
        if not user_can_edit_case(self.request.user, self.case):
            raise Forbidden

    def get_page_subtitle(self):
        return str(self.case)

    def get_breadcrumbs_items(self):
        return self.case_breadcrumbs({"url": "", "label": _("Edit")})

    def extra_form_kwargs(self):
        return {"editable": editable_fields(self.request.user, self.case), "creating": False}

    def get_initial(self):
        case = self.case
        initial = {
            name: getattr(case, name)
            for name in CaseForm.content_fields
            if name not in ("grounds", "appointment")
        }
        initial["grounds"] = list(case.grounds.all())
        initial["appointment"] = case.appointment
        if case.scheduled_at:
            initial["scheduled_at"] = timezone.localtime(case.scheduled_at)
        return initial

    def call_service(self, form):
        return case_update(case=self.case, user=self.request.user, **form.changed_values())

    def success_message(self, case):
        return _("Case %(number)s saved.") % {"number": case}

    def get_success_url(self):
        return case_url("inspect", self.case.pk)


class TransitionView(CaseAccessMixin, CaseFormView):
    """One page per step: its form, its refusals next to the fields, the service decides."""

    template_name = "lianzheng/admin/transition_form.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.step = step_named(kwargs["transition"])
        except LookupError:
            raise Http404 from None
        if not self.step.may_ask(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return self.step.form_class

    def extra_form_kwargs(self):
        return {"case": self.case, "params": self.request.GET}

    @property
    def submit_label(self):
        return self.step.label

    def get_page_title(self):
        return self.step.label

    def get_page_subtitle(self):
        return str(self.case)

    def get_breadcrumbs_items(self):
        return self.case_breadcrumbs({"url": "", "label": self.step.label})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        explanation = next(
            (
                e
                for e in case_explain(case=self.case, user=self.request.user)
                if e.name == self.step.name
            ),
            None,
        )
        context.update(
            case=self.case,
            transition=self.step.name,
            explanation=explanation,
            calendar_check_url=case_url("workdays"),
        )
        return context

    def call_service(self, form):
        self.case = case_transition(
            case=self.case,
            transition=self.step.name,
            user=self.request.user,
            **form.service_kwargs(),
        )
        return self.case

    def success_message(self, case):
        return _("%(action)s: case %(number)s is now “%(state)s”.") % {
            "action": self.step.label,
            "number": case,
            "state": CaseState(case.state).label,
        }

    def get_success_url(self):
        return case_url("inspect", self.case.pk)


class CaseActionView(CaseAccessMixin, CaseFormView):
    """A small write on the case page (a subject, a participant, an item, a check…).

    ``needs`` names what the user must be allowed: a part of the case his role may edit in
    its state, or an action of lianzheng.permissions; otherwise 403 before any form is shown.
    """

    needs: tuple[str, str] = ("edit", "")

    def dispatch(self, request, *args, **kwargs):
        if not user_can_view_cases(request.user):
            raise Forbidden
        self.case = get_object_or_404(TalkCase, pk=kwargs["pk"])
        kind, what = self.needs
        allowed = (
            what in editable_fields(request.user, self.case)
            if kind == "edit"
            else user_can_ask(request.user, what)
        )
        if not allowed:
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.case)

    def get_breadcrumbs_items(self):
        return self.case_breadcrumbs({"url": "", "label": self.get_page_title()})

    def get_success_url(self):
        return case_url("inspect", self.case.pk)

    def success_message(self, result):
        return _("Saved.")


class SubjectAddView(CaseActionView):
    needs = ("edit", "subjects")
    page_title = _("Add a subject")
    form_class = SubjectForm

    def call_service(self, form):
        people = [s.person for s in self.case.subjects.select_related("person")]
        return case_update(
            case=self.case, user=self.request.user, subjects=[*people, form.cleaned_data["person"]]
        )


class SubjectRemoveView(CaseActionView):
    needs = ("edit", "subjects")
    page_title = _("Remove a subject")
    form_class = RemovalForm

    def extra_form_kwargs(self):
        return {"case": self.case}

    @cached_property
    def person(self):
        return get_object_or_404(Person, pk=self.kwargs["person_id"])

    def confirmation(self):
        return _("This subject will be removed from the case:"), [str(self.person)]

    def call_service(self, form):
        people = [
            s.person
            for s in self.case.subjects.select_related("person")
            if s.person_id != self.person.pk
        ]
        return case_update(
            case=self.case,
            user=self.request.user,
            subjects=people,
            reason=form.cleaned_data["reason"],
        )


class ParticipantAddView(CaseActionView):
    needs = ("edit", "participants")
    page_title = _("Add a participant")
    form_class = ParticipantForm

    def call_service(self, form):
        current = [(p.person, p.role) for p in self.case.participants.select_related("person")]
        current = [(p, r) for p, r in current if p != form.cleaned_data["person"]]
        return case_update(
            case=self.case,
            user=self.request.user,
            participants=[*current, (form.cleaned_data["person"], form.cleaned_data["role"])],
        )


class ParticipantRemoveView(SubjectRemoveView):
    needs = ("edit", "participants")
    page_title = _("Remove a participant")

    def confirmation(self):
        # Named by his part in the case, not as a subject by his unit (the page read
        # 「将从本案中移除以下约谈对象：孙丽（办公室）」 for the office head).
        parts = self.case.participants.filter(person=self.person)
        roles = "、".join(str(CaseRole(p.role).label) for p in parts)
        return _("This participant will be removed from the case:"), [
            f"{self.person.name}（{roles}）" if roles else self.person.name
        ]

    def call_service(self, form):
        current = [
            (p.person, p.role)
            for p in self.case.participants.select_related("person")
            if p.person_id != int(self.kwargs["person_id"])
        ]
        return case_update(
            case=self.case,
            user=self.request.user,
            participants=current,
            reason=form.cleaned_data["reason"],
        )


class SuggestedParticipantsView(SubjectRemoveView):
    needs = ("edit", "participants")
    page_title = _("Set the participants of 第六条（二）")
    form_class = ConfirmForm

    def confirmation(self):
        lines = [
            f"{person.name}（{CaseRole(role).label}）"
            for person, role in suggested_participants(self.case)
        ]
        return _("The participants will then be exactly these (第六条（二）):"), lines

    def call_service(self, form):
        return case_update(
            case=self.case, user=self.request.user, participants=suggested_participants(self.case)
        )


class ConfidentialEditView(CaseActionView):
    """Whistleblower information: only R7.4's three offices see or write it."""

    needs = ("edit", "confidential")
    page_title = _("Confidential report")
    form_class = ConfidentialForm

    def dispatch(self, request, *args, **kwargs):
        if not user_can_see_confidential(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        report = confidential_report_show(
            case=self.case, user=self.request.user, purpose="confidential form"
        )
        if report is None:
            return {}
        return {
            k: getattr(report, k) for k in ("whistleblower", "contact", "received_on", "material")
        }

    def call_service(self, form):
        return case_update(
            case=self.case, user=self.request.user, confidential=dict(form.cleaned_data)
        )


class ItemAddView(CaseActionView):
    needs = ("ask", "rectification")
    page_title = _("Add a rectification item")
    form_class = ItemForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def call_service(self, form):
        return rectification_item_add(case=self.case, user=self.request.user, **form.cleaned_data)


class CheckView(CaseActionView):
    needs = ("ask", "rectification")
    page_title = _("Record the office's check")
    form_class = CheckForm

    @cached_property
    def item(self):
        return get_object_or_404(RectificationItem, pk=self.kwargs["item_id"], case=self.case)

    def get_context_data(self, **kwargs):
        # The form named only the case: with several items, nothing said which one was checked.
        return {**super().get_context_data(**kwargs), "item": self.item}

    def call_service(self, form):
        return rectification_check_record(
            item=self.item, user=self.request.user, **form.cleaned_data
        )


class WorkdayCheckView(View):
    """The notify form's live check: working days between the notice and the talk (R6.3)."""

    def get(self, request):
        if not user_can_view_cases(request.user):
            raise Forbidden
        written = _date_param(request.GET.get("from"))
        talk = _date_param(request.GET.get("to"), with_time=True)
        if written is None or talk is None:
            return JsonResponse(
                {
                    "error": f"请填写{FIRST_YEAR}至{LAST_YEAR}年之间的通知日期和约谈时间"
                    if get_language().startswith("zh")
                    else f"Give both dates, between the years {FIRST_YEAR} and {LAST_YEAR}."
                },
                status=400,
            )
        calendar = load_calendar()
        days = NOTICE.days_ahead(calendar, written, talk)
        latest = NOTICE.last_day(calendar, talk)
        missing = calendar.missing_years(written, talk)
        ok = NOTICE.in_time(calendar, written, talk)
        # In the user's language alone, the count in rules.md's words and what it counts.
        # A notice dated on a day off after the last working day may still be in time by the
        # count (Sunday for a Wednesday talk); the last working day is then said as such, not
        # as a deadline already passed (「符合……；最晚通知日期12月4日」 on 12月6日).
        after_last_working_day = ok and written > latest
        if get_language().startswith("zh"):
            message = (
                f"{NOTICE.ahead_zh(days)}（{NOTICE.COUNTING_ZH}），{'符合' if ok else '不足'}"
                f"第六条（三）提前{NOTICE.working_days}个工作日的要求；"
                + (
                    f"通知日为非工作日，按工作日计最晚应于{dates.written(latest)}发出。"
                    if after_last_working_day
                    else f"最晚通知日期{dates.written(latest)}。"
                )
            )
            if missing:
                message += f"注意：{'、'.join(map(str, missing))}年官方节假日安排尚未录入。"
        else:
            message = (
                f"{NOTICE.ahead_en(days)} ({NOTICE.COUNTING_EN}): "
                f"{'meets' if ok else 'short of'} Article 6(3)'s {NOTICE.working_days} working "
                + (
                    f"days; the notice day is a day off (the last working day for it was "
                    f"{dates.written(latest)})."
                    if after_last_working_day
                    else f"days; notify by {dates.written(latest)}."
                )
            )
            if missing:
                message += (
                    f" Note: the official holidays of {', '.join(map(str, missing))} are not "
                    "entered yet."
                )
        return JsonResponse(
            {
                "working_days": days,
                "ok": ok,
                "latest_notice": latest.isoformat(),
                "missing_years": missing,
                "message": message,
            }
        )


def _date_param(value: str | None, *, with_time: bool = False):
    """A date from a query parameter (or the local date of a date and time), or None if it is
    not one, is impossible (30 February) or is outside the years the calendar is kept for."""
    value = (value or "").strip()
    try:
        parsed = (parse_datetime(value) if with_time else None) or parse_date(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    if hasattr(parsed, "date"):
        parsed = timezone.localtime(parsed).date() if timezone.is_aware(parsed) else parsed.date()
    return parsed if FIRST_YEAR <= parsed.year <= LAST_YEAR else None

"""The input of each step: the form its page shows, and what the form hands the service.

A step's form only turns what staff type into the values its step takes; whether the user may
and whether the regulation allows it is for the service and the rules, whose refusals come back
next to the field they name. Each step names its form (lianzheng.workflow.steps), as Wagtail's
tasks name the form of each action.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from lianzheng import clock
from lianzheng.choices import (
    CORRECTIVE_TALK_TYPES,
    CaseRole,
    DeliveryMethod,
    EscalationGround,
    PersonCategory,
    PostponementDecision,
    RequestForm,
    Role,
    TalkType,
)
from lianzheng.fields import (
    DateField,
    DateTimeField,
    RefusalFormMixin,
    blank_choice,
    int_param,
    line_field,
    name_in_summary,
    text_field,
    working_days_field,
)
from lianzheng.models.people import Person, RoleAssignment
from lianzheng.refusals import TransitionRefused, describe
from lianzheng.widgets import SuggestingInput


class StepForm(RefusalFormMixin, forms.Form):
    """No input beyond the decision itself: a confirmation."""

    # A template laying out the form's fields, where the admin's plain list will not do.
    fields_template = ""

    def __init__(self, *args, case=None, params=None, **kwargs):
        self.case = case
        self.params = params or {}
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        """What the step's service takes from the form (``case_transition``'s keywords)."""
        return dict(self.cleaned_data)


class ReasonForm(StepForm):
    """A decision that gives its reason (declining, withdrawing)."""

    reason = text_field(_("reason"), required=True, rows=3)


class ShortNoticeForm(ReasonForm):
    reason = text_field(_("reason for a shorter notice"), required=True, rows=3)


def may_be_delegated(case) -> bool:
    """第六条（二）: a warning or admonition talk with a county unit's principal head is the
    principal head's to lead, or, on his delegation, the deputy head for discipline's."""
    return (
        case is not None
        and case.talk_type in CORRECTIVE_TALK_TYPES
        and case.subjects.filter(person__category=PersonCategory.COUNTY_PRINCIPAL).exists()
    )


class DelegationForm(StepForm):
    """The principal head's delegation (委托), its own recorded act (R6.1): to whom, and the
    written form it took."""

    delegated_to = forms.TypedChoiceField(
        label=_("delegated to"), coerce=int, required=False, empty_value=None
    )
    delegation_form = line_field(
        _("written form of the delegation"), help_text=_("e.g. 书面委托书（2026年12月1日）")
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        deputies = Person.objects.filter(
            roles__in=RoleAssignment.objects.current(clock.today()).filter(
                role=Role.DEPUTY_HEAD_DISCIPLINE
            )
        ).distinct()
        self.fields["delegated_to"].choices = blank_choice([(p.pk, p.name) for p in deputies])


class SubstituteForm(StepForm):
    """The principal head's designation of who takes a required part in this case (R7.1)."""

    case_role = forms.ChoiceField(label=_("part"))
    person_id = forms.TypedChoiceField(
        label=_("substitute"), coerce=int, required=False, empty_value=None
    )
    reason = text_field(_("reason"), rows=2)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["case_role"].choices = [
            (role, CaseRole(role).label)
            for role in (
                CaseRole.DISCIPLINE_OFFICER,
                CaseRole.OFFICE_HEAD,
                CaseRole.PERSONNEL_OFFICER,
            )
        ]
        subjects = set(case.subjects.values_list("person_id", flat=True)) if case else set()
        staff = Person.objects.filter(
            category__in=(PersonCategory.BUREAU_STAFF, PersonCategory.BUREAU_LEADER)
        ).exclude(pk__in=subjects)
        self.fields["person_id"].choices = blank_choice(
            [(p.pk, f"{p.name}（{p.post}）" if p.post else p.name) for p in staff.order_by("name")]
        )


class ConsentForm(DelegationForm):
    """Consent (R6.1), and with it, where the talk may be delegated, the delegation if the
    principal head gives it now (he may also give it later, until the notice)."""

    comment = text_field(_("comment"), rows=2)
    field_order = ["comment", "delegated_to", "delegation_form"]

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if not may_be_delegated(case):
            del self.fields["delegated_to"]
            del self.fields["delegation_form"]


class NotifyForm(StepForm):
    # Not "required" here: a notice without its time or place is refused by R6.3, citing it.
    scheduled_at = DateTimeField(
        label=_("talk time"),
        required=False,
        widget=AdminDateTimeInput(attrs={"data-lianzheng-workday-check": "1"}),
    )
    place = line_field(_("place"))
    written_on = DateField(
        label=_("written notice dated"),
        widget=AdminDateInput(attrs={"data-lianzheng-workday-from": "1"}),
    )
    content = text_field(
        _("content"),
        required=True,
        help_text=_(
            "The notice names the interviewers, the subject, time and place; write what the talk "
            "is about."
        ),
    )
    phone_notified_at = DateTimeField(
        label=_("also notified by phone at"), required=False, widget=AdminDateTimeInput
    )
    phone_note = line_field(_("phone note"))

    fields_template = "lianzheng/admin/step_fields/notice.html"

    class Media:
        # The live check of 第六条（三）'s working days under the two dates.
        js = ["lianzheng/js/workday-check.js"]

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("written_on", clock.today())
        if case is not None:
            kwargs["initial"].setdefault("scheduled_at", case.scheduled_at)
            kwargs["initial"].setdefault("place", case.place)
        super().__init__(*args, case=case, **kwargs)


class DeliveryForm(StepForm):
    """How a written notice reached its subject (第六条（三））: one notice at a time, the one
    chosen (``?notice=`` from the case page) or the first still undelivered."""

    notice_id = forms.TypedChoiceField(label=_("notice"), coerce=int)
    delivery_method = forms.ChoiceField(
        label=_("delivered"), choices=blank_choice(DeliveryMethod.choices), required=False
    )
    delivered_at = DateTimeField(label=_("delivered at"), widget=AdminDateTimeInput)
    delivery_signed_by = line_field(_("signed for by"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        notices = (
            list(case.notices.filter(superseded=False).select_related("subject__person"))
            if case
            else []
        )
        self.fields["notice_id"].choices = [
            (
                n.pk,
                f"{n.subject.person.name}（{n.written_on:%Y-%m-%d}）"
                + (f" ✓ {n.get_delivery_method_display()}" if n.delivered_at else ""),
            )
            for n in notices
        ]
        chosen = int_param(self.params.get("notice"))
        undelivered = [n.pk for n in notices if n.delivered_at is None]
        default = chosen if chosen in {n.pk for n in notices} else next(iter(undelivered), None)
        if default is not None:
            self.fields["notice_id"].initial = default


class PostponementRequestForm(StepForm):
    """The subject's application as the office received it. 第八条（一） accepts a written one
    alone: the form asks how it came, and R8.1 refuses a telephone or spoken request, and an
    empty one, citing the article (so the fields are not "required" here)."""

    request_form = forms.ChoiceField(
        label=_("how it was asked"),
        choices=RequestForm.choices,
        initial=RequestForm.WRITTEN,
        required=False,
    )
    application = text_field(_("written application"))
    subject_person_id = forms.TypedChoiceField(
        label=_("applicant"), coerce=int, required=False, empty_value=None
    )
    applied_on = DateField(label=_("applied on"), widget=AdminDateInput)
    received_on = DateField(label=_("received on"), required=False, widget=AdminDateInput)
    scan = forms.FileField(
        label=_("scan of the application"),
        required=False,
        help_text=_("PDF, image, Word, Excel or OFD, up to 20 MB; kept with its SHA-256."),
    )

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("applied_on", clock.today())
        kwargs["initial"].setdefault("received_on", clock.today())
        super().__init__(*args, case=case, **kwargs)
        subjects = case.subjects.select_related("person") if case else []
        self.fields["subject_person_id"].choices = [(s.person_id, s.person.name) for s in subjects]


class PostponementDecisionForm(StepForm):
    """A decision on the written application, which the page shows beside the form."""

    new_scheduled_at = DateTimeField(
        label=_("new talk time"), required=False, widget=AdminDateTimeInput
    )
    new_place = line_field(_("new place"))
    note = text_field(_("decision note"), rows=2)

    @property
    def pending_postponement(self):
        if self.case is None:
            return None
        return self.case.postponements.filter(decision=PostponementDecision.PENDING).first()


class RejectPostponementForm(PostponementDecisionForm):
    new_scheduled_at = None
    new_place = None
    note = text_field(_("decision note"), required=True, rows=2)


class EscalateForm(StepForm):
    """Offered from an overdue or inadequate rectification item (``?item=``), it arrives with
    its ground and facts filled in (第九条, 第十条); the leader still reads and decides."""

    ground = forms.ChoiceField(
        label=_("ground"), choices=blank_choice(EscalationGround.choices), required=False
    )
    detail = text_field(_("facts"), rows=4)

    def __init__(self, *args, case=None, params=None, **kwargs):
        item_id = int_param((params or {}).get("item"))
        item = None
        if case is not None and item_id is not None and not args and "data" not in kwargs:
            item = case.rectification_items.filter(pk=item_id).first()
        if item is not None and item.needs_escalation:
            state = _("overdue") if item.overdue else item.get_status_display()
            initial = kwargs.setdefault("initial", {})
            initial["ground"] = EscalationGround.RECTIFICATION_FAILED
            initial["detail"] = _(
                "Rectification item “%(what)s” (deadline %(deadline)s) is %(state)s."
            ) % {"what": item.description, "deadline": item.deadline, "state": state}
        super().__init__(*args, case=case, params=params, **kwargs)


def subject_choices(case) -> list[tuple[int, str]]:
    return (
        [(s.person_id, s.person.name) for s in case.subjects.select_related("person")]
        if case is not None
        else []
    )


def subject_field(subjects) -> forms.TypedChoiceField:
    """Whose item it is (R9.1): one of the case's subjects; the only one, when there is one."""
    return forms.TypedChoiceField(
        label=_("whose item (subject)"),
        choices=subjects if len(subjects) == 1 else blank_choice(subjects),
        coerce=int,
        required=False,
        empty_value=None,
    )


def responsible_options(case) -> list[str]:
    """What the 责任人 box suggests: each subject, and each subject's unit."""
    if case is None:
        return []
    options = []
    for subject in case.subjects.select_related("person__unit"):
        for option in (subject.person.name, subject.person.unit.name):
            if option not in options:
                options.append(option)
    return options


def responsible_field(case=None):
    field = line_field(
        _("responsible"),
        max_length=100,
        help_text=_("Blank: the subject himself; or his unit, with him answerable."),
    )
    field.widget = SuggestingInput(responsible_options(case))
    return field


class RectificationItemsForm(StepForm):
    """Up to five items at once; blank rows are ignored, half-filled ones are refused."""

    ROWS = 5
    fields_template = "lianzheng/admin/step_fields/items.html"

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        subjects = subject_choices(case)
        for i in range(1, self.ROWS + 1):
            self.fields[f"description_{i}"] = text_field(_("what"), rows=2)
            self.fields[f"deadline_{i}"] = DateField(
                label=_("deadline"), required=False, widget=AdminDateInput
            )
            self.fields[f"working_days_{i}"] = working_days_field()
            self.fields[f"subject_{i}"] = subject_field(subjects)
            self.fields[f"responsible_{i}"] = responsible_field(case)
            for name in ("description", "deadline", "working_days", "subject", "responsible"):
                name_in_summary(self.fields[f"{name}_{i}"], _("item %(number)s") % {"number": i})

    def rows(self):
        return [
            (
                self[f"description_{i}"],
                self[f"deadline_{i}"],
                self[f"working_days_{i}"],
                self[f"subject_{i}"],
                self[f"responsible_{i}"],
            )
            for i in range(1, self.ROWS + 1)
        ]

    def service_kwargs(self) -> dict:
        items = []
        for i in range(1, self.ROWS + 1):
            row = {
                "description": self.cleaned_data.get(f"description_{i}") or "",
                "deadline": self.cleaned_data.get(f"deadline_{i}"),
                "working_days": self.cleaned_data.get(f"working_days_{i}"),
                "responsible": self.cleaned_data.get(f"responsible_{i}") or "",
            }
            if any(value not in (None, "") for value in row.values()):
                row["subject_person_id"] = self.cleaned_data.get(f"subject_{i}")
                items.append(row)
        return {"items": items}


RECORD_FIELDS_BY_TYPE = {
    TalkType.ROUTINE: ("report",),
    TalkType.PRE_APPOINTMENT: ("commitment",),
    TalkType.SPECIAL: ("requirements",),
    TalkType.WARNING: ("explanation", "measures"),
    TalkType.ADMONITION: ("explanation", "measures"),
}
RECORD_LABELS = {
    "record_text": _("record"),
    "statement": _("the subject's statement"),
    "report": _("the subject's report (日常约谈)"),
    "requirements": _("requirements given (专项约谈)"),
    "explanation": _("explanation of causes"),
    "measures": _("prevention measures"),
    "commitment": _("integrity commitment (任前约谈)"),
}


class HoldForm(StepForm):
    """The record of the talk, one block per subject (第六条（四））."""

    # Left empty, the talk is recorded at its notified time (the step's default, R6.5).
    held_at = DateTimeField(label=_("held at"), required=False, widget=AdminDateTimeInput)

    fields_template = "lianzheng/admin/step_fields/record.html"

    def __init__(self, *args, case=None, **kwargs):
        # The notified time, never "now" (R6.5): the talk is held when it was notified for.
        if case is not None and case.scheduled_at:
            kwargs.setdefault("initial", {}).setdefault(
                "held_at", timezone.localtime(case.scheduled_at)
            )
        super().__init__(*args, case=case, **kwargs)
        self.subjects = list(case.subjects.select_related("person")) if case else []
        participants = (
            [
                (p.person_id, f"{p.person.name}（{CaseRole(p.role).label}）")
                for p in case.participants.select_related("person")
            ]
            if case
            else []
        )
        extra = RECORD_FIELDS_BY_TYPE.get(case.talk_type, ()) if case else ()
        for subject in self.subjects:
            pid = subject.person_id
            self.fields[f"present_{pid}"] = forms.TypedMultipleChoiceField(
                label=_("interviewers present"),
                choices=participants,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            for key in ("record_text", "statement", *extra):
                self.fields[f"{key}_{pid}"] = text_field(RECORD_LABELS[key], rows=4)
            if len(self.subjects) > 1:
                for name in self.fields:
                    if name.endswith(f"_{pid}"):
                        name_in_summary(self.fields[name], subject.person.name)

    def blocks(self):
        for subject in self.subjects:
            pid = subject.person_id
            names = [n for n in self.fields if n.endswith(f"_{pid}")]
            yield subject.person, [self[n] for n in names]

    def service_kwargs(self) -> dict:
        records = {}
        for subject in self.subjects:
            pid = subject.person_id
            rec = {"interviewers_present": self.cleaned_data.get(f"present_{pid}") or []}
            for key in RECORD_LABELS:
                if f"{key}_{pid}" in self.cleaned_data:
                    rec[key] = self.cleaned_data[f"{key}_{pid}"]
            records[pid] = rec
        return {"held_at": self.cleaned_data["held_at"], "records": records}

    def add_refusals(self, error: TransitionRefused) -> None:
        # Record refusals name a record field; show them on the first subject's block unless
        # the message names another subject.
        for refusal in error.refusals:
            # The form's own fields (the time held) take their refusals themselves.
            target = refusal.field if refusal.field in self.fields else None
            for subject in self.subjects if target is None else ():
                name = f"{refusal.field}_{subject.person_id}"
                if refusal.field == "interviewers_present":
                    name = f"present_{subject.person_id}"
                if name in self.fields and (
                    subject.person.name in refusal.message or len(self.subjects) == 1
                ):
                    target = name
                    break
            self.add_error(target, describe(refusal))

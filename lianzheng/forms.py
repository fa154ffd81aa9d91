"""Admin forms: the case's content, and one form per transition.

The forms only turn what staff type into the values the services take; every decision (may this
user, does the regulation allow it) is the services'. A refusal comes back as a message next to
the field it concerns, citing its article.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from lianzheng.choices import (
    CaseRole,
    CaseSource,
    CheckResult,
    EscalationGround,
    ProposalOrigin,
    SpecialTrigger,
    TalkType,
)
from lianzheng.models import Appointment, Ground, Person
from lianzheng.models.calendar import FIRST_YEAR, LAST_YEAR
from lianzheng.services.errors import TransitionRefused, describe
from lianzheng.widgets import SnippetChooser

TEXT_LIMIT = 10_000
LINE_LIMIT = 200


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


class DateField(forms.DateField):
    """A date within the years the working-day calendar is kept for: a year 1 or 9999 typed by
    mistake would otherwise reach date arithmetic that cannot hold it."""

    default_validators = [_in_years]


class DateTimeField(forms.DateTimeField):
    """A date and time within those years; one given in another time zone is taken as that
    moment and shown in Beijing time, and a Beijing time that never was or was twice (the
    summer times of 1986–1991) is refused by Django's own parsing."""

    default_validators = [_in_years]


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id no row can have before asking the database: a 30-digit id
    overflowed SQLite's integers (a 500) and is out of PostgreSQL's range too."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            text = str(pk).strip()
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def _text(label, required=False, help_text="", rows=4):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _line(label, required=False, help_text="", max_length=LINE_LIMIT):
    """One line of text, as long as the column that keeps it."""
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=max_length
    )


def _blank_choice(choices):
    return [("", "---------"), *choices]


class ChooserFormMixin:
    """Snippet choosers built per request, so their labels follow the user's language."""

    choosers: dict[str, type] = {}

    def install_choosers(self) -> None:
        for name, model in self.choosers.items():
            if name in self.fields:
                self.fields[name].widget = SnippetChooser(model)


class RefusalFormMixin:
    """Put a service's refusals next to the fields they name; the rest above the form."""

    def add_refusals(self, error: TransitionRefused) -> None:
        for refusal in error.refusals:
            field = refusal.field if refusal.field in self.fields else None
            self.add_error(field, describe(refusal))


class CaseForm(ChooserFormMixin, RefusalFormMixin, forms.Form):
    """A case's content. Fields the case's state no longer allows are shown, disabled."""

    talk_type = forms.ChoiceField(label=_("type"), choices=TalkType.choices)
    subject = forms.ModelChoiceField(
        label=_("subject"),
        queryset=Person.objects.filter(active=True),
        widget=SnippetChooser(Person),
        help_text=_("For a collective talk, add further subjects on the case page."),
    )
    purpose = _text(
        _("purpose"),
        help_text=_(
            "What is to be learned, guided or reminded, and which problems are to be rectified "
            "(第二条)."
        ),
    )
    origin = forms.ChoiceField(
        label=_("proposed"), choices=ProposalOrigin.choices, initial=ProposalOrigin.DIRECT
    )
    special_trigger = forms.ChoiceField(
        label=_("special-talk trigger"),
        required=False,
        choices=_blank_choice(SpecialTrigger.choices),
    )
    appointment = forms.ModelChoiceField(
        label=_("appointment"),
        required=False,
        queryset=Appointment.objects.all(),
        widget=SnippetChooser(Appointment),
    )
    source = forms.ChoiceField(
        label=_("source of the problem"), required=False, choices=_blank_choice(CaseSource.choices)
    )
    source_detail = _line(_("source detail"))
    grounds = ModelMultipleChoiceField(
        label=_("grounds (第五条)"),
        required=False,
        queryset=Ground.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    other_justification = _text(_("justification for 其他"), rows=2)
    problems = _text(_("problems named"))
    preparation_note = _text(_("preparation note (谈话提纲)"), rows=6)
    scheduled_at = DateTimeField(
        label=_("planned talk time"), required=False, widget=AdminDateTimeInput
    )
    place = _line(_("place"))

    content_fields = (
        "talk_type",
        "purpose",
        "origin",
        "special_trigger",
        "appointment",
        "source",
        "source_detail",
        "grounds",
        "other_justification",
        "problems",
        "preparation_note",
        "scheduled_at",
        "place",
    )

    choosers = {"subject": Person, "appointment": Appointment}

    def __init__(self, *args, editable=None, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.install_choosers()
        if not creating:
            del self.fields["subject"]
        if editable is not None:
            for name, field in self.fields.items():
                if name not in editable:
                    field.disabled = True
                    field.required = False

    def changed_values(self) -> dict:
        """The editable values, as the services take them."""
        data = {}
        for name in self.content_fields:
            field = self.fields.get(name)
            if field is None or field.disabled:
                continue
            value = self.cleaned_data.get(name)
            if name == "grounds":
                value = list(value or [])
            elif value is None and not isinstance(
                field, forms.ModelChoiceField | forms.DateTimeField
            ):
                value = ""
            data[name] = value
        return data


class SubjectForm(ChooserFormMixin, RefusalFormMixin, forms.Form):
    choosers = {"person": Person}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.install_choosers()

    person = forms.ModelChoiceField(
        label=_("subject"),
        queryset=Person.objects.filter(active=True),
        widget=SnippetChooser(Person),
    )


class ParticipantForm(ChooserFormMixin, RefusalFormMixin, forms.Form):
    choosers = {"person": Person}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.install_choosers()

    person = forms.ModelChoiceField(
        label=_("person"),
        queryset=Person.objects.filter(active=True),
        widget=SnippetChooser(Person),
    )
    role = forms.ChoiceField(label=_("part"), choices=CaseRole.choices)


class ConfidentialForm(RefusalFormMixin, forms.Form):
    whistleblower = _line(_("whistleblower"), max_length=100)
    contact = _line(_("contact"))
    received_on = DateField(label=_("received on"), required=False, widget=AdminDateInput)
    material = _text(_("reported material"), required=True, rows=6)


# -- one form per transition ------------------------------------------------------------------


class TransitionForm(RefusalFormMixin, forms.Form):
    """No input beyond the decision itself."""

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ConsentForm(TransitionForm):
    comment = _text(_("comment"), rows=2)
    delegate = forms.BooleanField(
        label=_("Delegate the talk to the deputy head for discipline (第六条（二）)"),
        required=False,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        county = (
            case is not None and case.subjects.filter(person__category="county_principal").exists()
        )
        if not county or case.talk_type not in ("warning", "admonition"):
            del self.fields["delegate"]


class ReasonForm(TransitionForm):
    reason = _text(_("reason"), required=True, rows=3)

    def service_data(self) -> dict:
        return {}

    @property
    def reason_value(self) -> str:
        return self.cleaned_data["reason"]


class NotifyForm(TransitionForm):
    scheduled_at = DateTimeField(
        label=_("talk time"), widget=AdminDateTimeInput(attrs={"data-lianzheng-workday-check": "1"})
    )
    place = _line(_("place"), required=True)
    written_on = DateField(
        label=_("written notice dated"),
        widget=AdminDateInput(attrs={"data-lianzheng-workday-from": "1"}),
    )
    content = _text(
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
    phone_note = _line(_("phone note"))

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("written_on", timezone.localdate())
        if case is not None:
            kwargs["initial"].setdefault("scheduled_at", case.scheduled_at)
            kwargs["initial"].setdefault("place", case.place)
        super().__init__(*args, case=case, **kwargs)


class PostponementRequestForm(TransitionForm):
    application = _text(_("written application"), required=True)
    subject_person_id = forms.TypedChoiceField(
        label=_("applicant"), coerce=int, required=False, empty_value=None
    )
    applied_on = DateField(label=_("applied on"), widget=AdminDateInput)

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("applied_on", timezone.localdate())
        super().__init__(*args, case=case, **kwargs)
        subjects = case.subjects.select_related("person") if case else []
        self.fields["subject_person_id"].choices = [(s.person_id, s.person.name) for s in subjects]


class PostponementDecisionForm(TransitionForm):
    new_scheduled_at = DateTimeField(
        label=_("new talk time"), required=False, widget=AdminDateTimeInput
    )
    new_place = _line(_("new place"))
    note = _text(_("decision note"), rows=2)


class RejectPostponementForm(TransitionForm):
    note = _text(_("decision note"), required=True, rows=2)


class EscalateForm(TransitionForm):
    ground = forms.ChoiceField(
        label=_("ground"), choices=_blank_choice(EscalationGround.choices), required=False
    )
    detail = _text(_("facts"), rows=4)


class RectificationItemsForm(TransitionForm):
    """Up to five items at once; blank rows are ignored, half-filled ones are refused."""

    ROWS = 5

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        for i in range(1, self.ROWS + 1):
            self.fields[f"description_{i}"] = _text(_("what"), rows=2)
            self.fields[f"deadline_{i}"] = DateField(
                label=_("deadline"), required=False, widget=AdminDateInput
            )
            self.fields[f"working_days_{i}"] = _working_days_field()
            self.fields[f"responsible_{i}"] = _line(_("responsible"), max_length=100)
            for name in ("description", "deadline", "working_days", "responsible"):
                _name_in_summary(self.fields[f"{name}_{i}"], _("item %(number)s") % {"number": i})

    def rows(self):
        return [
            (
                self[f"description_{i}"],
                self[f"deadline_{i}"],
                self[f"working_days_{i}"],
                self[f"responsible_{i}"],
            )
            for i in range(1, self.ROWS + 1)
        ]

    def service_data(self) -> dict:
        items = []
        for i in range(1, self.ROWS + 1):
            row = {
                "description": self.cleaned_data.get(f"description_{i}") or "",
                "deadline": self.cleaned_data.get(f"deadline_{i}"),
                "working_days": self.cleaned_data.get(f"working_days_{i}"),
                "responsible": self.cleaned_data.get(f"responsible_{i}") or "",
            }
            if any(value not in (None, "") for value in row.values()):
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


class HoldForm(TransitionForm):
    """The record of the talk, one block per subject (第六条（四））."""

    held_at = DateTimeField(label=_("held at"), widget=AdminDateTimeInput)

    def __init__(self, *args, case=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("held_at", timezone.localtime())
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
                self.fields[f"{key}_{pid}"] = _text(RECORD_LABELS[key], rows=4)
            if len(self.subjects) > 1:
                for name in self.fields:
                    if name.endswith(f"_{pid}"):
                        _name_in_summary(self.fields[name], subject.person.name)

    def blocks(self):
        for subject in self.subjects:
            pid = subject.person_id
            names = [n for n in self.fields if n.endswith(f"_{pid}")]
            yield subject.person, [self[n] for n in names]

    def service_data(self) -> dict:
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
            target = None
            for subject in self.subjects:
                name = f"{refusal.field}_{subject.person_id}"
                if refusal.field == "interviewers_present":
                    name = f"present_{subject.person_id}"
                if name in self.fields and (
                    subject.person.name in refusal.message or len(self.subjects) == 1
                ):
                    target = name
                    break
            self.add_error(target, describe(refusal))


def _name_in_summary(field, whose) -> None:
    """A form with the same fields once per subject or item lists its errors above the form
    by label; ``summary_label`` (case_form.html) says whose field it is, e.g. 记录（张三）, so
    that the list does not name the same label twice without saying which one."""
    field.summary_label = format_lazy("{label}（{whose}）", label=field.label, whose=whose)


class CheckForm(RefusalFormMixin, forms.Form):
    checked_on = DateField(label=_("checked on"), widget=AdminDateInput)
    result = forms.ChoiceField(label=_("result"), choices=CheckResult.choices)
    finding = _text(_("finding"), required=True, rows=3)
    evidence = forms.FileField(
        label=_("evidence"),
        required=False,
        help_text=_("A PDF, image, Word, Excel or OFD file of up to 20 MB."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("checked_on", timezone.localdate())
        super().__init__(*args, **kwargs)


def _working_days_field():
    return forms.IntegerField(
        label=_("or within working days"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=_("Counted from today on China's official calendar; leave the date empty."),
    )


class ItemForm(RefusalFormMixin, forms.Form):
    description = _text(_("what"), required=True, rows=2)
    deadline = DateField(label=_("deadline"), required=False, widget=AdminDateInput)
    working_days = _working_days_field()
    responsible = _line(_("responsible"), required=True, max_length=100)


class ShortNoticeForm(RefusalFormMixin, forms.Form):
    reason = _text(_("reason for a shorter notice"), required=True, rows=3)


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "submit": TransitionForm,
    "consent": ConsentForm,
    "decline": ReasonForm,
    "revise": TransitionForm,
    "notify": NotifyForm,
    "request_postponement": PostponementRequestForm,
    "approve_postponement": PostponementDecisionForm,
    "reject_postponement": RejectPostponementForm,
    "record_absence": TransitionForm,
    "reschedule": TransitionForm,
    "hold": HoldForm,
    "start_rectification": RectificationItemsForm,
    "close": TransitionForm,
    "escalate": EscalateForm,
    "withdraw": ReasonForm,
}

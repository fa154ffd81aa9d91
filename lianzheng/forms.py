"""Admin forms for a case's content and the office's small writes (subjects, participants,
the confidential report, rectification items and checks).

The forms only turn what staff type into the values the services take; every decision (may this
user, does the regulation allow it) is the services'. A refusal comes back as a message next to
the field it concerns, citing its article. The forms of the workflow's steps are in
lianzheng.workflow.forms.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from lianzheng.choices import (
    CaseRole,
    CaseSource,
    CheckResult,
    ProposalOrigin,
    SpecialTrigger,
    TalkType,
)
from lianzheng.fields import (
    DateField,
    DateTimeField,
    ModelMultipleChoiceField,
    RefusalFormMixin,
    blank_choice,
    line_field,
    text_field,
    working_days_field,
)
from lianzheng.models import Appointment, Ground, Person
from lianzheng.rules.table import PROPOSING_LEADERS
from lianzheng.widgets import SnippetChooser
from lianzheng.workflow.forms import responsible_field, subject_choices, subject_field


class ChooserFormMixin:
    """Snippet choosers built per request, so their labels follow the user's language."""

    choosers: dict[str, type] = {}

    def install_choosers(self) -> None:
        for name, model in self.choosers.items():
            if name in self.fields:
                self.fields[name].widget = SnippetChooser(model)


class ConfirmForm(RefusalFormMixin, forms.Form):
    """A confirmation without fields: the page says what the button will do."""

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)


class RemovalForm(ConfirmForm):
    """Taking a subject or a participant off a case: the reason goes into the history, so the
    timeline and the audit log say why he was removed."""

    reason = text_field(_("reason"), required=True, rows=2)


class CaseForm(ChooserFormMixin, RefusalFormMixin, forms.Form):
    """A case's content. Fields the case's state no longer allows are shown, disabled."""

    talk_type = forms.ChoiceField(label=_("type"), choices=TalkType.choices)
    subject = forms.ModelChoiceField(
        label=_("subject"),
        queryset=Person.objects.filter(active=True),
        widget=SnippetChooser(Person),
        help_text=_("For a collective talk, add further subjects on the case page."),
    )
    purpose = text_field(
        _("purpose"),
        help_text=_(
            "What is to be learned, guided or reminded, and which problems are to be rectified "
            "(第二条)."
        ),
    )
    origin = forms.ChoiceField(
        label=_("proposed"), choices=ProposalOrigin.choices, initial=ProposalOrigin.DIRECT
    )
    proposed_by = forms.ModelChoiceField(
        label=_("proposed by (约谈主体)"),
        required=False,
        queryset=Person.objects.filter(roles__role__in=PROPOSING_LEADERS).distinct(),
        help_text=_(
            "The bureau leader who proposes the talk; leave empty when it is raised from what "
            "the office has learned."
        ),
    )
    special_trigger = forms.ChoiceField(
        label=_("special-talk trigger"),
        required=False,
        choices=blank_choice(SpecialTrigger.choices),
    )
    appointment = forms.ModelChoiceField(
        label=_("appointment"),
        required=False,
        queryset=Appointment.objects.all(),
        widget=SnippetChooser(Appointment),
    )
    source = forms.ChoiceField(
        label=_("source of the problem"), required=False, choices=blank_choice(CaseSource.choices)
    )
    source_detail = line_field(_("source detail"))
    grounds = ModelMultipleChoiceField(
        label=_("grounds (第五条)"),
        required=False,
        queryset=Ground.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    other_justification = text_field(_("justification for 其他"), rows=2)
    problems = text_field(_("problems named"))
    preparation_note = text_field(_("preparation note (谈话提纲)"), rows=6)
    scheduled_at = DateTimeField(
        label=_("planned talk time"), required=False, widget=AdminDateTimeInput
    )
    place = line_field(_("place"))

    content_fields = (
        "talk_type",
        "purpose",
        "origin",
        "proposed_by",
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
    whistleblower = line_field(_("whistleblower"), max_length=100)
    contact = line_field(_("contact"))
    received_on = DateField(label=_("received on"), required=False, widget=AdminDateInput)
    material = text_field(_("reported material"), required=True, rows=6)


# -- one form per transition ------------------------------------------------------------------


class CheckForm(RefusalFormMixin, forms.Form):
    checked_on = DateField(label=_("checked on"), widget=AdminDateInput)
    result = forms.ChoiceField(label=_("result"), choices=CheckResult.choices)
    finding = text_field(_("finding"), required=True, rows=3)
    evidence = forms.FileField(
        label=_("evidence"),
        required=False,
        help_text=_("A PDF, image, Word, Excel or OFD file of up to 20 MB."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("checked_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class ItemForm(RefusalFormMixin, forms.Form):
    """An item added while rectifying: whose it is, among the case's subjects (R9.1)."""

    description = text_field(_("what"), required=True, rows=2)
    deadline = DateField(label=_("deadline"), required=False, widget=AdminDateInput)
    working_days = working_days_field()
    subject_person_id = subject_field([])
    responsible = responsible_field()

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_person_id"] = subject_field(subject_choices(case))
        self.fields["responsible"] = responsible_field(case)

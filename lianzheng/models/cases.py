"""Talk cases: the case with its state and number, and the grounds of 第五条 it may cite (its
parts are in ``case_parts``).

The case's ``state`` moves only through ``lianzheng.services.workflow.case_transition``: the field
is protected, and the save and update paths below refuse a state written any other way. Its
transitions are the steps of ``lianzheng.workflow.steps``.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin
from wagtail.search import index

from lianzheng import clock
from lianzheng.choices import (
    CaseRole,
    CaseSource,
    CaseState,
    ProposalOrigin,
    SpecialTrigger,
    TalkType,
)
from lianzheng.history import Audited, audited_history
from lianzheng.refusals import chinese
from lianzheng.regulation import clause_label
from lianzheng.search.fields import CJKSearchField
from lianzheng.workflow.steps import STEPS

CASE_NUMBER_FORMAT = "阿州住建廉约〔{year}〕{sequence}号"

_state_write = contextvars.ContextVar("lianzheng_state_write", default=False)


class StateChangeRefused(Exception):
    """A case's state was written outside the transition service."""

    message = (
        "案件状态只能通过办理流程变更 / A case's state changes only through its workflow "
        "transitions."
    )

    def __init__(self):
        super().__init__(self.message)


@contextmanager
def state_write_allowed():
    """Opened by the transition service alone, around the one save that moves the state."""
    token = _state_write.set(True)
    try:
        yield
    finally:
        _state_write.reset(token)


class TalkCaseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if "state" in kwargs and not _state_write.get():
            raise StateChangeRefused()
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "state" in fields and not _state_write.get():
            raise StateChangeRefused()
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not _state_write.get() and any(obj.state != CaseState.DRAFT for obj in objs):
            raise StateChangeRefused()
        return super().bulk_create(objs, *args, **kwargs)


class Ground(Audited):
    """A ground of 第五条（一）–（十一）. Data, not code: editors keep it in step with the
    regulation, and ``requires_justification`` marks （十一）"其他"."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    text = models.TextField(_("text"))
    requires_justification = models.BooleanField(
        _("requires a written justification"), default=False
    )
    active = models.BooleanField(_("active"), default=True)

    history = audited_history()

    class Meta:
        ordering = ["number"]
        verbose_name = _("ground (第五条)")
        verbose_name_plural = _("grounds (第五条)")

    def __str__(self) -> str:
        """「（六）故意刁难……」, or "(6) 故意刁难……" for an English reader: the regulation's own
        words, numbered in the reader's language."""
        if not chinese():
            return f"({self.number}) {self.text}"
        try:
            label = clause_label(self.number)
        except (TypeError, ValueError):  # a number being edited, not yet refused by clean()
            label = f"（{self.number}）"
        return f"{label}{self.text}"

    @property
    def anchor(self) -> str:
        return f"article-5-{self.number}"

    def clean(self):
        # Shown as its clause （一）…（九十九）: a number outside that cannot be written.
        if self.number is not None and not 1 <= self.number <= 99:
            raise ValidationError({"number": _("Enter a clause number from 1 to 99.")})


class CaseSequence(models.Model):
    """The last case number given out per year; locked while a number is taken, so numbers
    are sequential with no gaps or duplicates even under concurrent submissions."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"

    @classmethod
    def take(cls, year: int) -> int:
        """The next number of the year, under a row lock held to the end of the caller's
        transaction: a rolled-back submission gives its number back, one committed keeps it."""
        try:
            with transaction.atomic():
                cls.objects.get_or_create(year=year)
        except IntegrityError:
            pass  # another transaction created the year's row first; lock it below
        counter = cls.objects.select_for_update().get(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last


class TalkCase(index.Indexed, FSMModelMixin, Audited):
    """One integrity talk, from proposal to filing, run by the regulation.

    Indexed (Wagtail's search framework, ``search_text``) so that the listing's search finds a
    case by any word of its people, units, purpose, problems, records and rectification items;
    never by the confidential report (R7.4), which the listing searches apart, for its readers.
    """

    # The number is taken at the first submission, once the rules have passed ("Case numbers" in
    # rules.md): a draft has none, so a draft refused or abandoned leaves no gap in the year.
    year = models.PositiveSmallIntegerField(_("year"), null=True, editable=False, db_index=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, editable=False)
    number = models.CharField(
        _("case number"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    state = FSMField(
        _("state"),
        default=CaseState.DRAFT,
        choices=CaseState.choices,
        protected=True,
        editable=False,
        db_index=True,
    )
    talk_type = models.CharField(_("type"), max_length=20, choices=TalkType.choices, db_index=True)
    purpose = models.TextField(
        _("purpose"),
        blank=True,
        help_text=_(
            "What is to be learned, guided or reminded, and which problems are to be "
            "rectified (第二条)."
        ),
    )
    origin = models.CharField(
        _("proposed"), max_length=20, choices=ProposalOrigin.choices, default=ProposalOrigin.DIRECT
    )
    proposed_by = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        _("source of the problem"), max_length=30, choices=CaseSource.choices, blank=True
    )
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    special_trigger = models.CharField(
        _("special-talk trigger"), max_length=20, choices=SpecialTrigger.choices, blank=True
    )
    appointment = models.ForeignKey(
        "lianzheng.Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    grounds = models.ManyToManyField(
        Ground,
        verbose_name=_("grounds (第五条)"),
        through="CaseGround",
        blank=True,
        related_name="cases",
    )
    other_justification = models.TextField(_("justification for 其他"), blank=True)
    problems = models.TextField(_("problems named"), blank=True)
    preparation_note = models.TextField(_("preparation note (谈话提纲)"), blank=True)
    scheduled_at = models.DateTimeField(_("talk time"), null=True, blank=True, db_index=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    regulation_page = models.ForeignKey(
        "lianzheng.RegulationPage",
        verbose_name=_("regulation"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    regulation_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("regulation revision"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    consented_by = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("consented by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    consent_comment = models.TextField(_("consent comment"), blank=True)
    declined_reason = models.TextField(_("reason declined"), blank=True)
    delegated_by = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("delegated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegated_at = models.DateTimeField(_("delegated at"), null=True, blank=True)
    delegated_to = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("delegated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegation_form = models.CharField(
        _("written form of the delegation"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 书面委托书（2026年12月1日）"),
    )
    short_notice_reason = models.TextField(_("reason for a shorter notice"), blank=True)
    short_notice_approved_by = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("shorter notice approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    short_notice_approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason withdrawn"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The moment the case was typed in: the clock's, so that a case loaded with the clock moved
    # back (lianzheng.clock) is not created after the steps it took.
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = audited_history()
    objects = TalkCaseQuerySet.as_manager()

    class Meta:
        # Drafts (no number yet) first in their year, the same on SQLite and PostgreSQL.
        ordering = ["-year", models.F("sequence").desc(nulls_first=True), "-pk"]
        verbose_name = _("talk case")
        verbose_name_plural = _("talk cases")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="lianzheng_case_number"),
        ]
        indexes = [
            models.Index(fields=["state", "talk_type"]),
            # The dashboard's worklists read a state in time order and stop at what they show
            # (notices due, late talks, awaiting consent); the year chart counts from an index.
            models.Index(fields=["state", "scheduled_at"], name="lz_case_state_scheduled"),
            models.Index(fields=["state", "created_at"], name="lz_case_state_created"),
            models.Index(fields=["year", "talk_type", "state"], name="lz_case_year_type_state"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("unnumbered draft"))

    def take_number(self, year: int) -> None:
        """The case's number, taken at its first submission ("Case numbers" in rules.md); a
        number once taken stays, whatever happens to the case afterwards."""
        if self.number:
            return
        self.year, self.sequence = year, CaseSequence.take(year)
        self.number = CASE_NUMBER_FORMAT.format(year=year, sequence=self.sequence)

    # -- guard: the state moves only inside the transition service ----------------------------

    def save(self, *args, **kwargs):
        if not _state_write.get():
            # Judge by the stored row, not by _state.adding: an instance rebuilt from history
            # (simple-history's ``.instance``) is "adding" yet carries an existing pk.
            stored = None
            if self.pk is not None:
                stored = (
                    type(self).objects.filter(pk=self.pk).values_list("state", flat=True).first()
                )
            if (stored is None and self.state != CaseState.DRAFT) or (
                stored is not None and stored != self.state
            ):
                raise StateChangeRefused()
        super().save(*args, **kwargs)

    # -- the search index (lianzheng.search; re-indexed with its parts, search.signals) --------

    search_fields = [CJKSearchField("search_text")]

    @classmethod
    def get_indexed_objects(cls):
        """The cases with what ``search_text`` reads. People and units come joined to their
        subject and participant rows, not prefetched by id: Django 5.2 asks SQLite for a
        prefetched foreign key as ``id = … OR id = …``, which SQLite refuses beyond a thousand
        ids ("Expression tree is too large"), so ``update_index`` failed at scale."""
        from lianzheng.models.case_parts import CaseParticipant, CaseSubject

        return cls.objects.prefetch_related(
            models.Prefetch(
                "subjects", queryset=CaseSubject.objects.select_related("person__unit")
            ),
            models.Prefetch(
                "participants", queryset=CaseParticipant.objects.select_related("person")
            ),
            "records",
            "rectification_items",
        )

    def search_text(self) -> str:
        """What a case is found by: the names, units and posts of its subjects, the names of
        those who take part, its purpose and problems, the talk records and the rectification
        items. Not the confidential report (R7.4), not the preparation note; not the number,
        which the listing looks up by its digits (selectors.cases.case_search): indexed, the
        fixed characters every number shares (「廉约」) would find every case."""
        parts = [self.purpose, self.problems, self.other_justification]
        for subject in self.subjects.all():
            person = subject.person
            parts += [person.name, person.post, person.unit.name]
        parts += [participant.person.name for participant in self.participants.all()]
        for record in self.records.all():
            parts += [
                record.record_text,
                record.statement,
                record.report,
                record.requirements,
                record.explanation,
                record.measures,
                record.commitment,
            ]
        for item in self.rectification_items.all():
            parts += [item.description, item.responsible]
        return "\n".join(part for part in parts if part)

    # -- what listings show (from prefetched rows; see selectors.case_listing) -----------------

    def subject_names(self) -> str:
        return "、".join(s.person.name for s in self.subjects.all())

    subject_names.short_description = _("subjects")

    def subject_units(self) -> str:
        return "、".join(dict.fromkeys(s.person.unit.name for s in self.subjects.all()))

    def lead_name(self) -> str:
        leads = getattr(self, "lead_participants", None)
        if leads is None:
            leads = [p for p in self.participants.all() if p.role == CaseRole.LEAD]
        return leads[0].person.name if leads else ""

    def clean_fields(self, exclude=None):
        # A protected FSM field cannot be assigned by full_clean(); it is never a form field.
        exclude = set(exclude or ()) | {"state"}
        super().clean_fields(exclude=exclude)

    # -- the transitions ---------------------------------------------------------------------
    # One django-fsm transition per step of lianzheng.workflow.steps, where each is declared
    # once (states, who may ask, form, effects); named after its step (case.submit(context)…).
    for _step in STEPS:
        vars()[_step.name] = _step.fsm_transition(state)
    del _step

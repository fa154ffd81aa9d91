"""Talk cases and everything that belongs to one: subjects, participants, notices,
postponements, records, rectification, escalation and the confidential report.

The case's ``state`` moves only through ``lianzheng.services.workflow.case_transition``: the field
is protected, and the save and update paths below refuse a state written any other way.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from lianzheng.choices import (
    CaseRole,
    CaseSource,
    CaseState,
    CheckResult,
    EscalationGround,
    PostponementDecision,
    ProposalOrigin,
    RectificationStatus,
    SpecialTrigger,
    TalkType,
)
from lianzheng.history import Audited, audited_history
from lianzheng.rules import RulesAllow

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
        from lianzheng.regulation import clause_label

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
    are sequential with no gaps or duplicates even under concurrent creation."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TalkCase(FSMModelMixin, Audited):
    """One integrity talk, from proposal to filing, run by the regulation."""

    year = models.PositiveSmallIntegerField(_("year"), editable=False, db_index=True)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    number = models.CharField(_("case number"), max_length=40, unique=True, editable=False)
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = audited_history()
    objects = TalkCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("talk case")
        verbose_name_plural = _("talk cases")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="lianzheng_case_number"),
        ]
        indexes = [models.Index(fields=["state", "talk_type"])]

    def __str__(self) -> str:
        return self.number

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

    # -- transitions: conditions from the rules table, permission in services.permissions ----

    @transition(
        field=state,
        source=CaseState.DRAFT,
        target=CaseState.SUBMITTED,
        conditions=[RulesAllow("submit")],
        custom={"label": _("Submit for consent")},
    )
    def submit(self):
        """Ask the principal head to consent (第六条（一）)."""

    @transition(
        field=state,
        source=CaseState.SUBMITTED,
        target=CaseState.APPROVED,
        conditions=[RulesAllow("consent")],
        custom={"label": _("Consent")},
    )
    def consent(self):
        """The principal head's consent (第六条（一）)."""

    @transition(
        field=state,
        source=CaseState.SUBMITTED,
        target=CaseState.DECLINED,
        conditions=[RulesAllow("decline")],
        custom={"label": _("Decline")},
    )
    def decline(self):
        """The principal head declines, with a reason."""

    @transition(
        field=state,
        source=CaseState.DECLINED,
        target=CaseState.DRAFT,
        conditions=[RulesAllow("revise")],
        custom={"label": _("Revise")},
    )
    def revise(self):
        """Back to draft after a decline, to be changed and submitted again."""

    @transition(
        field=state,
        source=CaseState.APPROVED,
        target=CaseState.NOTIFIED,
        conditions=[RulesAllow("notify")],
        custom={"label": _("Notify")},
    )
    def notify(self):
        """The office's written notice to each subject (第六条（三））."""

    @transition(
        field=state,
        source=CaseState.NOTIFIED,
        target=CaseState.POSTPONEMENT_REQUESTED,
        conditions=[RulesAllow("request_postponement")],
        custom={"label": _("Record a postponement application")},
    )
    def request_postponement(self):
        """The subject's written application to postpone (第八条（一））."""

    @transition(
        field=state,
        source=CaseState.POSTPONEMENT_REQUESTED,
        target=CaseState.APPROVED,
        conditions=[RulesAllow("approve_postponement")],
        custom={"label": _("Approve the postponement")},
    )
    def approve_postponement(self):
        """Approved: the talk is rescheduled and must be notified again (R6.3 applies anew)."""

    @transition(
        field=state,
        source=CaseState.POSTPONEMENT_REQUESTED,
        target=CaseState.NOTIFIED,
        conditions=[RulesAllow("reject_postponement")],
        custom={"label": _("Reject the postponement")},
    )
    def reject_postponement(self):
        """Rejected: the talk stays at the notified time and place."""

    @transition(
        field=state,
        source=CaseState.NOTIFIED,
        target=CaseState.ABSENT,
        conditions=[RulesAllow("record_absence")],
        custom={"label": _("Record absence")},
    )
    def record_absence(self):
        """The subject missed the talk without an approved postponement (第八条（一））."""

    @transition(
        field=state,
        source=[CaseState.ABSENT],
        target=CaseState.APPROVED,
        conditions=[RulesAllow("reschedule")],
        custom={"label": _("Reschedule")},
    )
    def reschedule(self):
        """After an absence, set a new talk; it must be notified again."""

    @transition(
        field=state,
        source=CaseState.NOTIFIED,
        target=CaseState.HELD,
        conditions=[RulesAllow("hold")],
        custom={"label": _("Record the talk")},
    )
    def hold(self):
        """The talk took place and is recorded (第七条, 第八条（二））."""

    @transition(
        field=state,
        source=CaseState.HELD,
        target=CaseState.RECTIFYING,
        conditions=[RulesAllow("start_rectification")],
        custom={"label": _("Require rectification")},
    )
    def start_rectification(self):
        """Rectification items set (第九条)."""

    @transition(
        field=state,
        source=[CaseState.HELD, CaseState.RECTIFYING],
        target=CaseState.CLOSED,
        conditions=[RulesAllow("close")],
        custom={"label": _("Close and file")},
    )
    def close(self):
        """Filed in the subject's integrity file (第九条)."""

    @transition(
        field=state,
        source=[CaseState.NOTIFIED, CaseState.ABSENT, CaseState.HELD, CaseState.RECTIFYING],
        target=CaseState.ESCALATED,
        conditions=[RulesAllow("escalate")],
        custom={"label": _("Escalate (移送追责)")},
    )
    def escalate(self):
        """Handed over for accountability (第十条, 第十一条)."""

    @transition(
        field=state,
        source=[
            CaseState.DRAFT,
            CaseState.SUBMITTED,
            CaseState.APPROVED,
            CaseState.DECLINED,
            CaseState.NOTIFIED,
            CaseState.POSTPONEMENT_REQUESTED,
            CaseState.ABSENT,
        ],
        target=CaseState.WITHDRAWN,
        conditions=[RulesAllow("withdraw")],
        custom={"label": _("Withdraw")},
    )
    def withdraw(self):
        """Withdrawn before the talk, with a reason."""


class CaseGround(Audited):
    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="case_grounds")
    ground = models.ForeignKey(Ground, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "ground"], name="lianzheng_case_ground_once")
        ]
        verbose_name = _("ground of a case")

    def __str__(self) -> str:
        return str(self.ground)


class CaseSubject(Audited):
    """A subject of the talk; a collective talk has several (第六条（四））."""

    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("subject"),
        on_delete=models.PROTECT,
        related_name="subject_of",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    history = audited_history()

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="lianzheng_subject_once")
        ]

    def __str__(self) -> str:
        return self.person.name


class CaseParticipant(Audited):
    """An interviewer or attendee, in the part 第六条（二） gives him."""

    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        "lianzheng.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="participant_in",
    )
    role = models.CharField(_("part"), max_length=30, choices=CaseRole.choices)

    history = audited_history()

    class Meta:
        ordering = ["role", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="lianzheng_participant_once"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(role="lead"), name="lianzheng_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{CaseRole(self.role).label}）"


class Notice(Audited):
    """The written notice to one subject (第六条（三）); superseded when the talk moves."""

    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="notices")
    subject = models.ForeignKey(CaseSubject, on_delete=models.PROTECT, related_name="notices")
    written_on = models.DateField(_("written notice dated"))
    scheduled_at = models.DateTimeField(_("talk time"))
    place = models.CharField(_("place"), max_length=200)
    content = models.TextField(_("content"))
    interviewers = models.CharField(_("interviewers named"), max_length=300)
    phone_notified_at = models.DateTimeField(_("also notified by phone at"), null=True, blank=True)
    phone_note = models.CharField(_("phone note"), max_length=200, blank=True)
    short_notice = models.BooleanField(_("shorter than three working days"), default=False)
    superseded = models.BooleanField(_("superseded"), default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = audited_history()

    class Meta:
        ordering = ["-written_on", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.subject}（{self.written_on:%Y-%m-%d}）"


class Postponement(Audited):
    """A written application to postpone and its decision (第八条（一））."""

    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="postponements")
    subject = models.ForeignKey(
        CaseSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_on = models.DateField(_("applied on"))
    application = models.TextField(_("written application"))
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=PostponementDecision.choices,
        default=PostponementDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        "lianzheng.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    new_scheduled_at = models.DateTimeField(_("new talk time"), null=True, blank=True)
    new_place = models.CharField(_("new place"), max_length=200, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-applied_on", "-pk"]
        verbose_name = _("postponement")
        verbose_name_plural = _("postponements")

    def __str__(self) -> str:
        return f"{self.case}（{self.applied_on:%Y-%m-%d}）"


class TalkRecord(Audited):
    """The written record of the talk with one subject (第七条（三）, 第八条（二））."""

    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="records")
    subject = models.OneToOneField(CaseSubject, on_delete=models.PROTECT, related_name="record")
    held_at = models.DateTimeField(_("held at"))
    interviewers_present = models.ManyToManyField(
        "lianzheng.Person", verbose_name=_("interviewers present"), related_name="+"
    )
    record_text = models.TextField(_("record"))
    statement = models.TextField(_("the subject's statement"))
    report = models.TextField(_("the subject's report (日常约谈)"), blank=True)
    requirements = models.TextField(_("requirements given (专项约谈)"), blank=True)
    explanation = models.TextField(_("explanation of causes"), blank=True)
    measures = models.TextField(_("prevention measures"), blank=True)
    commitment = models.TextField(_("integrity commitment (任前约谈)"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = audited_history(m2m_fields=[interviewers_present])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("talk record")
        verbose_name_plural = _("talk records")

    def __str__(self) -> str:
        return f"{self.case} · {self.subject}"


class RectificationItem(Audited):
    """What must be put right, by when, by whom (第九条)."""

    case = models.ForeignKey(TalkCase, on_delete=models.CASCADE, related_name="rectification_items")
    description = models.TextField(_("what"))
    deadline = models.DateField(_("deadline"))
    working_days = models.PositiveSmallIntegerField(
        _("working days allowed"),
        null=True,
        blank=True,
        help_text=_(
            "When the deadline was set in working days: how many, counted from the day set."
        ),
    )
    set_on = models.DateField(_("set on"), null=True, blank=True)
    responsible = models.CharField(_("responsible"), max_length=100)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
        db_index=True,
    )

    history = audited_history()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")

    def __str__(self) -> str:
        return self.description[:40]

    def is_overdue(self, today=None) -> bool:
        """Past its deadline and not verified done: overdue by itself, with no job to mark it
        (第九条). The deadline day itself is still in time."""
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.status != RectificationStatus.VERIFIED and self.deadline < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def needs_escalation(self) -> bool:
        """Overdue or found inadequate: the case page offers escalation (第九条, 第十条)."""
        return self.overdue or self.status == RectificationStatus.INADEQUATE


def evidence_path(instance, filename: str) -> str:
    """A random stored name: the original name (kept in ``evidence_name``) may say who or what,
    and a stored path must not be guessable. Files are served only through the case's views."""
    import uuid
    from pathlib import PurePath

    from django.utils import timezone

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"lianzheng/evidence/{timezone.localdate():%Y}/{uuid.uuid4().hex}{suffix}"


class RectificationCheck(Audited):
    """The office's check of an item; the last check decides the item's status."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField(_("checked on"))
    finding = models.TextField(_("finding"))
    result = models.CharField(_("result"), max_length=20, choices=CheckResult.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["checked_on", "pk"]
        verbose_name = _("rectification check")
        verbose_name_plural = _("rectification checks")

    def __str__(self) -> str:
        return f"{self.item}（{self.checked_on:%Y-%m-%d}）"


class Escalation(Audited):
    """移送追责: the ground, the facts, and who decided (第十条, 第十一条)."""

    case = models.OneToOneField(TalkCase, on_delete=models.CASCADE, related_name="escalation")
    ground = models.CharField(_("ground"), max_length=30, choices=EscalationGround.choices)
    detail = models.TextField(_("facts"))
    decided_by = models.ForeignKey("lianzheng.Person", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    history = audited_history()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.case}：{self.get_ground_display()}"


class ConfidentialReport(Audited):
    """Who reported and what (第七条（四））: kept apart from the case, shown to three offices
    only, never in anything produced for the subject or the public."""

    case = models.OneToOneField(TalkCase, on_delete=models.CASCADE, related_name="confidential")
    whistleblower = models.CharField(_("whistleblower"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    material = models.TextField(_("reported material"))

    history = audited_history()

    class Meta:
        verbose_name = _("confidential report")
        verbose_name_plural = _("confidential reports")

    def __str__(self) -> str:
        return str(self.case)


class ConfidentialAccess(models.Model):
    """Each time the confidential report was shown, to whom (第七条（四）: every view is logged).

    The user is a plain id with the name as it was, so the log survives the user's deletion.
    """

    case = models.ForeignKey(TalkCase, on_delete=models.PROTECT, related_name="confidential_views")
    user_id = models.IntegerField(_("user id"), db_index=True)
    user_display = models.CharField(_("viewed by"), max_length=200)
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True, db_index=True)
    purpose = models.CharField(_("shown on"), max_length=100, blank=True)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("view of confidential information")
        verbose_name_plural = _("views of confidential information")

    def __str__(self) -> str:
        return f"{self.case} · {self.user_display} · {self.viewed_at:%Y-%m-%d %H:%M}"

"""The parts of a talk case: its subjects and participants, notices, postponements, records,
rectification and its checks, escalation, and the confidential report with its access log.

Kept apart from ``cases`` (the case and its state) so that the workflow's steps, which the
case's transitions are made of, can write these rows without importing the case's module.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng.choices import (
    CaseRole,
    CheckResult,
    DeliveryMethod,
    EscalationGround,
    PostponementDecision,
    RectificationStatus,
    RequestForm,
)
from lianzheng.history import Audited, audited_history


def evidence_path(instance, filename: str) -> str:
    """A random stored name: the original name (kept in ``evidence_name``) may say who or what,
    and a stored path must not be guessable. Files are served only through the case's views."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"lianzheng/evidence/{timezone.localdate():%Y}/{uuid.uuid4().hex}{suffix}"


class CaseGround(Audited):
    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="case_grounds"
    )
    ground = models.ForeignKey("lianzheng.Ground", on_delete=models.PROTECT, related_name="+")

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

    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="subjects"
    )
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

    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="participants"
    )
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

    case = models.ForeignKey("lianzheng.TalkCase", on_delete=models.CASCADE, related_name="notices")
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
    # Its delivery (第六条（三）): how, when, signed for by whom. A talk missed without a
    # delivered notice is not non-attendance (R8.1).
    delivery_method = models.CharField(
        _("delivered"), max_length=20, choices=DeliveryMethod.choices, blank=True
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_signed_by = models.CharField(_("signed for by"), max_length=100, blank=True)
    delivery_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None

    history = audited_history()

    class Meta:
        ordering = ["-written_on", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.subject}（{self.written_on:%Y-%m-%d}）"


class Postponement(Audited):
    """A written application to postpone and its decision (第八条（一））."""

    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="postponements"
    )
    subject = models.ForeignKey(
        CaseSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_on = models.DateField(_("applied on"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    # Empty on applications recorded before this was kept (their history rows must keep their
    # hashes: lianzheng.audit.encoding.ADDED_COLUMNS); the service records it on every new one.
    request_form = models.CharField(
        _("asked"), max_length=20, choices=RequestForm.choices, blank=True
    )
    application = models.TextField(_("written application"))
    scan = models.FileField(_("scan of the application"), upload_to=evidence_path, blank=True)
    scan_name = models.CharField(_("scan file name"), max_length=200, blank=True)
    scan_sha256 = models.CharField(_("scan SHA-256"), max_length=64, blank=True)
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

    case = models.ForeignKey("lianzheng.TalkCase", on_delete=models.CASCADE, related_name="records")
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

    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="rectification_items"
    )
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
    # 第九条: each item is one subject's (in a collective talk too); None only on items set
    # before this was kept.
    subject = models.ForeignKey(
        "lianzheng.CaseSubject",
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
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
        # Checks due and late items are read in deadline order, up to what the dashboard shows;
        # only the open ones, or the walk would pass every verified item of closed cases.
        indexes = [
            models.Index(
                fields=["deadline"],
                name="lz_item_open_deadline",
                condition=~models.Q(status=RectificationStatus.VERIFIED),
            )
        ]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")

    def __str__(self) -> str:
        return self.description[:40]

    def is_overdue(self, today=None) -> bool:
        """Past its deadline and not verified done: overdue by itself, with no job to mark it
        (第九条). The deadline day itself is still in time."""
        today = today or timezone.localdate()
        return self.status != RectificationStatus.VERIFIED and self.deadline < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def needs_escalation(self) -> bool:
        """Overdue or found inadequate: the case page offers escalation (第九条, 第十条)."""
        return self.overdue or self.status == RectificationStatus.INADEQUATE


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

    case = models.OneToOneField(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="escalation"
    )
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

    case = models.OneToOneField(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="confidential"
    )
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


class ConfidentialAccess(Audited):
    """Each time the confidential report was shown, to whom (第七条（四）: every view is logged).

    The user is a plain id with the name as it was, so the log survives the user's deletion.
    The log is append-only at the database, and each showing has its history row in the hash
    chain, so a showing deleted or altered behind the application's back is named by
    ``lianzheng_audit verify`` (lianzheng.audit.records).
    """

    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.PROTECT, related_name="confidential_views"
    )
    user_id = models.IntegerField(_("user id"), db_index=True)
    user_display = models.CharField(_("viewed by"), max_length=200)
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True, db_index=True)
    purpose = models.CharField(_("shown on"), max_length=100, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("view of confidential information")
        verbose_name_plural = _("views of confidential information")

    def __str__(self) -> str:
        viewed = timezone.localtime(self.viewed_at)
        return f"{self.case} · {self.user_display} · {viewed:%Y-%m-%d %H:%M}"


class Substitution(Audited):
    """A person the principal head designates, for this case, to take a part 第六条（二）
    requires when its holder cannot (he is a subject, or otherwise excluded: 第七条（一）), with
    the reason. R6.2 accepts him in that part."""

    case = models.ForeignKey(
        "lianzheng.TalkCase", on_delete=models.CASCADE, related_name="substitutions"
    )
    case_role = models.CharField(_("part"), max_length=30, choices=CaseRole.choices)
    person = models.ForeignKey(
        "lianzheng.Person", verbose_name=_("substitute"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    designated_by = models.ForeignKey(
        "lianzheng.Person", on_delete=models.PROTECT, related_name="+"
    )
    designated_at = models.DateTimeField(_("designated at"))

    history = audited_history()

    class Meta:
        ordering = ["case_role", "pk"]
        verbose_name = _("designated substitute")
        verbose_name_plural = _("designated substitutes")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "case_role"], name="lianzheng_one_substitute_a_part"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{CaseRole(self.case_role).label}）"

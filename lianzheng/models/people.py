"""People, their appointments, and who holds which office (rules.md, People and roles)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng.choices import AppointmentKind, PersonCategory, Rank, Role
from lianzheng.history import Audited, audited_history


class Person(Audited):
    """Anyone a case names: subjects, interviewers, attendees.

    Category and rank decide eligibility as a subject (第三条) and the talk types open to him
    (第四条 last paragraph); a login is optional, as most subjects never use the system.
    """

    name = models.CharField(_("name"), max_length=50)
    unit = models.ForeignKey(
        "lianzheng.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=PersonCategory.choices, db_index=True
    )
    rank = models.CharField(_("rank"), max_length=30, choices=Rank.choices)
    post = models.CharField(_("post"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    active = models.BooleanField(_("active"), default=True)

    history = audited_history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["unit", "category"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit_id else self.name


class Appointment(Audited):
    """An appointment or promotion with its effective date: what a pre-appointment talk precedes
    (第四条（二）: the talk is held before the appointee takes up the post)."""

    Kind = AppointmentKind

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    post = models.CharField(_("new post"), max_length=100)
    rank = models.CharField(_("new rank"), max_length=30, choices=Rank.choices)
    unit = models.ForeignKey(
        "lianzheng.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    effective_date = models.DateField(_("effective date"))
    document = models.CharField(_("appointment document"), max_length=100, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-effective_date"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.person.name} {self.post}（{self.effective_date:%Y-%m-%d}）"


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=on), Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class RoleAssignment(Audited):
    """Who holds an office of rules.md, and from when; the rules ask this, not group membership.

    A leader in charge holds one row per section (``unit``) he is in charge of, so the routine
    talk's lead (第六条（二）) is found by the subject's section.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, db_index=True)
    unit = models.ForeignKey(
        "lianzheng.Unit",
        verbose_name=_("section in charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leaders",
        help_text=_("Only for a leader in charge: the section he is in charge of."),
    )
    valid_from = models.DateField(_("from"), default=timezone.localdate)
    valid_until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = audited_history()
    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["role", "person__name"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="leader_in_charge", unit__isnull=False)
                | (~Q(role="leader_in_charge") & Q(unit__isnull=True)),
                name="lianzheng_roleassignment_unit_only_for_leaders",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="lianzheng_roleassignment_valid_range",
            ),
        ]

    def clean(self):
        """The constraints' rules, said on their fields (the database's own message names only
        the constraint)."""
        errors = {}
        if self.role == Role.LEADER_IN_CHARGE and not self.unit_id:
            errors["unit"] = _("Choose the section a leader in charge is in charge of.")
        elif self.role and self.role != Role.LEADER_IN_CHARGE and self.unit_id:
            errors["unit"] = _("Only a leader in charge has a section; leave it empty.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end cannot be before the start.")
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        label = Role(self.role).label
        return f"{self.person.name}：{label}" + (f"（{self.unit}）" if self.unit_id else "")

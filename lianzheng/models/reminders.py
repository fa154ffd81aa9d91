"""The reminder log: who was reminded of what, when, and how; one row per attempt.

The log is what makes reminders idempotent. A sent row is unique for its event and recipient
(``lianzheng_reminder_once``), and it is inserted *before* the email goes out, in the transaction
that sends it: a second sweep, or a second worker racing the first, cannot insert it again, so it
cannot send again. A failed attempt is a row too (the state is written once, never updated), and
the next sweep tries again. Like every log here the table is append-only: the model refuses
updates and deletes, and so does the database (``lianzheng.audit.guards``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng.choices import ReminderChannel, ReminderKind, ReminderState
from lianzheng.history import Audited, audited_history


class ReminderImmutable(Exception):
    message = "提醒记录不可修改或删除 / A reminder record cannot be changed or deleted."

    def __init__(self):
        super().__init__(self.message)


class ReminderQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ReminderImmutable()

    def delete(self):
        raise ReminderImmutable()

    def bulk_update(self, *args, **kwargs):
        raise ReminderImmutable()

    def sent(self):
        return self.filter(state=ReminderState.SENT)


class Reminder(Audited):
    case = models.ForeignKey(
        "lianzheng.TalkCase",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="reminders",
    )
    kind = models.CharField(_("reminder"), max_length=30, choices=ReminderKind.choices)
    event_key = models.CharField(
        _("event"),
        max_length=120,
        help_text=_(
            "Identifies the event, e.g. the notice and its talk time: a rescheduled talk is a "
            "new event."
        ),
    )
    event_on = models.DateField(_("event date"))
    recipient_user_id = models.IntegerField(_("recipient (user id)"), db_index=True)
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_address = models.CharField(_("address"), max_length=254, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=ReminderChannel.choices)
    state = models.CharField(_("state"), max_length=10, choices=ReminderState.choices)
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    error = models.TextField(_("error"), blank=True)

    history = audited_history()
    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "event_key", "recipient_user_id"],
                condition=Q(state="sent"),
                name="lianzheng_reminder_once",
            ),
        ]
        indexes = [models.Index(fields=["case", "sent_at"])]

    def __str__(self) -> str:
        sent = timezone.localtime(self.sent_at)  # the bureau's time, as every page shows it
        return f"{self.get_kind_display()} → {self.recipient_name}（{sent:%Y-%m-%d %H:%M}）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReminderImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReminderImmutable()

"""Who may read cases through the API (the discipline-inspection bodies), and every call made.

A consumer holds one bearer token, shown once when the superuser issues it; only its SHA-256 is
kept, so a copy of the database does not hand out working tokens. Issuing and revoking are
history like any other change. Each call is a row of ``ApiCall``, append-only at the database
(lianzheng.audit.guards), so an auditor can say who read what and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng.history import Audited, audited_history


class ApiConsumer(Audited):
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 州纪委监委第三监督检查室"))
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    token_prefix = models.CharField(_("token begins"), max_length=12, editable=False)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_reason = models.CharField(_("reason revoked"), max_length=200, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("API consumer")
        verbose_name_plural = _("API consumers")

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiCall(models.Model):
    """One request to the case API: by whom (none when the token was missing or wrong), what,
    the answer's status, and from where."""

    at = models.DateTimeField(_("at"), db_index=True)
    consumer = models.ForeignKey(
        ApiConsumer, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    query = models.CharField(_("query"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("status"))
    client = models.CharField(_("client address"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")

    def __str__(self) -> str:
        at = timezone.localtime(self.at)
        return f"{at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"

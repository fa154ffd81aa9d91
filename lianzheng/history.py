"""The history every domain model keeps, configured once.

django-simple-history's defaults do not suit an audit trail: its user foreign key makes deleting a
user rewrite history rows, so the user is kept as a plain id next to a snapshot of the name that
was shown at the time.
"""

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


class HistoryExtras(models.Model):
    """Columns every history row carries besides simple-history's own."""

    history_user_display = models.CharField(
        _("changed by (name at the time)"), max_length=200, blank=True, default=""
    )

    class Meta:
        abstract = True


def audited_history(**kwargs) -> HistoricalRecords:
    """HistoricalRecords with the user as a plain id and the name snapshot; use on every model."""
    return HistoricalRecords(
        history_user_id_field=models.IntegerField(null=True, blank=True, db_index=True),
        bases=[HistoryExtras],
        **kwargs,
    )


def user_display(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


@receiver(pre_create_historical_record)
def _snapshot_user_name(sender, history_instance, history_user=None, **kwargs):
    if isinstance(history_instance, HistoryExtras) and history_user is not None:
        history_instance.history_user_display = user_display(history_user)

"""The history every domain model keeps, configured once, and the change a write records.

django-simple-history's defaults do not suit an audit trail: its user foreign key makes deleting a
user rewrite history rows, so the user is kept as a plain id next to a snapshot of the name that
was shown at the time.

Who changes what, why, by which transition and under which articles travels in one object, a
``Change``, made current for the write with ``recording(change)`` (as Wagtail's log context and
simple-history's own request context do): every history row written inside it takes its user,
and the row it names (``on``) its reason, transition and articles.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from lianzheng import clock
from lianzheng.audit.chain import link


@dataclass(frozen=True)
class Change:
    """What a write records in history: who, and for the row ``on`` (every row when None) why,
    by which transition (name, state before, state after) and under which articles."""

    user: object | None = None
    reason: str = ""
    articles: tuple[str, ...] = ()
    transition: tuple[str, str, str] | None = None
    on: models.Model | None = None

    def describes(self, instance) -> bool:
        if self.on is None:
            return True
        return type(instance) is type(self.on) and instance.pk == self.on.pk


_CURRENT: contextvars.ContextVar[Change | None] = contextvars.ContextVar(
    "lianzheng_change", default=None
)


@contextmanager
def recording(change: Change) -> Iterator[Change]:
    """Make ``change`` the one the history rows written inside the block record."""
    token = _CURRENT.set(change)
    try:
        yield change
    finally:
        _CURRENT.reset(token)


def current_change() -> Change | None:
    return _CURRENT.get()


class ChainedQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Bulk writes join the chain too (simple-history's bulk_history_create ends here)."""
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            link([o for o in objs if not o.chain_hash])
            return super().bulk_create(objs, *args, **kwargs)


class HistoryExtras(models.Model):
    """Columns every history row carries besides simple-history's own: who by name, the
    transition and articles, and the row's link in the hash chain (lianzheng.audit.chain)."""

    history_user_display = models.CharField(
        _("changed by (name at the time)"), max_length=200, blank=True, default=""
    )
    history_transition = models.CharField(_("transition"), max_length=40, blank=True, default="")
    history_state_from = models.CharField(_("state before"), max_length=40, blank=True, default="")
    history_state_to = models.CharField(_("state after"), max_length=40, blank=True, default="")
    history_articles = models.TextField(
        _("articles cited"), blank=True, default="", help_text=_("Rule codes, e.g. R6.1 R6.3")
    )
    chain_seq = models.BigIntegerField(_("chain sequence"), null=True, unique=True, editable=False)
    chain_prev = models.CharField(_("previous hash"), max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)
    # The version of lianzheng.audit.encoding the hash covers; NULL for rows hashed by version 1
    # before the column existed (migration 0015).
    chain_encoding = models.PositiveSmallIntegerField(
        _("hash encoding"), null=True, blank=True, editable=False
    )

    objects = ChainedQuerySet.as_manager()
    # How lianzheng.audit.chain finds the tables of the chain.
    chain_linked = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            if not self.chain_hash:
                link([self])
                # link gave the row its id (hashed by the encoding): an insert, not an update
                kwargs["force_insert"] = True
            super().save(*args, **kwargs)


class Audited(models.Model):
    """Base of every audited model: a save or delete and its history row (with its chain link)
    commit together or not at all, even when the caller did not open a transaction.

    Inside a caller's transaction no savepoint is added (``savepoint=False``, as Django's own
    ``save_base`` does): the caller's transaction already makes the row and its history one
    unit, and a failed save leaves it marked for rollback rather than half done.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            return super().delete(*args, **kwargs)


class AuditedHistory(HistoricalRecords):
    """simple-history's records, taking the user and the reason from the current ``Change``
    (the hook its docs offer: "fill change reason from context")."""

    def create_historical_record(self, instance, history_type, using=None):
        # A step taken with the clock moved back (data that tells of the past) is recorded at
        # the moment it happened (lianzheng.clock).
        if not clock.moved() or hasattr(instance, "_history_date"):
            return super().create_historical_record(instance, history_type, using)
        instance._history_date = clock.now()
        try:
            return super().create_historical_record(instance, history_type, using)
        finally:
            del instance._history_date

    def get_history_user(self, instance):
        change = current_change()
        if change is not None and change.user is not None:
            return change.user
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        change = current_change()
        if change is not None and change.reason and change.describes(instance):
            return change.reason
        return super().get_change_reason_for_object(instance, history_type, using)


def audited_history(**kwargs) -> HistoricalRecords:
    """History with the user as a plain id and the name snapshot; use on every model."""
    return AuditedHistory(
        history_user_id_field=models.IntegerField(null=True, blank=True, db_index=True),
        bases=[HistoryExtras],
        **kwargs,
    )


def register_history(model) -> None:
    """``audited_history`` for a model defined where this module may not be imported (the audit
    layer's own records): simple-history's ``register``, into the add-on's models module."""
    from simple_history import register

    register(
        model,
        app="lianzheng",
        records_class=AuditedHistory,
        history_user_id_field=models.IntegerField(null=True, blank=True, db_index=True),
        bases=[HistoryExtras],
    )


def user_display(user) -> str:
    """Who acted, as people know him: his person's name, else the name of the login, and
    only for a login with no name at all the login itself (#17: never 「(office)」)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    try:
        person = user.person
    except (AttributeError, ObjectDoesNotExist):
        person = None
    if person is not None and person.name:
        return person.name
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


@receiver(pre_create_historical_record)
def _fill_history_extras(sender, instance, history_instance, history_user=None, **kwargs):
    """Copy who and, for the row the current change is about, its transition and articles."""
    if not isinstance(history_instance, HistoryExtras):
        return
    if history_user is not None:
        history_instance.history_user_display = user_display(history_user)
    change = current_change()
    if change is None or not change.describes(instance):
        return
    if change.transition:
        name, source, target = change.transition
        history_instance.history_transition = name
        history_instance.history_state_from = source
        history_instance.history_state_to = target
    history_instance.history_articles = " ".join(change.articles)


LOGIN_DELETED = "登录账号“{username}”已删除，解除关联（login {username} deleted, link removed）"


def _links_to_logins():
    """Every audited model's foreign keys to the user model that a deletion sets to NULL."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        if not issubclass(model, Audited):
            continue
        for field in model._meta.concrete_fields:
            if (
                isinstance(field, models.ForeignKey)
                and field.remote_field.model is user_model
                and field.remote_field.on_delete is models.SET_NULL
            ):
                yield model, field


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="lianzheng_unlink_login")
def _unlink_deleted_login(sender, instance, using, **kwargs):
    """Deleting a login sets the rows pointing at it (a person's login, who created a case or
    sent a notice…) to NULL by one SQL UPDATE of the deletion's own, which writes no history
    row. Before it, clear each link through the audited save, with the reason: Django sends
    pre_delete inside the deletion's transaction, so a deletion that fails leaves the links
    and their history as they were, and one that succeeds finds nothing left to update."""
    reason = LOGIN_DELETED.format(username=instance.get_username())
    with transaction.atomic(using=using, savepoint=False), recording(Change(reason=reason)):
        for model, field in _links_to_logins():
            for row in model._default_manager.using(using).filter(**{field.attname: instance.pk}):
                setattr(row, field.attname, None)
                row.save(using=using, update_fields=[field.name])

"""The chain's head: the last sequence number and hash, locked while rows are linked."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng.audit.encoding import GENESIS


class ChainHead(models.Model):
    """One row. Its lock serialises linking, so concurrent writers cannot fork the chain. The
    application only reads it: the database moves it as each history row is inserted, and
    refuses a row that does not extend it and any other change to it
    (lianzheng.audit.triggers.head_follows_v1); it moves with the transaction that adds the
    rows, so a rollback leaves it where it was."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(_("sequence"), default=0)
    hash = models.CharField(_("hash"), max_length=64, default=GENESIS)

    class Meta:
        verbose_name = _("chain head")

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def locked(cls) -> ChainHead:
        """The head, locked until the transaction ends: one query on every link but the
        database's very first, which creates the row."""
        try:
            return cls.objects.select_for_update().get(pk=1)
        except cls.DoesNotExist:
            pass
        try:
            with transaction.atomic():
                cls.objects.create(pk=1)
        except IntegrityError:
            pass  # created by a concurrent writer; lock it below
        return cls.objects.select_for_update().get(pk=1)

    @classmethod
    def current(cls) -> ChainHead:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ChainVerification(models.Model):
    """A run of the chain verification: when, by whom, how far, and the result.

    Append-only at the database and, like every record auditors rely on, in the hash chain: its
    history (simple-history's, registered in ``lianzheng.models``, as this layer may not import
    the history module) is written with the row, in one transaction."""

    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)
    user_id = models.IntegerField(_("user id"), null=True, blank=True)
    user_display = models.CharField(_("verified by"), max_length=200, blank=True)
    checked = models.BigIntegerField(_("rows checked"))
    head_seq = models.BigIntegerField(_("head sequence"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    ok = models.BooleanField(_("chain holds"))
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-verified_at"]
        verbose_name = _("chain verification")
        verbose_name_plural = _("chain verifications")

    def __str__(self) -> str:
        verified = timezone.localtime(self.verified_at)
        return f"{verified:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)


class Checkpoint(models.Model):
    """A signed statement of the chain's state: its size, the hash of its last row and the root
    of the Merkle tree over every row (lianzheng.audit.merkle), signed with an Ed25519 key that
    lives outside the database. Anyone holding a copy (the witnesses, an auditor) can tell that
    the rows it covers were not rewritten since, even by someone who recomputed every hash.

    ``frontier`` (the tree's compact range) lets the next checkpoint, and the routine
    verification, start from here without rehashing the rows before; ``entries`` keeps the
    chain hashes of the rows this checkpoint added after the one before it, authenticated by
    the signed root, so that a rewritten chain is compared row by row and the first changed row
    named."""

    tree_size = models.BigIntegerField(_("rows covered"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    root = models.CharField(_("Merkle root"), max_length=64)
    made_at = models.DateTimeField(_("made at"))
    key_id = models.CharField(_("key id"), max_length=16)
    public_key = models.CharField(_("public key"), max_length=64)
    signature = models.CharField(_("signature"), max_length=128)
    statement = models.TextField(_("signed statement"))
    frontier = models.JSONField(_("frontier"), default=list)
    previous_size = models.BigIntegerField(_("rows covered by the one before"), default=0)
    entries = models.BinaryField(_("chain hashes added"), default=b"")
    made_by = models.CharField(_("made by"), max_length=200, blank=True)

    class Meta:
        ordering = ["-tree_size", "-id"]
        verbose_name = _("signed checkpoint")
        verbose_name_plural = _("signed checkpoints")

    def __str__(self) -> str:
        return f"{self.tree_size}:{self.root[:16]}"

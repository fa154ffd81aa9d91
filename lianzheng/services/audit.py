"""Recording chain verifications, so auditors see when the chain was last checked and how."""

from __future__ import annotations

from django.db import transaction

from lianzheng.audit.chain import Verdict
from lianzheng.history import user_display
from lianzheng.models import ChainVerification


@transaction.atomic
def record_verification(verdict: Verdict, *, user) -> ChainVerification:
    broken = verdict.broken
    return ChainVerification.objects.create(
        user_id=getattr(user, "pk", None),
        user_display=user_display(user) if user else "命令行 command line",
        checked=verdict.checked,
        head_seq=verdict.last_seq or 0,
        head_hash=verdict.head_hash,
        ok=verdict.ok,
        detail=""
        if broken is None
        else f"{broken.seq} {broken.table} history_id={broken.history_id}: {broken.reason}",
    )

"""Issuing and revoking the case API's tokens (superuser only), and logging each call.

A token is ``lzk_`` + 40 random URL-safe characters. It is returned once, to be handed to the
consumer; the database keeps its first characters (to tell tokens apart in the admin) and its
SHA-256, never the token.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from lianzheng.history import Change, recording
from lianzheng.models import ApiCall, ApiConsumer
from lianzheng.refusals import TransitionRefused, input_problem

TOKEN_PREFIX = "lzk_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_consumer_issue(*, user, name: str, contact: str = "") -> tuple[ApiConsumer, str]:
    """A new consumer and its token (shown once)."""
    if not user.is_superuser:
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise TransitionRefused(
            [input_problem("请填写使用单位名称", "give the consumer's name", "name")]
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(30)
    consumer = ApiConsumer(
        name=name[:100],
        contact=(contact or "").strip()[:200],
        token_prefix=token[:12],
        token_sha256=token_digest(token),
        issued_at=timezone.now(),
        issued_by=user,
    )
    with recording(Change(user=user, reason="签发接口令牌 / API token issued")):
        consumer.save()
    return consumer, token


@transaction.atomic
def api_consumer_revoke(*, user, consumer: ApiConsumer, reason: str) -> ApiConsumer:
    """The token stops working at once; the consumer and its calls stay on record."""
    if not user.is_superuser:
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(
            [input_problem("请填写撤销理由", "give the reason for revoking", "reason")]
        )
    consumer = ApiConsumer.objects.select_for_update().get(pk=consumer.pk)
    if consumer.revoked_at is not None:
        raise TransitionRefused(
            [input_problem("该令牌已撤销", "this token is already revoked", "reason")]
        )
    consumer.revoked_at = timezone.now()
    consumer.revoked_reason = reason[:200]
    with recording(Change(user=user, reason=f"撤销接口令牌：{reason}")):
        consumer.save()
    return consumer


def api_call_log(*, consumer, method: str, path: str, query: str, status: int, client: str):
    """One call, appended (refused ones too: a wrong token is worth knowing about)."""
    return ApiCall.objects.create(
        at=timezone.now(),
        consumer=consumer,
        method=method[:10],
        path=path[:500],
        query=query[:500],
        status=status,
        client=client[:64],
    )

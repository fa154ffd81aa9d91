"""Who is calling the case API: a bearer token of an active consumer, and how often he may.

DRF's own TokenAuthentication keeps tokens in clear and ties them to a user; a consumer here is
an outside body, not a login, and only the token's SHA-256 is kept (lianzheng.models.api).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from lianzheng.models import ApiConsumer
from lianzheng.services.api_consumers import token_digest


class ConsumerUser(AnonymousUser):
    """What ``request.user`` is for a consumer: nobody who could sign in to the admin."""

    def __init__(self, consumer: ApiConsumer):
        self.consumer = consumer

    def __str__(self) -> str:
        return self.consumer.name


class ConsumerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        consumer = ApiConsumer.objects.filter(token_sha256=token_digest(token)).first()
        if consumer is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not consumer.active:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        return ConsumerUser(consumer), consumer

    def authenticate_header(self, request):
        return self.keyword


class IsConsumer(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiConsumer)


class ConsumerRateThrottle(throttling.SimpleRateThrottle):
    """Per consumer (per address before one is known): LIANZHENG_API_RATE, e.g. "120/min"."""

    scope = "lianzheng_api"

    def get_rate(self):
        return settings.LIANZHENG_API_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiConsumer):
            ident = f"consumer-{request.auth.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

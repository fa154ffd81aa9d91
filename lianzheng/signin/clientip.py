"""The client's address, for counting failed sign-ins (django-axes).

Behind a reverse proxy every request comes from the proxy, so REMOTE_ADDR would count everyone
as one client. X-Forwarded-For is believed only as far as the operator says proxies of ours stand
in front (TRUSTED_PROXY_COUNT): each of them appends the address it saw, so the entry that many
places from the right is the one our outermost proxy saw. Entries further left are the client's
own claims and are ignored: a guesser cannot dodge the count by inventing addresses.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.LIANZHENG_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            seen = _address(forwarded[-proxies])
            if seen:
                return seen
    return _address(remote) or remote or None

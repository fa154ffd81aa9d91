"""Idle sessions end: a signed-in person's session is renewed as he works, at most once a minute.

Django's SESSION_SAVE_EVERY_REQUEST would write the session on every request, including the
admin's background requests; renewing once a minute keeps the idle limit (SESSION_COOKIE_AGE)
to the minute with a fraction of the writes.
"""

from __future__ import annotations

import time

RENEWED = "lianzheng_session_renewed"
RENEW_EVERY_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(RENEWED, 0) >= RENEW_EVERY_SECONDS:
                request.session[RENEWED] = now  # saved by SessionMiddleware, expiry renewed
        return response

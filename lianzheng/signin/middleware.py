"""Holds a signed-in person at the second step until it is done.

After the password, someone with an authenticator is sent to give a code, and someone whose role
requires two-factor sign-in but has none is sent to enrol; until then every other page (admin,
/my/, the rest) redirects there. Only the step's own page, signing out and the admin's script
catalogue stay open.

Once a session needs nothing more it is marked, so that later requests do not look for an
authenticator again. A verified session (user.is_verified(), from django-otp's middleware) costs
no query at all. Any other marked session still has its roles looked up on every request (once
per request, cached on the user, as the admin's permission checks do anyway): someone added to a
role in LIANZHENG_2FA_REQUIRED_ROLES while signed in is sent to enrol, or to give a code, at his
next request rather than at his next sign-in. Removing the role locks nobody out: a session held
at the enrol step is checked on every request and opens as soon as the role is gone.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse

from lianzheng.signin.twofactor import pending_step, user_requires_2fa

SESSION_CLEARED = "lianzheng_2fa_cleared_for"
ALWAYS_OPEN = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
        "set_language",
    }
)
STEP_VIEWS = {"verify": "lianzheng_2fa_verify", "enrol": "lianzheng_2fa_enrol"}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and _may_be_held(request, user):
            step = pending_step(user)
            if step is None:
                request.session[SESSION_CLEARED] = user.pk
            else:
                request.session.pop(SESSION_CLEARED, None)
                if _url_name(request) not in ALWAYS_OPEN | {STEP_VIEWS[step]}:
                    return redirect_to_login(
                        request.get_full_path(), login_url=reverse(STEP_VIEWS[step])
                    )
        return self.get_response(request)


def _may_be_held(request, user) -> bool:
    """Whether the second step must be looked at again for this request: always for a session
    not yet cleared; for a cleared one, only if it is not verified and the user's roles now
    require two-factor sign-in."""
    if request.session.get(SESSION_CLEARED) != user.pk:
        return True
    return not user.is_verified() and user_requires_2fa(user)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None

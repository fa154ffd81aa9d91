"""Holds a signed-in person at the second step until it is done.

After the password, someone with an authenticator is sent to give a code, and someone whose role
requires two-factor sign-in but has none is sent to enrol; until then every other page (admin,
/my/, the rest) redirects there. Only the step's own page, signing out and the admin's script
catalogue stay open. Once a session needs nothing more it is marked, so later requests cost no
query.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse

from lianzheng.signin.twofactor import pending_step

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
        if user.is_authenticated and request.session.get(SESSION_CLEARED) != user.pk:
            step = pending_step(user)
            if step is None:
                request.session[SESSION_CLEARED] = user.pk
            elif _url_name(request) not in ALWAYS_OPEN | {STEP_VIEWS[step]}:
                return redirect_to_login(
                    request.get_full_path(), login_url=reverse(STEP_VIEWS[step])
                )
        return self.get_response(request)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None

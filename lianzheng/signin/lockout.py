"""What a locked-out person sees: the sign-in page with the reason and the time to try again.

django-axes calls ``lockout_response`` (settings.AXES_LOCKOUT_CALLABLE) when a sign-in is refused
for too many failures. The page is Wagtail's own sign-in page with the message above the form,
answered with 429 (Too Many Requests), instead of axes' bare text.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.views.account import get_user_login_form


def lockout_message(*, retry_at, limit: int) -> str:
    minutes = max(1, round((retry_at - timezone.now()).total_seconds() / 60))
    return _(
        "This account is temporarily locked: {limit} failed sign-ins in a row from this "
        "address. Try again after {time} (in {minutes} minutes), or ask the system "
        "administrator to unlock it."
    ).format(limit=limit, time=timezone.localtime(retry_at).strftime("%H:%M"), minutes=minutes)


def lockout_response(request, original_response=None, credentials=None):
    # Every refused try restarts the wait (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the
    # lock ends one cool-off after this request.
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    started = getattr(request, "axes_attempt_time", None) or timezone.now()
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": get_user_login_form()(request, initial={"username": username}),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "locked_out_message": lockout_message(
            retry_at=started + cool_off, limit=settings.AXES_FAILURE_LIMIT
        ),
    }
    return render(request, "lianzheng/signin/locked_out.html", context, status=429)

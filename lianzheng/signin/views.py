"""The admin's two-factor pages: give a code, enrol an authenticator, manage it.

Giving a code and enrolling are shown like the sign-in page (no menu: nothing else is open until
they are done, see middleware.py); managing is a page of the account settings.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lianzheng.signin import twofactor
from lianzheng.signin.forms import CodeForm
from lianzheng.signin.middleware import SESSION_CLEARED

WRONG_CODE = gettext_lazy(
    "This code is wrong or has expired. Enter the six-digit code your authenticator app shows "
    "now, or one of your backup codes."
)
WRONG_ENROLMENT_CODE = gettext_lazy(
    "This code is wrong or has expired. Enter the six-digit code the app shows now, after "
    "scanning the QR code above."
)


def throttled_message(locked_until: datetime) -> str:
    """Why a code, perhaps the right one, was refused without being checked, and how long to
    wait: a person told "wrong" would keep trying, and every wrong try doubles the wait."""
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return _(
        "Too many wrong codes in a row, so for now every code is refused, even the right one. "
        "Wait {seconds} s (until {time} Beijing time), then enter the code shown at that time."
    ).format(seconds=seconds, time=timezone.localtime(locked_until).strftime("%H:%M:%S"))


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("wagtailadmin_home")


class VerifyView(FormView):
    template_name = "lianzheng/signin/verify.html"

    def get_form(self, form_class=None):
        return CodeForm(
            **self.get_form_kwargs(),
            help_text=_("The code your authenticator app shows, or one of your backup codes."),
        )

    def dispatch(self, request, *args, **kwargs):
        if twofactor.pending_step(request.user) != "verify":
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            verified = twofactor.verify(request=self.request, code=form.cleaned_data["code"])
        except twofactor.Throttled as throttled:
            form.add_error("code", throttled_message(throttled.locked_until))
            return self.form_invalid(form)
        if not verified:
            form.add_error("code", WRONG_CODE)
            return self.form_invalid(form)
        return redirect(_next_url(self.request))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": _next_url(self.request)}


class EnrolView(FormView):
    template_name = "lianzheng/signin/enrol.html"

    def get_form(self, form_class=None):
        return CodeForm(
            **self.get_form_kwargs(), help_text=_("The six-digit code the app shows now.")
        )

    def dispatch(self, request, *args, **kwargs):
        if twofactor.user_has_2fa(request.user):
            return redirect("lianzheng_2fa_manage")
        self.device = twofactor.enrolment_device(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            codes = twofactor.enrolment_confirm(
                request=self.request, device=self.device, code=form.cleaned_data["code"]
            )
        except twofactor.Throttled as throttled:
            form.add_error("code", throttled_message(throttled.locked_until))
            return self.form_invalid(form)
        if codes is None:
            form.add_error("code", WRONG_ENROLMENT_CODE)
            return self.form_invalid(form)
        return render(
            self.request,
            "lianzheng/signin/backup_codes.html",
            {"codes": codes, "next": _next_url(self.request), "enrolled": True},
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "qr_svg": twofactor.qr_svg(self.device),
            "secret": twofactor.secret_of(self.device),
            "required": twofactor.user_requires_2fa(self.request.user),
            "next": _next_url(self.request),
        }


class ManageView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "lianzheng/signin/manage.html"
    page_title = gettext_lazy("Two-factor sign-in")
    header_icon = "key"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "enrolled": twofactor.user_has_2fa(user),
            "required": twofactor.user_requires_2fa(user),
            "backup_codes_left": twofactor.backup_codes_left(user),
        }


def _code_confirmed(request) -> bool:
    """Replacing the backup codes or removing the authenticator asks for a current code (or a
    backup code), so that a session left open, or taken over, cannot switch two-factor sign-in
    off, enrol its own phone in its place, or walk away with fresh backup codes."""
    try:
        if twofactor.verify(request=request, code=request.POST.get("code", "")):
            return True
    except twofactor.Throttled as throttled:
        messages.error(request, throttled_message(throttled.locked_until))
        return False
    messages.error(request, WRONG_CODE)
    return False


class BackupCodesView(View):
    def post(self, request):
        if not twofactor.user_has_2fa(request.user) or not _code_confirmed(request):
            return redirect("lianzheng_2fa_manage")
        codes = twofactor.backup_codes_issue(user=request.user)
        return render(
            request,
            "lianzheng/signin/backup_codes.html",
            {"codes": codes, "next": reverse("lianzheng_2fa_manage"), "enrolled": False},
        )


class RemoveView(View):
    def post(self, request):
        if twofactor.user_has_2fa(request.user) and not _code_confirmed(request):
            return redirect("lianzheng_2fa_manage")
        twofactor.twofactor_remove(user=request.user)
        request.session.pop(SESSION_CLEARED, None)
        if twofactor.user_requires_2fa(request.user):
            messages.warning(
                request,
                _("Your authenticator was removed. Your role requires one: enrol the new one now."),
            )
            return redirect("lianzheng_2fa_enrol")
        messages.success(request, _("Two-factor sign-in is off for your account."))
        return redirect("lianzheng_2fa_manage")


def account_menu_item(request):
    """The entry under the admin's account settings."""
    return {
        "url": reverse("lianzheng_2fa_manage"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Enrol an authenticator app, get new backup codes, or change the phone."),
    }

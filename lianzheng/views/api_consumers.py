"""The case API's consumers in the admin: the superuser issues a token (shown once) and revokes
it; auditors read the log of calls beside the superuser."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from lianzheng.fields import RefusalFormMixin
from lianzheng.models import ApiCall, ApiConsumer
from lianzheng.refusals import TransitionRefused
from lianzheng.services.api_consumers import api_consumer_issue, api_consumer_revoke
from lianzheng.views.audit import user_can_read_audit
from lianzheng.views.cases import Forbidden, as_403

PREFIX = "lianzheng_api_consumers"


class IssueForm(RefusalFormMixin, forms.Form):
    name = forms.CharField(
        label=_("consumer"),
        max_length=100,
        required=False,
        help_text=_("e.g. 州纪委监委第三监督检查室"),
    )
    contact = forms.CharField(label=_("contact"), max_length=200, required=False)


class RevokeForm(RefusalFormMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class SuperuserOnly:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)


class ConsumerListView(SuperuserOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lianzheng/admin/api/consumers.html"
    page_title = _("API consumers")
    header_icon = "key"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            consumers=ApiConsumer.objects.select_related("issued_by"),
            issue_url=reverse(f"{PREFIX}:issue"),
            calls_url=reverse(f"{PREFIX}:calls"),
            openapi_url=reverse("lianzheng_api:openapi"),
        )
        return context


class _AdminForm(WagtailAdminTemplateMixin, FormView):
    template_name = "lianzheng/admin/case_form.html"
    header_icon = "key"
    submit_label = _("Save")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(),
            submit_button_label=self.submit_label,
            submit_button_active_label=self.submit_label,
            media=context["form"].media,
        )
        return context


class IssueView(SuperuserOnly, _AdminForm):
    """Issue a token. The answer is the page that shows it, once: never stored, never cached."""

    form_class = IssueForm
    page_title = _("Issue an API token")
    submit_label = _("Issue the token")

    def form_valid(self, form):
        try:
            consumer, token = api_consumer_issue(user=self.request.user, **form.cleaned_data)
        except TransitionRefused as error:
            form.add_refusals(error)
            return self.form_invalid(form)
        response = TemplateResponse(
            self.request,
            "lianzheng/admin/api/issued.html",
            {
                **self.get_context_data(form=form),
                "page_title": _("Token issued"),
                "consumer": consumer,
                "token": token,
                "list_url": reverse(f"{PREFIX}:list"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class RevokeView(SuperuserOnly, _AdminForm):
    form_class = RevokeForm
    page_title = _("Revoke an API token")
    submit_label = _("Revoke the token")

    def dispatch(self, request, *args, **kwargs):
        self.consumer = get_object_or_404(ApiConsumer, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.consumer.name

    def form_valid(self, form):
        try:
            api_consumer_revoke(user=self.request.user, consumer=self.consumer, **form.cleaned_data)
        except TransitionRefused as error:
            form.add_refusals(error)
            return self.form_invalid(form)
        return redirect(f"{PREFIX}:list")


class CallLogView(WagtailAdminTemplateMixin, TemplateView):
    """The newest calls first (500), for the superuser and the auditors."""

    template_name = "lianzheng/admin/api/calls.html"
    page_title = _("API calls")
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_read_audit(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["calls"] = ApiCall.objects.select_related("consumer")[:500]
        return context


class ApiConsumerViewSet(ViewSet):
    name = PREFIX
    url_prefix = "lianzheng/api-consumers"
    icon = "key"
    menu_label = _("API consumers")
    add_to_settings_menu = True

    def get_urlpatterns(self):
        return [
            path("", as_403(ConsumerListView.as_view()), name="list"),
            path("issue/", as_403(IssueView.as_view()), name="issue"),
            path("<int:pk>/revoke/", as_403(RevokeView.as_view()), name="revoke"),
            path("calls/", as_403(CallLogView.as_view()), name="calls"),
        ]

    def get_menu_item(self, order=None):
        class SuperuserMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.is_superuser

        return SuperuserMenuItem(
            self.menu_label, reverse(f"{PREFIX}:list"), icon_name=self.icon, order=order or 900
        )

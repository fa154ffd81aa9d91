"""The case workflow as a diagram in the admin, for everyone who may open cases."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lianzheng.models import TalkCase
from lianzheng.permissions import user_can_view_cases
from lianzheng.views.cases import Forbidden, case_url


class WorkflowDiagramView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "lianzheng/admin/workflow.html"
    page_title = _("Case workflow")
    header_icon = "clipboard-list"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_view_cases(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": case_url("list"), "label": TalkCase._meta.verbose_name_plural},
            {"url": "", "label": self.get_page_title()},
        ]

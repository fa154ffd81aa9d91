"""The site's home page: what the system is, where the regulation is, and the way to the admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from lianzheng.search.fields import CJKSearchField, page_search_fields


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["lianzheng.RegulationIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1
    search_fields = page_search_fields(Page, CJKSearchField("intro"))

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from lianzheng.models import RegulationPage

        context = super().get_context(request, *args, **kwargs)
        context["regulations"] = (
            RegulationPage.objects.descendant_of(self).live().public().order_by("-issue_date")
        )
        user = request.user
        context["show_admin_link"] = user.is_authenticated and user.has_perm(
            "wagtailadmin.access_admin"
        )
        return context

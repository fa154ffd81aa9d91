"""What the site's own copies of Wagtail's admin templates ask of the add-on."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from wagtail.admin.forms.search import SearchForm
from wagtail.admin.search import admin_search_areas

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_search(context):
    """Where the dashboard's search box sends its query, and the box itself: the first search
    area the user may use, as the sidebar's search does (lianzheng.viewsets.CaseSearchArea).
    Wagtail's dashboard always searched pages, which refuses everyone who works cases
    (「你没有权限访问」). None when the user may search nothing."""
    request = context["request"]
    areas = admin_search_areas.search_items_for_request(request)
    if not areas:
        return None
    area = areas[0]
    placeholder = _("Search %(what)s…") % {"what": area.label}
    return {"url": area.url, "form": SearchForm(placeholder=placeholder)}


@register.filter
def reader_language(text):
    """Words the system recorded (「命令行 command line」) in the reader's language."""
    from lianzheng.selectors.changes import in_reader_language

    return in_reader_language(text)

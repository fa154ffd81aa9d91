"""The add-on's Wagtail admin: snippet viewsets, grouped under one 廉政约谈 menu."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from lianzheng.models import Unit


class UnitViewSet(SnippetViewSet):
    model = Unit
    icon = "group"
    menu_label = _("Units")
    list_display = ["name", "kind", "county", "active"]
    list_filter = ["kind", "county", "active"]
    search_fields = ["name", "code"]
    search_backend_name = None
    ordering = ["sort_order", "name"]
    inspect_view_enabled = True
    copy_view_enabled = False


class LianzhengViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Integrity talks")
    menu_icon = "clipboard-list"
    menu_order = 200
    items = (UnitViewSet,)

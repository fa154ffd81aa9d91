"""The admin's choosers: they show only what the user may read, never create, and search the
database directly — 20,000 people must be findable by name in the modal, without a search index
to keep in step (and never as a select of all of them)."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import URLPattern
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet

from lianzheng.views.cases import forbidden_response
from lianzheng.widgets import SnippetChooser


class DatabaseSearchForm(BaseFilterForm):
    """The chooser's search box, looked up in the database by part of any of ``fields``."""

    fields_searched: tuple[str, ...] = ()
    placeholder = _("Search term")
    q = forms.CharField(label=_("Search term"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = self.placeholder

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            match = Q()
            for field in self.fields_searched:
                match |= Q(**{f"{field}__icontains": query})
            objects = objects.filter(match)
        return self.narrow(objects)

    def narrow(self, objects):
        return objects


class PersonFilterForm(DatabaseSearchForm):
    fields_searched = ("name", "post", "unit__name")
    placeholder = _("Name, post or unit")

    def narrow(self, objects):
        return objects.filter(active=True).select_related("unit")


class UnitFilterForm(DatabaseSearchForm):
    """49 units over five pages had no search: by name or code, the active ones."""

    fields_searched = ("name", "code")
    placeholder = _("Unit name or code")

    def narrow(self, objects):
        return objects.filter(active=True)


class PersonChooseView(ChooseView):
    filter_form_class = PersonFilterForm


class PersonChooseResultsView(ChooseResultsView):
    filter_form_class = PersonFilterForm


class UnitChooseView(ChooseView):
    filter_form_class = UnitFilterForm


class UnitChooseResultsView(ChooseResultsView):
    filter_form_class = UnitFilterForm


def _requires_view(view_func, model):
    """Wagtail's chooser views list and return objects to anyone in the admin; ours ask the
    snippet's own permission policy first, so an editor cannot list cases through a chooser."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        if not model.snippet_viewset.permission_policy.user_has_permission(request.user, "view"):
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                raise PermissionDenied
            return forbidden_response(request, back_url="/admin/")
        return view_func(request, *args, **kwargs)

    return wrapped


class ReadCheckedChooserViewSet(SnippetChooserViewSet):
    """A chooser that needs the "view" permission and has no "create" tab or URL: people, units
    and the rest are made on their own forms, where their history reason is asked for, and a
    case only through the case form and its service. Its widget (used by every form choosing
    one) is ours (lianzheng.widgets)."""

    @cached_property
    def widget_class(self):
        return SnippetChooser(model=self.model, icon=self.icon)

    def get_urlpatterns(self):
        patterns = [p for p in super().get_urlpatterns() if getattr(p, "name", "") != "create"]
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _requires_view(pattern.callback, self.model)
        return patterns


class PersonChooserViewSet(ReadCheckedChooserViewSet):
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView


class UnitChooserViewSet(ReadCheckedChooserViewSet):
    choose_view_class = UnitChooseView
    choose_results_view_class = UnitChooseResultsView

"""Choosers that search the database directly: 20,000 people must be findable by name in the
modal, without a search index to keep in step (and never as a select of all of them)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet

from lianzheng.widgets import SnippetChooser


class RobustSnippetChooserViewSet(SnippetChooserViewSet):
    """The chooser of a snippet, whose widget (used by every form choosing one) is ours."""

    @cached_property
    def widget_class(self):
        return SnippetChooser(model=self.model, icon=self.icon)


class PersonFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name, post or unit")}),
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(
                Q(name__icontains=query) | Q(post__icontains=query) | Q(unit__name__icontains=query)
            )
        return objects.filter(active=True).select_related("unit")


class PersonChooseView(ChooseView):
    filter_form_class = PersonFilterForm


class PersonChooseResultsView(ChooseResultsView):
    filter_form_class = PersonFilterForm


class PersonChooserViewSet(RobustSnippetChooserViewSet):
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView

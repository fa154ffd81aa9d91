"""Listing filters of our own, and how Wagtail shows them when they are in force."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.active_filters import ActiveFilter, BaseFilterAdapter


class TickFilter(django_filters.BooleanFilter):
    """A filter that is a single checkbox ("overdue", "my cases"): ticked, it applies; unticked,
    it is no filter at all. An unticked checkbox reads as False rather than as empty, so the
    field's initial value is False: Wagtail then sees the filter as unchanged and shows no pill
    for it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        kwargs.setdefault("initial", False)
        super().__init__(*args, **kwargs)


class TickFilterAdapter(BaseFilterAdapter):
    """The pill of a ticked TickFilter says 是 ("yes"), not Python's True."""

    def get_active_filters(self):
        if self.value:
            yield ActiveFilter(
                self.bound_field.auto_id,
                self.filter.label,
                str(_("yes")),
                self.get_url_without_filter_param(self.name),
            )

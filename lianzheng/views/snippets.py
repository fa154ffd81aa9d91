"""The generic snippet forms of the reference data (people, units, grounds, calendar…), with a
refusal that says which fields to correct.

Wagtail's banner says only that the form "could not be saved due to errors" and leaves the fields
to be found further down the page; ours names them, by their labels.
"""

from __future__ import annotations

from django.forms.forms import NON_FIELD_ERRORS
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, InspectView

from lianzheng.dates import written


class NamedFieldErrorsMixin:
    def is_valid(self, form):
        valid = super().is_valid(form)
        if not valid and self.produced_error_message:
            labels = [
                str(form.fields[name].label)
                for name in form.errors
                if name != NON_FIELD_ERRORS and name in form.fields
            ]
            if labels:
                separator = "、" if (get_language() or "").startswith("zh") else ", "
                self.produced_error_message = _("%(message)s Please correct: %(fields)s.") % {
                    "message": self.produced_error_message,
                    "fields": separator.join(labels),
                }
        return valid


class SnippetCreateView(NamedFieldErrorsMixin, CreateView):
    """Wagtail's snippet add view, whose refusal names the fields in error."""


class SnippetEditView(NamedFieldErrorsMixin, EditView):
    """Wagtail's snippet edit view, whose refusal names the fields in error."""


def readable(value):
    """A value as a person reads it (#17): 是/否 rather than True/False, — for nothing rather
    than None, a date in the reader's language."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return "—"
    if hasattr(value, "year") and hasattr(value, "day"):
        return written(value)
    return value


class ReadableColumn(Column):
    """A listing's cell, ``readable``."""

    def get_value(self, instance):
        return readable(super().get_value(instance))


class ReadableInspectMixin:
    """An inspect page's values, ``readable``."""

    def get_field_display_value(self, field_name, field):
        return readable(super().get_field_display_value(field_name, field))


class ReadableInspectView(ReadableInspectMixin, InspectView):
    pass


class ReadableIndexView(IndexView):
    """Reference listings whose plain field columns read as ``ReadableColumn``."""

    def _get_custom_column(self, field_name, column_class=ReadableColumn, **kwargs):
        return super()._get_custom_column(field_name, column_class, **kwargs)

"""Admin widgets of the add-on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail.snippets.widgets import AdminSnippetChooser


class SnippetChooser(AdminSnippetChooser):
    """Wagtail's snippet chooser, able to show a refused form again whatever was posted.

    Wagtail's looks the posted value up as an id to show what was chosen, and a value that is no
    id at all ("abc", "1 OR 1=1") raised there: a 500 instead of the form with its error. Here
    such a value shows nothing chosen, and the field's own error says why.
    """

    def get_instance(self, value):
        try:
            return super().get_instance(value)
        except (ValueError, TypeError, ValidationError, OverflowError):
            return None

"""Admin widgets of the add-on."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
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


class SuggestingInput(forms.TextInput):
    """A text box that offers ``options`` as the user types (an HTML datalist) and still
    takes any text: the 责任人 of a rectification item is usually one of the case's subjects or
    his unit, but may be another person the office names."""

    def __init__(self, options=(), attrs=None):
        super().__init__(attrs)
        self.options = list(options)

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-options"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        box = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">', ((o,) for o in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)

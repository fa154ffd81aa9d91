"""Admin widgets of the add-on."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from wagtail.snippets.widgets import AdminSnippetChooser


def _lazy_text(message: str, model) -> str:
    """「选择单位」 in the language of the reader of the form, not of the first one to be drawn:
    Wagtail 7.4 fills in the model's name with ``%`` when the widget is made (at start-up),
    which fixes its language for everyone (#17)."""
    return lazy(lambda: gettext(message) % {"object": model._meta.verbose_name}, str)()


class SnippetChooser(AdminSnippetChooser):
    """Wagtail's snippet chooser, able to show a refused form again whatever was posted.

    Wagtail's looks the posted value up as an id to show what was chosen, and a value that is no
    id at all ("abc", "1 OR 1=1") raised there: a 500 instead of the form with its error. Here
    such a value shows nothing chosen, and the field's own error says why.
    """

    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        self.choose_one_text = _lazy_text("Choose %(object)s", self.model)
        self.choose_another_text = _lazy_text("Choose another %(object)s", self.model)
        self.link_to_chosen_text = _lazy_text("Edit this %(object)s", self.model)

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

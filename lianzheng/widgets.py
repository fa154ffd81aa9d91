"""Admin widgets of the add-on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
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

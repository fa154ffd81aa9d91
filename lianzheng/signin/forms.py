"""The one field of both two-factor steps: a code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": ""}),
    )

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = help_text
        # Wagtail's sign-in layout hides a field's own error message (it shows errors above the
        # form, see signin/step.html): the field still names it, and its help, as what
        # describes it, so that a screen reader entering the field reads why the code failed.
        code = self["code"]
        self.fields["code"].widget.attrs["aria-describedby"] = " ".join(
            [f"{code.auto_id}-helptext"] * bool(help_text) + [f"{code.auto_id}-error"]
        )

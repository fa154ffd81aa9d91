"""Form fields and helpers shared by every form of the add-on: dates within the calendar's
years, text as long as its column, ids that cannot overflow, and refusals shown next to the
field they name."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lianzheng.models.calendar import FIRST_YEAR, LAST_YEAR
from lianzheng.refusals import TransitionRefused, describe

TEXT_LIMIT = 10_000
LINE_LIMIT = 200


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


class DateField(forms.DateField):
    """A date within the years the working-day calendar is kept for: a year 1 or 9999 typed by
    mistake would otherwise reach date arithmetic that cannot hold it."""

    default_validators = [_in_years]


class DateTimeField(forms.DateTimeField):
    """A date and time within those years; one given in another time zone is taken as that
    moment and shown in Beijing time, and a Beijing time that never was or was twice (the
    summer times of 1986–1991) is refused by Django's own parsing."""

    default_validators = [_in_years]


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id no row can have before asking the database: a 30-digit id
    overflowed SQLite's integers (a 500) and is out of PostgreSQL's range too."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if int_param(str(pk)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def int_param(value: str | None) -> int | None:
    """A row id from a query parameter; None for anything else ("²", "1e3", 40 digits…)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def text_field(label, required=False, help_text="", rows=4):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def line_field(label, required=False, help_text="", max_length=LINE_LIMIT):
    """One line of text, as long as the column that keeps it."""
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=max_length
    )


def blank_choice(choices):
    return [("", "---------"), *choices]


def working_days_field():
    return forms.IntegerField(
        label=_("or within working days"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=_("Counted from today on China's official calendar; leave the date empty."),
    )


def name_in_summary(field, whose) -> None:
    """A form with the same fields once per subject or item lists its errors above the form
    by label; ``summary_label`` (case_form.html) says whose field it is, e.g. 记录（张三）, so
    that the list does not name the same label twice without saying which one."""
    field.summary_label = format_lazy("{label}（{whose}）", label=field.label, whose=whose)


class RefusalFormMixin:
    """Put a service's refusals next to the fields they name; the rest above the form."""

    def add_refusals(self, error: TransitionRefused) -> None:
        for refusal in error.refusals:
            field = refusal.field if refusal.field in self.fields else None
            self.add_error(field, describe(refusal))

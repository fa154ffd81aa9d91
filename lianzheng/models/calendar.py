"""Editors' additions to the official working-day calendar, for years the package lacks."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianzheng.dates import written
from lianzheng.history import Audited, audited_history

# The years the calendar is kept for: the package covers 2004 on, editors type later years,
# and nothing in the regulation's practice falls outside.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year_error():
    return ValidationError(
        _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
    )


class CalendarOverride(Audited):
    """One date ruled working or not, as the State Council's notice for that year says."""

    date = models.DateField(_("date"), unique=True)
    working = models.BooleanField(_("working day"))
    note = models.CharField(
        _("note"), max_length=100, blank=True, help_text=_("e.g. 国庆节, 调休上班")
    )

    history = audited_history()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        state = _("working day") if self.working else _("day off")
        return f"{written(self.date)} {state} {self.note}".strip()

    def clean(self):
        if self.date and not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            raise ValidationError({"date": _year_error()})


class CalendarYear(Audited):
    """An editor's statement that a year's official arrangement has been entered in full.

    Without it a single override row would silence the "official calendar missing" warning for
    a whole year; with it, days without a row are ordinary days by the editor's word.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=200, help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知")
    )

    history = audited_history()

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year entered")
        verbose_name_plural = _("calendar years entered")

    def __str__(self) -> str:
        return str(self.year)

    def clean(self):
        if self.year and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValidationError({"year": _year_error()})

"""What changed between two history rows, field by field, in the fields' own labels and in
words a reader knows: a choice by its label, a date in Beijing time, a person or a revision by
name rather than by its key. The timeline and the audit views both show changes this way."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from wagtail.models import Revision


def value_display(choices=None):
    """How a plain column's value reads: its choice label, a local date and time, or text."""

    def display(value) -> str:
        if value is None or value == "":
            return ""
        if choices and value in choices:
            return str(choices[value])
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return str(value)

    return display


class RelatedDisplay:
    """How a key reads: the object it names (「同意人：— → 1」 told the reader nothing), looked
    up once per key however often it is shown."""

    def __init__(self, field):
        self.model = field.related_model
        self.seen: dict = {}

    def __call__(self, pk) -> str:
        if pk is None:
            return ""
        if pk not in self.seen:
            self.seen[pk] = self._describe(pk)
        return self.seen[pk]

    def _describe(self, pk) -> str:
        obj = self.model._default_manager.filter(pk=pk).first()
        if obj is None:
            return f"#{pk}"
        if isinstance(obj, Revision):
            # Wagtail's own str() is '"<title>" at 2026-11-27 21:15:48.192952+00:00': English
            # and UTC. The case page calls the same thing 「版本 #3」.
            return f"#{obj.pk}（{timezone.localtime(obj.created_at):%Y-%m-%d %H:%M}）"
        return str(obj)


def field_display(field):
    if field.is_relation:
        return RelatedDisplay(field)
    return value_display(dict(field.flatchoices) if field.choices else None)


def field_changes(record, previous) -> list[tuple[str, str, str]]:
    """(label, old, new) for each field that differs between two history rows of one object."""
    if previous is None:
        return []
    model = record.instance_type
    changes = []
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    for change in delta.changes:
        try:
            field = model._meta.get_field(change.field)
        except FieldDoesNotExist:
            label, display = change.field, str
        else:
            label, display = str(field.verbose_name), field_display(field)
        changes.append((label, display(change.old), display(change.new)))
    return changes

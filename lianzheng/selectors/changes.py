"""What a history row says, in words a reader knows: which part it was about (a participant by
his name and part, a notice by its subject and date, never a key), and what it changed from the
object's row before, field by field, in the fields' own labels: a choice by its label, a date
as the reader's language writes it (2026年3月5日), a person or a revision by name. The timeline,
the audit log and its export, and the comparison of versions all show history this way.

Every object a page or an export will name is asked of a ``Related`` first and read at its
``load()``, once per model (one that was deleted from its last history row), so the number of
queries does not grow with the rows shown.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Revision

from lianzheng.history import Audited
from lianzheng.models import (
    Appointment,
    CaseGround,
    CaseParticipant,
    CaseSubject,
    ConfidentialReport,
    Escalation,
    Ground,
    Notice,
    Person,
    Postponement,
    RectificationCheck,
    RectificationItem,
    RoleAssignment,
    Substitution,
    TalkRecord,
)
from lianzheng.refusals import chinese

CHUNK = 500  # keys per IN (…): under every database's limit on a query's parameters

HISTORY_TYPES = {"+": _("added"), "~": _("changed"), "-": _("removed")}
SENTENCES = {
    "+": _("Added %(part)s: %(name)s"),
    "~": _("Changed %(part)s: %(name)s"),
    "-": _("Removed %(part)s: %(name)s"),
}

# Labels of the fields the models left without one (Django would show "sent by", untranslated).
FIELD_LABELS = {
    "case": _("case"),
    "ground": _("ground"),
    "subject": _("subject"),
    "item": _("rectification item"),
    "sort_order": _("order"),
    "sent_by": _("sent by"),
    "delivery_recorded_by": _("delivery recorded by"),
    "decided_by": _("decided by"),
    "recorded_by": _("recorded by"),
    "checked_by": _("checked by"),
    "designated_by": _("designated by"),
}

# The links an object's name is made of: a notice is named by its subject (named in turn by
# his person), a subject by his person's name alone; a person (shown as str() does) by his unit.
NAME_LINKS: dict[type, tuple[tuple[str, bool], ...]] = {
    Person: (("unit", False),),
    Appointment: (("person", False),),
    RoleAssignment: (("person", False), ("unit", False)),
    Substitution: (("person", False),),
    CaseSubject: (("person", False),),
    CaseParticipant: (("person", False),),
    CaseGround: (("ground", False),),
    Notice: (("subject", True),),
    Postponement: (("subject", True),),
    TalkRecord: (("subject", True),),
    RectificationCheck: (("item", False),),
    ConfidentialReport: (("case", False),),
}


def chunks(values: Iterable, size: int = CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def row_key(row) -> tuple[type, int]:
    """A history row's key across tables (each table numbers its rows from 1)."""
    return type(row), row.history_id


def history_type_label(history_type: str) -> str:
    return str(HISTORY_TYPES[history_type])


# Reasons and purposes the system itself records (not typed by a person), stored as written
# when they were recorded — history is never rewritten — and read in the reader's language.
SYSTEM_WORDS = {
    "case page": _("case page"),
    "confidential form": _("confidential form"),
    "entered or amended": _("entered or amended"),
    "命令行 command line": _("command line"),
}
_BILINGUAL = re.compile(r"^(?P<zh>[^/]*[\u4e00-\u9fff][^/]*) / (?P<en>[a-z][^/]*)$", re.S)


def in_reader_language(text: str) -> str:
    """A reason the system recorded, in the reader's language: older rows wrote both
    (「立案 / case opened」), which now reads 「立案」 or "case opened". A person's words stay
    as typed."""
    if text in SYSTEM_WORDS:
        return str(SYSTEM_WORDS[text])
    match = _BILINGUAL.match(text or "")
    if match is None:
        return text
    return match["zh"] if chinese() else match["en"]


def with_reason(text: str, reason: str) -> str:
    """「删除参加人：周专干（纪检专干），理由：……」: the reason recorded with the change, if any."""
    if not reason:
        return text
    return gettext("%(what)s, reason: %(reason)s") % {
        "what": text,
        "reason": in_reader_language(reason),
    }


def field_label(field) -> str:
    if isinstance(field.verbose_name, Promise) or field.name not in FIELD_LABELS:
        return str(field.verbose_name)
    return str(FIELD_LABELS[field.name])


def date_text(value) -> str:
    """A date or a moment as the reader's language writes it: 2026年3月5日, 2026年3月5日 10:00."""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def _short(text: str, length: int = 40) -> str:
    return text if len(text) <= length else f"{text[:length]}…"


def _with_detail(name: str, detail: str) -> str:
    return gettext("%(name)s (%(detail)s)") % {"name": name, "detail": detail} if detail else name


def _choice(model, field_name: str, value) -> str:
    choices = dict(model._meta.get_field(field_name).flatchoices)
    return str(choices.get(value, value))


# -- what changed ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: models.Field
    old: object
    new: object


def compared_fields(model, *, editable_only: bool = False) -> list[models.Field]:
    """The fields whose change a history row shows: not the key, not the moment of the last
    save (it changes with every row), not a stored file's random name (its file name and
    checksum are fields of their own); ``editable_only``: what a user sets, not the number,
    state and dates the system keeps."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and not isinstance(f, models.FileField)
        and not getattr(f, "auto_now", False)
        and (f.editable or not editable_only)
    ]


def _empty(value) -> bool:
    return value is None or value == "" or value is False or value == frozenset()


def row_changes(row, previous, *, m2m=None, editable_only: bool = False) -> list[FieldChange]:
    """What ``row`` changed from ``previous``, the same object's row before it; with no row
    before, what it was given (its empty values left out). ``m2m``: the many-to-many values
    of both rows (``m2m_snapshots``), when they are to be compared too."""
    changes = []
    for field in compared_fields(row.instance_type, editable_only=editable_only):
        new = getattr(row, field.attname)
        old = getattr(previous, field.attname) if previous is not None else None
        if old != new and not (previous is None and _empty(new)):
            changes.append(FieldChange(field, old, new))
    if m2m is not None:
        for field in row._history_m2m_fields:
            new = m2m.get(row_key(row), {}).get(field.name, frozenset())
            old = frozenset()
            if previous is not None:
                old = m2m.get(row_key(previous), {}).get(field.name, frozenset())
            if old != new:
                changes.append(FieldChange(field, old, new))
    return changes


def _m2m_history(model, field):
    """The table of ``field``'s values for history ``model`` (its rows point at the history row
    as ``history``) and its column of the values."""
    for relation in model._meta.related_objects:
        table = relation.related_model
        if relation.field.name != "history":
            continue
        for column in table._meta.concrete_fields:
            if column.is_relation and column.related_model is field.related_model:
                return table, column
    raise LookupError(f"{model.__name__} keeps no history of {field.name}")


def m2m_snapshots(rows) -> dict[tuple[type, int], dict[str, frozenset]]:
    """The many-to-many values each history row recorded (simple-history keeps them in a table
    per field, e.g. who was present at a talk), read once for all the rows."""
    ids_by_model = defaultdict(set)
    for row in rows:
        if row is not None and getattr(row, "_history_m2m_fields", None):
            ids_by_model[type(row)].add(row.history_id)
    found: dict[tuple[type, int], dict[str, set]] = defaultdict(dict)
    for model, ids in ids_by_model.items():
        for field in model._history_m2m_fields:
            through, target = _m2m_history(model, field)
            for history_id in ids:
                found[model, history_id][field.name] = set()
            for part in chunks(ids):
                pairs = through.objects.filter(history_id__in=part).values_list(
                    "history_id", target.attname
                )
                for history_id, pk in pairs:
                    found[model, history_id][field.name].add(pk)
    return {
        key: {name: frozenset(pks) for name, pks in fields.items()} for key, fields in found.items()
    }


# -- the objects named -------------------------------------------------------------------------


def _read(model, pks: set) -> dict:
    manager = model._default_manager
    if model is get_user_model():
        manager = manager.select_related("person")
    found = manager.in_bulk(pks)
    missing = pks - found.keys()
    if missing and issubclass(model, Audited):
        for part in chunks(missing):
            for row in model.history.filter(id__in=part).order_by("id", "-chain_seq"):
                found.setdefault(row.id, row.instance)
    return found


class Related:
    """The objects history rows name, asked for first and read at ``load()``.

    ``known`` objects (the case a page shows) are not read again."""

    ROUNDS = 4  # a check's item; a notice's subject, his person, his unit

    def __init__(self, *known):
        self._objects: dict[type, dict] = defaultdict(dict)
        self._wanted: dict[type, dict] = defaultdict(dict)  # pk: whether it will be named
        self._followed: set[tuple[type, object]] = set()
        for obj in known:
            self.know(obj)

    def know(self, obj) -> None:
        """An object at hand (the case, a part as its history row has it): not read again."""
        self._objects[type(obj)].setdefault(obj.pk, obj)

    def want(self, model, pk, *, named: bool = True) -> None:
        """Read ``model`` ``pk`` at ``load()``; ``named``: with what its name is made of."""
        if pk is None:
            return
        if pk in self._objects[model]:
            if named:
                self.want_name(self._objects[model][pk])
            return
        self._wanted[model][pk] = self._wanted[model].get(pk, False) or named

    def want_name(self, instance) -> None:
        """Read what ``instance``'s name is made of (a participant's person…)."""
        key = (type(instance), instance.pk)
        if key in self._followed:
            return
        self._followed.add(key)
        for name, named in NAME_LINKS.get(type(instance), ()):
            field = instance._meta.get_field(name)
            self.want(field.related_model, getattr(instance, field.attname), named=named)

    def want_changes(self, changes: Iterable[FieldChange]) -> None:
        for change in changes:
            field = change.field
            if field.many_to_many:
                for pk in change.old | change.new:
                    self.want(field.related_model, pk)
            elif field.is_relation:
                self.want(field.related_model, change.old)
                self.want(field.related_model, change.new)

    def load(self) -> Related:
        for _round in range(self.ROUNDS):
            wanted, self._wanted = self._wanted, defaultdict(dict)
            wanted = {m: pks for m, pks in wanted.items() if pks}
            if not wanted:
                break
            for model, pks in wanted.items():
                found = _read(model, set(pks))
                for pk, obj in found.items():
                    self._objects[model].setdefault(pk, obj)
                for pk, named in pks.items():
                    if named and pk in found:
                        self.want_name(found[pk])
        return self

    def get(self, model, pk):
        return self._objects[model].get(pk) if pk is not None else None

    # -- names

    def person_name(self, pk) -> str:
        person = self.get(Person, pk)
        return person.name if person is not None else f"#{pk}"

    def subject_name(self, pk) -> str:
        subject = self.get(CaseSubject, pk)
        return self.person_name(subject.person_id) if subject is not None else ""

    def item_name(self, pk) -> str:
        item = self.get(RectificationItem, pk)
        return _short(item.description) if item is not None else f"#{pk}"

    def name(self, instance) -> str:
        """The object as a reader knows it: a person by name, never by his login or key."""
        namer = NAMERS.get(type(instance))
        if namer is not None:
            return namer(self, instance)
        if isinstance(instance, Revision):
            return f"#{instance.pk}（{date_text(instance.created_at)}）"
        if isinstance(instance, get_user_model()):
            person = getattr(instance, "person", None)
            shown = person.name if person is not None else instance.get_full_name()
            return shown or instance.get_username()
        for link, _named in NAME_LINKS.get(type(instance), ()):
            field = instance._meta.get_field(link)
            target = self.get(field.related_model, getattr(instance, field.attname))
            if target is not None:
                setattr(instance, link, target)
        return str(instance)

    def part_sentence(self, history_type: str, instance, reason: str = "") -> str:
        """「删除参加人：周专干（纪检专干），理由：……」"""
        sentence = SENTENCES[history_type] % {
            "part": instance._meta.verbose_name,
            "name": self.name(instance),
        }
        return with_reason(sentence, reason)

    # -- values

    def text(self, field, value) -> str:
        """How a field's value reads: a choice by its label, a date in the reader's language,
        a linked object by its name, yes or no."""
        if field.many_to_many:
            return "、".join(sorted(self._named(field.related_model, pk) for pk in value))
        if value is None or value == "":
            return ""
        if field.is_relation:
            return self._named(field.related_model, value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, (date, datetime)):
            return date_text(value)
        return str(value)

    def _named(self, model, pk) -> str:
        obj = self.get(model, pk)
        return self.name(obj) if obj is not None else f"#{pk}"

    def changes_text(self, changes: Iterable[FieldChange]) -> tuple[tuple[str, str, str], ...]:
        """(label, old, new) of each change, in words."""
        return tuple(
            (field_label(c.field), self.text(c.field, c.old), self.text(c.field, c.new))
            for c in changes
        )


def _notice(related: Related, notice) -> str:
    return _with_detail(related.subject_name(notice.subject_id), date_text(notice.written_on))


def _postponement(related: Related, postponement) -> str:
    applied = date_text(postponement.applied_on)
    if postponement.subject_id is None:
        return applied
    return _with_detail(related.subject_name(postponement.subject_id), applied)


def _record(related: Related, record) -> str:
    held = date_text(timezone.localtime(record.held_at).date()) if record.held_at else ""
    return _with_detail(related.subject_name(record.subject_id), held)


NAMERS = {
    CaseSubject: lambda r, s: r.person_name(s.person_id),
    CaseParticipant: lambda r, p: _with_detail(
        r.person_name(p.person_id), _choice(CaseParticipant, "role", p.role)
    ),
    Substitution: lambda r, s: _with_detail(
        r.person_name(s.person_id), _choice(Substitution, "case_role", s.case_role)
    ),
    CaseGround: lambda r, g: r._named(Ground, g.ground_id),
    Notice: _notice,
    Postponement: _postponement,
    TalkRecord: _record,
    RectificationItem: lambda r, i: _short(i.description),
    RectificationCheck: lambda r, c: _with_detail(r.item_name(c.item_id), date_text(c.checked_on)),
    Escalation: lambda r, e: _choice(Escalation, "ground", e.ground),
}

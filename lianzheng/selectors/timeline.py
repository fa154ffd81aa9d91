"""A case's timeline: every step and change of the case and its parts, every view of its
confidential report and every reminder, newest first: who, when, what, why, under which
articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lianzheng.choices import CaseState, ReminderState
from lianzheng.models import (
    CaseGround,
    CaseParticipant,
    CaseSubject,
    ConfidentialAccess,
    Escalation,
    GeneratedDocument,
    Ground,
    Notice,
    Person,
    Postponement,
    RectificationCheck,
    RectificationItem,
    TalkCase,
    TalkRecord,
)
from lianzheng.selectors.changes import field_changes
from lianzheng.selectors.reminders import ARTICLES as REMINDER_ARTICLES

HISTORY_TYPES = {"+": "新增 added", "~": "修改 changed", "-": "删除 removed"}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline. ``kind`` is "transition", "change" (of the case itself),
    "part" (of a subject, notice, record…), "confidential" (a view of the report) or
    "reminder"; ``changes`` are (label, old, new)."""

    when: datetime
    who: str
    kind: str
    title: str
    reason: str = ""
    articles: tuple[str, ...] = ()
    transition: str = ""
    changes: tuple[tuple[str, str, str], ...] = ()
    object: str = ""


CASE_PARTS = (
    (CaseSubject, "case_id"),
    (CaseParticipant, "case_id"),
    (CaseGround, "case_id"),
    (Notice, "case_id"),
    (Postponement, "case_id"),
    (TalkRecord, "case_id"),
    (RectificationItem, "case_id"),
    (RectificationCheck, "item__case_id"),
    (Escalation, "case_id"),
    (GeneratedDocument, "case_id"),
)


def case_timeline(case: TalkCase, *, item_ids=None) -> list[TimelineEntry]:
    """The case's timeline, newest first. ``item_ids``: the case's rectification items, when
    the caller has read them."""
    entries = []
    records = list(case.history.order_by("history_date", "history_id"))
    previous = None
    for record in records:
        if record.history_transition:
            title = (
                f"{CaseState(record.history_state_from).label} → "
                f"{CaseState(record.history_state_to).label}"
            )
            kind = "transition"
        else:
            title = "立案 opened" if record.history_type == "+" else "修改案件 edited"
            kind = "change"
        entries.append(
            TimelineEntry(
                when=record.history_date,
                who=record.history_user_display,
                kind=kind,
                title=title,
                transition=record.history_transition,
                reason=record.history_change_reason or "",
                articles=tuple(record.history_articles.split()),
                changes=tuple(field_changes(record, previous))
                if record.history_type == "~"
                else (),
            )
        )
        previous = record
    part_rows = []
    for model, key in CASE_PARTS:
        history = model.history.model.objects
        if key == "item__case_id":
            if item_ids is None:
                item_ids = list(case.rectification_items.values_list("pk", flat=True))
            rows = history.filter(item_id__in=item_ids)
        else:
            rows = history.filter(**{key: case.pk})
        part_rows += [(model, row) for row in rows.order_by("history_date", "history_id")]
    known = _related_objects(case, [row for _model, row in part_rows])
    for model, row in part_rows:
        entries.append(
            TimelineEntry(
                when=row.history_date,
                who=row.history_user_display,
                kind="part",
                title=f"{model._meta.verbose_name}：{HISTORY_TYPES[row.history_type]}",
                reason=row.history_change_reason or "",
                articles=tuple(row.history_articles.split()),
                object=_described(row.instance, known) if row.history_type != "-" else "",
            )
        )
    for view in ConfidentialAccess.objects.filter(case=case):
        entries.append(
            TimelineEntry(
                when=view.viewed_at,
                who=view.user_display,
                kind="confidential",
                title="查看保密信息 confidential information shown",
                reason=view.purpose,
                articles=("R7.4",),
            )
        )
    entries += reminder_entries(case)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def _related_objects(case: TalkCase, rows) -> dict:
    """The objects the parts' names are made of (people, subjects, items, grounds, the case),
    read once for the timeline instead of once per line."""
    subjects = {}
    for row in rows:
        if isinstance(row, CaseSubject.history.model):
            subjects[row.id] = CaseSubject(id=row.id, case_id=row.case_id, person_id=row.person_id)
    person_ids = {getattr(row, "person_id", None) for row in rows}
    person_ids |= {s.person_id for s in subjects.values()}
    people = Person.objects.in_bulk(person_ids - {None})
    for subject in subjects.values():
        if subject.person_id in people:
            subject.person = people[subject.person_id]
    return {
        Person: people,
        CaseSubject: subjects,
        TalkCase: {case.pk: case},
        RectificationItem: RectificationItem.objects.in_bulk(
            {getattr(row, "item_id", None) for row in rows} - {None}
        ),
        Ground: Ground.objects.in_bulk(),
    }


def _described(instance, known: dict) -> str:
    """The part as its ``str()`` names it, its links taken from ``known`` where they are."""
    for field in instance._meta.concrete_fields:
        if field.is_relation and field.related_model in known:
            related = known[field.related_model].get(getattr(instance, field.attname))
            if related is not None:
                setattr(instance, field.name, related)
    return str(instance)


def reminder_entries(case: TalkCase) -> list[TimelineEntry]:
    """Who was reminded of what, when, and by which channel, failures included."""
    entries = []
    for reminder in case.reminders.order_by("sent_at", "pk"):
        sent = reminder.state == ReminderState.SENT
        title = "提醒 reminder" if sent else "提醒发送失败 reminder failed"
        entries.append(
            TimelineEntry(
                when=reminder.sent_at,
                who="",
                kind="reminder",
                title=f"{title}：{reminder.get_kind_display()} → {reminder.recipient_name}",
                reason=reminder.get_channel_display() if sent else reminder.error,
                articles=tuple(REMINDER_ARTICLES.get(reminder.kind, ())),
            )
        )
    return entries

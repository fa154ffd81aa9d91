"""A case's timeline: every step and change of the case and its parts, every view of its
confidential report and every reminder, newest first: who, when, what, why, under which
articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from lianzheng.choices import CaseState, ReminderState
from lianzheng.models import (
    CaseGround,
    CaseParticipant,
    CaseSubject,
    ConfidentialAccess,
    Escalation,
    GeneratedDocument,
    Notice,
    Postponement,
    RectificationCheck,
    RectificationItem,
    TalkCase,
    TalkRecord,
)
from lianzheng.selectors.changes import (
    Related,
    in_reader_language,
    m2m_snapshots,
    row_changes,
    row_key,
)
from lianzheng.selectors.reminders import ARTICLES as REMINDER_ARTICLES


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline. ``kind`` is "transition", "change" (of the case itself),
    "part" (of a subject, notice, record…), "confidential" (a view of the report) or
    "reminder"; ``changes`` are (label, old, new). A part's line says it all in its title,
    the reason included: 「删除参加人：周专干（纪检专干），理由：……」, the name and part read
    from the history row, which a deleted part still has."""

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
    records = list(case.history.order_by("history_date", "history_id"))
    part_rows = []
    for model, key in CASE_PARTS:
        history = model.history.model.objects
        if key == "item__case_id":
            if item_ids is None:
                item_ids = list(case.rectification_items.values_list("pk", flat=True))
            rows = history.filter(item_id__in=item_ids)
        else:
            rows = history.filter(**{key: case.pk})
        part_rows += list(rows.order_by("chain_seq"))
    related = Related(case)
    previous_of, last = {}, {}
    for row in part_rows:
        key = (type(row), row.id)
        previous_of[row_key(row)] = last.get(key)
        last[key] = row
    for row in last.values():
        related.know(row.instance)
    edits = [row for row in part_rows if row.history_type == "~"]
    m2m = m2m_snapshots([*edits, *(previous_of[row_key(row)] for row in edits)])

    case_changes, previous = {}, None
    for record in records:
        if record.history_type == "~" and previous is not None:
            case_changes[record.history_id] = row_changes(record, previous, editable_only=True)
            related.want_changes(case_changes[record.history_id])
        previous = record
    part_changes, instances = {}, {}
    for row in part_rows:
        instances[row_key(row)] = instance = row.instance
        related.want_name(instance)
        if row.history_type == "~":
            changes = row_changes(row, previous_of[row_key(row)], m2m=m2m)
            part_changes[row_key(row)] = changes
            related.want_changes(changes)
    related.load()

    entries = []
    for record in records:
        if record.history_transition:
            title = (
                f"{CaseState(record.history_state_from).label} → "
                f"{CaseState(record.history_state_to).label}"
            )
            kind = "transition"
        else:
            title = _("Case opened") if record.history_type == "+" else _("Case edited")
            kind = "change"
        entries.append(
            TimelineEntry(
                when=record.history_date,
                who=record.history_user_display,
                kind=kind,
                title=title,
                transition=record.history_transition,
                reason=in_reader_language(record.history_change_reason or ""),
                articles=tuple(record.history_articles.split()),
                changes=related.changes_text(case_changes.get(record.history_id, ())),
            )
        )
    for row in part_rows:
        entries.append(
            TimelineEntry(
                when=row.history_date,
                who=row.history_user_display,
                kind="part",
                title=related.part_sentence(
                    row.history_type, instances[row_key(row)], row.history_change_reason or ""
                ),
                articles=tuple(row.history_articles.split()),
                changes=related.changes_text(part_changes.get(row_key(row), ())),
            )
        )
    for view in ConfidentialAccess.objects.filter(case=case):
        entries.append(
            TimelineEntry(
                when=view.viewed_at,
                who=view.user_display,
                kind="confidential",
                title=_("Confidential information shown"),
                reason=in_reader_language(view.purpose),
                articles=("R7.4",),
            )
        )
    entries += reminder_entries(case)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def reminder_entries(case: TalkCase) -> list[TimelineEntry]:
    """Who was reminded of what, when, and by which channel, failures included."""
    entries = []
    for reminder in case.reminders.order_by("sent_at", "pk"):
        sent = reminder.state == ReminderState.SENT
        title = _("Reminder") if sent else _("Reminder failed")
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

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
    Notice,
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


def case_timeline(case: TalkCase) -> list[TimelineEntry]:
    """The case's timeline, newest first."""
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
    for model, key in CASE_PARTS:
        history = model.history.model.objects
        if key == "item__case_id":
            item_ids = list(case.rectification_items.values_list("pk", flat=True))
            rows = history.filter(item_id__in=item_ids)
        else:
            rows = history.filter(**{key: case.pk})
        for row in rows.order_by("history_date", "history_id"):
            entries.append(
                TimelineEntry(
                    when=row.history_date,
                    who=row.history_user_display,
                    kind="part",
                    title=f"{model._meta.verbose_name}：{HISTORY_TYPES[row.history_type]}",
                    reason=row.history_change_reason or "",
                    articles=tuple(row.history_articles.split()),
                    object=str(row.instance) if row.history_type != "-" else "",
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

"""Reads for reminders: which events are due, who is to be reminded, what the log says.

An event is one thing that happens once: a submission awaiting consent, the last day of a
notice for one talk time, one talk at one time, one rectification deadline. Its ``key`` names
that instance, so a talk moved to another time, a case submitted again or a deadline changed is
a new event, while running the sweep again finds the same events and the log refuses them.

Every date is worked out on the working-day calendar (第六条（三）: 工作日, holidays and 调休
included), and every reminder is due on a working day:

- consent awaited: as soon as the case is submitted, to the principal head (R6.1);
- notice due: on the last working day the written notice can go out three working days before
  the talk (``last_working_day_for_notice``), or late, to the office (R6.3);
- talk tomorrow: on the last working day before the talk day, to the subject (if he has a login)
  and the interviewers. **decision**: "tomorrow" is the next working day, not the calendar day:
  a Monday talk is announced on Friday, a talk after the National Day holiday on the last
  working day before it, because nobody reads office mail on a day off and the point is to
  be ready on the day;
- rectification deadline near: on the working day that leaves ``LIANZHENG_REMINDER_NEAR_DAYS``
  (default 3) working days before the deadline, to the office and the responsible subject;
- rectification overdue: on the first working day after the deadline of an item not verified
  done, to the same people (R9.1).

A missed day is caught up: an event stays due until it is over (the talk held, the case moved
on, the item verified), and the log keeps it from being sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from lianzheng.choices import (
    CaseState,
    RectificationStatus,
    ReminderKind,
    ReminderState,
    Role,
)
from lianzheng.models import (
    CaseParticipant,
    Notice,
    RectificationItem,
    Reminder,
    RoleAssignment,
    TalkCase,
)
from lianzheng.refusals import chinese
from lianzheng.roles import group_name
from lianzheng.rules.table import NOTICE
from lianzheng.selectors.calendar import load_calendar
from lianzheng.workdays import WorkdayCalendar

NEAR_DAYS_DEFAULT = 3
# After this many failed attempts for one event and recipient the sweep stops trying: the log
# and the case timeline show the failures to the office.
MAX_ATTEMPTS = 3

ARTICLES = {
    ReminderKind.CONSENT_AWAITED: ("R6.1",),
    ReminderKind.NOTICE_DUE: ("R6.3",),
    ReminderKind.TALK_TOMORROW: ("R8.1",),
    ReminderKind.RECTIFICATION_NEAR: ("R9.1",),
    ReminderKind.RECTIFICATION_OVERDUE: ("R9.1", "R10.1"),
}

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReminderEvent:
    """One event, in plain values so that a task queue can carry it (``as_payload``)."""

    kind: str
    key: str
    case_id: int
    due_on: date
    event_on: date
    at: datetime | None = None
    notice_id: int | None = None
    item_id: int | None = None

    def as_payload(self) -> dict:
        data = asdict(self)
        data["due_on"] = self.due_on.isoformat()
        data["event_on"] = self.event_on.isoformat()
        data["at"] = self.at.isoformat() if self.at else None
        return data

    @classmethod
    def from_payload(cls, data: dict) -> ReminderEvent:
        return cls(
            kind=data["kind"],
            key=data["key"],
            case_id=int(data["case_id"]),
            due_on=date.fromisoformat(data["due_on"]),
            event_on=date.fromisoformat(data["event_on"]),
            at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
            notice_id=data.get("notice_id"),
            item_id=data.get("item_id"),
        )


def near_days() -> int:
    return int(getattr(settings, "LIANZHENG_REMINDER_NEAR_DAYS", NEAR_DAYS_DEFAULT))


# -- working days ------------------------------------------------------------------------------


def working_day_before(calendar: WorkdayCalendar, day: date) -> date:
    """The last working day strictly before ``day``."""
    day -= _ONE_DAY
    while not calendar.is_working_day(day):
        day -= _ONE_DAY
    return day


def working_day_after(calendar: WorkdayCalendar, day: date) -> date:
    """The first working day strictly after ``day``."""
    day += _ONE_DAY
    while not calendar.is_working_day(day):
        day += _ONE_DAY
    return day


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


# -- the events of one case --------------------------------------------------------------------


def _submission(case: TalkCase) -> tuple[int, datetime] | None:
    """The history row (id, date) of the case's latest submission: each submission after a
    decline is a new event."""
    return (
        case.history.filter(history_state_to=CaseState.SUBMITTED)
        .order_by("-history_date", "-history_id")
        .values_list("history_id", "history_date")
        .first()
    )


def case_events(
    case: TalkCase, *, calendar: WorkdayCalendar, now: datetime, near: int | None = None
) -> list[ReminderEvent]:
    """Every reminder event of ``case`` that is due at ``now`` (and not over)."""
    today = timezone.localdate(now)
    near = near_days() if near is None else near
    events: list[ReminderEvent] = []
    if case.state == CaseState.SUBMITTED:
        submission = _submission(case)
        if submission:
            history_id, submitted_at = submission
            events.append(
                ReminderEvent(
                    kind=ReminderKind.CONSENT_AWAITED,
                    key=f"submitted:{history_id}",
                    case_id=case.pk,
                    due_on=timezone.localdate(submitted_at),
                    event_on=timezone.localdate(submitted_at),
                    at=submitted_at,
                )
            )
    if case.state == CaseState.APPROVED and case.scheduled_at and case.scheduled_at > now:
        talk_day = timezone.localdate(case.scheduled_at)
        last = NOTICE.last_day(calendar, talk_day)
        if last <= today:
            events.append(
                ReminderEvent(
                    kind=ReminderKind.NOTICE_DUE,
                    key=f"notice-due:{_stamp(case.scheduled_at)}",
                    case_id=case.pk,
                    due_on=last,
                    event_on=last,
                    at=case.scheduled_at,
                )
            )
    if case.state in (CaseState.NOTIFIED, CaseState.POSTPONEMENT_REQUESTED):
        for notice in _current_notices(case):
            talk_day = timezone.localdate(notice.scheduled_at)
            due = working_day_before(calendar, talk_day)
            if due <= today < talk_day:
                events.append(
                    ReminderEvent(
                        kind=ReminderKind.TALK_TOMORROW,
                        key=f"notice:{notice.pk}@{_stamp(notice.scheduled_at)}",
                        case_id=case.pk,
                        due_on=due,
                        event_on=talk_day,
                        at=notice.scheduled_at,
                        notice_id=notice.pk,
                    )
                )
    if case.state == CaseState.RECTIFYING:
        items = case.rectification_items.exclude(status=RectificationStatus.VERIFIED)
        for item in items.order_by("deadline", "pk"):
            if item.deadline < today:
                due = working_day_after(calendar, item.deadline)
                kind = ReminderKind.RECTIFICATION_OVERDUE
            else:
                due = calendar.last_working_day_for_notice(item.deadline, near)
                kind = ReminderKind.RECTIFICATION_NEAR
            if due <= today:
                events.append(
                    ReminderEvent(
                        kind=kind,
                        key=f"item:{item.pk}@{item.deadline.isoformat()}",
                        case_id=case.pk,
                        due_on=due,
                        event_on=item.deadline,
                        item_id=item.pk,
                    )
                )
    return events


def _current_notices(case: TalkCase) -> list[Notice]:
    return list(case.notices.filter(superseded=False).order_by("pk"))


def candidate_cases(*, calendar: WorkdayCalendar, now: datetime, all_kinds: bool = True):
    """The cases that can have a due event at ``now``: a narrow query per kind, so the sweep
    reads a handful of cases, not the register. Without ``all_kinds``, only the talks' events
    (a notice's last day, a talk tomorrow), which a window of days bounds: not the cases
    awaiting consent nor the open rectification items, whose events stay due until they are
    over and so can number thousands."""
    today = timezone.localdate(now)

    def midnight(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    # A notice is due at the latest R6.3's working days (plus the notice day) before the talk;
    # a talk is announced on the working day before it.
    notice_horizon = midnight(calendar.add_working_days(today, NOTICE.working_days + 1) + _ONE_DAY)
    talk_horizon = midnight(calendar.add_working_days(today, 1) + _ONE_DAY)
    item_horizon = calendar.add_working_days(today, near_days() + 1)
    open_items = RectificationItem.objects.filter(
        case=OuterRef("pk"), deadline__lte=item_horizon
    ).exclude(status=RectificationStatus.VERIFIED)
    talks = Q(
        state=CaseState.APPROVED,
        scheduled_at__gt=now,
        scheduled_at__lt=notice_horizon,
    ) | Q(
        state__in=[CaseState.NOTIFIED, CaseState.POSTPONEMENT_REQUESTED],
        notices__superseded=False,
        notices__scheduled_at__gt=midnight(today),
        notices__scheduled_at__lt=talk_horizon,
    )
    if all_kinds:
        talks |= Q(state=CaseState.SUBMITTED) | Q(
            Q(state=CaseState.RECTIFYING) & Q(Exists(open_items))
        )
    return TalkCase.objects.filter(talks).distinct().order_by("pk")


def due_events(
    *,
    now: datetime | None = None,
    calendar: WorkdayCalendar | None = None,
    all_kinds: bool = True,
) -> list[ReminderEvent]:
    now = now or timezone.now()
    calendar = calendar or load_calendar()
    events = []
    for case in candidate_cases(calendar=calendar, now=now, all_kinds=all_kinds):
        events += case_events(case, calendar=calendar, now=now)
    return events


def event_still_due(event: ReminderEvent, *, now: datetime | None = None) -> bool:
    """Whether the event is still due when its send task runs (the case may have moved on
    between the sweep and the worker)."""
    case = TalkCase.objects.filter(pk=event.case_id).first()
    if case is None:
        return False
    now = now or timezone.now()
    keys = {e.key for e in case_events(case, calendar=load_calendar(), now=now)}
    return event.key in keys


def still_due_ids(reminders, *, now: datetime | None = None) -> set[int]:
    """Ids of the sent ``reminders`` whose event is still due: the case has not moved on since.
    The dashboard lists the reminders a user was sent, and users read that list as a to-do:
    「待审批」 stayed there after the principal had consented. Each case is read once."""
    reminders = list(reminders)
    if not reminders:
        return set()
    now = now or timezone.now()
    calendar = load_calendar()
    cases = {r.case_id: r.case for r in reminders}  # read with the reminders (select_related)
    keys = {
        pk: {e.key for e in case_events(case, calendar=calendar, now=now)}
        for pk, case in cases.items()
    }
    return {r.pk for r in reminders if r.event_key in keys.get(r.case_id, ())}


# -- recipients --------------------------------------------------------------------------------


def _active_users(ids: Iterable[int]) -> list:
    return list(get_user_model().objects.filter(pk__in=set(ids), is_active=True).order_by("pk"))


def role_holders(*roles: Role, on: date | None = None) -> set[int]:
    """User ids of everyone who holds one of ``roles``: by a current RoleAssignment (the
    office as the regulation knows it) or by the role's group (as the permissions know it)."""
    ids = set(
        RoleAssignment.objects.current(on)
        .filter(role__in=roles, person__user__isnull=False, person__active=True)
        .values_list("person__user_id", flat=True)
    )
    groups = [group_name(role) for role in roles]
    ids |= set(
        get_user_model().objects.filter(groups__name__in=groups).values_list("pk", flat=True)
    )
    return ids


def _subject_users(case: TalkCase, person_ids=None) -> set[int]:
    subjects = case.subjects.filter(person__user__isnull=False)
    if person_ids is not None:
        subjects = subjects.filter(person_id__in=person_ids)
    return set(subjects.values_list("person__user_id", flat=True))


def _responsible_subjects(case: TalkCase, item) -> set[int]:
    """The subjects an item names as responsible; every subject when it names none of them
    (the usual "约谈对象本人" of an individual talk)."""
    subjects = list(case.subjects.select_related("person"))
    named = [s.person_id for s in subjects if s.person.name and s.person.name in item.responsible]
    return _subject_users(case, named or None)


def recipients(event: ReminderEvent) -> list:
    """The users to remind of ``event``, active ones only, in a stable order."""
    case = TalkCase.objects.get(pk=event.case_id)
    if event.kind == ReminderKind.CONSENT_AWAITED:
        ids = role_holders(Role.PRINCIPAL_HEAD)
    elif event.kind == ReminderKind.NOTICE_DUE:
        ids = role_holders(Role.OFFICE, Role.OFFICE_HEAD)
    elif event.kind == ReminderKind.TALK_TOMORROW:
        notice = Notice.objects.select_related("subject__person").get(pk=event.notice_id)
        ids = {notice.subject.person.user_id} - {None}
        # In a collective talk each subject has a notice; the interviewers are reminded once,
        # with the first.
        first = case.notices.filter(superseded=False).order_by("pk").first()
        if first is not None and first.pk == notice.pk:
            ids |= set(
                CaseParticipant.objects.filter(case=case, person__user__isnull=False).values_list(
                    "person__user_id", flat=True
                )
            )
    else:
        item = case.rectification_items.get(pk=event.item_id)
        ids = role_holders(Role.OFFICE, Role.OFFICE_HEAD) | _responsible_subjects(case, item)
    return _active_users(ids)


# -- the log -----------------------------------------------------------------------------------


def sent_pairs(events: list[ReminderEvent]) -> set[tuple[int, str, str, int]]:
    """(case, kind, key, user) already sent, for the events at hand, in one query."""
    if not events:
        return set()
    keys = Q()
    for event in events:
        keys |= Q(case_id=event.case_id, kind=event.kind, event_key=event.key)
    return set(
        Reminder.objects.sent()
        .filter(keys)
        .values_list("case_id", "kind", "event_key", "recipient_user_id")
    )


def failed_attempts(event: ReminderEvent, user_id: int) -> int:
    return Reminder.objects.filter(
        case_id=event.case_id,
        kind=event.kind,
        event_key=event.key,
        recipient_user_id=user_id,
        state=ReminderState.FAILED,
    ).count()


def reminders_for_user(user, *, days: int = 30):
    """The reminders sent to ``user`` in the last ``days`` days, newest first."""
    if user is None or not getattr(user, "pk", None):
        return Reminder.objects.none()
    since = timezone.now() - timedelta(days=days)
    return (
        Reminder.objects.sent()
        .filter(recipient_user_id=user.pk, sent_at__gte=since)
        .select_related("case")
        .order_by("-sent_at", "-pk")
    )


def due_for_user(user, *, now: datetime | None = None) -> list[ReminderEvent]:
    """The events due now whose reminder to ``user`` has not gone out yet.

    Computed on read from ``due_events``, the sweep's own question, so that the dashboard shows
    a notice due today from the first minute of the day, before any sweep or worker has run,
    and there is no second list of due things to keep in step: once the reminder is sent it
    appears among ``reminders_for_user`` and no longer here.

    The talks' events only: a submission's reminder is sent when its step commits
    (lianzheng.services.workflow), and the cases awaiting consent and the rectification items
    due or overdue have panels of their own; reading them all here would make the dashboard
    grow with the backlog (issue 14)."""
    if user is None or not getattr(user, "pk", None):
        return []
    events = due_events(now=now, all_kinds=False)
    done = sent_pairs(events)
    return [
        event
        for event in events
        if (event.case_id, event.kind, event.key, user.pk) not in done
        and any(r.pk == user.pk for r in recipients(event))
    ]


# -- the talk as a calendar entry --------------------------------------------------------------


@dataclass(frozen=True)
class TalkEvent:
    """What a calendar entry of a talk says (lianzheng.documents.ics writes it)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str = ""
    organizer_name: str = ""
    organizer_email: str = ""
    cancelled: bool = False


def notice_calendar_event(notice: Notice) -> TalkEvent:
    """The talk of ``notice``: time, place and case number, nothing about why the talk is held
    (calendars are shared and synchronised far and wide). A superseded notice's entry is a
    cancellation. In the reader's language (the recipient's, for an email's attachment)."""
    case = notice.case
    host = urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "lianzheng.invalid"
    minutes = int(getattr(settings, "LIANZHENG_TALK_MINUTES", 60))
    return TalkEvent(
        uid=f"lianzheng-notice-{notice.pk}@{host}",
        start=notice.scheduled_at,
        end=notice.scheduled_at + timedelta(minutes=minutes),
        summary=f"廉政约谈（{case.number}）" if chinese() else f"Integrity talk ({case.number})",
        location=notice.place,
        description=(
            f"{case.number}。请按时参加；如需延期，须事先书面申请（第八条（一））。"
            if chinese()
            else f"{case.number}. Please attend at the set time; a postponement needs a "
            "written application in advance (Article 8(1))."
        ),
        organizer_name="阿坝州住房和城乡建设局办公室",
        organizer_email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        cancelled=notice.superseded,
    )


def notice_ics_filename(notice: Notice) -> str:
    return f"talk-{notice.case_id}-{notice.pk}.ics"

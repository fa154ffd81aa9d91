"""The dashboard's worklists: what waits for whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import pgettext

from lianzheng.choices import (
    CaseState,
    PostponementDecision,
    RectificationStatus,
    TalkType,
    Transition,
)
from lianzheng.models import (
    CaseParticipant,
    Postponement,
    RectificationItem,
    TalkCase,
)
from lianzheng.rules.table import NOTICE, POSTPONEMENT_DECIDERS
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.cases import case_listing, late_items, overdue_parts, overdue_q
from lianzheng.selectors.facts import actor_facts, person_for_user
from lianzheng.workdays import WorkdayCalendar


def awaiting_consent():
    """Cases waiting for the principal head, with when they were (last) submitted — a declined
    case sent back and submitted again waits from the second submission."""

    submitted = (
        TalkCase.history.model.objects.filter(
            id=OuterRef("pk"), history_transition=Transition.SUBMIT
        )
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return (
        case_listing(TalkCase.objects.filter(state=CaseState.SUBMITTED))
        .annotate(submitted_at=Subquery(submitted))
        .order_by("created_at")
    )


def postponements_to_decide(user):
    """Cases whose subject applied in writing to postpone the talk and that this user decides
    (第八条（一）), as R8.1's deciders (``POSTPONEMENT_DECIDERS``) say: a holder of their
    roles decides any, a participant in their parts those cases he takes part in. Each carries
    ``applied_on`` and ``application`` of the pending application; the oldest application
    first, as it has waited longest."""
    deciders = POSTPONEMENT_DECIDERS
    actor = actor_facts(user)
    cases = TalkCase.objects.filter(state=CaseState.POSTPONEMENT_REQUESTED)
    if not actor.roles & deciders.roles:
        if actor.person_id is None:
            return TalkCase.objects.none()
        cases = cases.filter(
            Exists(
                CaseParticipant.objects.filter(
                    case=OuterRef("pk"),
                    person_id=actor.person_id,
                    role__in=deciders.case_roles,
                )
            )
        )
    pending = Postponement.objects.filter(
        case=OuterRef("pk"), decision=PostponementDecision.PENDING
    ).order_by("-applied_on", "-pk")
    return cases.annotate(
        applied_on=Subquery(pending.values("applied_on")[:1]),
        application=Subquery(pending.values("application")[:1]),
    ).order_by("applied_on", "pk")


def upcoming_talks_for(user, days: int = 14):
    """Talks in the next ``days`` days that the user leads or attends. From consent on: an
    approved talk has its time and people before its notice goes out (the principal did not
    see the talk he leads until the office had sent the notice)."""

    person = person_for_user(user)
    if person is None:
        return TalkCase.objects.none()
    now = timezone.now()
    return case_listing(
        TalkCase.objects.filter(
            state__in=[
                CaseState.APPROVED,
                CaseState.NOTIFIED,
                CaseState.POSTPONEMENT_REQUESTED,
            ],
            scheduled_at__gte=now,
            scheduled_at__lt=now + timedelta(days=days),
            participants__person=person,
        ).distinct()
    ).order_by("scheduled_at")


def notices_due(calendar: WorkdayCalendar | None = None, today: date | None = None):
    """Consented cases whose notice must go out today (or is already late) to keep R6.3's
    working days before the planned talk, the nearest talk first. A queryset: R6.3 names the
    day before which talks are due (``NOTICE.due_before``), so the database finds them with
    the (state, scheduled_at) index, and the dashboard reads only the rows it shows."""

    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(NOTICE.due_before(calendar, today), time.min))
    return case_listing(
        # Talks already past belong to the overdue panel, not to today's notices.
        TalkCase.objects.filter(
            state=CaseState.APPROVED, scheduled_at__gte=timezone.now(), scheduled_at__lt=cutoff
        )
    ).order_by("scheduled_at", "pk")


def rectification_checks_due(days: int = 7, today: date | None = None):
    """Open items of rectifying cases due within ``days``, or overdue, the earliest first."""

    today = today or timezone.localdate()
    return (
        RectificationItem.objects.filter(
            case__state=CaseState.RECTIFYING, deadline__lte=today + timedelta(days=days)
        )
        .exclude(status=RectificationStatus.VERIFIED)
        .select_related("case")
        .order_by("deadline", "pk")
    )


def overdue_cases(calendar: WorkdayCalendar | None = None):
    """Every overdue case (``overdue_q``), in the listing's order: the listing's filter."""
    return case_listing(TalkCase.objects.filter(overdue_q(calendar or load_calendar())))


@dataclass(frozen=True)
class OverdueCase:
    """A late case as the dashboard shows it: the day by which something was due, and what.
    The talk's own date said nothing of what was late (a notice overdue for a talk next week
    showed next week's date under 「已逾期」)."""

    case: TalkCase
    due: date  # the last day for the notice, the talk's day, or the first late item's deadline
    late: str  # what is late, in the reader's language


def overdue_worklist(
    limit: int, cap: int, calendar: WorkdayCalendar | None = None, today: date | None = None
) -> tuple[list[OverdueCase], int]:
    """The ``limit`` cases late the longest, and how many are late (counted up to ``cap``).

    The same cases as ``overdue_q``, asked as its three parts — a notice that can no longer go
    out in time, a talk passed without a record, an open item past its deadline — each read in
    the order of its own index and cut at ``limit``, then merged. One query over all of them
    sorts every late case before it can cut, which grows with the bureau's backlog; the
    dashboard must not (issue #14: as fast at 100,000 cases as at 10,000)."""

    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    notice_late, talk_passed, item_late = overdue_parts(calendar, today)
    found: dict[int, tuple[date, str]] = {}
    notices = TalkCase.objects.filter(notice_late).order_by("scheduled_at", "pk")
    for pk, at in notices.values_list("pk", "scheduled_at")[:limit]:
        last = NOTICE.last_day(calendar, timezone.localtime(at).date())
        found[pk] = (last, pgettext("overdue", "written notice not sent in time"))
    talks = TalkCase.objects.filter(talk_passed).order_by("scheduled_at", "pk")
    for pk, at in talks.values_list("pk", "scheduled_at")[:limit]:
        found[pk] = (timezone.localtime(at).date(), pgettext("overdue", "talk passed, no record"))
    # Late items in deadline order until ``limit`` cases are found (a case has a few items).
    items = late_items(today).filter(case__state=CaseState.RECTIFYING).order_by("deadline", "pk")
    by_items: set[int] = set()
    for case_id, deadline in items.values_list("case_id", "deadline")[: limit * 10]:
        if len(by_items) >= limit:
            break
        by_items.add(case_id)
        found.setdefault(
            case_id, (deadline, pgettext("overdue", "rectification item past its deadline"))
        )
    first = sorted(found.items(), key=lambda row: (row[1][0], row[0]))[:limit]
    cases = case_listing().in_bulk([pk for pk, _ in first])
    rows = [OverdueCase(cases[pk], due, late) for pk, (due, late) in first if pk in cases]
    total = sum(
        TalkCase.objects.filter(part).order_by()[: cap + 1].count()
        for part in (notice_late, talk_passed, item_late)
    )
    return rows, total


def year_figures(year: int | None = None) -> dict:
    """Cases of a year by type and by state, for the dashboard chart."""

    year = year or timezone.localdate().year
    rows = (
        TalkCase.objects.filter(year=year)
        .values("talk_type", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_type = {t: 0 for t in TalkType.values}
    by_state = {s: 0 for s in CaseState.values}
    for row in rows:
        by_type[row["talk_type"]] += row["n"]
        by_state[row["state"]] += row["n"]
    total = sum(by_type.values())
    return {
        "year": year,
        "total": total,
        "by_type": [(TalkType(t).label, n) for t, n in by_type.items()],
        "by_state": [(CaseState(s).label, n) for s, n in by_state.items() if n],
        "max": max([*by_type.values(), *by_state.values(), 1]),
    }

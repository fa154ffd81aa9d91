"""The dashboard's worklists: what waits for whom."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone

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
from lianzheng.selectors.cases import case_listing, overdue_q
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

    person = person_for_user(user)
    if person is None:
        return TalkCase.objects.none()
    now = timezone.now()
    return case_listing(
        TalkCase.objects.filter(
            state__in=[CaseState.NOTIFIED, CaseState.POSTPONEMENT_REQUESTED],
            scheduled_at__gte=now,
            scheduled_at__lt=now + timedelta(days=days),
            participants__person=person,
        ).distinct()
    ).order_by("scheduled_at")


def notices_due(calendar: WorkdayCalendar | None = None, today: date | None = None):
    """Consented cases whose notice must go out today (or is already late) to keep three
    working days before the planned talk; ``(case, last day, late)`` by urgency."""

    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    # Only talks within four working days can have their last notice day today or earlier.
    horizon = timezone.make_aware(
        datetime.combine(calendar.add_working_days(today, NOTICE.working_days + 1), time.min)
    )
    due = []
    for case in case_listing(
        # Talks already past belong to the overdue panel, not to today's notices.
        TalkCase.objects.filter(
            state=CaseState.APPROVED,
            scheduled_at__gte=timezone.now(),
            scheduled_at__lt=horizon,
        )
    ):
        last = NOTICE.last_day(calendar, timezone.localtime(case.scheduled_at).date())
        if last <= today:
            due.append((case, last, last < today))
    return sorted(due, key=lambda row: row[1])


def rectification_checks_due(days: int = 7, today: date | None = None):
    """Open items of rectifying cases due within ``days``, or overdue."""

    today = today or timezone.localdate()
    return (
        RectificationItem.objects.filter(
            case__state=CaseState.RECTIFYING, deadline__lte=today + timedelta(days=days)
        )
        .exclude(status=RectificationStatus.VERIFIED)
        .select_related("case")
        .order_by("deadline")
    )


def overdue_cases(calendar: WorkdayCalendar | None = None):
    return case_listing(TalkCase.objects.filter(overdue_q(calendar or load_calendar())))


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

"""Case listing and search: the rows a listing shows, what a search finds, what is due next."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from lianzheng.choices import CaseRole, CaseState, RectificationStatus
from lianzheng.models import (
    CaseParticipant,
    CaseSubject,
    ConfidentialReport,
    Person,
    RectificationItem,
    TalkCase,
)
from lianzheng.rules.table import NOTICE
from lianzheng.search.backend import entry_holds, indexed_count_exceeds, indexed_ids
from lianzheng.selectors.facts import person_for_user
from lianzheng.workdays import WorkdayCalendar


def case_listing(queryset=None):
    """Cases with everything a listing row shows, in a fixed number of queries.

    The next rectification deadline comes from a prefetch of the page's open items, not an
    aggregate: a MIN over all cases' items forces a GROUP BY of the whole table before the
    page is cut (measured: 0.6 s for 100,000 cases).
    """

    queryset = TalkCase.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(
        Prefetch("subjects", queryset=CaseSubject.objects.select_related("person__unit")),
        Prefetch(
            "participants",
            queryset=CaseParticipant.objects.filter(role=CaseRole.LEAD).select_related("person"),
            to_attr="lead_participants",
        ),
        Prefetch(
            "rectification_items",
            queryset=RectificationItem.objects.exclude(
                status=RectificationStatus.VERIFIED
            ).order_by("deadline"),
            to_attr="open_items",
        ),
    )


# The end of a case number as typed: 〔2026〕12号, or the whole 阿州住建廉约〔2026〕12号.
WHOLE_NUMBER = re.compile(r"〔(\d{4})〕(\d+)号$")


# Beyond this many index matches a search walks the cases in the listing's order and tests
# each (``entry_holds``) instead of reading every match first. Reading the matches costs in
# proportion to them (at 100,000 cases, with the count and the sort: about 10 µs each on SQLite;
# PostgreSQL reads each match's tsvector, 4–5 µs, once to decide and once to list); the walk
# reads about (cases / matches) × (the listing's count cap, 200) cases for its count, 3 µs a
# case on SQLite, 7 µs on PostgreSQL. Where the two meet at 100,000 cases, by database
# (bench/README.md, "Case search").
DENSE_MATCHES = {"sqlite": 2_000, "postgresql": 5_000}


def case_search(queryset, query: str, *, with_confidential: bool = False):
    """The cases the query finds: by any word of the case's index entry (people, units, purpose,
    problems, records, rectification items; lianzheng.search), by part of the number,
    and, for R7.4's readers only (``with_confidential``), by the confidential report.

    Shaped as ``id IN (index ∪ numbers ∪ reports)`` rather than an OR over the cases: each part
    looks up its few matches first (the index through FTS5 or a GIN index, the number through a
    trigram index on PostgreSQL, migration 0011), so the time does not grow with the number of
    cases. A case number is digits in fixed characters (阿州住建廉约〔2026〕12号), so a query
    without a digit cannot pick out a number and is not looked for in it.

    A query the index finds in more than ``DENSE_MATCHES`` cases (a unit's name, a word of every
    purpose) is asked the other way round, as a test of each case (``_dense_search``): the
    listing reads the cases in its order and stops at its page, instead of collecting, counting
    and sorting every match (600 ms for a word in all of 100,000 cases).
    """
    query = query.strip()
    if not query:
        return queryset
    if indexed_count_exceeds(TalkCase, query, DENSE_MATCHES[connection.vendor]):
        return _dense_search(queryset, query, with_confidential=with_confidential)
    matches = indexed_ids(TalkCase, query)
    if numbers := _numbers_matching(query):
        matches = matches.union(
            TalkCase.objects.filter(numbers).order_by().values_list("pk", flat=True)
        )
    if with_confidential:
        matches = matches.union(
            _reports_matching(query).order_by().values_list("case_id", flat=True)
        )
    return queryset.filter(pk__in=matches)


def _numbers_matching(query: str) -> Q | None:
    """The cases whose number the query is part of, or None when it cannot be (no digit)."""
    if whole := WHOLE_NUMBER.search(query):
        # 〔2026〕12号 (with or without the prefix) ends a number: only (year, sequence) holds
        # it, found through their unique index rather than by reading every number (SQLite
        # has no trigram index; 31 ms at 100,000 cases).
        return Q(year=int(whole[1]), sequence=int(whole[2]), number__endswith=query)
    if any(character.isdigit() for character in query):
        return Q(number__contains=query)
    return None


def _reports_matching(query: str):
    return ConfidentialReport.objects.filter(
        Q(material__icontains=query) | Q(whistleblower__icontains=query)
    )


def _dense_search(queryset, query: str, *, with_confidential: bool):
    """``case_search`` for a query found in many cases: the same cases, as a condition on each
    case (its own index entry, its number, its report), which the database checks while it
    reads the cases in the listing's order and stops at the page."""
    found = Q(entry_holds(TalkCase, query))
    if numbers := _numbers_matching(query):
        found |= numbers
    if with_confidential:
        found |= Q(Exists(_reports_matching(query).filter(case=OuterRef("pk"))))
    return queryset.filter(found)


def next_deadline(case: TalkCase, calendar: WorkdayCalendar, today: date | None = None):
    """(date, label) of the next thing due on the case, or None: the last day the notice can go
    out (approved), the talk (notified), or the earliest open rectification item. The label is
    in the reader's language: the list showed 「约谈」 on the English page, the case page
    「约谈 talk」 on the Chinese one."""
    today = today or timezone.localdate()
    if case.state == CaseState.APPROVED and case.scheduled_at:
        talk = timezone.localtime(case.scheduled_at).date()
        return NOTICE.last_day(calendar, talk), pgettext_lazy("next deadline", "notice by")
    if case.state in (CaseState.NOTIFIED, CaseState.POSTPONEMENT_REQUESTED) and case.scheduled_at:
        return timezone.localtime(case.scheduled_at).date(), pgettext_lazy("next deadline", "talk")
    if case.state == CaseState.RECTIFYING:
        open_items = getattr(case, "open_items", None)
        if open_items is not None:
            deadline = open_items[0].deadline if open_items else None
        else:
            deadline = (
                case.rectification_items.exclude(status="verified")
                .order_by("deadline")
                .values_list("deadline", flat=True)
                .first()
            )
        if deadline:
            return deadline, pgettext_lazy("next deadline", "rectification")
    return None


def late_items(today: date):
    """Rectification items past their deadline and not yet verified."""
    return RectificationItem.objects.filter(deadline__lt=today).exclude(
        status=RectificationStatus.VERIFIED
    )


def overdue_parts(calendar: WorkdayCalendar, today: date | None = None) -> tuple[Q, Q, Q]:
    """What makes a case overdue, in three parts: a notice that can no longer go out in time,
    a talk that passed without a record, a rectification item past its deadline."""

    today = today or timezone.localdate()
    notice_late = Q(
        state=CaseState.APPROVED,
        scheduled_at__lt=timezone.make_aware(
            datetime.combine(NOTICE.late_before(calendar, today), time.min)
        ),
    )
    talk_passed = Q(state=CaseState.NOTIFIED, scheduled_at__lt=timezone.now())
    item_late = Q(state=CaseState.RECTIFYING) & Q(
        Exists(late_items(today).filter(case=OuterRef("pk")))
    )
    return notice_late, talk_passed, item_late


def overdue_q(calendar: WorkdayCalendar, today: date | None = None) -> Q:
    """Cases late on something (any of ``overdue_parts``)."""
    notice_late, talk_passed, item_late = overdue_parts(calendar, today)
    return notice_late | talk_passed | item_late


def cases_of_user_q(user):
    """Cases the user is on: as creator, proposer, participant or consenting head."""

    person = person_for_user(user)
    q = Q(created_by=user)
    if person is not None:
        q |= (
            Q(proposed_by=person)
            | Q(consented_by=person)
            | Q(Exists(CaseParticipant.objects.filter(case=OuterRef("pk"), person=person)))
        )
    return q


def _cases_of_people(people):
    """Ids of the cases whose subjects are among ``people`` (a Person queryset): found through
    the people and casesubject's person index first, then the cases by primary key."""
    subjects = CaseSubject.objects.filter(person_id__in=people.values("pk"))
    return subjects.order_by().values("case_id")


def in_unit(queryset, unit):
    """Cases with a subject of ``unit``. As ``pk IN (…)`` rather than ``EXISTS`` per case, so the
    time does not grow with the number of cases (the bench measured 1.9–2.3× growth from 10,000
    to 100,000 cases for the EXISTS form)."""
    return queryset.filter(pk__in=_cases_of_people(Person.objects.filter(unit=unit)))


def in_county(queryset, county: str):
    """Cases with a subject of one of the county's units (as ``in_unit``)."""
    return queryset.filter(pk__in=_cases_of_people(Person.objects.filter(unit__county=county)))

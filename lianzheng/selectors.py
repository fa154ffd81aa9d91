"""Reads: the facts the rules see, the calendar with the editors' overrides, the regulation in
force. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from functools import cached_property

from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from lianzheng.choices import Role, UnitKind
from lianzheng.models import (
    CalendarOverride,
    CalendarYear,
    Person,
    RegulationPage,
    RoleAssignment,
    TalkCase,
)
from lianzheng.rules.facts import (
    FACT_GROUPS,
    NOT_LOADED,
    ActorFacts,
    CaseFacts,
    ItemFacts,
    NoticeFacts,
    ParticipantFacts,
    PersonFacts,
    PostponementFacts,
    RecordFacts,
)
from lianzheng.workdays import Override, WorkdayCalendar

_CALENDAR: tuple = ((), None)  # (stamp, WorkdayCalendar) kept by this process


def _calendar_stamp() -> tuple:
    """The hash of the last history row of each calendar table, in one query.

    Every change to an override or a year, in this process or another, writes a history row,
    and rows are linked (so numbered) under the chain's lock in commit order; a change rolled
    back takes its row with it. So the stamp changes exactly when the stored calendar does, and
    a hash, unlike a number, is never given again to a different change.
    """
    from django.db import connection

    qn = connection.ops.quote_name
    parts = [
        f"(SELECT {qn('chain_hash')} FROM {qn(model.history.model._meta.db_table)} "
        f"ORDER BY {qn('history_id')} DESC LIMIT 1)"
        for model in (CalendarOverride, CalendarYear)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        return tuple(cursor.fetchone())


def load_calendar() -> WorkdayCalendar:
    """The working-day calendar with the editors' overrides, kept per process.

    Editors change it a few times a year; every transition, case page and listing asks for
    it. One small query checks that the kept calendar is still the stored one (see
    ``_calendar_stamp``), instead of reading both tables and building it again.
    """
    global _CALENDAR
    stamp = _calendar_stamp()
    kept_stamp, calendar = _CALENDAR
    if calendar is not None and kept_stamp == stamp:
        return calendar
    overrides = {
        o.date: Override(working=o.working, note=o.note) for o in CalendarOverride.objects.all()
    }
    years = set(CalendarYear.objects.values_list("year", flat=True))
    calendar = WorkdayCalendar(overrides, override_years=years)
    _CALENDAR = (stamp, calendar)
    return calendar


def regulation_in_force(on: date | None = None) -> RegulationPage | None:
    on = on or timezone.localdate()
    return (
        RegulationPage.objects.live()
        .filter(effective_date__lte=on)
        .order_by("-effective_date", "-pk")
        .first()
    )


def person_for_user(user) -> Person | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return Person.objects.filter(user=user).first()


def roles_of(person_ids, on: date | None = None) -> dict[int, tuple[frozenset, frozenset]]:
    """For each person: the offices he holds today and the sections he is in charge of."""
    result: dict[int, tuple[set, set]] = {pid: (set(), set()) for pid in person_ids}
    for ra in RoleAssignment.objects.current(on).filter(person_id__in=person_ids):
        roles, sections = result[ra.person_id]
        roles.add(ra.role)
        if ra.role == Role.LEADER_IN_CHARGE and ra.unit_id:
            sections.add(ra.unit_id)
    return {pid: (frozenset(r), frozenset(s)) for pid, (r, s) in result.items()}


def actor_facts(user) -> ActorFacts:
    """Who asks and the offices he holds today: his person and current role assignments in
    one query (a left join), since every transition and case page asks it."""
    rows = []
    if user is not None and getattr(user, "pk", None):
        on = timezone.localdate()
        current = Q(roles__valid_from__lte=on) & (
            Q(roles__valid_until__isnull=True) | Q(roles__valid_until__gte=on)
        )
        rows = list(
            Person.objects.filter(user=user)
            .annotate(current=FilteredRelation("roles", condition=current))
            .order_by()
            .values_list("pk", "name", "current__role", "current__unit_id")
        )
    if not rows:
        return ActorFacts(
            user_id=getattr(user, "pk", None),
            name=getattr(user, "username", "") if user else "",
            is_superuser=bool(getattr(user, "is_superuser", False)),
        )
    person_id, name = rows[0][0], rows[0][1]
    return ActorFacts(
        user_id=user.pk,
        person_id=person_id,
        name=name,
        roles=frozenset(role for _pk, _name, role, _unit in rows if role),
        sections=frozenset(
            unit for _pk, _name, role, unit in rows if role == Role.LEADER_IN_CHARGE and unit
        ),
        is_superuser=user.is_superuser,
    )


def _person_facts(person: Person) -> PersonFacts:
    return PersonFacts(
        person_id=person.pk,
        name=person.name,
        category=person.category,
        rank=person.rank,
        unit_id=person.unit_id,
        unit_name=person.unit.name if person.unit_id else "",
        unit_is_section=person.unit.kind == UnitKind.SECTION if person.unit_id else True,
    )


class _CaseReader:
    """Reads one group of FACT_GROUPS each, so that a transition pays only for what its rules
    read; the participants are read once for the two groups that need them."""

    def __init__(self, case: TalkCase, user, calendar: WorkdayCalendar | None):
        self.case, self.user, self.given_calendar = case, user, calendar

    @cached_property
    def _participants(self) -> list:
        return list(self.case.participants.select_related("person"))

    def actor(self) -> dict:
        return {"actor": actor_facts(self.user)}

    def calendar(self) -> dict:
        return {"calendar": self.given_calendar or load_calendar()}

    def subjects(self) -> dict:
        people = [s.person for s in self.case.subjects.select_related("person__unit")]
        return {"subjects": tuple(_person_facts(p) for p in people)}

    def participants(self) -> dict:
        participants = self._participants
        roles = roles_of([p.person_id for p in participants])
        return {
            "participants": tuple(
                ParticipantFacts(
                    person_id=p.person_id,
                    name=p.person.name,
                    case_role=p.role,
                    roles=roles[p.person_id][0],
                    sections=roles[p.person_id][1],
                )
                for p in participants
            )
        }

    def notices(self) -> dict:
        current = self.case.notices.filter(superseded=False).select_related("subject")
        return {
            "notices": tuple(
                NoticeFacts(
                    subject_person_id=n.subject.person_id,
                    written_on=n.written_on,
                    scheduled_at=n.scheduled_at,
                    place=n.place,
                    content=n.content,
                    interviewers=n.interviewers,
                )
                for n in current
            )
        }

    def postponement(self) -> dict:
        row = self.case.postponements.first()
        if row is None:
            return {"postponement": None}
        leads = {p.person_id for p in self._participants if p.role == "lead"}
        return {
            "postponement": PostponementFacts(
                application=row.application,
                decision=row.decision,
                decided_by_lead=row.decided_by_id in leads,
                new_scheduled_at=row.new_scheduled_at,
            )
        }

    def grounds(self) -> dict:
        grounds = list(self.case.grounds.all())
        return {
            "ground_numbers": tuple(g.number for g in grounds),
            "grounds_needing_justification": tuple(
                g.number for g in grounds if g.requires_justification
            ),
        }

    def regulation(self) -> dict:
        page = self.case.regulation_page
        return {"regulation_effective_date": page.effective_date if page else None}

    def appointment(self) -> dict:
        appointment = self.case.appointment
        return {
            "appointment_effective_date": appointment.effective_date if appointment else None,
            "appointment_person_id": appointment.person_id if appointment else None,
        }

    def records(self) -> dict:
        return {
            "records": tuple(
                RecordFacts(
                    subject_person_id=rec.subject.person_id,
                    interviewers_present=tuple(p.pk for p in rec.interviewers_present.all()),
                    record_text=rec.record_text,
                    statement=rec.statement,
                    report=rec.report,
                    requirements=rec.requirements,
                    explanation=rec.explanation,
                    measures=rec.measures,
                    commitment=rec.commitment,
                )
                for rec in self.case.records.select_related("subject")
            )
        }

    def items(self) -> dict:
        return {
            "items": tuple(
                ItemFacts(
                    description=i.description,
                    deadline=i.deadline,
                    responsible=i.responsible,
                    status=i.status,
                )
                for i in self.case.rectification_items.all()
            )
        }


def case_facts(
    case: TalkCase,
    *,
    user,
    transition: str,
    reason: str = "",
    proposal: dict | None = None,
    calendar: WorkdayCalendar | None = None,
    reads: Iterable[str] | None = None,
    **overrides,
) -> CaseFacts:
    """The case as stored, with ``overrides`` standing for what the request would change.

    ``reads`` names the groups of FACT_GROUPS to load, as the rules declare them
    (``facts_read``); each costs a query or two, and a transition's rules read few of them.
    The others are NOT_LOADED. None loads them all.
    """
    reader = _CaseReader(case, user, calendar)
    loaded: dict = {}
    for group, fields in FACT_GROUPS.items():
        if reads is None or group in reads:
            loaded.update(getattr(reader, group)())
        else:
            loaded.update(dict.fromkeys(fields, NOT_LOADED))
    facts = CaseFacts(
        transition=transition,
        today=timezone.localdate(),
        now=timezone.now(),
        talk_type=case.talk_type,
        state=case.state,
        purpose=case.purpose,
        other_justification=case.other_justification,
        special_trigger=case.special_trigger,
        source=case.source,
        problems=case.problems,
        preparation_note=case.preparation_note,
        scheduled_at=case.scheduled_at,
        place=case.place,
        regulation_revision_id=case.regulation_revision_id,
        delegated_by_principal=case.delegated_by_id is not None,
        consented_by_principal=case.consented_by_id is not None,
        short_notice_reason=case.short_notice_reason,
        short_notice_approved_by_principal=case.short_notice_approved_by_id is not None,
        escalation_ground="",
        reason=reason,
        proposal=proposal or {},
        **loaded,
    )
    return replace(facts, **overrides) if overrides else facts


def calendar_warnings(case: TalkCase, calendar: WorkdayCalendar | None = None) -> list[str]:
    """Years the case's dates fall in that neither the official calendar package nor the
    editors' entries cover: working days there are counted Monday to Friday, so say so."""
    calendar = calendar or load_calendar()
    days = [timezone.localtime(case.scheduled_at).date()] if case.scheduled_at else []
    days += [n.written_on for n in case.notices.all()]
    days += [i.deadline for i in case.rectification_items.all()]
    return [
        f"{year}年官方节假日安排尚未录入，工作日暂按周一至周五计算，请编辑录入后核对。"
        f"(The official calendar for {year} is missing; working days are counted Monday to "
        "Friday until an editor enters it.)"
        for year in calendar.missing_years(*days)
    ]


# -- listings ----------------------------------------------------------------------------------


def case_listing(queryset=None):
    """Cases with everything a listing row shows, in a fixed number of queries.

    The next rectification deadline comes from a prefetch of the page's open items, not an
    aggregate: a MIN over all cases' items forces a GROUP BY of the whole table before the
    page is cut (measured: 0.6 s for 100,000 cases).
    """
    from django.db.models import Prefetch

    from lianzheng.choices import CaseRole, RectificationStatus
    from lianzheng.models import CaseParticipant, CaseSubject, RectificationItem

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


def case_search(queryset, query: str):
    """The cases whose number contains ``query`` or one of whose subjects' names does.

    Shaped as ``id IN (numbers UNION names)`` rather than ``number LIKE … OR EXISTS(names)``:
    the OR forces a scan of every case with a subquery for each, the union looks up the few
    matching people and numbers first (100,000 cases: 88 ms → 4 ms for a name). On PostgreSQL
    the number is found through a trigram index (migration 0011). A case number is digits in
    fixed characters (阿州住建廉约〔2026〕12号), so a query without a digit cannot pick out a
    number and only the names are searched.
    """
    from lianzheng.models import CaseSubject

    query = query.strip()
    if not query:
        return queryset
    matches = CaseSubject.objects.filter(person__name__icontains=query).order_by().values("case_id")
    if any(character in "0123456789" for character in query):
        numbers = TalkCase.objects.filter(number__contains=query).order_by().values("pk")
        matches = numbers.union(matches)
    return queryset.filter(pk__in=matches)


NOTICE_DAYS = 3


def next_deadline(case: TalkCase, calendar: WorkdayCalendar, today: date | None = None):
    """(date, label) of the next thing due on the case, or None: the last day the notice can go
    out (approved), the talk (notified), or the earliest open rectification item. The label is
    in the reader's language: the list showed 「约谈」 on the English page, the case page
    「约谈 talk」 on the Chinese one."""
    from lianzheng.choices import CaseState

    today = today or timezone.localdate()
    if case.state == CaseState.APPROVED and case.scheduled_at:
        talk = timezone.localtime(case.scheduled_at).date()
        return calendar.last_working_day_for_notice(talk, NOTICE_DAYS), pgettext_lazy(
            "next deadline", "notice by"
        )
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


def overdue_q(calendar: WorkdayCalendar, today: date | None = None):
    """Cases late on something: a notice that can no longer go out in time, a talk that passed
    without a record, a rectification item past its deadline."""
    from datetime import datetime, time

    from django.db.models import Exists, OuterRef, Q

    from lianzheng.choices import CaseState, RectificationStatus
    from lianzheng.models import RectificationItem

    today = today or timezone.localdate()
    earliest_in_time = calendar.add_working_days(today, NOTICE_DAYS)
    notice_late = Q(
        state=CaseState.APPROVED,
        scheduled_at__lt=timezone.make_aware(datetime.combine(earliest_in_time, time.min)),
    )
    talk_passed = Q(state=CaseState.NOTIFIED, scheduled_at__lt=timezone.now())
    item_late = Q(state=CaseState.RECTIFYING) & Q(
        Exists(
            RectificationItem.objects.filter(case=OuterRef("pk"), deadline__lt=today).exclude(
                status=RectificationStatus.VERIFIED
            )
        )
    )
    return notice_late | talk_passed | item_late


def cases_of_user_q(user):
    """Cases the user is on: as creator, proposer, participant or consenting head."""
    from django.db.models import Exists, OuterRef, Q

    from lianzheng.models import CaseParticipant

    person = person_for_user(user)
    q = Q(created_by=user)
    if person is not None:
        q |= (
            Q(proposed_by=person)
            | Q(consented_by=person)
            | Q(Exists(CaseParticipant.objects.filter(case=OuterRef("pk"), person=person)))
        )
    return q


def suggested_participants(case: TalkCase, on: date | None = None) -> list[tuple[Person, str]]:
    """Who 第六条（二） says should lead and attend, from today's role assignments."""
    from lianzheng.choices import CORRECTIVE_TALK_TYPES, CaseRole, PersonCategory, TalkType

    def holder(role, unit=None):
        qs = RoleAssignment.objects.current(on).filter(role=role).select_related("person")
        if unit is not None:
            qs = qs.filter(unit=unit)
        ra = qs.order_by("-valid_from", "pk").first()
        return ra.person if ra else None

    subjects = [s.person for s in case.subjects.select_related("person")]
    county = any(p.category == PersonCategory.COUNTY_PRINCIPAL for p in subjects)
    if case.talk_type == TalkType.ROUTINE:
        lead = holder(Role.LEADER_IN_CHARGE, subjects[0].unit) if subjects else None
    elif case.talk_type == TalkType.PRE_APPOINTMENT:
        lead = holder(Role.DEPUTY_HEAD_PERSONNEL)
    elif case.talk_type in CORRECTIVE_TALK_TYPES and county and not case.delegated_by_id:
        lead = holder(Role.PRINCIPAL_HEAD)
    else:
        lead = holder(Role.DEPUTY_HEAD_DISCIPLINE)
    wanted = [
        (lead, CaseRole.LEAD),
        (holder(Role.OFFICE_HEAD), CaseRole.OFFICE_HEAD),
        (holder(Role.DISCIPLINE_OFFICER), CaseRole.DISCIPLINE_OFFICER),
    ]
    if case.talk_type == TalkType.PRE_APPOINTMENT:
        wanted.append((holder(Role.PERSONNEL_OFFICER), CaseRole.PERSONNEL_OFFICER))
    subject_ids = {p.pk for p in subjects}
    seen = set()
    result = []
    for person, role in wanted:
        if person is None or person.pk in subject_ids or person.pk in seen:
            continue
        seen.add(person.pk)
        result.append((person, role))
    return result


# -- the case's timeline -----------------------------------------------------------------------

HISTORY_TYPES = {"+": "新增 added", "~": "修改 changed", "-": "删除 removed"}


def _displayer(choices):
    from datetime import datetime

    def display(value) -> str:
        if value is None or value == "":
            return ""
        if choices and value in choices:
            return str(choices[value])
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return str(value)

    return display


def _field_changes(record, previous) -> list[tuple[str, str, str]]:
    if previous is None:
        return []
    from lianzheng.selectors_audit import _related_displayer

    model = record.instance_type
    changes = []
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    for change in delta.changes:
        try:
            field = model._meta.get_field(change.field)
        except Exception:
            label = change.field
            display = str
        else:
            label = str(field.verbose_name)
            choices = dict(field.flatchoices) if field.choices else None
            display = _displayer(choices)
            if field.is_relation:
                # The diff holds the key; 「同意人：— → 1」 told the reader nothing.
                display = _related_displayer(field)
        changes.append((label, display(change.old), display(change.new)))
    return changes


def case_timeline(case: TalkCase) -> list[dict]:
    """Every transition and change of the case and its parts, and every view of its
    confidential report, newest first: who, when, what, why, under which articles."""
    from lianzheng.choices import CaseState
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
        TalkRecord,
    )

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
            {
                "when": record.history_date,
                "who": record.history_user_display,
                "kind": kind,
                "title": title,
                "transition": record.history_transition,
                "reason": record.history_change_reason or "",
                "articles": record.history_articles.split(),
                "changes": _field_changes(record, previous) if record.history_type == "~" else [],
            }
        )
        previous = record
    parts = [
        (CaseSubject, {"case_id": case.pk}),
        (CaseParticipant, {"case_id": case.pk}),
        (CaseGround, {"case_id": case.pk}),
        (Notice, {"case_id": case.pk}),
        (Postponement, {"case_id": case.pk}),
        (TalkRecord, {"case_id": case.pk}),
        (RectificationItem, {"case_id": case.pk}),
        (RectificationCheck, {"item__case_id": case.pk}),
        (Escalation, {"case_id": case.pk}),
        (GeneratedDocument, {"case_id": case.pk}),
    ]
    for model, lookup in parts:
        history = model.history.model.objects
        if "item__case_id" in lookup:
            item_ids = list(case.rectification_items.values_list("pk", flat=True))
            rows = history.filter(item_id__in=item_ids)
        else:
            rows = history.filter(**lookup)
        for row in rows.order_by("history_date", "history_id"):
            entries.append(
                {
                    "when": row.history_date,
                    "who": row.history_user_display,
                    "kind": "part",
                    "title": f"{model._meta.verbose_name}：{HISTORY_TYPES[row.history_type]}",
                    "transition": "",
                    "reason": row.history_change_reason or "",
                    "articles": row.history_articles.split(),
                    "changes": [],
                    "object": str(row.instance) if row.history_type != "-" else "",
                }
            )
    for view in ConfidentialAccess.objects.filter(case=case):
        entries.append(
            {
                "when": view.viewed_at,
                "who": view.user_display,
                "kind": "confidential",
                "title": "查看保密信息 confidential information shown",
                "transition": "",
                "reason": view.purpose,
                "articles": ["R7.4"],
                "changes": [],
            }
        )
    from lianzheng.selectors_reminders import reminder_timeline_entries

    entries += reminder_timeline_entries(case)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


# -- dashboard worklists -------------------------------------------------------------------------


def awaiting_consent():
    """Cases waiting for the principal head, with when they were (last) submitted — a declined
    case sent back and submitted again waits from the second submission."""
    from django.db.models import OuterRef, Subquery

    from lianzheng.choices import CaseState

    submitted = (
        TalkCase.history.model.objects.filter(id=OuterRef("pk"), history_transition="submit")
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
    (第八条（一）): the principal head decides any, the lead interviewer those he leads. R8.1
    in rules/table.py decides who may; this is the same condition as a query, for a worklist,
    and a test checks that R8.1 admits the user for every case listed. Each carries
    ``applied_on`` and ``application`` of the pending application; the oldest application
    first, as it has waited longest."""
    from django.db.models import OuterRef, Subquery

    from lianzheng.choices import CaseRole, CaseState, PostponementDecision
    from lianzheng.models import Postponement

    cases = TalkCase.objects.filter(state=CaseState.POSTPONEMENT_REQUESTED)
    if Role.PRINCIPAL_HEAD not in actor_facts(user).roles:
        person = person_for_user(user)
        if person is None:
            return TalkCase.objects.none()
        cases = cases.filter(
            participants__person=person, participants__role=CaseRole.LEAD
        ).distinct()
    pending = Postponement.objects.filter(
        case=OuterRef("pk"), decision=PostponementDecision.PENDING
    ).order_by("-applied_on", "-pk")
    return cases.annotate(
        applied_on=Subquery(pending.values("applied_on")[:1]),
        application=Subquery(pending.values("application")[:1]),
    ).order_by("applied_on", "pk")


def upcoming_talks_for(user, days: int = 14):
    from datetime import timedelta

    from lianzheng.choices import CaseState

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
    from datetime import datetime, time

    from lianzheng.choices import CaseState

    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    # Only talks within four working days can have their last notice day today or earlier.
    horizon = timezone.make_aware(
        datetime.combine(calendar.add_working_days(today, NOTICE_DAYS + 1), time.min)
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
        last = calendar.last_working_day_for_notice(
            timezone.localtime(case.scheduled_at).date(), NOTICE_DAYS
        )
        if last <= today:
            due.append((case, last, last < today))
    return sorted(due, key=lambda row: row[1])


def rectification_checks_due(days: int = 7, today: date | None = None):
    """Open items of rectifying cases due within ``days``, or overdue."""
    from datetime import timedelta

    from lianzheng.choices import CaseState, RectificationStatus
    from lianzheng.models import RectificationItem

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
    from django.db.models import Count

    from lianzheng.choices import CaseState, TalkType

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

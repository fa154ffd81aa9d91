"""The facts the rules judge, read from the database: who asks and the offices he holds, and a
case as the rules see it (only the groups of facts a step's rules read)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from django.db.models import FilteredRelation, Q
from django.utils import timezone

from lianzheng import clock
from lianzheng.choices import (
    Role,
    UnitKind,
)
from lianzheng.models import (
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
from lianzheng.selectors.calendar import load_calendar
from lianzheng.workdays import WorkdayCalendar


def regulation_in_force(on: date | None = None) -> RegulationPage | None:
    on = on or clock.today()
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
    one query (a left join), kept on the user object for the day as Django keeps a user's
    permissions (a request's user: the case page asked three times)."""
    on = clock.today()
    kept = getattr(user, "_lianzheng_actor", None)
    if kept is not None and kept[0] == on:
        return kept[1]
    facts = _actor_facts(user, on)
    if user is not None:
        user._lianzheng_actor = (on, facts)
    return facts


def _actor_facts(user, on) -> ActorFacts:
    rows = []
    if user is not None and getattr(user, "pk", None):
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


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(
        person_id=person.pk,
        name=person.name,
        category=person.category,
        rank=person.rank,
        unit_id=person.unit_id,
        unit_name=person.unit.name if person.unit_id else "",
        unit_is_section=person.unit.kind == UnitKind.SECTION if person.unit_id else True,
    )


@dataclass(frozen=True)
class CaseParts:
    """The rows of a case's parts, read once by a page that shows them and judges the case's
    steps by them too (the case page: the rules' facts and the page read the same rows)."""

    subjects: list
    participants: list
    grounds: list
    notices: list
    postponements: list
    records: list
    items: list


def read_case_parts(case: TalkCase) -> CaseParts:
    """Every part of ``case``, each in one query, with what the page and the facts follow."""
    return CaseParts(
        subjects=list(case.subjects.select_related("person__unit")),
        participants=list(case.participants.select_related("person")),
        grounds=list(case.grounds.all()),
        notices=list(case.notices.select_related("subject__person")),
        postponements=list(case.postponements.all()),
        records=list(
            case.records.select_related("subject__person").prefetch_related("interviewers_present")
        ),
        items=list(case.rectification_items.prefetch_related("checks")),
    )


class _CaseReader:
    """Reads one group of FACT_GROUPS each, so that a transition pays only for what its rules
    read; the participants are read once for the two groups that need them. Given the parts
    a page has read (``CaseParts``), it reads none again."""

    def __init__(
        self, case: TalkCase, user, calendar: WorkdayCalendar | None, parts: CaseParts | None
    ):
        self.case, self.user, self.given_calendar, self.parts = case, user, calendar, parts

    @cached_property
    def _participants(self) -> list:
        if self.parts is not None:
            return self.parts.participants
        return list(self.case.participants.select_related("person"))

    def actor(self) -> dict:
        return {"actor": actor_facts(self.user)}

    def calendar(self) -> dict:
        return {"calendar": self.given_calendar or load_calendar()}

    def subjects(self) -> dict:
        if self.parts is not None:
            rows = self.parts.subjects
        else:
            rows = self.case.subjects.select_related("person__unit")
        people = [s.person for s in rows]
        return {"subjects": tuple(person_facts(p) for p in people)}

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
            ),
            "substitutes": tuple(
                self.case.substitutions.order_by("case_role").values_list("case_role", "person_id")
            ),
        }

    def proposer(self) -> dict:
        pid = self.case.proposed_by_id
        return {"proposer_roles": roles_of([pid])[pid][0] if pid else frozenset()}

    def notices(self) -> dict:
        if self.parts is not None:
            current = [n for n in self.parts.notices if not n.superseded]
        else:
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
                    delivery_method=n.delivery_method,
                    delivered_at=n.delivered_at,
                    delivery_signed_by=n.delivery_signed_by,
                    notice_id=n.pk,
                )
                for n in current
            )
        }

    def postponement(self) -> dict:
        if self.parts is not None:
            row = self.parts.postponements[0] if self.parts.postponements else None
        else:
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
        grounds = self.parts.grounds if self.parts else list(self.case.grounds.all())
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
            "appointment_kind": appointment.kind if appointment else "",
            "appointment_rank": appointment.rank if appointment else "",
        }

    def records(self) -> dict:
        if self.parts is not None:
            rows = self.parts.records
        else:
            rows = self.case.records.select_related("subject")
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
                for rec in rows
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
                for i in (self.parts.items if self.parts else self.case.rectification_items.all())
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
    parts: CaseParts | None = None,
    **overrides,
) -> CaseFacts:
    """The case as stored, with ``overrides`` standing for what the request would change.

    ``reads`` names the groups of FACT_GROUPS to load, as the rules declare them
    (``facts_read``); each costs a query or two, and a transition's rules read few of them.
    The others are NOT_LOADED. None loads them all.
    """
    reader = _CaseReader(case, user, calendar, parts)
    loaded: dict = {}
    for group, fields in FACT_GROUPS.items():
        if reads is None or group in reads:
            loaded.update(getattr(reader, group)())
        else:
            loaded.update(dict.fromkeys(fields, NOT_LOADED))
    facts = CaseFacts(
        transition=transition,
        today=clock.today(),
        # In the bureau's time zone, so the rules' dates are the days users see.
        now=timezone.localtime(clock.now()),
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
        consented_at=case.consented_at,
        origin=case.origin,
        proposed_by_id=case.proposed_by_id,
        short_notice_reason=case.short_notice_reason,
        short_notice_approved_by_principal=case.short_notice_approved_by_id is not None,
        escalation_ground="",
        reason=reason,
        proposal=proposal or {},
        **loaded,
    )
    return replace(facts, **overrides) if overrides else facts

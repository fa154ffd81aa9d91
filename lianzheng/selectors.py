"""Reads: the facts the rules see, the calendar with the editors' overrides, the regulation in
force. Nothing here writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.utils import timezone

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


def load_calendar() -> WorkdayCalendar:
    overrides = {
        o.date: Override(working=o.working, note=o.note) for o in CalendarOverride.objects.all()
    }
    years = set(CalendarYear.objects.values_list("year", flat=True))
    return WorkdayCalendar(overrides, override_years=years)


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
    person = person_for_user(user)
    if person is None:
        return ActorFacts(
            user_id=getattr(user, "pk", None),
            name=getattr(user, "username", "") if user else "",
            is_superuser=bool(getattr(user, "is_superuser", False)),
        )
    roles, sections = roles_of([person.pk])[person.pk]
    return ActorFacts(
        user_id=user.pk,
        person_id=person.pk,
        name=person.name,
        roles=roles,
        sections=sections,
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


def case_facts(
    case: TalkCase,
    *,
    user,
    transition: str,
    reason: str = "",
    proposal: dict | None = None,
    calendar: WorkdayCalendar | None = None,
    **overrides,
) -> CaseFacts:
    """The case as stored, with ``overrides`` standing for what the request would change."""
    now = timezone.now()
    subjects = [s.person for s in case.subjects.select_related("person__unit")]
    participants = list(case.participants.select_related("person"))
    roles = roles_of([p.person_id for p in participants])
    lead_ids = {p.person_id for p in participants if p.role == "lead"}
    current_notices = case.notices.filter(superseded=False).select_related("subject")
    postponement = case.postponements.first()
    grounds = list(case.grounds.all())
    regulation = case.regulation_page
    facts = CaseFacts(
        transition=transition,
        actor=actor_facts(user),
        today=timezone.localdate(),
        now=now,
        calendar=calendar or load_calendar(),
        talk_type=case.talk_type,
        state=case.state,
        purpose=case.purpose,
        ground_numbers=tuple(g.number for g in grounds),
        grounds_needing_justification=tuple(g.number for g in grounds if g.requires_justification),
        other_justification=case.other_justification,
        special_trigger=case.special_trigger,
        source=case.source,
        problems=case.problems,
        preparation_note=case.preparation_note,
        scheduled_at=case.scheduled_at,
        place=case.place,
        regulation_effective_date=regulation.effective_date if regulation else None,
        regulation_revision_id=case.regulation_revision_id,
        appointment_effective_date=case.appointment.effective_date if case.appointment else None,
        appointment_person_id=case.appointment.person_id if case.appointment else None,
        delegated_by_principal=case.delegated_by_id is not None,
        consented_by_principal=case.consented_by_id is not None,
        short_notice_reason=case.short_notice_reason,
        short_notice_approved_by_principal=case.short_notice_approved_by_id is not None,
        subjects=tuple(_person_facts(p) for p in subjects),
        participants=tuple(
            ParticipantFacts(
                person_id=p.person_id,
                name=p.person.name,
                case_role=p.role,
                roles=roles[p.person_id][0],
                sections=roles[p.person_id][1],
            )
            for p in participants
        ),
        notices=tuple(
            NoticeFacts(
                subject_person_id=n.subject.person_id,
                written_on=n.written_on,
                scheduled_at=n.scheduled_at,
                place=n.place,
                content=n.content,
                interviewers=n.interviewers,
            )
            for n in current_notices
        ),
        postponement=PostponementFacts(
            application=postponement.application,
            decision=postponement.decision,
            decided_by_lead=postponement.decided_by_id in lead_ids,
            new_scheduled_at=postponement.new_scheduled_at,
        )
        if postponement
        else None,
        records=tuple(
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
            for rec in case.records.select_related("subject")
        ),
        items=tuple(
            ItemFacts(
                description=i.description,
                deadline=i.deadline,
                responsible=i.responsible,
                status=i.status,
            )
            for i in case.rectification_items.all()
        ),
        escalation_ground="",
        reason=reason,
        proposal=proposal or {},
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

"""Drive a case through the real service with data that satisfies the regulation, so a test
can start from any state and then break exactly one rule."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from lianzheng import clock
from lianzheng.choices import (
    CaseRole,
    CaseSource,
    CaseState,
    EscalationGround,
    RectificationStatus,
    Role,
    SpecialTrigger,
    TalkType,
)
from lianzheng.history import Change, recording
from lianzheng.models import (
    Appointment,
    DocumentSettings,
    Escalation,
    Ground,
    Notice,
    Person,
    Postponement,
    RectificationItem,
    TalkCase,
    TalkRecord,
)
from lianzheng.models.cases import state_write_allowed
from lianzheng.rules import rules_for
from lianzheng.rules.table import NOTICE
from lianzheng.selectors.calendar import load_calendar
from lianzheng.services.cases import case_create, case_update
from lianzheng.services.demo import notice_moment
from lianzheng.services.workflow import case_transition
from lianzheng.workflow.steps import step_named


@dataclass
class Cast:
    section_a: object
    section_b: object
    principal: Person
    deputy_personnel: Person
    deputy_discipline: Person
    leader: Person
    office_head: Person
    discipline: Person
    personnel: Person
    clerk: Person
    auditor: object
    staff: Person
    staff2: Person
    county_head: Person
    bureau_leader_subject: Person

    def user(self, person: Person):
        return person.user


def talk_time(working_days: int = 5, hour: int = 10) -> datetime:
    day = load_calendar().add_working_days(timezone.localdate(), working_days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def participants_for(cast: Cast, talk_type: str, subjects) -> list[tuple[Person, str]]:
    county = any(s.category == "county_principal" for s in subjects)
    if talk_type == TalkType.ROUTINE:
        lead = cast.leader
    elif talk_type == TalkType.PRE_APPOINTMENT:
        lead = cast.deputy_personnel
    elif county:
        lead = cast.principal
    else:
        lead = cast.deputy_discipline
    people = [
        (lead, CaseRole.LEAD),
        (cast.office_head, CaseRole.OFFICE_HEAD),
        (cast.discipline, CaseRole.DISCIPLINE_OFFICER),
    ]
    if talk_type == TalkType.PRE_APPOINTMENT:
        people.append((cast.personnel, CaseRole.PERSONNEL_OFFICER))
    return people


def new_case(cast: Cast, talk_type: str = TalkType.WARNING, subjects=None, **overrides) -> TalkCase:
    subjects = subjects or [cast.staff]
    fields = {
        "purpose": "提醒约谈对象端正思想认识，认真整改工作中存在的问题。",
        "preparation_note": "谈话提纲：一、情况通报；二、听取说明；三、提出要求。",
    }
    if talk_type == TalkType.PRE_APPOINTMENT:
        fields["appointment"] = Appointment.objects.create(
            person=subjects[0],
            kind="promotion",
            post="副科长",
            rank="deputy_section_chief",
            unit=subjects[0].unit,
            effective_date=timezone.localdate() + timedelta(days=60),
        )
    if talk_type == TalkType.SPECIAL:
        fields["special_trigger"] = SpecialTrigger.MAJOR_PROJECT
    if talk_type in (TalkType.WARNING, TalkType.ADMONITION):
        fields["problems"] = "工作推诿拖延，群众反映办事效率低。"
        fields["grounds"] = [Ground.objects.get(number=5)]
    if talk_type == TalkType.ADMONITION:
        fields["source"] = CaseSource.PETITION
    fields["participants"] = participants_for(cast, talk_type, subjects)
    # The 约谈主体 is the leader who will lead it, proposing directly (R6.1); the clerk types it.
    fields["proposed_by"] = fields["participants"][0][0] if fields["participants"] else None
    confidential = overrides.pop("confidential", None)
    fields.update(overrides)
    case = case_create(user=cast.clerk.user, talk_type=talk_type, subjects=subjects, **fields)
    if confidential:  # entered by the discipline officer (R7.4), not the clerk
        case = case_update(case=case, user=cast.discipline.user, confidential=confidential)
    return case


def record_data(cast: Cast, case: TalkCase, **changes) -> dict:
    lead = case.participants.get(role=CaseRole.LEAD).person
    records = {}
    for subject in case.subjects.all():
        records[subject.person_id] = {
            "interviewers_present": [lead.pk, cast.office_head.pk, cast.discipline.pk],
            "record_text": "谈话人通报了有关情况，约谈对象作了说明。",
            "statement": "本人如实陈述：对存在的问题认识不足。",
            "report": "本科室落实党风廉政建设责任制情况良好，本人及同事廉洁自律。",
            "requirements": "严守纪律，重大事项及时报告。",
            "explanation": "原因在于思想重视不够。",
            "measures": "加强学习，建立台账，按期整改。",
            "commitment": "本人承诺廉洁自律，履行一岗双责。",
            **changes,
        }
    return records


ITEM = {"description": "建立办事台账并公开办理时限", "responsible": "约谈对象本人"}


def advance(cast: Cast, case: TalkCase, to: str, past: bool | None = None) -> TalkCase:
    """Take the case from draft along the ordinary path until it reaches state ``to``.

    A case taken to a state after its talk (``past``, the default for those states) has its
    talk two working days ago: submitted, consented and notified on the last day the notice
    could go out, with the clock moved back, and held at its notified time (R6.5), as a case
    that happened would have been. Otherwise the talk is five working days ahead."""
    if past is None:
        past = to in TALK_PASSED
    office = cast.clerk.user
    principal = cast.principal.user
    scheduled = past_talk_time() if past else talk_time()

    # Each step enters its own block (a context manager is entered once).
    def before_talk():
        return clock.at(notice_moment(scheduled)) if past else nullcontext()

    def at_talk():
        return clock.at(case.scheduled_at + timedelta(hours=1)) if past else nullcontext()

    path = [
        (
            CaseState.SUBMITTED,
            before_talk,
            lambda c: case_transition(case=c, transition="submit", user=office),
        ),
        (
            CaseState.APPROVED,
            before_talk,
            lambda c: case_transition(
                case=c, transition="consent", user=principal, comment="同意。"
            ),
        ),
        (
            CaseState.NOTIFIED,
            before_talk,
            lambda c: case_transition(
                case=c,
                transition="notify",
                user=office,
                scheduled_at=scheduled,
                place="局三楼会议室",
                content="请按时参加廉政约谈，就有关问题作出说明。",
            ),
        ),
        (
            CaseState.HELD,
            at_talk,
            lambda c: case_transition(
                case=c, transition="hold", user=office, records=record_data(cast, c)
            ),
        ),
        (
            CaseState.RECTIFYING,
            nullcontext,
            lambda c: case_transition(
                case=c,
                transition="start_rectification",
                user=office,
                items=[
                    {
                        **ITEM,
                        "deadline": timezone.localdate() + timedelta(days=30),
                        # each item is one subject's (R9.1): the first subject's here
                        "subject_person_id": c.subjects.order_by("sort_order", "pk")[0].person_id,
                    }
                ],
            ),
        ),
    ]
    states = [state for state, _when, _step in path]
    start = states.index(case.state) + 1 if case.state in states else 0
    for state, when, step in path[start:]:
        if case.state == to:
            return case
        with when():
            case = step(case)
        assert case.state == state, (case.state, state)
    assert case.state == to, case.state
    return case


def deliver(cast: Cast, case: TalkCase) -> TalkCase:
    """Record each notice in force as handed to its subject, in person, on the morning of the
    day it is dated (R6.3; never later than now or the talk, R6.5)."""
    for notice in case.notices.filter(superseded=False).select_related("subject__person"):
        handed = timezone.make_aware(datetime.combine(notice.written_on, time(9, 30)))
        case = case_transition(
            case=case,
            transition="record_delivery",
            user=cast.clerk.user,
            notice_id=notice.pk,
            delivery_method="in_person",
            delivered_at=min(handed, clock.now(), notice.scheduled_at),
            delivery_signed_by=notice.subject.person.name,
        )
    return case


def hold_now(cast: Cast, case: TalkCase, **data) -> TalkCase:
    """Record a notified case's talk as held at its notified time, with the clock at that time
    (R6.5): for tests that take the hold step themselves after ``advance(..., past=True)``."""
    data.setdefault("records", record_data(cast, case))
    with clock.at(case.scheduled_at + timedelta(minutes=30)):
        return case_transition(case=case, transition="hold", user=cast.clerk.user, **data)


def build_cast() -> Cast:
    from lianzheng.choices import PersonCategory, Rank, UnitKind
    from tests.factories import PersonFactory, UnitFactory, UserFactory, officer

    # The office telephone every notice names (a notice is refused without it).
    DocumentSettings.objects.update_or_create(defaults={"contact_phone": "0837-2822123"})
    a = UnitFactory(code="section-a", name="测试一科")
    b = UnitFactory(code="section-b", name="测试二科")
    office_unit = UnitFactory(code="section-office", name="办公室")
    wenchuan = UnitFactory(
        code="wenchuan-housing",
        name="汶川县住房和城乡建设局",
        kind=UnitKind.COUNTY_HOUSING,
        county="wenchuan",
    )
    return Cast(
        section_a=a,
        section_b=b,
        principal=officer(Role.PRINCIPAL_HEAD, name="王局长", username="principal"),
        deputy_personnel=officer(Role.DEPUTY_HEAD_PERSONNEL, name="李副局长", username="dp"),
        deputy_discipline=officer(Role.DEPUTY_HEAD_DISCIPLINE, name="赵副局长", username="dd"),
        leader=officer(Role.LEADER_IN_CHARGE, name="钱副局长", username="leader", sections=[a]),
        office_head=officer(
            Role.OFFICE_HEAD, name="孙主任", username="office_head", unit=office_unit
        ),
        discipline=officer(Role.DISCIPLINE_OFFICER, name="周专干", username="discipline"),
        personnel=officer(Role.PERSONNEL_OFFICER, name="吴专干", username="personnel"),
        clerk=officer(Role.OFFICE, name="郑干事", username="clerk", unit=office_unit),
        auditor=UserFactory(username="auditor", roles=[Role.AUDITOR]),
        staff=PersonFactory(name="冯科员", unit=a, rank=Rank.STAFF_MEMBER),
        staff2=PersonFactory(name="陈副科长", unit=a, rank=Rank.DEPUTY_SECTION_CHIEF),
        county_head=PersonFactory(
            name="褚局长",
            unit=wenchuan,
            category=PersonCategory.COUNTY_PRINCIPAL,
            rank=Rank.SECTION_CHIEF,
            post="局长",
        ),
        bureau_leader_subject=PersonFactory(
            name="卫副局长",
            unit=office_unit,
            category=PersonCategory.BUREAU_LEADER,
            rank=Rank.COUNTY_LEVEL,
        ),
    )


# -- cases in any state, without walking the steps ---------------------------------------------

# The steps that lead from a draft to each state along the usual path.
PATHS: dict[str, tuple[str, ...]] = {
    CaseState.SUBMITTED: ("submit",),
    CaseState.APPROVED: ("submit", "consent"),
    CaseState.DECLINED: ("submit", "decline"),
    CaseState.NOTIFIED: ("submit", "consent", "notify"),
    CaseState.POSTPONEMENT_REQUESTED: ("submit", "consent", "notify", "request_postponement"),
    CaseState.ABSENT: ("submit", "consent", "notify", "record_absence"),
    CaseState.HELD: ("submit", "consent", "notify", "hold"),
    CaseState.RECTIFYING: ("submit", "consent", "notify", "hold", "start_rectification"),
    CaseState.CLOSED: ("submit", "consent", "notify", "hold", "start_rectification", "close"),
    CaseState.ESCALATED: ("submit", "consent", "notify", "hold", "escalate"),
    CaseState.WITHDRAWN: ("submit", "withdraw"),
}
# States whose talk time has come: the talk was notified for a time now past.
TALK_PASSED = frozenset(
    {
        CaseState.ABSENT,
        CaseState.HELD,
        CaseState.RECTIFYING,
        CaseState.CLOSED,
        CaseState.ESCALATED,
    }
)


def past_talk_time(working_days: int = 2, hour: int = 10) -> datetime:
    """A talk time ``working_days`` working days ago."""
    day = load_calendar().working_days_back(timezone.localdate(), working_days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def case_in(cast: Cast, state: str, talk_type: str = TalkType.WARNING, subjects=None, **fields):
    """A case in ``state``, written through the privileged import path (``state_write_allowed``,
    as data imported from another system is): its content through ``case_create``, then for each
    step of the usual path the rows that step leaves and the case's history row naming it, with
    the notice, the talk and the record at times that tell the truth (a held talk was held at
    its notified time, in the past). Faster than ``advance``, and it reaches states whose dates
    the steps, taken today, could not give. Tests of the steps themselves use ``advance``."""
    case = new_case(cast, talk_type, subjects=subjects, **fields)
    if state == CaseState.DRAFT:
        return case
    office, principal = cast.clerk.user, cast.principal.user
    scheduled = past_talk_time() if state in TALK_PASSED else talk_time()
    # The last day the notice could go out, or today for a talk still ahead: no moment of the
    # record lies in the future (R6.5).
    notified_on = min(
        NOTICE.last_day(load_calendar(), timezone.localtime(scheduled).date()),
        timezone.localdate(),
    )
    subjects_ = list(case.subjects.select_related("person"))
    lead = case.participants.get(role=CaseRole.LEAD).person
    source = CaseState.DRAFT
    for name in PATHS[state]:
        step = step_named(name)
        user = principal if name in ("consent", "decline") else office
        with recording(Change(user=user)):
            if name == "submit":
                case.take_number(timezone.localdate().year)
            elif name == "consent":
                consented_at = timezone.make_aware(datetime.combine(notified_on, time(8, 30)))
                case.consented_by, case.consented_at = cast.principal, consented_at
            elif name == "decline":
                case.declined_reason = "情况尚需核实。"
            elif name == "withdraw":
                case.withdrawal_reason = "情况已查清，无须约谈。"
            elif name == "notify":
                case.scheduled_at, case.place = scheduled, "局三楼会议室"
                for subject in subjects_:
                    Notice.objects.create(
                        case=case,
                        subject=subject,
                        written_on=notified_on,
                        scheduled_at=scheduled,
                        place=case.place,
                        content="请按时参加廉政约谈，就有关问题作出说明。",
                        interviewers=lead.name,
                        sent_by=office,
                        delivery_method="in_person",
                        delivered_at=timezone.make_aware(
                            datetime.combine(notified_on, time(9, 30))
                        ),
                        delivery_signed_by=subject.person.name,
                        delivery_recorded_by=office,
                    )
            elif name == "request_postponement":
                Postponement.objects.create(
                    case=case,
                    subject=subjects_[0],
                    applied_on=timezone.localdate(),
                    application="因公出差，申请推后补谈。",
                )
            elif name == "hold":
                records = record_data(cast, case)
                for subject in subjects_:
                    data = dict(records[subject.person_id])
                    present = data.pop("interviewers_present")
                    record = TalkRecord.objects.create(
                        case=case, subject=subject, held_at=scheduled, recorded_by=office, **data
                    )
                    record.interviewers_present.set(present)
            elif name == "start_rectification":
                RectificationItem.objects.create(
                    case=case,
                    description=ITEM["description"],
                    responsible=ITEM["responsible"],
                    deadline=timezone.localdate() + timedelta(days=30),
                    set_on=timezone.localdate(),
                )
            elif name == "close":
                case.rectification_items.update(status=RectificationStatus.VERIFIED)
                case.closed_at = timezone.now()
            elif name == "escalate":
                Escalation.objects.create(
                    case=case,
                    ground=EscalationGround.NON_COMPLIANCE,
                    detail="拒不按要求整改。",
                    decided_by=cast.deputy_discipline,
                    decided_at=timezone.now(),
                )
        with state_write_allowed():
            TalkCase.objects.filter(pk=case.pk).update(state=step.target)
        case.refresh_from_db(fields=["state"])
        change = Change(
            user=user,
            reason=f"{step.label}（导入 imported）",
            articles=tuple(r.code for r in rules_for(name, case.talk_type)),
            transition=(name, source, step.target),
            on=case,
        )
        with recording(change):
            case.save()
        source = step.target
    return case

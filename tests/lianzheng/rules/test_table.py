"""Every rule of the regulation on hand-built facts, one class each: a case that conforms passes,
one that does not is refused with the rule's code, on the field concerned, with a message citing
its article. Pure: no database, so the whole table is judged in a second; that the service
builds these facts from a real case is tested in tests/lianzheng/services."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lianzheng.choices import (
    Act,
    AppointmentKind,
    CaseRole,
    CaseSource,
    CaseState,
    DeliveryMethod,
    EscalationGround,
    PersonCategory,
    PostponementDecision,
    ProposalOrigin,
    Rank,
    RectificationStatus,
    RequestForm,
    Role,
    SpecialTrigger,
    TalkType,
)
from lianzheng.choices import Transition as T
from lianzheng.dates import zh_day
from lianzheng.rules import RULES, check, rules_for
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
from lianzheng.rules.table import (
    MOMENTS,
    NOTICE,
    POSTPONEMENT_DECIDERS,
    required_participants,
)
from lianzheng.workdays import WorkdayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkdayCalendar()
TODAY = date(2025, 9, 26)  # a Friday
NOW = datetime(2025, 9, 26, 9, tzinfo=SHANGHAI)
SECTION = 10

STAFF = PersonFacts(
    1, "冯科员", PersonCategory.BUREAU_STAFF, Rank.STAFF_MEMBER, SECTION, "测试一科"
)
STAFF2 = PersonFacts(
    2, "陈副科长", PersonCategory.BUREAU_STAFF, Rank.DEPUTY_SECTION_CHIEF, SECTION, "测试一科"
)
COUNTY_HEAD = PersonFacts(
    3, "褚局长", PersonCategory.COUNTY_PRINCIPAL, Rank.SECTION_CHIEF, 20, "汶川县住房和城乡建设局"
)


def officer(pid, name, case_role, *roles, sections=()) -> ParticipantFacts:
    return ParticipantFacts(pid, name, case_role, frozenset(roles), frozenset(sections))


PRINCIPAL = officer(11, "王局长", CaseRole.LEAD, Role.PRINCIPAL_HEAD)
DEPUTY_PERSONNEL = officer(12, "李副局长", CaseRole.LEAD, Role.DEPUTY_HEAD_PERSONNEL)
DEPUTY_DISCIPLINE = officer(13, "赵副局长", CaseRole.LEAD, Role.DEPUTY_HEAD_DISCIPLINE)
LEADER = officer(14, "钱副局长", CaseRole.LEAD, Role.LEADER_IN_CHARGE, sections={SECTION})
OFFICE_HEAD = officer(15, "孙主任", CaseRole.OFFICE_HEAD, Role.OFFICE_HEAD)
DISCIPLINE = officer(16, "周专干", CaseRole.DISCIPLINE_OFFICER, Role.DISCIPLINE_OFFICER)
PERSONNEL = officer(17, "吴专干", CaseRole.PERSONNEL_OFFICER, Role.PERSONNEL_OFFICER)

LEADS = {
    TalkType.ROUTINE: LEADER,
    TalkType.PRE_APPOINTMENT: DEPUTY_PERSONNEL,
    TalkType.SPECIAL: DEPUTY_DISCIPLINE,
    TalkType.WARNING: DEPUTY_DISCIPLINE,
    TalkType.ADMONITION: DEPUTY_DISCIPLINE,
}


def actor(*roles, person_id=99) -> ActorFacts:
    return ActorFacts(user_id=1, person_id=person_id, name="某人", roles=frozenset(roles))


def participants(talk_type: str, lead=None) -> tuple[ParticipantFacts, ...]:
    people = [lead or LEADS[talk_type], OFFICE_HEAD, DISCIPLINE]
    if talk_type == TalkType.PRE_APPOINTMENT:
        people.append(PERSONNEL)
    return tuple(people)


def talk_at(working_days: int, hour: int = 10) -> datetime:
    day = CALENDAR.add_working_days(TODAY, working_days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def record(subject=STAFF, **changes) -> RecordFacts:
    fields = dict(
        subject_person_id=subject.person_id,
        interviewers_present=(DEPUTY_DISCIPLINE.person_id, OFFICE_HEAD.person_id),
        record_text="谈话人通报了有关情况。",
        statement="本人如实陈述。",
        report="本科室落实责任制情况良好。",
        requirements="严守纪律。",
        explanation="原因在于思想重视不够。",
        measures="加强学习，按期整改。",
        commitment="本人承诺廉洁自律。",
    )
    fields.update(changes)
    return RecordFacts(**fields)


def conforming(transition: str, talk_type: str = TalkType.WARNING, **changes) -> CaseFacts:
    """Facts of a case that meets every rule of ``transition``: change one thing to break one."""
    subjects = changes.pop("subjects", (STAFF,))
    scheduled = talk_at(5)
    proposal = {}
    if transition == T.HOLD:  # held at its notified time, an hour ago (R6.5)
        scheduled = NOW - timedelta(hours=1)
        proposal = {"held_at": scheduled}
    if transition == T.RECORD_DELIVERY:  # handed over this morning, before the talk
        proposal = {
            "delivered_at": NOW - timedelta(minutes=30),
            "notice": NoticeFacts(
                STAFF.person_id, TODAY, scheduled, "局三楼会议室", "请按时参加。"
            ),
            "delivery_method": DeliveryMethod.IN_PERSON,
            "delivery_signed_by": "冯科员",
        }
    present = (LEADS[talk_type].person_id, OFFICE_HEAD.person_id)
    base = dict(
        transition=transition,
        actor=actor(Role.OFFICE),
        today=TODAY,
        now=NOW,
        calendar=CALENDAR,
        talk_type=talk_type,
        state=CaseState.DRAFT,
        purpose="提醒约谈对象认真整改。",
        ground_numbers=(5,),
        special_trigger=SpecialTrigger.MAJOR_PROJECT,
        source=CaseSource.PETITION,
        problems="工作推诿拖延。",
        preparation_note="谈话提纲。",
        scheduled_at=scheduled,
        place="局三楼会议室",
        regulation_effective_date=date(2021, 10, 19),
        regulation_revision_id=1,
        appointment_effective_date=TODAY + timedelta(days=60),
        appointment_person_id=subjects[0].person_id if subjects else None,
        appointment_kind=AppointmentKind.PROMOTION,
        appointment_rank=Rank.DEPUTY_SECTION_CHIEF,
        consented_by_principal=True,
        origin=ProposalOrigin.DIRECT,
        proposed_by_id=DEPUTY_DISCIPLINE.person_id,
        proposer_roles=frozenset({Role.DEPUTY_HEAD_DISCIPLINE}),
        subjects=subjects,
        participants=participants(talk_type),
        notices=tuple(
            NoticeFacts(
                s.person_id,
                TODAY,
                scheduled,
                "局三楼会议室",
                "请按时参加。",
                delivery_method=DeliveryMethod.IN_PERSON,
                delivered_at=NOW,
                delivery_signed_by=s.name,
            )
            for s in subjects
        ),
        records=tuple(record(s, interviewers_present=present) for s in subjects),
        items=(
            ItemFacts(
                "建立台账",
                TODAY + timedelta(days=30),
                "冯科员",
                "verified",
                subjects[0].person_id if subjects else None,
            ),
        ),
        proposal=proposal,
    )
    base.update(changes)
    return CaseFacts(**base)


def codes(facts: CaseFacts) -> list[str]:
    return [r.code for r in check(facts)]


def refusals_of(code: str, facts: CaseFacts):
    """The rule's refusals, each citing its article in Chinese and explained in English."""
    found = RULES[code](facts)
    assert found, f"{code} did not refuse"
    rule = RULES[code]
    for refusal in found:
        assert refusal.code == code
        assert str(refusal).startswith(f"不符合{rule.article_ref}：")
        assert refusal.message_en
    return found


def test_every_rule_of_rules_md_is_in_the_table():
    expected = {
        "R2.1", "R3.1", "R4.1", "R4.2", "R4.3", "R4.4", "R4.5", "R4.6", "R5.1", "R6.1", "R6.2",
        "R6.3", "R6.4", "R6.5", "R7.1", "R7.2", "R7.3", "R7.4", "R8.1", "R8.2", "R8.3", "R9.1",
        "R10.1", "R11.1", "R12.1",
    }  # fmt: skip
    assert set(RULES) == expected
    for rule in RULES.values():
        assert rule.quote and rule.summary_en and rule.transitions
        assert rule.anchor.startswith(f"article-{rule.article}")


@pytest.mark.parametrize("transition", [t for t in T if rules_for(t)])
@pytest.mark.parametrize("talk_type", list(TalkType))
def test_a_conforming_case_passes_every_rule_of_every_step(transition, talk_type):
    """The baseline the refusals below break one thing of."""
    facts = conforming(transition, talk_type)
    if transition in (T.CONSENT, T.DECLINE, T.APPROVE_SHORT_NOTICE):
        facts = replace(facts, actor=actor(Role.PRINCIPAL_HEAD), reason="理由。")
    if transition in (T.APPROVE_POSTPONEMENT, T.REJECT_POSTPONEMENT):
        facts = replace(
            facts, actor=actor(Role.PRINCIPAL_HEAD), proposal={"new_scheduled_at": talk_at(6)}
        )
    if transition == T.REQUEST_POSTPONEMENT:
        facts = replace(facts, reason="外出学习。")
    if transition in (T.DELEGATE, T.REVOKE_DELEGATION, T.DESIGNATE_SUBSTITUTE):
        proposal = {
            "delegated_to": DEPUTY_DISCIPLINE.person_id,
            "delegation_form": "书面委托书（2025年9月25日）",
            "case_role": CaseRole.DISCIPLINE_OFFICER,
            "person_id": PERSONNEL.person_id,
        }
        facts = replace(facts, actor=actor(Role.PRINCIPAL_HEAD), reason="理由。", proposal=proposal)
    if transition == T.RECORD_ABSENCE:
        facts = replace(facts, scheduled_at=NOW - timedelta(hours=1))
    if transition == T.ESCALATE:
        facts = replace(
            facts,
            actor=actor(Role.PRINCIPAL_HEAD),
            escalation_ground=EscalationGround.BAD_INFLUENCE,
            escalation_detail="在群众中造成不良影响。",
        )
    if transition == T.START_RECTIFICATION:
        facts = replace(facts, items=(ItemFacts("台账", TODAY, "冯科员", "open", STAFF.person_id),))
    assert check(facts) == []


class TestR2_1Purpose:
    def test_allows_a_case_with_its_purpose(self):
        assert RULES["R2.1"](conforming(T.SUBMIT)) == []

    def test_refuses_a_case_without_purpose(self):
        (refusal,) = refusals_of("R2.1", conforming(T.SUBMIT, purpose="  "))
        assert refusal.field == "purpose" and "第二条" in str(refusal)


class TestR3_1Subjects:
    @pytest.mark.parametrize("rank", [Rank.SECTION_CHIEF, Rank.STAFF_MEMBER, Rank.WORKER])
    def test_allows_bureau_staff_at_section_chief_level_or_below(self, rank):
        assert RULES["R3.1"](conforming(T.SUBMIT, subjects=(replace(STAFF, rank=rank),))) == []

    def test_allows_a_county_principal_head(self):
        assert RULES["R3.1"](conforming(T.SUBMIT, subjects=(COUNTY_HEAD,))) == []

    def test_refuses_a_bureau_leader(self):
        leader = PersonFacts(9, "卫副局长", PersonCategory.BUREAU_LEADER, Rank.COUNTY_LEVEL)
        (refusal,) = refusals_of("R3.1", conforming(T.SUBMIT, subjects=(leader,)))
        assert "卫副局长" in refusal.message and refusal.field == "subjects"

    def test_refuses_non_principal_county_staff(self):
        clerk = PersonFacts(9, "沈科员", PersonCategory.COUNTY_STAFF, Rank.STAFF_MEMBER)
        refusals_of("R3.1", conforming(T.SUBMIT, subjects=(clerk,)))

    def test_refuses_a_case_without_a_subject(self):
        refusals_of("R3.1", conforming(T.SUBMIT, subjects=(), notices=(), records=()))


class TestR4_1RoutineTalk:
    def test_allows_a_record_with_the_report(self):
        assert RULES["R4.1"](conforming(T.HOLD, TalkType.ROUTINE)) == []

    def test_refuses_a_record_without_the_report(self):
        facts = conforming(T.HOLD, TalkType.ROUTINE, records=(record(report=""),))
        (refusal,) = refusals_of("R4.1", facts)
        assert refusal.field == "report" and "冯科员" in refusal.message


class TestR4_2PreAppointment:
    def test_allows_a_talk_before_the_appointment_with_commitment(self):
        for transition in (T.SUBMIT, T.NOTIFY, T.HOLD, T.CLOSE):
            assert RULES["R4.2"](conforming(transition, TalkType.PRE_APPOINTMENT)) == []

    def test_refuses_a_talk_after_the_appointment_takes_effect(self):
        facts = conforming(
            T.NOTIFY, TalkType.PRE_APPOINTMENT, appointment_effective_date=TODAY + timedelta(1)
        )
        (refusal,) = refusals_of("R4.2", facts)
        assert refusal.field == "scheduled_at" and "到任前" in refusal.message

    def test_cannot_complete_without_the_commitment(self):
        facts = conforming(T.HOLD, TalkType.PRE_APPOINTMENT, records=(record(commitment=""),))
        (refusal,) = refusals_of("R4.2", facts)
        assert "承诺" in refusal.message

    def test_refuses_a_pre_appointment_talk_without_an_appointment(self):
        facts = conforming(T.SUBMIT, TalkType.PRE_APPOINTMENT, appointment_effective_date=None)
        (refusal,) = refusals_of("R4.2", facts)
        assert refusal.field == "appointment"

    def test_refuses_an_appointment_of_someone_else(self):
        facts = conforming(T.SUBMIT, TalkType.PRE_APPOINTMENT, appointment_person_id=42)
        (refusal,) = refusals_of("R4.2", facts)
        assert refusal.field == "appointment"

    def test_allows_a_promotion_to_either_section_rank(self):
        for rank in (Rank.DEPUTY_SECTION_CHIEF, Rank.SECTION_CHIEF):
            facts = conforming(T.SUBMIT, TalkType.PRE_APPOINTMENT, appointment_rank=rank)
            assert RULES["R4.2"](facts) == []

    def test_refuses_an_appointment_that_is_not_a_promotion_to_section_rank(self):
        """第四条（二）: 新提拔的科级干部 — not a transfer at the same rank, not an appointment
        as 科员."""
        same_rank = conforming(
            T.SUBMIT, TalkType.PRE_APPOINTMENT, appointment_kind=AppointmentKind.APPOINTMENT
        )
        as_clerk = conforming(T.SUBMIT, TalkType.PRE_APPOINTMENT, appointment_rank=Rank.CLERK)
        for facts in (same_rank, as_clerk):
            (refusal,) = refusals_of("R4.2", facts)
            assert refusal.field == "appointment" and "提拔为科级" in refusal.message
            assert refusal.zh.startswith("不符合第四条")

    def test_does_not_concern_other_talks(self):
        facts = conforming(T.SUBMIT, TalkType.WARNING, appointment_effective_date=None)
        assert RULES["R4.2"](facts) == []


class TestR4_3SpecialTalk:
    def test_allows_a_special_talk_with_trigger_and_requirements(self):
        assert RULES["R4.3"](conforming(T.SUBMIT, TalkType.SPECIAL)) == []
        assert RULES["R4.3"](conforming(T.HOLD, TalkType.SPECIAL)) == []

    def test_refuses_a_special_talk_without_trigger(self):
        (refusal,) = refusals_of("R4.3", conforming(T.SUBMIT, TalkType.SPECIAL, special_trigger=""))
        assert refusal.field == "special_trigger"

    def test_refuses_a_record_without_requirements(self):
        facts = conforming(T.HOLD, TalkType.SPECIAL, records=(record(requirements=""),))
        refusals_of("R4.3", facts)


class TestR4_4WarningTalk:
    def test_allows_a_record_with_explanation_and_measures(self):
        assert RULES["R4.4"](conforming(T.HOLD)) == []

    def test_refuses_a_record_without_explanation_or_measures(self):
        facts = conforming(T.HOLD, records=(record(explanation="", measures=""),))
        assert {r.field for r in refusals_of("R4.4", facts)} == {"explanation", "measures"}

    def test_refuses_a_warning_talk_without_named_problems(self):
        (refusal,) = refusals_of("R4.4", conforming(T.SUBMIT, problems=""))
        assert refusal.field == "problems"


class TestR4_5AdmonitionTalk:
    def test_allows_an_admonition_with_source_and_problems(self):
        assert RULES["R4.5"](conforming(T.SUBMIT, TalkType.ADMONITION)) == []

    def test_refuses_an_admonition_without_source(self):
        facts = conforming(T.SUBMIT, TalkType.ADMONITION, source="")
        assert [r.field for r in refusals_of("R4.5", facts)] == ["source"]

    def test_refuses_an_admonition_without_the_problems(self):
        facts = conforming(T.SUBMIT, TalkType.ADMONITION, problems="")
        assert [r.field for r in refusals_of("R4.5", facts)] == ["problems"]

    def test_refuses_a_record_without_the_analysis_of_causes(self):
        facts = conforming(T.HOLD, TalkType.ADMONITION, records=(record(explanation=""),))
        refusals_of("R4.5", facts)


class TestR4_6CountyHeads:
    @pytest.mark.parametrize("talk_type", [TalkType.WARNING, TalkType.ADMONITION])
    def test_allows_warning_and_admonition_talks(self, talk_type):
        assert RULES["R4.6"](conforming(T.SUBMIT, talk_type, subjects=(COUNTY_HEAD,))) == []

    @pytest.mark.parametrize(
        "talk_type", [TalkType.ROUTINE, TalkType.SPECIAL, TalkType.PRE_APPOINTMENT]
    )
    def test_refuses_other_talks(self, talk_type):
        (refusal,) = refusals_of("R4.6", conforming(T.SUBMIT, talk_type, subjects=(COUNTY_HEAD,)))
        assert "褚局长" in refusal.message and "第四条最后一款" in str(refusal)


class TestR5_1Grounds:
    def test_allows_a_cited_ground(self):
        assert RULES["R5.1"](conforming(T.SUBMIT)) == []

    def test_refuses_a_warning_talk_without_a_ground(self):
        (refusal,) = refusals_of("R5.1", conforming(T.SUBMIT, ground_numbers=()))
        assert refusal.field == "grounds"

    def test_other_needs_a_written_justification(self):
        other = conforming(T.SUBMIT, ground_numbers=(11,), grounds_needing_justification=(11,))
        assert [r.field for r in refusals_of("R5.1", other)] == ["other_justification"]
        assert RULES["R5.1"](replace(other, other_justification="多次提醒仍未改正。")) == []

    def test_does_not_concern_routine_talks(self):
        assert RULES["R5.1"](conforming(T.SUBMIT, TalkType.ROUTINE, ground_numbers=())) == []


class TestR6_1Consent:
    @pytest.mark.parametrize("transition", [T.CONSENT, T.DECLINE, T.APPROVE_SHORT_NOTICE])
    def test_allows_the_principal_head(self, transition):
        facts = conforming(transition, actor=actor(Role.PRINCIPAL_HEAD), reason="理由。")
        assert RULES["R6.1"](facts) == []

    @pytest.mark.parametrize(
        "role", [Role.DEPUTY_HEAD_DISCIPLINE, Role.OFFICE_HEAD, Role.DISCIPLINE_OFFICER]
    )
    def test_refuses_anyone_else(self, role):
        refusals_of("R6.1", conforming(T.CONSENT, actor=actor(role)))

    def test_decline_needs_a_reason(self):
        facts = conforming(T.DECLINE, actor=actor(Role.PRINCIPAL_HEAD), reason="")
        assert [r.field for r in refusals_of("R6.1", facts)] == ["reason"]

    def test_no_notice_without_consent(self):
        refusals_of("R6.1", conforming(T.NOTIFY, consented_by_principal=False))


class TestR6_1Proposer:
    """The 约谈主体 is a bureau leader, or the office on what it learned; never the clerk."""

    def test_a_leader_proposing_directly_passes(self):
        assert RULES["R6.1"](conforming(T.SUBMIT)) == []

    def test_the_clerk_who_typed_it_in_is_not_the_proposer(self):
        """The walkthrough's 「约谈主体直接提出（郑小红）」, an office clerk."""
        clerk = conforming(T.SUBMIT, proposed_by_id=21, proposer_roles=frozenset({Role.OFFICE}))
        (refusal,) = refusals_of("R6.1", clerk)
        assert refusal.field == "proposed_by" and "局领导" in refusal.message
        nobody = conforming(T.SUBMIT, proposed_by_id=None, proposer_roles=frozenset())
        refusals_of("R6.1", nobody)

    def test_a_case_raised_from_what_the_office_learned_has_the_office_as_its_proposer(self):
        office = conforming(
            T.SUBMIT,
            origin=ProposalOrigin.OFFICE_INFORMATION,
            proposed_by_id=None,
            proposer_roles=frozenset(),
        )
        assert RULES["R6.1"](office) == []


class TestR6_2LeadAndAttendees:
    @pytest.mark.parametrize("talk_type", list(TalkType))
    def test_allows_the_table_of_article_6(self, talk_type):
        assert RULES["R6.2"](conforming(T.NOTIFY, talk_type)) == []

    def test_refuses_a_routine_talk_led_by_someone_not_in_charge(self):
        elsewhere = replace(STAFF, unit_id=SECTION + 1, unit_name="测试二科")
        facts = conforming(T.NOTIFY, TalkType.ROUTINE, subjects=(elsewhere,))
        (refusal,) = refusals_of("R6.2", facts)
        assert "分管领导" in refusal.message and "钱副局长" in refusal.message

    def test_refuses_without_the_discipline_officer(self):
        facts = conforming(T.NOTIFY, participants=(DEPUTY_DISCIPLINE, OFFICE_HEAD))
        (refusal,) = refusals_of("R6.2", facts)
        assert "纪检专干" in refusal.message

    def test_a_pre_appointment_talk_needs_the_personnel_officer(self):
        facts = conforming(
            T.NOTIFY,
            TalkType.PRE_APPOINTMENT,
            participants=(DEPUTY_PERSONNEL, OFFICE_HEAD, DISCIPLINE),
        )
        assert "人事专干" in refusals_of("R6.2", facts)[0].message

    def test_county_head_needs_the_principal_or_a_recorded_delegation(self):
        facts = conforming(T.NOTIFY, subjects=(COUNTY_HEAD,))  # led by the deputy for discipline
        refusals_of("R6.2", facts)
        assert RULES["R6.2"](replace(facts, delegated_by_principal=True)) == []
        by_principal = replace(facts, participants=participants(TalkType.WARNING, PRINCIPAL))
        assert RULES["R6.2"](by_principal) == []

    def test_exactly_one_lead(self):
        refusals_of("R6.2", conforming(T.NOTIFY, participants=(OFFICE_HEAD, DISCIPLINE)))

    def test_the_suggestion_asks_what_the_check_requires(self):
        needs = required_participants(TalkType.PRE_APPOINTMENT, [STAFF], delegated=False)
        assert [n.case_role for n in needs] == [
            CaseRole.LEAD,
            CaseRole.OFFICE_HEAD,
            CaseRole.PERSONNEL_OFFICER,
            CaseRole.DISCIPLINE_OFFICER,
        ]
        county = required_participants(TalkType.WARNING, [COUNTY_HEAD], delegated=True)
        assert county[0].roles == (Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD)
        routine = required_participants(TalkType.ROUTINE, [STAFF], delegated=False)
        assert routine[0].section == SECTION and routine[0].met_by(LEADER)


class TestR6_3WrittenNotice:
    """Three working days on China's official calendar; the notice day does not count."""

    def test_allows_three_working_days(self):
        assert RULES["R6.3"](conforming(T.NOTIFY, scheduled_at=talk_at(3))) == []

    def test_refuses_two_working_days(self):
        scheduled = talk_at(2)
        facts = conforming(
            T.NOTIFY,
            scheduled_at=scheduled,
            notices=(NoticeFacts(1, TODAY, scheduled, "会议室", "内容"),),
        )
        (refusal,) = refusals_of("R6.3", facts)
        assert "至少提前3个工作日" in refusal.message and refusal.field == "scheduled_at"

    def test_national_day_holiday_does_not_count(self):
        # Notice on Mon 29 Sep 2025 for a talk on Thu 9 Oct: 1–8 Oct are holidays, so only
        # 30 Sep and 9 Oct are working days.
        facts = conforming(
            T.NOTIFY,
            today=date(2025, 9, 29),
            now=datetime(2025, 9, 29, 9, tzinfo=SHANGHAI),
            scheduled_at=datetime(2025, 10, 9, 10, tzinfo=SHANGHAI),
            notices=(NoticeFacts(1, date(2025, 9, 29), None, "会议室", "内容"),),
        )
        (refusal,) = refusals_of("R6.3", facts)
        assert "2025年9月28日" in refusal.message  # the adjusted working Sunday before

    def test_adjusted_working_saturday_counts(self):
        # Notice on Thu 9 Oct 2025, talk on Mon 13 Oct: 10 Oct, Sat 11 Oct (调休上班) and 13 Oct.
        facts = conforming(
            T.NOTIFY,
            today=date(2025, 10, 9),
            now=datetime(2025, 10, 9, 9, tzinfo=SHANGHAI),
            scheduled_at=datetime(2025, 10, 13, 10, tzinfo=SHANGHAI),
            notices=(NoticeFacts(1, date(2025, 10, 9), None, "会议室", "内容"),),
        )
        assert RULES["R6.3"](facts) == []

    def test_a_recorded_exception_approved_by_the_principal(self):
        short = conforming(T.NOTIFY, scheduled_at=talk_at(1))
        refusals_of("R6.3", short)
        approved = replace(
            short, short_notice_reason="项目验收在即。", short_notice_approved_by_principal=True
        )
        assert RULES["R6.3"](approved) == []

    def test_the_exception_needs_its_reason(self):
        facts = conforming(T.APPROVE_SHORT_NOTICE, actor=actor(Role.PRINCIPAL_HEAD), reason="")
        assert [r.field for r in refusals_of("R6.3", facts)] == ["reason"]

    def test_refuses_a_notice_without_place_or_content(self):
        facts = conforming(T.NOTIFY, place="", notices=(NoticeFacts(1, TODAY, talk_at(5), "", ""),))
        assert {r.field for r in refusals_of("R6.3", facts)} >= {"place", "content"}

    def test_refuses_a_talk_in_the_past(self):
        past = conforming(T.NOTIFY, scheduled_at=NOW - timedelta(hours=1))
        assert "晚于现在" in refusals_of("R6.3", past)[0].message

    def test_the_rule_owns_its_days_and_what_follows_from_them(self):
        talk = date(2025, 10, 13)
        assert NOTICE.working_days == 3
        assert NOTICE.days_ahead(CALENDAR, date(2025, 10, 9), talk) == 3
        assert NOTICE.last_day(CALENDAR, talk) == date(2025, 10, 9)
        assert NOTICE.is_short(CALENDAR, date(2025, 10, 10), talk)
        assert NOTICE.earliest_talk_day(CALENDAR, date(2025, 10, 9)) == talk

    def test_the_talks_due_today_are_those_before_one_day(self):
        """The dashboard finds the notices due today as talks before ``due_before(today)``, and
        the overdue ones before ``late_before(today)`` (on a Saturday too: the office sends on
        working days); that is the same as asking ``last_day`` of each talk, over two years of
        holidays and 调休 (the National Day week included), with today a working day or not."""
        for offset in range(0, 730, 3):
            today = date(2024, 1, 1) + timedelta(offset)
            cutoff = NOTICE.due_before(CALENDAR, today)
            for ahead in range(0, 16):
                talk = today + timedelta(ahead)
                assert (NOTICE.last_day(CALENDAR, talk) <= today) == (talk < cutoff), (today, talk)
                late = NOTICE.late_before(CALENDAR, today)
                assert (NOTICE.last_day(CALENDAR, talk) < today) == (talk < late), (today, talk)


class TestR6_4EachSubjectHisOwn:
    def test_allows_a_notice_and_a_record_for_each_subject(self):
        for transition in (T.NOTIFY, T.HOLD):
            assert RULES["R6.4"](conforming(transition, subjects=(STAFF, STAFF2))) == []

    def test_refuses_a_collective_notice_missing_a_subject(self):
        facts = conforming(
            T.NOTIFY, subjects=(STAFF, STAFF2), notices=(NoticeFacts(1, TODAY, None),)
        )
        (refusal,) = refusals_of("R6.4", facts)
        assert "陈副科长" in refusal.message

    def test_refuses_a_collective_record_missing_a_subject(self):
        facts = conforming(T.HOLD, subjects=(STAFF, STAFF2), records=(record(STAFF),))
        assert refusals_of("R6.4", facts)[0].field == "records"


class TestR6_3Delivery:
    """Each notice's delivery is recorded: how, and who signed for it."""

    def test_a_delivery_without_its_method_or_signatory_is_refused(self):
        facts = conforming(T.RECORD_DELIVERY)
        assert RULES["R6.3"](facts) == []
        bare = replace(
            facts, proposal={**facts.proposal, "delivery_method": "", "delivery_signed_by": ""}
        )
        fields = [r.field for r in refusals_of("R6.3", bare)]
        assert fields == ["delivery_method", "delivery_signed_by"]

    def test_absence_needs_each_notice_delivered(self):
        past = NOW - timedelta(hours=1)
        delivered = conforming(T.RECORD_ABSENCE, scheduled_at=past)
        assert RULES["R8.1"](delivered) == []
        undelivered = replace(
            delivered, notices=(NoticeFacts(STAFF.person_id, TODAY, past, "a", "b"),)
        )
        (refusal,) = refusals_of("R8.1", undelivered)
        assert "冯科员的书面通知尚未登记送达" in refusal.message


class TestR6_5RecordedMoments:
    """Every recorded moment follows the steps it depends on, and none lies in the future."""

    def held(self, at: datetime, scheduled: datetime = NOW - timedelta(hours=1)) -> CaseFacts:
        return conforming(T.HOLD, scheduled_at=scheduled, proposal={"held_at": at})

    def test_a_talk_held_at_or_after_its_notified_time_on_that_day_passes(self):
        notified = NOW - timedelta(hours=1)
        assert RULES["R6.5"](self.held(notified)) == []
        assert RULES["R6.5"](self.held(notified + timedelta(minutes=40))) == []

    def test_a_talk_recorded_before_its_notified_time_is_refused(self):
        notified = NOW - timedelta(hours=1)
        (refusal,) = refusals_of("R6.5", self.held(notified - timedelta(minutes=30)))
        assert refusal.field == "held_at" and "不能早于通知的约谈时间（08:00）" in refusal.message

    def test_a_talk_recorded_on_another_day_needs_a_postponement(self):
        """The walkthrough's case: notified for 12-16, recorded as held on 12-05."""
        notified = datetime(2026, 12, 16, 9, 30, tzinfo=SHANGHAI)
        facts = replace(
            self.held(datetime(2026, 12, 5, 15, tzinfo=SHANGHAI), scheduled=notified),
            now=datetime(2026, 12, 5, 16, tzinfo=SHANGHAI),
            today=date(2026, 12, 5),
        )
        (refusal,) = refusals_of("R6.5", facts)
        assert "2026年12月16日" in refusal.message and "第八条第（一）项" in refusal.message

    def test_a_talk_cannot_be_recorded_as_held_in_the_future(self):
        notified = NOW + timedelta(hours=2)
        refusals = refusals_of("R6.5", self.held(notified, scheduled=notified))
        assert [r.message for r in refusals] == ["谈话时间不能晚于现在"]
        # ... but a few minutes of difference between the clerk's clock and ours is allowed
        assert RULES["R6.5"](self.held(NOW + timedelta(minutes=3), scheduled=NOW)) == []

    def test_a_notice_dated_before_the_consent_or_ahead_of_today_is_refused(self):
        consented = datetime(2025, 9, 25, 16, tzinfo=SHANGHAI)
        before = conforming(
            T.NOTIFY,
            consented_at=consented,
            notices=(NoticeFacts(1, date(2025, 9, 24), talk_at(5), "a", "b"),),
        )
        (refusal,) = refusals_of("R6.5", before)
        assert refusal.field == "written_on" and "不能早于主要负责人同意的日期" in refusal.message
        same_day = replace(before, notices=(NoticeFacts(1, date(2025, 9, 25), talk_at(5)),))
        assert RULES["R6.5"](same_day) == []
        ahead = replace(before, notices=(NoticeFacts(1, TODAY + timedelta(1), talk_at(5)),))
        assert "不能晚于今天" in refusals_of("R6.5", ahead)[0].message

    def test_a_delivery_lies_between_the_notice_and_the_talk_and_not_ahead(self):
        facts = conforming(T.RECORD_DELIVERY)
        assert RULES["R6.5"](facts) == []
        for delivered_at, words in (
            (NOW + timedelta(hours=1), "不能晚于现在"),
            (datetime(2025, 9, 25, 17, tzinfo=SHANGHAI), "不能早于书面通知日期"),
        ):
            broken = replace(facts, proposal={**facts.proposal, "delivered_at": delivered_at})
            assert words in refusals_of("R6.5", broken)[0].message
        after_talk = replace(facts, scheduled_at=NOW - timedelta(hours=2))
        assert "不能晚于约谈时间" in refusals_of("R6.5", after_talk)[0].message

    def test_an_office_check_is_dated_between_the_item_and_today(self):
        set_on = date(2025, 9, 10)
        assert MOMENTS.check_date_refusal(TODAY, set_on, TODAY) is None
        assert MOMENTS.check_date_refusal(set_on, set_on, TODAY) is None
        early = MOMENTS.check_date_refusal(date(2025, 9, 9), set_on, TODAY)
        assert early.code == "R6.5" and "2025年9月10日" in early.message
        assert MOMENTS.check_date_refusal(TODAY + timedelta(1), set_on, TODAY).code == "R6.5"


class TestR7_1Impartial:
    def test_allows_participants_other_than_the_subject(self):
        assert RULES["R7.1"](conforming(T.SUBMIT)) == []

    def test_refuses_the_subject_as_an_attendee(self):
        himself = PersonFacts(15, "孙主任", PersonCategory.BUREAU_STAFF, Rank.SECTION_CHIEF)
        (refusal,) = refusals_of("R7.1", conforming(T.SUBMIT, subjects=(himself,)))
        assert "孙主任" in refusal.message

    def test_refuses_the_subject_as_one_present(self):
        facts = conforming(
            T.HOLD, records=(record(interviewers_present=(STAFF.person_id, OFFICE_HEAD.person_id)),)
        )
        refusals_of("R7.1", facts)


class TestR7_2Preparation:
    def test_allows_a_prepared_talk(self):
        assert RULES["R7.2"](conforming(T.HOLD)) == []

    def test_refuses_a_talk_without_preparation_note(self):
        (refusal,) = refusals_of("R7.2", conforming(T.HOLD, preparation_note=" "))
        assert refusal.field == "preparation_note"


class TestR7_3TwoInterviewersAndRecord:
    def test_allows_two_interviewers_and_a_record(self):
        assert RULES["R7.3"](conforming(T.HOLD)) == []

    def test_refuses_a_talk_with_one_interviewer(self):
        facts = conforming(T.HOLD, records=(record(interviewers_present=(13,)),))
        (refusal,) = refusals_of("R7.3", facts)
        assert "不得少于两名" in refusal.message

    def test_people_not_on_the_case_do_not_count(self):
        facts = conforming(T.HOLD, records=(record(interviewers_present=(13, 500)),))
        refusals_of("R7.3", facts)

    def test_refuses_a_talk_without_a_written_record(self):
        facts = conforming(T.HOLD, records=(record(record_text=""),))
        assert refusals_of("R7.3", facts)[0].field == "record_text"


class TestR7_4Confidential:
    @pytest.mark.parametrize(
        "role", [Role.DISCIPLINE_OFFICER, Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD]
    )
    def test_allows_the_three_offices(self, role):
        assert check(conforming(Act.VIEW_CONFIDENTIAL, actor=actor(role))) == []

    @pytest.mark.parametrize("role", [Role.OFFICE, Role.OFFICE_HEAD, Role.AUDITOR])
    def test_refuses_everyone_else(self, role):
        facts = conforming(Act.VIEW_CONFIDENTIAL, actor=actor(role))
        assert codes(facts) == ["R7.4"]
        refusals_of("R7.4", facts)

    def test_the_same_three_enter_and_amend_it(self):
        for role in (Role.DISCIPLINE_OFFICER, Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD):
            assert check(conforming(Act.EDIT_CONFIDENTIAL, actor=actor(role))) == []
        (refusal,) = refusals_of(
            "R7.4", conforming(Act.EDIT_CONFIDENTIAL, actor=actor(Role.OFFICE))
        )
        assert "录入和修改" in refusal.message


class TestR8_1Postponement:
    def test_refuses_a_postponement_without_written_application(self):
        facts = conforming(T.REQUEST_POSTPONEMENT, reason="")
        assert refusals_of("R8.1", facts)[0].field == "application"

    def test_allows_a_written_application(self):
        assert RULES["R8.1"](conforming(T.REQUEST_POSTPONEMENT, reason="外出学习。")) == []
        written = {"request_form": RequestForm.WRITTEN, "received_on": TODAY}
        facts = conforming(T.REQUEST_POSTPONEMENT, reason="外出学习。", proposal=written)
        assert RULES["R8.1"](facts) == []

    @pytest.mark.parametrize(
        "form, words", [(RequestForm.TELEPHONE, "电话"), (RequestForm.IN_PERSON, "当面口头")]
    )
    def test_refuses_a_request_by_telephone_or_in_person(self, form, words):
        """The walkthrough's 「电话申请」 typed in as the application."""
        facts = conforming(
            T.REQUEST_POSTPONEMENT, reason="电话申请", proposal={"request_form": form}
        )
        (refusal,) = refusals_of("R8.1", facts)
        assert refusal.field == "request_form"
        assert f"须提出书面申请，{words}提出的不予受理" in refusal.message
        assert str(refusal).startswith("不符合第八条第（一）项：")

    def test_refuses_an_application_received_ahead_or_before_it_was_dated(self):
        for received_on, applied_on, words in (
            (TODAY + timedelta(1), TODAY, "不能晚于今天"),
            (TODAY - timedelta(3), TODAY - timedelta(1), "不能早于申请日期"),
        ):
            proposal = {"received_on": received_on, "applied_on": applied_on}
            facts = conforming(T.REQUEST_POSTPONEMENT, reason="外出学习。", proposal=proposal)
            (refusal,) = refusals_of("R8.1", facts)
            assert refusal.field == "received_on" and words in refusal.message

    def test_an_approval_refuses_a_new_time_a_notice_cannot_reach(self):
        """R6.3 applies anew: judged when approving, not first at the notice."""
        principal = actor(Role.PRINCIPAL_HEAD)
        soon = conforming(
            T.APPROVE_POSTPONEMENT, actor=principal, proposal={"new_scheduled_at": talk_at(2)}
        )
        (refusal,) = refusals_of("R8.1", soon)
        assert refusal.field == "new_scheduled_at" and "最早可定于" in refusal.message
        earliest = NOTICE.earliest_talk_day(CALENDAR, TODAY)
        assert zh_day(earliest) in refusal.message
        in_time = replace(soon, proposal={"new_scheduled_at": talk_at(3)})
        assert RULES["R8.1"](in_time) == []
        past = replace(soon, proposal={"new_scheduled_at": NOW - timedelta(hours=1)})
        assert "须晚于现在" in refusals_of("R8.1", past)[0].message
        approved_short = replace(
            soon, short_notice_reason="项目验收在即。", short_notice_approved_by_principal=True
        )
        assert RULES["R8.1"](approved_short) == []

    @pytest.mark.parametrize("decision", [T.APPROVE_POSTPONEMENT, T.REJECT_POSTPONEMENT])
    def test_the_lead_interviewer_or_the_principal_decides(self, decision):
        proposal = {"new_scheduled_at": talk_at(6)}
        lead = conforming(decision, actor=actor(person_id=13), proposal=proposal)
        principal = conforming(decision, actor=actor(Role.PRINCIPAL_HEAD), proposal=proposal)
        assert RULES["R8.1"](lead) == RULES["R8.1"](principal) == []
        refusals_of("R8.1", conforming(decision, actor=actor(Role.OFFICE), proposal=proposal))

    def test_the_deciders_are_the_rules_to_say(self):
        assert POSTPONEMENT_DECIDERS.admit(actor(Role.PRINCIPAL_HEAD), ())
        assert POSTPONEMENT_DECIDERS.admit(actor(person_id=13), (DEPUTY_DISCIPLINE,))
        assert not POSTPONEMENT_DECIDERS.admit(actor(person_id=15), (OFFICE_HEAD,))

    def test_an_approval_needs_the_new_time(self):
        facts = conforming(T.APPROVE_POSTPONEMENT, actor=actor(Role.PRINCIPAL_HEAD))
        assert refusals_of("R8.1", facts)[0].field == "new_scheduled_at"

    def test_refuses_absence_before_the_talk_time(self):
        refusals_of("R8.1", conforming(T.RECORD_ABSENCE))
        passed = conforming(T.RECORD_ABSENCE, scheduled_at=NOW - timedelta(hours=1))
        assert RULES["R8.1"](passed) == []

    def test_refuses_absence_while_a_postponement_awaits_its_decision(self):
        pending = PostponementFacts("申请延期。", PostponementDecision.PENDING)
        facts = conforming(
            T.RECORD_ABSENCE, scheduled_at=NOW - timedelta(hours=1), postponement=pending
        )
        refusals_of("R8.1", facts)

    def test_escalating_for_non_attendance_needs_the_absence_recorded(self):
        ground = {"escalation_ground": EscalationGround.NON_ATTENDANCE, "escalation_detail": "x"}
        refusals_of("R8.1", conforming(T.ESCALATE, state=CaseState.NOTIFIED, **ground))
        assert RULES["R8.1"](conforming(T.ESCALATE, state=CaseState.ABSENT, **ground)) == []


class TestR8_2Statement:
    def test_allows_a_record_with_the_subjects_statement(self):
        assert RULES["R8.2"](conforming(T.HOLD)) == []

    def test_refuses_a_record_without_it(self):
        assert refusals_of("R8.2", conforming(T.HOLD, records=(record(statement=""),)))


class TestR8_3Retaliation:
    def test_refuses_retaliation_without_the_facts(self):
        facts = conforming(
            T.ESCALATE, escalation_ground=EscalationGround.RETALIATION, escalation_detail="有"
        )
        assert refusals_of("R8.3", facts)[0].field == "detail"

    def test_allows_retaliation_with_the_facts(self):
        facts = conforming(
            T.ESCALATE,
            escalation_ground=EscalationGround.RETALIATION,
            escalation_detail="约谈后多次刁难举报人，有证人证言。",
        )
        assert RULES["R8.3"](facts) == []


class TestR9_1Rectification:
    OPEN = ItemFacts("建立台账", TODAY + timedelta(days=30), "冯科员", RectificationStatus.OPEN)

    def test_refuses_closing_a_warning_talk_without_rectification(self):
        refusals_of("R9.1", conforming(T.CLOSE, items=()))

    def test_a_routine_talk_closes_without_rectification(self):
        assert RULES["R9.1"](conforming(T.CLOSE, TalkType.ROUTINE, items=())) == []

    def test_refuses_closing_with_an_unverified_item(self):
        (refusal,) = refusals_of("R9.1", conforming(T.CLOSE, items=(self.OPEN,)))
        assert "未经办公室核实" in refusal.message

    def test_allows_closing_once_every_item_is_verified(self):
        assert RULES["R9.1"](conforming(T.CLOSE)) == []

    def test_refuses_items_without_deadline_or_responsible(self):
        item = ItemFacts("整改", None, "", RectificationStatus.OPEN, STAFF.person_id)
        refusals_of("R9.1", conforming(T.START_RECTIFICATION, items=(item,)))
        refusals_of("R9.1", conforming(T.START_RECTIFICATION, items=()))

    def test_in_a_collective_talk_each_item_is_one_subjects(self):
        """The walkthrough's collective talk, whose items belonged to nobody in particular."""
        both = (STAFF, STAFF2)
        mine = replace(self.OPEN, subject_person_id=STAFF2.person_id)
        assert RULES["R9.1"](conforming(T.START_RECTIFICATION, subjects=both, items=(mine,))) == []
        for owner in (None, 999):  # nobody's, or someone outside the case
            item = replace(self.OPEN, subject_person_id=owner)
            facts = conforming(T.START_RECTIFICATION, subjects=both, items=(item,))
            (refusal,) = refusals_of("R9.1", facts)
            assert "第1项整改须指定责任人：本案的一名约谈对象" in refusal.message

    def test_escalating_for_rectification_needs_an_overdue_or_inadequate_item(self):
        ground = {
            "escalation_ground": EscalationGround.RECTIFICATION_FAILED,
            "escalation_detail": "整改不力",
        }
        refusals_of("R9.1", conforming(T.ESCALATE, items=(self.OPEN,), **ground))
        due_today = replace(self.OPEN, deadline=TODAY)  # the deadline day itself is in time
        refusals_of("R9.1", conforming(T.ESCALATE, items=(due_today,), **ground))
        late = replace(self.OPEN, deadline=TODAY - timedelta(days=1))
        assert RULES["R9.1"](conforming(T.ESCALATE, items=(late,), **ground)) == []
        bad = replace(self.OPEN, status=RectificationStatus.INADEQUATE)
        assert RULES["R9.1"](conforming(T.ESCALATE, items=(bad,), **ground)) == []


class TestR10_1Escalation:
    GROUND = {
        "escalation_ground": EscalationGround.REFUSED_CORRECTION,
        "escalation_detail": "拒不改正。",
    }

    @pytest.mark.parametrize("role", [Role.PRINCIPAL_HEAD, Role.DEPUTY_HEAD_DISCIPLINE])
    def test_allows_the_principal_head_or_the_deputy_for_discipline(self, role):
        assert RULES["R10.1"](conforming(T.ESCALATE, actor=actor(role), **self.GROUND)) == []

    def test_refuses_an_escalation_without_ground(self):
        facts = conforming(T.ESCALATE, actor=actor(Role.PRINCIPAL_HEAD), escalation_detail="事实")
        assert refusals_of("R10.1", facts)[0].field == "ground"

    def test_refuses_an_escalation_without_the_facts(self):
        ground = {**self.GROUND, "escalation_detail": ""}
        facts = conforming(T.ESCALATE, actor=actor(Role.PRINCIPAL_HEAD), **ground)
        assert refusals_of("R10.1", facts)[0].field == "detail"

    def test_refuses_a_decision_by_a_leader_not_entitled(self):
        refusals_of(
            "R10.1", conforming(T.ESCALATE, actor=actor(Role.LEADER_IN_CHARGE), **self.GROUND)
        )


class TestR11_1Deception:
    def test_refuses_falsification_without_facts(self):
        facts = conforming(
            T.ESCALATE, escalation_ground=EscalationGround.FALSIFICATION, escalation_detail=""
        )
        refusals_of("R11.1", facts)

    def test_allows_it_with_facts(self):
        facts = conforming(
            T.ESCALATE,
            escalation_ground=EscalationGround.FALSIFICATION,
            escalation_detail="整改材料弄虚作假。",
        )
        assert RULES["R11.1"](facts) == []


class TestR12_1RegulationInForce:
    def test_allows_a_talk_on_or_after_the_effective_date(self):
        later = conforming(T.NOTIFY, scheduled_at=datetime(2021, 10, 19, 10, tzinfo=SHANGHAI))
        assert RULES["R12.1"](later) == []

    def test_refuses_a_talk_before_the_regulation_took_effect(self):
        early = conforming(T.NOTIFY, scheduled_at=datetime(2021, 10, 18, 10, tzinfo=SHANGHAI))
        (refusal,) = refusals_of("R12.1", early)
        assert "第十二条" in str(refusal) and refusal.field == "scheduled_at"

    def test_refuses_a_case_without_a_recorded_revision(self):
        refusals_of("R12.1", conforming(T.SUBMIT, regulation_revision_id=None))

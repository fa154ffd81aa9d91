"""Every rule of the regulation, one class each: a case that conforms passes, one that does not is
refused with the rule's code and a message citing its article.

Most tests go through the transition service, as a user would; where a rule depends on the
calendar of another year or on a combination the service cannot produce today, the rule's pure
check is called on hand-built facts.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lianzheng.choices import (
    CaseRole,
    CaseState,
    EscalationGround,
    PersonCategory,
    Rank,
    RectificationStatus,
    Role,
    TalkType,
)
from lianzheng.models import Ground, RectificationItem, RegulationPage
from lianzheng.rules import RULES, check
from lianzheng.rules.facts import ActorFacts, CaseFacts, NoticeFacts, PersonFacts
from lianzheng.services.cases import case_create, case_update
from lianzheng.services.errors import TransitionRefused
from lianzheng.services.workflow import case_approve_short_notice, case_transition
from lianzheng.workdays import WorkdayCalendar
from tests.factories import PersonFactory, UnitFactory
from tests.workflow_helpers import ITEM, advance, new_case, record_data, talk_time

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(code: str, article: str, call, *args, **kwargs) -> TransitionRefused:
    """Run a service call that must be refused by ``code``, citing ``article``."""
    with pytest.raises(TransitionRefused) as excinfo:
        call(*args, **kwargs)
    assert code in excinfo.value.codes, excinfo.value.codes
    cited = [str(r) for r in excinfo.value.refusals if r.code == code]
    assert all(f"不符合{article}" in text for text in cited), cited
    assert all(r.message_en for r in excinfo.value.refusals if r.code == code)
    return excinfo.value


def transition(case, name, user, **data):
    return case_transition(case=case, transition=name, user=user, **data)


def submit(cast, case):
    return transition(case, "submit", cast.clerk.user)


def notify(cast, case, **data):
    payload = {"scheduled_at": talk_time(), "place": "局三楼会议室", "content": "请按时参加约谈。"}
    payload.update(data)
    return transition(case, "notify", cast.clerk.user, **payload)


def hold(cast, case, **changes):
    return transition(case, "hold", cast.clerk.user, records=record_data(cast, case, **changes))


def facts(**kwargs) -> CaseFacts:
    base = dict(
        transition="notify",
        actor=ActorFacts(),
        today=date(2025, 9, 26),
        now=datetime(2025, 9, 26, 9, tzinfo=SHANGHAI),
        calendar=WorkdayCalendar(),
        talk_type=TalkType.WARNING,
        state=CaseState.APPROVED,
        subjects=(PersonFacts(1, "冯科员", PersonCategory.BUREAU_STAFF, Rank.STAFF_MEMBER),),
    )
    base.update(kwargs)
    return CaseFacts(**base)


def test_every_rule_of_rules_md_is_in_the_table():
    expected = {
        "R2.1",
        "R3.1",
        "R4.1",
        "R4.2",
        "R4.3",
        "R4.4",
        "R4.5",
        "R4.6",
        "R5.1",
        "R6.1",
        "R6.2",
        "R6.3",
        "R6.4",
        "R7.1",
        "R7.2",
        "R7.3",
        "R7.4",
        "R8.1",
        "R8.2",
        "R8.3",
        "R9.1",
        "R10.1",
        "R11.1",
        "R12.1",
    }
    assert set(RULES) == expected
    for rule in RULES.values():
        assert rule.quote and rule.summary_en and rule.transitions
        assert rule.anchor.startswith(f"article-{rule.article}")


class TestR2_1Purpose:
    def test_allows_a_case_with_its_purpose(self, cast):
        assert submit(cast, new_case(cast)).state == CaseState.SUBMITTED

    def test_refuses_a_case_without_purpose(self, cast):
        case = new_case(cast, purpose="  ")
        error = refused("R2.1", "第二条", submit, cast, case)
        assert error.for_field("purpose")
        case.refresh_from_db()
        assert case.state == CaseState.DRAFT


class TestR3_1Subjects:
    def test_allows_bureau_staff_at_section_chief_level(self, cast):
        chief = PersonFactory(name="蒋科长", unit=cast.section_a, rank=Rank.SECTION_CHIEF)
        assert submit(cast, new_case(cast, subjects=[chief])).state == CaseState.SUBMITTED

    def test_refuses_a_bureau_leader(self, cast):
        case = new_case(cast, subjects=[cast.bureau_leader_subject])
        error = refused("R3.1", "第三条", submit, cast, case)
        assert "卫副局长" in str(error)

    def test_refuses_non_principal_county_staff(self, cast):
        clerk = PersonFactory(
            name="沈科员", unit=cast.county_head.unit, category=PersonCategory.COUNTY_STAFF
        )
        refused("R3.1", "第三条", submit, cast, new_case(cast, subjects=[clerk]))


class TestR4_1RoutineReport:
    def test_allows_a_record_with_the_report(self, cast):
        case = advance(cast, new_case(cast, TalkType.ROUTINE), CaseState.NOTIFIED)
        assert hold(cast, case).state == CaseState.HELD

    def test_refuses_a_record_without_the_report(self, cast):
        case = advance(cast, new_case(cast, TalkType.ROUTINE), CaseState.NOTIFIED)
        refused("R4.1", "第四条第（一）项", hold, cast, case, report="")
        case.refresh_from_db()
        assert case.state == CaseState.NOTIFIED and not case.records.exists()


class TestR4_2PreAppointment:
    def test_allows_a_talk_before_the_appointment_with_commitment(self, cast):
        case = advance(cast, new_case(cast, TalkType.PRE_APPOINTMENT), CaseState.HELD)
        assert transition(case, "close", cast.clerk.user).state == CaseState.CLOSED

    def test_refuses_a_talk_after_the_appointment_takes_effect(self, cast):
        case = advance(cast, new_case(cast, TalkType.PRE_APPOINTMENT), CaseState.APPROVED)
        case.appointment.effective_date = timezone.localdate() + timedelta(days=1)
        case.appointment.save()
        refused("R4.2", "第四条第（二）项", notify, cast, case)

    def test_cannot_complete_without_the_commitment(self, cast):
        case = advance(cast, new_case(cast, TalkType.PRE_APPOINTMENT), CaseState.NOTIFIED)
        error = refused("R4.2", "第四条第（二）项", hold, cast, case, commitment="")
        assert "承诺" in str(error)

    def test_refuses_a_pre_appointment_talk_without_an_appointment(self, cast):
        case = new_case(cast, TalkType.PRE_APPOINTMENT, appointment=None)
        refused("R4.2", "第四条第（二）项", submit, cast, case)


class TestR4_3SpecialTalk:
    def test_allows_a_special_talk_with_trigger_and_requirements(self, cast):
        case = advance(cast, new_case(cast, TalkType.SPECIAL), CaseState.HELD)
        assert case.state == CaseState.HELD

    def test_refuses_a_special_talk_without_trigger(self, cast):
        case = new_case(cast, TalkType.SPECIAL, special_trigger="")
        refused("R4.3", "第四条第（三）项", submit, cast, case)

    def test_refuses_a_record_without_requirements(self, cast):
        case = advance(cast, new_case(cast, TalkType.SPECIAL), CaseState.NOTIFIED)
        refused("R4.3", "第四条第（三）项", hold, cast, case, requirements="")


class TestR4_4WarningTalk:
    def test_allows_a_record_with_explanation_and_measures(self, cast):
        case = advance(cast, new_case(cast, TalkType.WARNING), CaseState.NOTIFIED)
        assert hold(cast, case).state == CaseState.HELD

    def test_refuses_a_record_without_explanation_or_measures(self, cast):
        case = advance(cast, new_case(cast, TalkType.WARNING), CaseState.NOTIFIED)
        error = refused("R4.4", "第四条第（四）项", hold, cast, case, explanation="", measures="")
        assert {r.field for r in error.refusals if r.code == "R4.4"} == {"explanation", "measures"}

    def test_refuses_a_warning_talk_without_named_problems(self, cast):
        refused("R4.4", "第四条第（四）项", submit, cast, new_case(cast, problems=""))


class TestR4_5AdmonitionTalk:
    def test_allows_an_admonition_with_source_and_problems(self, cast):
        case = submit(cast, new_case(cast, TalkType.ADMONITION))
        assert case.state == CaseState.SUBMITTED

    def test_refuses_an_admonition_without_source(self, cast):
        refused(
            "R4.5", "第四条第（五）项", submit, cast, new_case(cast, TalkType.ADMONITION, source="")
        )


class TestR4_6CountyHeads:
    def test_allows_a_warning_talk_for_a_county_principal_head(self, cast):
        case = submit(cast, new_case(cast, TalkType.WARNING, subjects=[cast.county_head]))
        assert case.state == CaseState.SUBMITTED

    @pytest.mark.parametrize("talk_type", [TalkType.ROUTINE, TalkType.SPECIAL])
    def test_refuses_other_talks_for_a_county_principal_head(self, cast, talk_type):
        case = new_case(cast, talk_type, subjects=[cast.county_head])
        error = refused("R4.6", "第四条最后一款", submit, cast, case)
        assert "褚局长" in str(error)


class TestR5_1Grounds:
    def test_allows_a_cited_ground(self, cast):
        assert submit(cast, new_case(cast)).state == CaseState.SUBMITTED

    def test_refuses_a_warning_talk_without_a_ground(self, cast):
        refused("R5.1", "第五条", submit, cast, new_case(cast, grounds=[]))

    def test_other_needs_a_written_justification(self, cast):
        other = Ground.objects.get(number=11)
        refused("R5.1", "第五条", submit, cast, new_case(cast, grounds=[other]))
        justified = new_case(cast, grounds=[other], other_justification="多次提醒仍未改正。")
        assert submit(cast, justified).state == CaseState.SUBMITTED

    def test_grounds_are_the_eleven_of_article_5(self, cast):
        assert Ground.objects.count() == 11
        assert Ground.objects.get(number=11).requires_justification
        assert Ground.objects.get(number=4).text.startswith("纪律涣散")


class TestR6_1Consent:
    def test_allows_the_principal_head(self, cast):
        case = submit(cast, new_case(cast))
        case = transition(case, "consent", cast.principal.user, comment="同意")
        assert case.state == CaseState.APPROVED
        assert case.consented_by == cast.principal and case.consented_at

    @pytest.mark.parametrize("who", ["deputy_discipline", "office_head", "discipline"])
    def test_refuses_anyone_else(self, cast, who):
        case = submit(cast, new_case(cast))
        refused("R6.1", "第六条第（一）项", transition, case, "consent", getattr(cast, who).user)
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED and case.consented_by is None

    def test_principal_may_consent_to_a_case_he_proposed(self, cast):
        case = case_create(
            user=cast.principal.user,
            talk_type=TalkType.WARNING,
            subjects=[cast.staff],
            purpose="提醒。",
            problems="问题。",
            grounds=[Ground.objects.get(number=1)],
            participants=[(cast.deputy_discipline, CaseRole.LEAD)],
        )
        assert case.proposed_by == cast.principal
        case = transition(case, "submit", cast.principal.user)
        case = transition(case, "consent", cast.principal.user)
        consent = case.history.filter(history_transition="consent").get()
        assert consent.history_user_id == cast.principal.user.pk

    def test_decline_needs_a_reason(self, cast):
        case = submit(cast, new_case(cast))
        refused("R6.1", "第六条第（一）项", transition, case, "decline", cast.principal.user)
        case = case_transition(
            case=case, transition="decline", user=cast.principal.user, reason="情况尚需核实。"
        )
        assert case.state == CaseState.DECLINED and case.declined_reason == "情况尚需核实。"


class TestR6_2LeadAndAttendees:
    def test_allows_the_table_of_article_6(self, cast):
        for talk_type in TalkType:
            case = advance(cast, new_case(cast, talk_type), CaseState.NOTIFIED)
            assert case.state == CaseState.NOTIFIED

    def test_refuses_a_routine_talk_led_by_someone_not_in_charge(self, cast):
        outsider = PersonFactory(name="蒋科员", unit=cast.section_b)
        case = advance(
            cast, new_case(cast, TalkType.ROUTINE, subjects=[outsider]), CaseState.APPROVED
        )
        error = refused("R6.2", "第六条第（二）项", notify, cast, case)
        assert "分管领导" in str(error)

    def test_refuses_without_the_discipline_officer(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        case_update(
            case=case,
            user=cast.clerk.user,
            participants=[
                (cast.deputy_discipline, CaseRole.LEAD),
                (cast.office_head, CaseRole.OFFICE_HEAD),
            ],
        )
        error = refused("R6.2", "第六条第（二）项", notify, cast, case)
        assert "纪检专干" in str(error)

    def test_county_head_needs_the_principal_or_a_recorded_delegation(self, cast):
        case = new_case(
            cast,
            subjects=[cast.county_head],
            participants=[
                (cast.deputy_discipline, CaseRole.LEAD),
                (cast.office_head, CaseRole.OFFICE_HEAD),
                (cast.discipline, CaseRole.DISCIPLINE_OFFICER),
            ],
        )
        case = transition(submit(cast, case), "consent", cast.principal.user)
        refused("R6.2", "第六条第（二）项", notify, cast, case)

        delegated = new_case(
            cast,
            subjects=[cast.county_head],
            participants=[
                (cast.deputy_discipline, CaseRole.LEAD),
                (cast.office_head, CaseRole.OFFICE_HEAD),
                (cast.discipline, CaseRole.DISCIPLINE_OFFICER),
            ],
        )
        delegated = transition(
            submit(cast, delegated), "consent", cast.principal.user, delegate=True
        )
        assert delegated.delegated_by == cast.principal and delegated.delegated_at
        assert notify(cast, delegated).state == CaseState.NOTIFIED


class TestR6_3WrittenNotice:
    """Three working days on China's official calendar; the notice day does not count."""

    def test_allows_three_working_days(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        case = notify(cast, case, scheduled_at=talk_time(3))
        notice = case.notices.get()
        assert not notice.short_notice and notice.written_on == timezone.localdate()

    def test_refuses_two_working_days(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        error = refused("R6.3", "第六条第（三）项", notify, cast, case, scheduled_at=talk_time(2))
        assert "至少提前3个工作日" in str(error)
        case.refresh_from_db()
        assert case.state == CaseState.APPROVED and not case.notices.exists()

    def test_national_day_holiday_does_not_count(self):
        # Notice on Mon 29 Sep 2025 for a talk on Thu 9 Oct: 1–8 Oct are holidays, so only
        # 30 Sep and 9 Oct are working days.
        f = facts(
            today=date(2025, 9, 29),
            now=datetime(2025, 9, 29, 9, tzinfo=SHANGHAI),
            scheduled_at=datetime(2025, 10, 9, 10, tzinfo=SHANGHAI),
            place="会议室",
            notices=(NoticeFacts(1, date(2025, 9, 29), None, "会议室", "内容"),),
        )
        refusals = RULES["R6.3"](f)
        assert [r.code for r in refusals] == ["R6.3"]
        assert "2025年09月28日" in refusals[0].message  # the adjusted working Sunday before

    def test_adjusted_working_saturday_counts(self):
        # Notice on Thu 9 Oct 2025, talk on Mon 13 Oct: 10 Oct, Sat 11 Oct (调休上班) and 13 Oct.
        f = facts(
            today=date(2025, 10, 9),
            now=datetime(2025, 10, 9, 9, tzinfo=SHANGHAI),
            scheduled_at=datetime(2025, 10, 13, 10, tzinfo=SHANGHAI),
            place="会议室",
            notices=(NoticeFacts(1, date(2025, 10, 9), None, "会议室", "内容"),),
        )
        assert RULES["R6.3"](f) == []

    def test_recorded_exception_approved_by_the_principal(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        refused(
            "R6.1",
            "第六条第（一）项",
            case_approve_short_notice,
            case=case,
            user=cast.clerk.user,
            reason="紧急情况",
        )
        case = case_approve_short_notice(
            case=case, user=cast.principal.user, reason="项目验收在即，须尽快提醒。"
        )
        case = notify(cast, case, scheduled_at=talk_time(1))
        assert case.state == CaseState.NOTIFIED
        assert case.notices.get().short_notice  # flagged for reports
        assert case.short_notice_approved_by == cast.principal

    def test_refuses_a_notice_without_place_or_content(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        error = refused("R6.3", "第六条第（三）项", notify, cast, case, place="", content="")
        assert {r.field for r in error.refusals} >= {"place", "content"}


class TestR6_4EachSubjectHisOwn:
    def test_collective_talk_gives_each_subject_a_notice_and_a_record(self, cast):
        case = new_case(cast, subjects=[cast.staff, cast.staff2])
        case = advance(cast, case, CaseState.HELD)
        assert case.notices.count() == 2
        assert {r.subject.person for r in case.records.all()} == {cast.staff, cast.staff2}

    def test_refuses_a_collective_notice_missing_a_subject(self):
        two = (
            PersonFacts(1, "冯科员", PersonCategory.BUREAU_STAFF, Rank.STAFF_MEMBER),
            PersonFacts(2, "陈副科长", PersonCategory.BUREAU_STAFF, Rank.DEPUTY_SECTION_CHIEF),
        )
        f = facts(subjects=two, notices=(NoticeFacts(1, date(2025, 9, 1), None),))
        refusals = RULES["R6.4"](f)
        assert [r.code for r in refusals] == ["R6.4"] and "陈副科长" in refusals[0].message
        assert (
            RULES["R6.4"](
                facts(
                    subjects=two,
                    notices=(
                        NoticeFacts(1, date(2025, 9, 1), None),
                        NoticeFacts(2, date(2025, 9, 1), None),
                    ),
                )
            )
            == []
        )


class TestR7_1Impartial:
    def test_allows_participants_other_than_the_subject(self, cast):
        assert submit(cast, new_case(cast)).state == CaseState.SUBMITTED

    def test_refuses_the_subject_as_an_attendee(self, cast):
        subject = cast.office_head
        case = new_case(cast, subjects=[subject])
        refused("R7.1", "第七条第（一）项", submit, cast, case)


class TestR7_2Preparation:
    def test_refuses_a_talk_without_preparation_note(self, cast):
        case = advance(cast, new_case(cast, preparation_note=""), CaseState.NOTIFIED)
        refused("R7.2", "第七条第（二）项", hold, cast, case)

    def test_allows_once_prepared(self, cast):
        case = advance(cast, new_case(cast, preparation_note=""), CaseState.NOTIFIED)
        case_update(case=case, user=cast.clerk.user, preparation_note="谈话提纲。")
        assert hold(cast, case).state == CaseState.HELD


class TestR7_3TwoInterviewersAndRecord:
    def test_refuses_a_talk_with_one_interviewer(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        error = refused(
            "R7.3",
            "第七条第（三）项",
            hold,
            cast,
            case,
            interviewers_present=[cast.deputy_discipline.pk],
        )
        assert "不得少于两名" in str(error)

    def test_people_not_on_the_case_do_not_count(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        stranger = PersonFactory(name="路人", unit=UnitFactory())
        refused(
            "R7.3",
            "第七条第（三）项",
            hold,
            cast,
            case,
            interviewers_present=[cast.deputy_discipline.pk, stranger.pk],
        )

    def test_refuses_a_talk_without_a_written_record(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        refused("R7.3", "第七条第（三）项", hold, cast, case, record_text="")

    def test_allows_two_interviewers_and_a_record(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        case = hold(
            cast, case, interviewers_present=[cast.deputy_discipline.pk, cast.office_head.pk]
        )
        assert case.records.get().interviewers_present.count() == 2


class TestR7_4Confidential:
    @pytest.mark.parametrize(
        "role", [Role.DISCIPLINE_OFFICER, Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD]
    )
    def test_allows_the_three_offices(self, role):
        f = facts(transition="view_confidential", actor=ActorFacts(roles=frozenset({role})))
        assert check(f) == []

    @pytest.mark.parametrize("role", [Role.OFFICE, Role.OFFICE_HEAD, Role.AUDITOR])
    def test_refuses_everyone_else(self, role):
        f = facts(transition="view_confidential", actor=ActorFacts(roles=frozenset({role})))
        assert [r.code for r in check(f)] == ["R7.4"]
        assert "第七条第（四）项" in str(check(f)[0])


class TestR8_1Postponement:
    def test_refuses_a_postponement_without_written_application(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        refused(
            "R8.1",
            "第八条第（一）项",
            transition,
            case,
            "request_postponement",
            cast.clerk.user,
            application="",
        )

    def test_approved_postponement_requires_a_new_notice(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        case = transition(
            case,
            "request_postponement",
            cast.clerk.user,
            application="因公出差，申请推后补谈。",
            subject_person_id=cast.staff.pk,
        )
        case = transition(
            case,
            "approve_postponement",
            cast.deputy_discipline.user,
            new_scheduled_at=talk_time(6),
            note="同意",
        )
        assert case.state == CaseState.APPROVED
        assert not case.notices.filter(superseded=False).exists()
        refused("R6.3", "第六条第（三）项", notify, cast, case, scheduled_at=talk_time(1))
        assert notify(cast, case, scheduled_at=talk_time(6)).state == CaseState.NOTIFIED

    def test_refuses_absence_before_the_talk_time(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        refused("R8.1", "第八条第（一）项", transition, case, "record_absence", cast.clerk.user)


class TestR8_2Statement:
    def test_refuses_a_record_without_the_subjects_statement(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        refused("R8.2", "第八条第（二）项", hold, cast, case, statement="")

    def test_allows_a_record_with_it(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        assert hold(cast, case).records.get().statement


class TestR8_3Retaliation:
    def test_refuses_retaliation_without_the_facts(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        refused(
            "R8.3",
            "第八条第（三）项",
            transition,
            case,
            "escalate",
            cast.deputy_discipline.user,
            ground=EscalationGround.RETALIATION,
            detail="有",
        )

    def test_allows_retaliation_with_the_facts(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        case = transition(
            case,
            "escalate",
            cast.deputy_discipline.user,
            ground=EscalationGround.RETALIATION,
            detail="约谈后多次刁难举报人，有证人证言。",
        )
        assert (
            case.state == CaseState.ESCALATED
            and case.escalation.decided_by == cast.deputy_discipline
        )


class TestR9_1Rectification:
    def test_refuses_closing_a_warning_talk_without_rectification(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        refused("R9.1", "第九条", transition, case, "close", cast.clerk.user)

    def test_refuses_closing_with_an_unverified_item(self, cast):
        case = advance(cast, new_case(cast), CaseState.RECTIFYING)
        error = refused("R9.1", "第九条", transition, case, "close", cast.clerk.user)
        assert "未经办公室核实" in str(error)

    def test_allows_closing_once_every_item_is_verified(self, cast):
        case = advance(cast, new_case(cast), CaseState.RECTIFYING)
        for item in case.rectification_items.all():
            item.status = RectificationStatus.VERIFIED
            item.save()
        assert transition(case, "close", cast.clerk.user).state == CaseState.CLOSED

    def test_refuses_items_without_deadline_or_responsible(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        refused(
            "R9.1",
            "第九条",
            transition,
            case,
            "start_rectification",
            cast.clerk.user,
            items=[{"description": "整改", "deadline": None, "responsible": ""}],
        )

    def test_refuses_escalating_for_rectification_while_nothing_is_overdue(self, cast):
        case = advance(cast, new_case(cast), CaseState.RECTIFYING)
        refused(
            "R9.1",
            "第九条",
            transition,
            case,
            "escalate",
            cast.deputy_discipline.user,
            ground=EscalationGround.RECTIFICATION_FAILED,
            detail="整改不力",
        )
        RectificationItem.objects.filter(case=case).update(
            deadline=timezone.localdate() - timedelta(days=1)
        )
        case = transition(
            case,
            "escalate",
            cast.deputy_discipline.user,
            ground=EscalationGround.RECTIFICATION_FAILED,
            detail="逾期未整改",
        )
        assert case.state == CaseState.ESCALATED


class TestR10_1Escalation:
    def test_refuses_an_escalation_without_ground(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        refused(
            "R10.1",
            "第十条",
            transition,
            case,
            "escalate",
            cast.deputy_discipline.user,
            ground="",
            detail="事实",
        )

    def test_refuses_a_decision_by_a_leader_not_entitled(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        refused(
            "R10.1",
            "第十条",
            transition,
            case,
            "escalate",
            cast.leader.user,
            ground=EscalationGround.REFUSED_CORRECTION,
            detail="拒不改正。",
        )

    def test_allows_the_principal_head_with_ground_and_facts(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        case = transition(
            case,
            "escalate",
            cast.principal.user,
            ground=EscalationGround.BAD_INFLUENCE,
            detail="在群众中造成不良影响。",
        )
        assert case.escalation.get_ground_display()
        assert case.escalation.decided_by == cast.principal


class TestR11_1Deception:
    def test_refuses_falsification_without_facts(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        refused(
            "R11.1",
            "第十一条",
            transition,
            case,
            "escalate",
            cast.principal.user,
            ground=EscalationGround.FALSIFICATION,
            detail="",
        )

    def test_allows_it_with_facts(self, cast):
        case = advance(cast, new_case(cast), CaseState.HELD)
        case = transition(
            case,
            "escalate",
            cast.principal.user,
            ground=EscalationGround.FALSIFICATION,
            detail="整改材料弄虚作假。",
        )
        assert case.state == CaseState.ESCALATED


class TestR12_1RegulationInForce:
    def test_case_records_the_revision_it_is_handled_under(self, cast):
        case = new_case(cast)
        page = RegulationPage.objects.get()
        assert case.regulation_page == page
        assert case.regulation_revision_id == page.live_revision_id
        submit(cast, case)
        page.save_revision().publish()  # a later revision does not move an existing case
        case.refresh_from_db()
        assert case.regulation_revision_id != RegulationPage.objects.get().live_revision_id

    def test_refuses_a_talk_before_the_regulation_took_effect(self):
        f = facts(
            transition="notify",
            regulation_revision_id=1,
            regulation_effective_date=date(2021, 10, 19),
            scheduled_at=datetime(2021, 10, 18, 10, tzinfo=SHANGHAI),
        )
        refusals = RULES["R12.1"](f)
        assert [r.code for r in refusals] == ["R12.1"] and "第十二条" in str(refusals[0])
        later = facts(
            transition="notify",
            regulation_revision_id=1,
            regulation_effective_date=date(2021, 10, 19),
            scheduled_at=datetime(2021, 10, 19, 10, tzinfo=SHANGHAI),
        )
        assert RULES["R12.1"](later) == []

    def test_refuses_opening_a_case_with_no_regulation_in_force(self, cast):
        RegulationPage.objects.get().unpublish()
        with pytest.raises(TransitionRefused) as excinfo:
            new_case(cast)
        assert excinfo.value.codes == ["R12.1"]


def test_deadline_helpers_used_by_the_items(cast):
    """An item's deadline in the past makes it overdue for R9.1 the next day, not today."""
    case = advance(cast, new_case(cast), CaseState.HELD)
    case = transition(
        case,
        "start_rectification",
        cast.clerk.user,
        items=[{**ITEM, "deadline": timezone.localdate()}],
    )
    refused(
        "R9.1",
        "第九条",
        transition,
        case,
        "escalate",
        cast.deputy_discipline.user,
        ground=EscalationGround.RECTIFICATION_FAILED,
        detail="整改不力",
    )

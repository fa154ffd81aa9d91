"""The rules as a user meets them through the transition service: the facts they judge are read
from the real case (roles and sections, appointments, grounds, participants, items, the revision),
a refusal cites its article and changes nothing, and what an allowed step records is there.
Each rule both ways on hand-built facts is tests/lianzheng/rules/test_table.py."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lianzheng import clock
from lianzheng.choices import (
    CaseRole,
    CaseState,
    EscalationGround,
    RectificationStatus,
    RequestForm,
    TalkType,
)
from lianzheng.models import Ground, RectificationItem, RegulationPage
from lianzheng.refusals import TransitionRefused
from lianzheng.services.cases import case_create
from lianzheng.services.workflow import case_transition
from tests.factories import PersonFactory, UnitFactory
from tests.workflow_helpers import advance, new_case, record_data, talk_time

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
    """Recorded at the notified time, with the clock there (R6.5)."""
    with clock.at(case.scheduled_at + timedelta(minutes=30)):
        return transition(case, "hold", cast.clerk.user, records=record_data(cast, case, **changes))


class TestR4_2PreAppointment:
    def test_allows_a_talk_before_the_appointment_with_commitment(self, cast):
        case = advance(cast, new_case(cast, TalkType.PRE_APPOINTMENT), CaseState.HELD)
        assert transition(case, "close", cast.clerk.user).state == CaseState.CLOSED

    def test_refuses_a_talk_after_the_appointment_takes_effect(self, cast):
        case = advance(cast, new_case(cast, TalkType.PRE_APPOINTMENT), CaseState.APPROVED)
        case.appointment.effective_date = timezone.localdate() + timedelta(days=1)
        case.appointment.save()
        refused("R4.2", "第四条第（二）项", notify, cast, case)


class TestR5_1Grounds:
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
            submit(cast, delegated),
            "consent",
            cast.principal.user,
            delegated_to=cast.deputy_discipline.pk,
            delegation_form="书面委托书（2026年12月1日）",
        )
        assert delegated.delegated_by == cast.principal and delegated.delegated_at
        assert delegated.delegated_to == cast.deputy_discipline
        assert notify(cast, delegated).state == CaseState.NOTIFIED

    def test_a_delegation_is_its_own_act_after_consent_and_revocable_before_the_notice(self, cast):
        """The walkthrough's stuck case: consent given without delegation, the deputy head for
        discipline set to lead a county head's warning talk."""
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
        error = refused("R6.2", "第六条第（二）项", notify, cast, case)
        assert "委托约谈" in str(error)  # it says what to do
        written = {
            "delegated_to": cast.deputy_discipline.pk,
            "delegation_form": "书面委托书（2026年12月2日）",
        }
        # Only the principal head delegates, and he names the written form.
        refused(
            "R6.1", "第六条第（一）项", transition, case, "delegate", cast.clerk.user, **written
        )
        error = refused(
            "R6.1",
            "第六条第（一）项",
            transition,
            case,
            "delegate",
            cast.principal.user,
            delegated_to=cast.deputy_discipline.pk,
        )
        assert [r.field for r in error.refusals] == ["delegation_form"]
        case = transition(case, "delegate", cast.principal.user, **written)
        assert (case.state, case.delegated_to, case.delegation_form) == (
            CaseState.APPROVED,
            cast.deputy_discipline,
            "书面委托书（2026年12月2日）",
        )
        case = transition(case, "revoke_delegation", cast.principal.user, reason="由我亲自约谈。")
        assert case.delegated_by is None and case.delegated_to is None
        refused("R6.2", "第六条第（二）项", notify, cast, case)
        case = transition(case, "delegate", cast.principal.user, **written)
        case = notify(cast, case)
        assert case.state == CaseState.NOTIFIED
        # ... and once notified, it can no longer be revoked (the act is not offered).
        with pytest.raises(TransitionRefused):
            transition(case, "revoke_delegation", cast.principal.user, reason="改由我约谈。")


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

    def test_recorded_exception_approved_by_the_principal(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        refused(
            "R6.1",
            "第六条第（一）项",
            case_transition,
            case=case,
            transition="approve_short_notice",
            user=cast.clerk.user,
            reason="紧急情况",
        )
        case = case_transition(
            case=case,
            transition="approve_short_notice",
            user=cast.principal.user,
            reason="项目验收在即，须尽快提醒。",
        )
        case = notify(cast, case, scheduled_at=talk_time(1))
        assert case.state == CaseState.NOTIFIED
        assert case.notices.get().short_notice  # flagged for reports
        assert case.short_notice_approved_by == cast.principal


class TestR6_4EachSubjectHisOwn:
    def test_collective_talk_gives_each_subject_a_notice_and_a_record(self, cast):
        case = new_case(cast, subjects=[cast.staff, cast.staff2])
        case = advance(cast, case, CaseState.HELD)
        assert case.notices.count() == 2
        assert {r.subject.person for r in case.records.all()} == {cast.staff, cast.staff2}


class TestR7_1Impartial:
    def test_refuses_the_subject_as_an_attendee(self, cast):
        subject = cast.office_head
        case = new_case(cast, subjects=[subject])
        refused("R7.1", "第七条第（一）项", submit, cast, case)


class TestR7_3TwoInterviewersAndRecord:
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

    def test_allows_two_interviewers_and_a_record(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        case = hold(
            cast, case, interviewers_present=[cast.deputy_discipline.pk, cast.office_head.pk]
        )
        assert case.records.get().interviewers_present.count() == 2


class TestR8_1Postponement:
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

    def test_a_telephone_request_is_refused_and_nothing_is_recorded(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        exc = refused(
            "R8.1",
            "第八条第（一）项",
            transition,
            case,
            "request_postponement",
            cast.clerk.user,
            application="电话申请",
            request_form=RequestForm.TELEPHONE,
        )
        assert [r.field for r in exc.refusals] == ["request_form"]
        case.refresh_from_db()
        assert case.state == CaseState.NOTIFIED and not case.postponements.exists()

    def test_the_written_application_is_kept_with_its_date_of_receipt(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        received = timezone.localdate()
        transition(
            case,
            "request_postponement",
            cast.clerk.user,
            application="因公出差，申请推后补谈。",
            applied_on=received - timedelta(days=1),
            received_on=received,
        )
        row = case.postponements.get()
        assert (row.request_form, row.received_on) == (RequestForm.WRITTEN, received)

    def test_an_approval_for_a_time_too_soon_is_refused_when_approving(self, cast):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        case = transition(
            case, "request_postponement", cast.clerk.user, application="因公出差，申请推后补谈。"
        )
        exc = refused(
            "R8.1",
            "第八条第（一）项",
            transition,
            case,
            "approve_postponement",
            cast.deputy_discipline.user,
            new_scheduled_at=talk_time(1),
        )
        assert exc.refusals[0].field == "new_scheduled_at"
        case.refresh_from_db()
        assert case.state == CaseState.POSTPONEMENT_REQUESTED


class TestR9_1Rectification:
    def test_allows_closing_once_every_item_is_verified(self, cast):
        case = advance(cast, new_case(cast), CaseState.RECTIFYING)
        for item in case.rectification_items.all():
            item.status = RectificationStatus.VERIFIED
            item.save()
        assert transition(case, "close", cast.clerk.user).state == CaseState.CLOSED

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

    def test_refuses_opening_a_case_with_no_regulation_in_force(self, cast):
        RegulationPage.objects.get().unpublish()
        with pytest.raises(TransitionRefused) as excinfo:
            new_case(cast)
        assert excinfo.value.codes == ["R12.1"]


DESIGNATE = "designate_substitute"


class TestR7_1Substitute:
    """The walkthrough's stuck case: the subject is the discipline officer R6.2 requires."""

    def test_the_principal_head_designates_a_substitute_and_the_case_goes_on(self, cast):
        from lianzheng.selectors.people import substitutes_needed

        case = new_case(
            cast,
            subjects=[cast.discipline],
            participants=[
                (cast.deputy_discipline, CaseRole.LEAD),
                (cast.office_head, CaseRole.OFFICE_HEAD),
            ],
        )
        ((part, subject),) = substitutes_needed(case)
        assert (part, subject) == ("纪检专干", cast.discipline)
        designation = {
            "case_role": CaseRole.DISCIPLINE_OFFICER,
            "person_id": cast.personnel.pk,
            "reason": "纪检专干本人为约谈对象，须回避。",
        }
        clerk, principal = cast.clerk.user, cast.principal.user
        refused(
            "R7.1",
            "第七条第（一）项",
            transition,
            case,
            "designate_substitute",
            clerk,
            **designation,
        )
        itself = {**designation, "person_id": cast.discipline.pk}
        error = refused(
            "R7.1",
            "第七条第（一）项",
            transition,
            case,
            "designate_substitute",
            principal,
            **itself,
        )
        assert [r.field for r in error.refusals] == ["person_id"]
        no_reason = {**designation, "reason": ""}
        error = refused(
            "R7.1",
            "第七条第（一）项",
            transition,
            case,
            "designate_substitute",
            principal,
            **no_reason,
        )
        assert [r.field for r in error.refusals] == ["reason"]

        case = transition(case, "designate_substitute", principal, **designation)
        assert substitutes_needed(case) == []
        substitution = case.substitutions.get()
        assert (substitution.person, substitution.designated_by) == (cast.personnel, cast.principal)
        assert case.participants.filter(
            role=CaseRole.DISCIPLINE_OFFICER, person=cast.personnel
        ).exists()
        case = transition(submit(cast, case), "consent", principal)
        assert notify(cast, case).state == CaseState.NOTIFIED

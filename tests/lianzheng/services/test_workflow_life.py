"""The life of a case through the transition service, as the office, the leaders and an auditor
see it: the states a case passes through, its number, the history row and the Wagtail log entry
each transition leaves, and the side paths of the regulation (decline, postponement, absence,
escalation, withdrawal) with the refusals that cite their article.

Everything moves through ``case_transition`` only; every refusal is checked to have changed
nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import ModelLogEntry

from lianzheng import clock
from lianzheng.choices import (
    CaseState,
    EscalationGround,
    PostponementDecision,
    RectificationStatus,
    TalkType,
)
from lianzheng.models import Escalation, Postponement, RectificationItem, TalkCase
from lianzheng.refusals import TransitionRefused
from lianzheng.rules.table import RULES
from lianzheng.services.cases import case_create, case_update
from lianzheng.services.workflow import case_transition
from lianzheng.workflow.steps import STEPS
from tests.workflow_helpers import (
    ITEM,
    advance,
    deliver,
    new_case,
    notice_moment,
    past_talk_time,
    record_data,
    talk_time,
)

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^阿州住建廉约〔(\d{4})〕(\d+)号$")
NOT_PERMITTED = "您没有办理此项操作的权限"

# The rule codes each transition's history row must cite: those of rules.md guarding it for
# every type of talk. Rules for one type (第四条's clauses, R5.1) are cited only for that type.
CITED = {
    "submit": {"R2.1", "R3.1", "R4.6", "R7.1", "R12.1"},
    "consent": {"R6.1"},
    "decline": {"R6.1"},
    "revise": set(),
    "notify": {"R3.1", "R6.1", "R6.2", "R6.3", "R6.4", "R6.5", "R7.1", "R12.1"},
    "request_postponement": {"R8.1"},
    "approve_postponement": {"R8.1"},
    "reject_postponement": {"R8.1"},
    "record_absence": {"R8.1"},
    "hold": {"R6.4", "R6.5", "R7.1", "R7.2", "R7.3", "R8.2", "R12.1"},
    "start_rectification": {"R9.1"},
    "close": {"R9.1"},
    "escalate": {"R8.1", "R9.1", "R10.1", "R11.1"},
    "withdraw": set(),
}
# The article of 第四条 that governs the talk itself for each type, cited when it is held.
TYPE_ARTICLE = {
    TalkType.ROUTINE: "R4.1",
    TalkType.PRE_APPOINTMENT: "R4.2",
    TalkType.SPECIAL: "R4.3",
    TalkType.WARNING: "R4.4",
    TalkType.ADMONITION: "R4.5",
}


# -- helpers -----------------------------------------------------------------------------------


def stored(case: TalkCase) -> TalkCase:
    return TalkCase.objects.get(pk=case.pk)


def case_rows(case: TalkCase):
    """The case's own history rows, oldest first."""
    return list(TalkCase.history.filter(id=case.pk).order_by("history_date", "history_id"))


def transition_rows(case: TalkCase):
    return [row for row in case_rows(case) if row.history_transition]


def log_entries(case: TalkCase):
    return list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(TalkCase),
            object_id=str(case.pk),
            action="lianzheng.transition",
        ).order_by("timestamp", "pk")
    )


def snapshot(case: TalkCase) -> tuple:
    """What a refused request must leave untouched: state, history rows, log entries."""
    return stored(case).state, len(case_rows(case)), len(log_entries(case))


def refused(case: TalkCase, transition: str, user, **data) -> TransitionRefused:
    """Ask for a transition that must be refused; check that nothing changed."""
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, transition=transition, user=user, **data)
    assert snapshot(case) == before
    return exc.value


def assert_trail(case: TalkCase, steps: list[tuple[str, str, str, object]]) -> None:
    """One history row and one Wagtail log entry per transition, in order, each naming the
    transition, the states before and after, the user, and the rule codes it was checked under.
    ``steps`` is a list of (transition, from, to, user)."""
    rows = transition_rows(case)
    assert [(r.history_transition, r.history_state_from, r.history_state_to) for r in rows] == [
        (t, a, b) for t, a, b, _u in steps
    ]
    # Besides the row of its creation, the case has no history row that is not a transition.
    assert len(case_rows(case)) == 1 + len(steps)
    assert case_rows(case)[0].history_type == "+"
    for row, (name, _a, to, user) in zip(rows, steps, strict=True):
        assert row.state == to
        assert row.history_user_id == user.pk
        assert row.history_user_display == user.person.name  # by name, not login (#17)
        cited = set(row.history_articles.split())
        assert CITED[name] <= cited, (name, cited)
        assert cited <= set(RULES), (name, cited)
    entries = log_entries(case)
    assert [(e.data["transition"], e.data["from"], e.data["to"]) for e in entries] == [
        (t, a, b) for t, a, b, _u in steps
    ]
    for entry, row, (_n, _a, _b, user) in zip(entries, rows, steps, strict=True):
        assert entry.user_id == user.pk
        assert entry.data["articles"] == row.history_articles.split()


def verify_items(case: TalkCase, user) -> None:
    # There is no rectification-check service yet (it comes with the admin issue): until then
    # the office's verification is stood in for by saving the item's status, with its user.
    for item in RectificationItem.objects.filter(case=case):
        item.status = RectificationStatus.VERIFIED
        item._history_user = user
        item.save()


# -- the five lives ----------------------------------------------------------------------------


@pytest.mark.parametrize("talk_type", list(TalkType))
def test_full_life_from_draft_to_closed(cast, talk_type):
    """Every type of talk goes draft → submitted → approved → notified → held → closed, with a
    rectification stage for warning and admonition talks (第九条: they close only once every
    item is verified). Each transition leaves its history row and its Wagtail log entry."""
    office, principal = cast.clerk.user, cast.principal.user
    corrective = talk_type in (TalkType.WARNING, TalkType.ADMONITION)
    # A life that has happened: opened and notified on the last day the notice could go out
    # for a talk two working days ago, held at its notified time (R6.5), then rectified and
    # closed today.
    talk_at = past_talk_time()
    notice_at = notice_moment(talk_at)
    with clock.at(notice_at - timedelta(minutes=30)):
        case = new_case(cast, talk_type)

    assert case.state == CaseState.DRAFT
    assert case.number is None and case.sequence is None  # numbered when first submitted

    steps = []

    def step(transition, user, **data):
        nonlocal case
        source = case.state
        case = case_transition(case=case, transition=transition, user=user, **data)
        steps.append((transition, source, case.state, user))
        assert stored(case).state == case.state

    with clock.at(notice_at):
        step("submit", office)
        match = NUMBER.match(case.number)
        assert match, case.number
        assert int(match[1]) == notice_at.year == case.year
        assert int(match[2]) == case.sequence
        step("consent", principal, comment="同意约谈。")
        step(
            "notify",
            office,
            scheduled_at=talk_at,
            place="局三楼会议室",
            content="请按时参加廉政约谈。",
        )
    with clock.at(talk_at + timedelta(hours=1)):
        step("hold", office, records=record_data(cast, case))
    assert case.records.get().held_at == talk_at
    if corrective:
        # 第九条: a warning or admonition talk cannot close without verified rectification.
        exc = refused(case, "close", office)
        assert exc.codes == ["R9.1"]
        assert "第九条" in str(exc)
        deadline = timezone.localdate() + timedelta(days=30)
        step("start_rectification", office, items=[{**ITEM, "deadline": deadline}])
        exc = refused(case, "close", office)
        assert exc.codes == ["R9.1"]
        assert "尚有1项整改未经办公室核实完成" in str(exc)
        verify_items(case, office)
    step("close", office)

    expected = [
        CaseState.SUBMITTED,
        CaseState.APPROVED,
        CaseState.NOTIFIED,
        CaseState.HELD,
        *([CaseState.RECTIFYING] if corrective else []),
        CaseState.CLOSED,
    ]
    assert [to for _t, _f, to, _u in steps] == expected
    assert_trail(case, steps)
    hold_row = next(r for r in transition_rows(case) if r.history_transition == "hold")
    cited = set(hold_row.history_articles.split())
    assert TYPE_ARTICLE[talk_type] in cited
    assert not (set(TYPE_ARTICLE.values()) - {TYPE_ARTICLE[talk_type]}) & cited
    submit_row = next(r for r in transition_rows(case) if r.history_transition == "submit")
    assert ("R5.1" in submit_row.history_articles.split()) == corrective

    case = stored(case)
    assert case.closed_at is not None
    assert case.consented_by == cast.principal
    assert case.notices.filter(superseded=False).count() == case.subjects.count() == 1
    assert case.records.count() == 1


def test_case_numbers_are_sequential_within_the_year(cast):
    """Numbers follow 阿州住建廉约〔YYYY〕N号 and run 1, 2, 3 … in the order cases are first
    submitted, whatever their type ("Case numbers" in rules.md)."""
    year = timezone.localdate().year
    drafts = [new_case(cast, talk_type) for talk_type in TalkType]
    assert [str(case) for case in drafts] == ["未编号草稿"] * len(TalkType)
    numbers = [
        case_transition(case=case, transition="submit", user=cast.clerk.user).number
        for case in reversed(drafts)
    ]

    assert numbers == [f"阿州住建廉约〔{year}〕{n}号" for n in range(1, len(TalkType) + 1)]


def test_a_refused_or_abandoned_draft_takes_no_number(cast):
    """A submission the rules refuse, and a draft withdrawn, leave no gap: the next case
    submitted takes number 1. A case declined and submitted again keeps its number."""
    office = cast.clerk.user
    incomplete = new_case(cast, purpose="")
    refused(incomplete, "submit", office)
    assert stored(incomplete).number is None
    abandoned = new_case(cast)
    case_transition(
        case=abandoned, transition="withdraw", user=office, reason="情况已查清，无须约谈。"
    )
    assert stored(abandoned).number is None

    case = case_transition(case=new_case(cast), transition="submit", user=office)
    assert case.sequence == 1
    case = case_transition(
        case=case, transition="decline", user=cast.principal.user, reason="情况尚需核实。"
    )
    case = case_transition(case=case, transition="revise", user=office)
    assert str(case).endswith("〕1号")  # a revised draft keeps its number
    case = case_transition(case=case, transition="submit", user=office)
    assert case.sequence == 1 and stored(case).number.endswith("〕1号")


# -- decline, revise, submit again -------------------------------------------------------------


def test_decline_needs_a_reason_then_revise_and_submit_again(cast):
    """第六条（一）: only the principal head decides, and a decline says why. The office then
    revises the draft and submits it again, and the principal head can consent."""
    office, principal = cast.clerk.user, cast.principal.user
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)

    exc = refused(case, "decline", principal)
    assert exc.for_field("reason")
    assert "须写明理由" in str(exc)

    exc = refused(case, "decline", cast.discipline.user, reason="情况尚需核实。")
    assert exc.codes == ["R6.1"]
    assert "第六条第（一）项" in str(exc)
    assert "只有主要负责人" in str(exc)

    case = case_transition(case=case, transition="decline", user=principal, reason="情况尚需核实。")
    assert case.state == CaseState.DECLINED
    assert stored(case).declined_reason == "情况尚需核实。"

    case = case_transition(case=case, transition="revise", user=office)
    assert case.state == CaseState.DRAFT
    case_update(case=case, user=office, purpose="提醒约谈对象按时办结群众事项，认真整改。")
    case = case_transition(case=stored(case), transition="submit", user=office)
    assert case.state == CaseState.SUBMITTED
    case = case_transition(case=case, transition="consent", user=principal)
    assert case.state == CaseState.APPROVED

    rows = transition_rows(case)
    assert [(r.history_transition, r.history_state_from, r.history_state_to) for r in rows] == [
        ("submit", "draft", "submitted"),
        ("decline", "submitted", "declined"),
        ("revise", "declined", "draft"),
        ("submit", "draft", "submitted"),
        ("consent", "submitted", "approved"),
    ]
    decline_row = rows[1]
    assert decline_row.history_user_id == principal.pk
    assert "情况尚需核实。" in decline_row.history_change_reason
    assert "R6.1" in decline_row.history_articles.split()
    assert [e.data["transition"] for e in log_entries(case)] == [r.history_transition for r in rows]


# -- postponement (第八条（一）) -----------------------------------------------------------------


def test_postponement_approved_is_notified_again_and_held(cast):
    """第八条（一）: a postponement needs a written application and the approval of the lead
    interviewer or the principal head; the talk is then rescheduled, the old notices no longer
    hold, and a new written notice is due under 第六条（三） before the talk is held."""
    office, lead = cast.clerk.user, cast.deputy_discipline.user
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    first_time = stored(case).scheduled_at
    old_notices = list(case.notices.values_list("pk", flat=True))
    assert old_notices

    exc = refused(case, "request_postponement", office, application="  ")
    assert exc.codes == ["R8.1"]
    assert "第八条第（一）项" in str(exc)
    assert "书面申请" in str(exc)
    assert not Postponement.objects.filter(case=case).exists()

    case = case_transition(
        case=case,
        transition="request_postponement",
        user=office,
        application="因参加省厅培训，申请推后约谈。",
        subject_person_id=cast.staff.pk,
    )
    assert case.state == CaseState.POSTPONEMENT_REQUESTED
    application = Postponement.objects.get(case=case)
    assert application.decision == PostponementDecision.PENDING

    new_time = talk_time(8)
    # 钱副局长 is a bureau leader, but neither this case's lead nor the principal head.
    exc = refused(case, "approve_postponement", cast.leader.user, new_scheduled_at=new_time)
    assert exc.codes == ["R8.1"]
    assert "第八条第（一）项" in str(exc)
    assert "负责约谈的领导或主要负责人" in str(exc)

    exc = refused(case, "approve_postponement", lead)
    assert exc.codes == ["R8.1"]
    assert "补谈时间" in str(exc)

    case = case_transition(
        case=case, transition="approve_postponement", user=lead, new_scheduled_at=new_time
    )
    assert case.state == CaseState.APPROVED
    application.refresh_from_db()
    assert application.decision == PostponementDecision.APPROVED
    assert application.decided_by == cast.deputy_discipline
    assert stored(case).scheduled_at == new_time != first_time
    assert not case.notices.filter(superseded=False).exists()
    assert set(case.notices.filter(superseded=True).values_list("pk", flat=True)) == set(
        old_notices
    )

    # 第六条（三） applies again to the new notice: one working day ahead is too short.
    exc = refused(
        case, "notify", office, scheduled_at=talk_time(1), place="局三楼会议室", content="补谈。"
    )
    assert exc.codes == ["R6.3"]
    assert "第六条第（三）项" in str(exc)
    assert "至少提前3个工作日" in str(exc)

    case = case_transition(
        case=case,
        transition="notify",
        user=office,
        scheduled_at=new_time,
        place="局三楼会议室",
        content="经批准推后，请按新定时间参加廉政约谈。",
    )
    assert case.state == CaseState.NOTIFIED
    current = case.notices.filter(superseded=False)
    assert current.count() == 1
    assert current.get().scheduled_at == new_time

    with clock.at(new_time + timedelta(minutes=30)):  # held at the new time (R6.5)
        case = case_transition(
            case=case, transition="hold", user=office, records=record_data(cast, case)
        )
    assert case.state == CaseState.HELD
    assert case.records.get().held_at == new_time

    rows = transition_rows(case)
    assert [(r.history_transition, r.history_state_from, r.history_state_to) for r in rows] == [
        ("submit", "draft", "submitted"),
        ("consent", "submitted", "approved"),
        ("notify", "approved", "notified"),
        ("request_postponement", "notified", "postponement_requested"),
        ("approve_postponement", "postponement_requested", "approved"),
        ("notify", "approved", "notified"),
        ("hold", "notified", "held"),
    ]
    assert rows[4].history_user_id == lead.pk
    assert {"R6.2", "R6.3"} <= set(rows[5].history_articles.split())
    assert len(log_entries(case)) == len(rows)


def test_postponement_rejected_goes_back_to_notified(cast):
    """A rejected application leaves the talk at the notified time and place, notices intact;
    the principal head may decide it as well as the lead interviewer."""
    office, principal = cast.clerk.user, cast.principal.user
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    scheduled = stored(case).scheduled_at
    notices = set(case.notices.filter(superseded=False).values_list("pk", flat=True))
    case = case_transition(
        case=case, transition="request_postponement", user=office, application="家中有事。"
    )

    exc = refused(case, "reject_postponement", cast.deputy_personnel.user, note="理由不充分。")
    assert exc.codes == ["R8.1"]

    case = case_transition(
        case=case, transition="reject_postponement", user=principal, note="理由不充分。"
    )
    assert case.state == CaseState.NOTIFIED
    application = Postponement.objects.get(case=case)
    assert application.decision == PostponementDecision.REJECTED
    assert application.decided_by == cast.principal
    assert stored(case).scheduled_at == scheduled
    assert set(case.notices.filter(superseded=False).values_list("pk", flat=True)) == notices
    last = transition_rows(case)[-1]
    assert (last.history_transition, last.history_state_from, last.history_state_to) == (
        "reject_postponement",
        "postponement_requested",
        "notified",
    )
    assert last.history_user_id == principal.pk


# -- absence and escalation (第八条（一）, 第九条, 第十条) ------------------------------


def test_absence_only_after_the_talk_time_then_escalation_for_non_attendance(cast):
    """第八条（一）: a subject can only be recorded absent once the talk time has passed; a
    missed talk can then be escalated (第十条) by the deputy head for discipline."""
    office, deputy = cast.clerk.user, cast.deputy_discipline.user
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)

    exc = refused(case, "record_absence", office)
    assert exc.codes == ["R8.1"]
    assert "第八条第（一）项" in str(exc)
    assert "约定的约谈时间尚未到" in str(exc)

    exc = refused(
        case,
        "escalate",
        deputy,
        ground=EscalationGround.NON_ATTENDANCE,
        detail="约谈对象未按时到场。",
    )
    assert exc.codes == ["R8.1"]
    assert "须先记录约谈对象未到场" in str(exc)

    # The talk time passes, with the notice not yet recorded as delivered: the talk missed is
    # not non-attendance (第六条（三））.
    after_talk = clock.at(case.scheduled_at + timedelta(hours=2))
    with after_talk:
        exc = refused(case, "record_absence", office)
    assert "尚未登记送达" in str(exc)
    case = deliver(cast, case)

    with clock.at(case.scheduled_at + timedelta(hours=2)):
        case = case_transition(case=case, transition="record_absence", user=office)
    assert case.state == CaseState.ABSENT

    detail = "约谈对象无正当理由未按时参加约谈，亦未提出延期申请。"
    exc = refused(
        case, "escalate", cast.leader.user, ground=EscalationGround.NON_ATTENDANCE, detail=detail
    )
    assert exc.codes == ["R10.1"]
    assert "第十条" in str(exc)
    assert not Escalation.objects.filter(case=case).exists()

    with clock.at(case.scheduled_at + timedelta(hours=3)):  # after the absence (R6.5)
        case = case_transition(
            case=case,
            transition="escalate",
            user=deputy,
            ground=EscalationGround.NON_ATTENDANCE,
            detail=detail,
        )
    assert case.state == CaseState.ESCALATED
    escalation = Escalation.objects.get(case=case)
    assert escalation.ground == EscalationGround.NON_ATTENDANCE
    assert escalation.decided_by == cast.deputy_discipline
    rows = transition_rows(case)
    assert [
        (r.history_transition, r.history_state_from, r.history_state_to) for r in rows[-2:]
    ] == [
        ("record_absence", "notified", "absent"),
        ("escalate", "absent", "escalated"),
    ]
    assert rows[-1].history_user_id == deputy.pk
    assert {"R8.1", "R10.1"} <= set(rows[-1].history_articles.split())


def test_escalation_for_failed_rectification_needs_an_overdue_item(cast):
    """第九条: failed rectification is a ground for escalation only when an item is overdue or
    found inadequate; while every item is still within its deadline it is refused."""
    deputy = cast.deputy_discipline.user
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    data = {
        "ground": EscalationGround.RECTIFICATION_FAILED,
        "detail": "整改事项未按期完成。",
    }

    exc = refused(case, "escalate", deputy, **data)
    assert exc.codes == ["R9.1"]
    assert "第九条" in str(exc)
    assert "逾期未完成或经检查不到位" in str(exc)

    RectificationItem.objects.filter(case=case).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    case = case_transition(case=case, transition="escalate", user=deputy, **data)
    assert case.state == CaseState.ESCALATED
    assert Escalation.objects.get(case=case).ground == EscalationGround.RECTIFICATION_FAILED
    last = transition_rows(case)[-1]
    assert (last.history_state_from, last.history_state_to) == ("rectifying", "escalated")


def test_a_decision_with_no_pending_application_is_refused_not_crashed(cast):
    """Imported or hand-repaired data can leave a case awaiting a decision with no pending
    application; deciding is then refused with 第八条, and nothing changes."""
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    case = case_transition(
        case=case,
        transition="request_postponement",
        user=cast.clerk.user,
        application="出差，申请延期。",
    )
    Postponement.objects.filter(case=case).update(decision=PostponementDecision.REJECTED)
    lead = cast.deputy_discipline.user
    for transition in ("approve_postponement", "reject_postponement"):
        exc = refused(case, transition, lead, new_scheduled_at=talk_time(8), note="不同意。")
        assert exc.codes == ["R8.1"]
        assert "没有待决定的延期申请" in str(exc)
    assert stored(case).state == CaseState.POSTPONEMENT_REQUESTED


# -- withdrawal --------------------------------------------------------------------------------


def test_withdraw_needs_a_reason_and_is_possible_from_draft(cast):
    """A case is withdrawn before the talk, and always with a reason."""
    office = cast.clerk.user
    case = new_case(cast)

    exc = refused(case, "withdraw", office, reason="   ")
    assert exc.for_field("reason")
    assert "须写明理由" in str(exc)

    case = case_transition(case=case, transition="withdraw", user=office, reason="重复立案。")
    assert case.state == CaseState.WITHDRAWN
    assert stored(case).withdrawal_reason == "重复立案。"
    last = transition_rows(case)[-1]
    assert (last.history_transition, last.history_state_from, last.history_state_to) == (
        "withdraw",
        "draft",
        "withdrawn",
    )
    assert "重复立案。" in last.history_change_reason


def test_withdraw_from_notified(cast):
    """Up to the talk the case can still be withdrawn; the reason is kept."""
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    case = case_transition(
        case=case, transition="withdraw", user=cast.clerk.user, reason="约谈对象已调离本局。"
    )
    assert case.state == CaseState.WITHDRAWN
    assert stored(case).withdrawal_reason == "约谈对象已调离本局。"
    assert transition_rows(case)[-1].history_state_from == CaseState.NOTIFIED


def test_withdraw_after_the_talk_is_refused_with_the_state(cast):
    """Once held, the talk has happened: withdrawing is refused, and the message says the
    case's state so the user knows why."""
    case = advance(cast, new_case(cast), CaseState.HELD)

    exc = refused(case, "withdraw", cast.clerk.user, reason="不再需要。")
    assert exc.codes == []
    assert "已约谈" in str(exc)
    assert "不能办理" in str(exc)
    assert stored(case).withdrawal_reason == ""


# -- an auditor reads, never acts ------------------------------------------------------------


@pytest.mark.parametrize("state", [CaseState.SUBMITTED, CaseState.NOTIFIED, CaseState.HELD])
def test_auditor_is_refused_every_transition(cast, state):
    """The auditor (审计 / 上级纪检监察) reads everything and changes nothing: every transition,
    from any state, is refused as not permitted, with no rule cited and nothing changed."""
    case = advance(cast, new_case(cast), state)
    data = {
        "reason": "审计意见。",
        "comment": "同意。",
        "scheduled_at": talk_time(),
        "place": "局三楼会议室",
        "content": "请按时参加。",
        "application": "申请延期。",
        "new_scheduled_at": talk_time(8),
        "records": record_data(cast, case),
        "items": [{**ITEM, "deadline": timezone.localdate() + timedelta(days=30)}],
        "ground": EscalationGround.NON_COMPLIANCE,
        "detail": "不遵守约谈要求。",
    }
    names = [step.name for step in STEPS]
    assert len(names) == 20  # every step, the acts that leave the state as it is too
    for name in names:
        exc = refused(case, name, cast.auditor, **data)
        assert exc.codes == [], name
        assert NOT_PERMITTED in str(exc), name

    before = snapshot(case)
    with pytest.raises(TransitionRefused, match=NOT_PERMITTED):
        case_update(case=case, user=cast.auditor, preparation_note="审计修改。")
    with pytest.raises(TransitionRefused, match=NOT_PERMITTED):
        case_create(user=cast.auditor, talk_type=TalkType.ROUTINE, purpose="审计立案。")
    assert snapshot(case) == before
    assert stored(case).preparation_note != "审计修改。"
    assert TalkCase.objects.count() == 1

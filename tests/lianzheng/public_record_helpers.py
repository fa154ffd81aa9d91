"""A year of cases with known figures, built through the real services, for the public record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from lianzheng.choices import CaseState, CheckResult, EscalationGround, TalkType
from lianzheng.models import RectificationItem, TalkCase
from lianzheng.services.rectification import rectification_check_record
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import advance, new_case, talk_time

PLACE = "局三楼会议室"
CONTENT = "请按时参加廉政约谈，就有关问题作出说明。"


@dataclass(frozen=True)
class Expected:
    """The figures the year built below must produce."""

    by_type = {
        TalkType.ROUTINE: 1,
        TalkType.PRE_APPOINTMENT: 0,
        TalkType.SPECIAL: 1,
        TalkType.WARNING: 6,
        TalkType.ADMONITION: 0,
    }
    total = 8
    notices = 7  # one each, and two for the case notified again after its postponement
    notices_in_time = 6  # all but the approved shorter notice
    short_notice_exceptions = 1
    postponements = 2
    postponements_approved = 1
    items_due = 2  # one verified before its deadline, one overdue; a third is not yet due
    items_on_time = 1
    escalations_10 = 1
    escalations_11 = 1


def build_year(cast) -> list[TalkCase]:
    office, principal = cast.clerk.user, cast.principal.user
    cases = [new_case(cast, TalkType.ROUTINE), new_case(cast, TalkType.SPECIAL)]

    # Notified; the subject's postponement is rejected.
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    case = case_transition(
        case=case,
        transition="request_postponement",
        user=office,
        application="因公出差，申请推后补谈。",
    )
    cases.append(case_transition(case=case, transition="reject_postponement", user=principal))

    # Postponed with approval, and notified again for the new time.
    case = advance(cast, new_case(cast, subjects=[cast.staff2]), CaseState.NOTIFIED)
    case = case_transition(
        case=case, transition="request_postponement", user=office, application="因病申请推后。"
    )
    case = case_transition(
        case=case,
        transition="approve_postponement",
        user=principal,
        new_scheduled_at=talk_time(7),
        new_place=PLACE,
    )
    cases.append(
        case_transition(
            case=case,
            transition="notify",
            user=office,
            scheduled_at=talk_time(7),
            place=PLACE,
            content=CONTENT,
        )
    )

    # A shorter notice, approved by the principal head (R6.3's exception).
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    case = case_transition(
        case=case,
        transition="approve_short_notice",
        user=principal,
        reason="项目验收在即，须尽快提醒。",
    )
    cases.append(
        case_transition(
            case=case,
            transition="notify",
            user=office,
            scheduled_at=talk_time(1),
            place=PLACE,
            content=CONTENT,
        )
    )

    # Rectifying: one item verified in time, one overdue, one not yet due.
    case = advance(cast, new_case(cast), CaseState.HELD)
    today = timezone.localdate()
    case = case_transition(
        case=case,
        transition="start_rectification",
        user=office,
        items=[
            {
                "description": "建立办事台账",
                "responsible": "本人",
                "deadline": today + timedelta(5),
            },
            {
                "description": "公开办理时限",
                "responsible": "本人",
                "deadline": today + timedelta(9),
            },
            {
                "description": "整改情况报告",
                "responsible": "本人",
                "deadline": today + timedelta(30),
            },
        ],
    )
    done, late, _open = case.rectification_items.order_by("deadline")
    rectification_check_record(
        item=done, user=office, finding="台账已建立，经核实完成。", result=CheckResult.VERIFIED
    )
    RectificationItem.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))
    cases.append(case)

    # Escalated: once on a ground of 第十条, once on a ground of 第十一条.
    for ground, detail in (
        (EscalationGround.REFUSED_CORRECTION, "约谈后拒不改正，继续拖延群众申请。"),
        (EscalationGround.DECEPTION, "提供虚假整改材料，欺骗组织。"),
    ):
        case = advance(cast, new_case(cast), CaseState.HELD)
        cases.append(
            case_transition(
                case=case, transition="escalate", user=principal, ground=ground, detail=detail
            )
        )
    return cases


def move_to_year(case: TalkCase, year: int) -> None:
    """A case numbered in another year (the year is set from the clock when it is opened)."""
    TalkCase.objects.filter(pk=case.pk).update(
        year=year, sequence=9000 + case.pk, number=f"阿州住建廉约〔{year}〕{9000 + case.pk}号"
    )

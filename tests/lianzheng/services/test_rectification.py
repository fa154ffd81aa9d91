"""The office supervises rectification: items and checks, and closing only when all verified."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lianzheng.choices import CaseState, CheckResult, RectificationStatus
from lianzheng.refusals import TransitionRefused
from lianzheng.services.rectification import rectification_check_record, rectification_item_add
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def rectifying(cast):
    return advance(cast, new_case(cast), CaseState.RECTIFYING)


def test_a_verified_check_lets_the_case_close(cast, rectifying):
    item = rectifying.rectification_items.get()
    check = rectification_check_record(
        item=item,
        user=cast.clerk.user,
        finding="已建立台账并公开时限。",
        result=CheckResult.VERIFIED,
    )
    item.refresh_from_db()
    assert item.status == RectificationStatus.VERIFIED
    assert check.checked_by == cast.clerk.user
    last = item.history.first()
    assert last.history_articles == "R9.1" and "核实完成" in last.history_change_reason
    case = case_transition(case=rectifying, transition="close", user=cast.clerk.user)
    assert case.state == CaseState.CLOSED and case.closed_at


def test_an_inadequate_check_keeps_the_case_open_and_allows_escalation(cast, rectifying):
    item = rectifying.rectification_items.get()
    rectification_check_record(
        item=item, user=cast.clerk.user, finding="措施不到位。", result=CheckResult.INADEQUATE
    )
    with pytest.raises(TransitionRefused) as excinfo:
        case_transition(case=rectifying, transition="close", user=cast.clerk.user)
    assert excinfo.value.codes == ["R9.1"]
    case = case_transition(
        case=rectifying,
        transition="escalate",
        user=cast.principal.user,
        ground="rectification_failed",
        detail="整改不力，经检查措施不到位。",
    )
    assert case.state == CaseState.ESCALATED


def test_items_added_while_rectifying_must_also_be_verified(cast, rectifying):
    for item in rectifying.rectification_items.all():
        rectification_check_record(
            item=item, user=cast.clerk.user, finding="完成", result=CheckResult.VERIFIED
        )
    rectification_item_add(
        case=rectifying,
        user=cast.clerk.user,
        description="补充整改",
        deadline=timezone.localdate() + timedelta(days=10),
        responsible="本人",
    )
    with pytest.raises(TransitionRefused):
        case_transition(case=rectifying, transition="close", user=cast.clerk.user)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"finding": "", "result": CheckResult.VERIFIED}, "finding"),
        ({"finding": "看过", "result": "perfect"}, "result"),
        (
            {
                "finding": "看过",
                "result": CheckResult.VERIFIED,
                "checked_on": timezone.localdate() + timedelta(days=2),
            },
            "checked_on",
        ),
    ],
)
def test_a_bad_check_is_refused_with_its_field_and_changes_nothing(
    cast, rectifying, changes, field
):
    item = rectifying.rectification_items.get()
    with pytest.raises(TransitionRefused) as excinfo:
        rectification_check_record(item=item, user=cast.clerk.user, **changes)
    assert excinfo.value.for_field(field)
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN and not item.checks.exists()


def test_checks_only_while_rectifying_and_only_by_the_office(cast):
    held = advance(cast, new_case(cast), CaseState.HELD)
    rectifying = case_transition(
        case=held,
        transition="start_rectification",
        user=cast.clerk.user,
        items=[
            {
                "description": "整改",
                "responsible": "本人",
                "deadline": timezone.localdate() + timedelta(days=5),
            }
        ],
    )
    item = rectifying.rectification_items.get()
    with pytest.raises(TransitionRefused, match="权限"):
        rectification_check_record(
            item=item, user=cast.auditor, finding="x", result=CheckResult.VERIFIED
        )
    with pytest.raises(TransitionRefused, match="权限"):
        rectification_check_record(
            item=item, user=cast.leader.user, finding="x", result=CheckResult.VERIFIED
        )


def test_a_deadline_in_the_past_is_refused(cast):
    held = advance(cast, new_case(cast), CaseState.HELD)
    with pytest.raises(TransitionRefused) as excinfo:
        case_transition(
            case=held,
            transition="start_rectification",
            user=cast.clerk.user,
            items=[
                {
                    "description": "整改",
                    "responsible": "本人",
                    "deadline": timezone.localdate() - timedelta(days=1),
                }
            ],
        )
    assert excinfo.value.for_field("items")

"""The office's supervision of rectification (第九条): items added while rectifying, and checks.

The last check of an item decides its status; closing the case (R9.1) needs every item
verified. These writes are not transitions, but they follow the same discipline: permission,
the case's state, validation, history with who and why.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from lianzheng.choices import CaseState, CheckResult, RectificationStatus
from lianzheng.models import RectificationCheck, RectificationItem, TalkCase
from lianzheng.permissions import user_can_ask
from lianzheng.services.errors import TransitionRefused, full_clean_or_refuse, input_problem
from lianzheng.services.workflow import NOT_PERMITTED

STATUS_AFTER_CHECK = {
    CheckResult.IN_PROGRESS: RectificationStatus.OPEN,
    CheckResult.VERIFIED: RectificationStatus.VERIFIED,
    CheckResult.INADEQUATE: RectificationStatus.INADEQUATE,
}


def _rectifying_case(case_id: int) -> TalkCase:
    case = TalkCase.objects.select_for_update().get(pk=case_id)
    if case.state != CaseState.RECTIFYING:
        raise TransitionRefused(
            [
                input_problem(
                    f"案件当前为“{CaseState(case.state).label}”，只有整改中的案件可以登记整改",
                    "rectification is recorded only while the case is rectifying",
                )
            ]
        )
    return case


@transaction.atomic
def rectification_item_add(
    *, case: TalkCase, user, description: str, deadline: date, responsible: str
) -> RectificationItem:
    if not user_can_ask(user, "rectification"):
        raise TransitionRefused([NOT_PERMITTED])
    case = _rectifying_case(case.pk)
    if isinstance(deadline, date) and deadline < timezone.localdate():
        raise TransitionRefused(
            [
                input_problem(
                    "整改期限不能早于今天", "the deadline cannot be in the past", "deadline"
                )
            ]
        )
    item = RectificationItem(
        case=case,
        description=(description or "").strip(),
        deadline=deadline,
        responsible=(responsible or "").strip(),
    )
    full_clean_or_refuse(item, exclude=["case"])
    item._history_user = user
    item._history_articles = ["R9.1"]
    item._change_reason = "增加整改事项 / rectification item added"
    item.save()
    return item


@transaction.atomic
def rectification_check_record(
    *, item: RectificationItem, user, finding: str, result: str, checked_on: date | None = None
) -> RectificationCheck:
    """The office's check; the item's status follows the result (第九条)."""
    if not user_can_ask(user, "rectification"):
        raise TransitionRefused([NOT_PERMITTED])
    _rectifying_case(item.case_id)
    item = RectificationItem.objects.select_for_update().get(pk=item.pk)
    checked_on = checked_on or timezone.localdate()
    if result not in CheckResult.values:
        raise TransitionRefused([input_problem("请选择检查结论", "choose a result", "result")])
    if checked_on > timezone.localdate():
        raise TransitionRefused(
            [
                input_problem(
                    "检查日期不能晚于今天", "the check cannot be dated in the future", "checked_on"
                )
            ]
        )
    check = RectificationCheck(
        item=item,
        checked_on=checked_on,
        finding=(finding or "").strip(),
        result=result,
        checked_by=user,
    )
    full_clean_or_refuse(check, exclude=["item"])
    check._history_user = user
    check.save()
    item.status = STATUS_AFTER_CHECK[result]
    item._history_user = user
    item._history_articles = ["R9.1"]
    item._change_reason = f"办公室检查：{CheckResult(result).label}"
    item.save()
    return check

"""The office's supervision of rectification (第九条): items added while rectifying, and checks.

The last check of an item decides its status; closing the case (R9.1) needs every item
verified. These writes are not transitions, but they follow the same discipline: permission,
the case's state, validation, history with who and why.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from lianzheng import clock
from lianzheng.choices import CaseState, CheckResult, RectificationStatus
from lianzheng.history import Change, recording
from lianzheng.models import RectificationCheck, RectificationItem, TalkCase
from lianzheng.permissions import user_can_ask
from lianzheng.refusals import (
    NOT_PERMITTED,
    TransitionRefused,
    full_clean_or_refuse,
    input_problem,
)
from lianzheng.rules.table import MOMENTS, RULES
from lianzheng.selectors.calendar import load_calendar
from lianzheng.services.files import attach_upload, files_kept_with_rows
from lianzheng.workflow.deadlines import resolve_deadline

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
    *,
    case: TalkCase,
    user,
    description: str,
    deadline: date | None = None,
    responsible: str = "",
    working_days: int | None = None,
    subject_person_id: int | None = None,
) -> RectificationItem:
    """An item added while rectifying: it is one subject's (R9.1; the only subject's when the
    case has one), carried out by him or his unit as ``responsible`` says."""
    if not user_can_ask(user, "rectification"):
        raise TransitionRefused([NOT_PERMITTED])
    case = _rectifying_case(case.pk)
    deadline, working_days = resolve_deadline(
        load_calendar(), clock.today(), deadline, working_days
    )
    subjects = list(case.subjects.select_related("person"))
    if subject_person_id is None and len(subjects) == 1:
        subject_person_id = subjects[0].person_id
    subject = next((s for s in subjects if s.person_id == subject_person_id), None)
    if subject is None:
        raise TransitionRefused(
            [
                RULES["R9.1"].refuse(
                    "须指定整改事项的责任人：本案的一名约谈对象",
                    "the item must belong to one of the case's subjects",
                    "subject_person_id",
                )
            ]
        )
    item = RectificationItem(
        case=case,
        subject=subject,
        description=(description or "").strip(),
        deadline=deadline,
        working_days=working_days,
        set_on=clock.today(),
        responsible=(responsible or "").strip() or subject.person.name,
    )
    full_clean_or_refuse(item, exclude=["case"])
    change = Change(user=user, reason="增加整改事项 / rectification item added", articles=("R9.1",))
    with recording(change):
        item.save()
    return item


def rectification_check_record(
    *,
    item: RectificationItem,
    user,
    finding: str,
    result: str,
    checked_on: date | None = None,
    evidence=None,
) -> RectificationCheck:
    """The office's check; the item's status follows the result (第九条). The evidence file
    is kept only if the check and its history are."""
    with files_kept_with_rows() as store, transaction.atomic():
        return _check_record(
            item=item,
            user=user,
            finding=finding,
            result=result,
            checked_on=checked_on,
            evidence=evidence,
            store=store,
        )


def _check_record(*, item, user, finding, result, checked_on, evidence, store):
    if not user_can_ask(user, "rectification"):
        raise TransitionRefused([NOT_PERMITTED])
    _rectifying_case(item.case_id)
    item = RectificationItem.objects.select_for_update().get(pk=item.pk)
    checked_on = checked_on or clock.today()
    if result not in CheckResult.values:
        raise TransitionRefused([input_problem("请选择检查结论", "choose a result", "result")])
    if refusal := MOMENTS.check_date_refusal(checked_on, item.set_on, clock.today()):
        raise TransitionRefused([refusal])
    check = RectificationCheck(
        item=item,
        checked_on=checked_on,
        finding=(finding or "").strip(),
        result=result,
        checked_by=user,
    )
    full_clean_or_refuse(check, exclude=["item", "evidence"])
    if evidence is not None:
        attach_upload(check, "evidence", evidence, store)
    check._history_user = user
    check.save()
    item.status = STATUS_AFTER_CHECK[result]
    change = Change(
        user=user, reason=f"办公室检查：{CheckResult(result).label}", articles=("R9.1",), on=item
    )
    with recording(change):
        item.save()
    return check

"""Every step leaves its entry in Wagtail's audit log, written by Wagtail's own ``log()``, so the
case's history page shows it: who, which step, from and to, why, the articles judged."""

import pytest
from wagtail.log_actions import LogContext
from wagtail.models import ModelLogEntry

from lianzheng.choices import CaseState
from lianzheng.log_actions import TRANSITION
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def entries(case) -> list[ModelLogEntry]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(case.pk), action=TRANSITION).order_by("pk")
    )


@pytest.mark.parametrize("in_context", [False, True])
def test_a_step_writes_its_entry(cast, in_context):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    principal = cast.principal.user
    before = len(entries(case))
    if in_context:
        with LogContext(user=principal):  # a request's context: its uuid groups the entries
            case_transition(case=case, transition="consent", user=principal, comment="同意。")
    else:
        case_transition(case=case, transition="consent", user=principal, comment="同意。")
    (entry,) = entries(case)[before:]
    assert entry.user_id == principal.pk and entry.label == case.number
    assert entry.data["transition"] == "consent"
    assert (entry.data["from"], entry.data["to"]) == ("submitted", "approved")
    assert "R6.1" in entry.data["articles"]
    assert (entry.uuid is not None) == in_context


def test_the_short_notice_approval_writes_its_entry_too(cast):
    """It went through a second write path that wrote no log entry; now it is a step."""
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    case_transition(
        case=case,
        transition="approve_short_notice",
        user=cast.principal.user,
        reason="项目验收在即。",
    )
    entry = entries(case)[-1]
    assert entry.data["transition"] == "approve_short_notice"
    assert entry.data["from"] == entry.data["to"] == "approved"
    assert entry.data["reason"] == "项目验收在即。"
    assert {"R6.1", "R6.3"} <= set(entry.data["articles"])

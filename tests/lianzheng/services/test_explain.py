"""The explaining service: what the case page will show as buttons, allowed or greyed with why."""

import pytest

from lianzheng.choices import CaseRole, CaseState, TalkType
from lianzheng.services.cases import case_update
from lianzheng.services.workflow import case_explain
from tests.workflow_helpers import advance, case_in, new_case

pytestmark = pytest.mark.django_db


def by_name(explanations):
    return {e.name: e for e in explanations}


def test_a_draft_offers_submit_and_withdraw_to_the_office(cast):
    case = new_case(cast)
    shown = by_name(case_explain(case=case, user=cast.clerk.user))
    assert set(shown) == {"submit", "withdraw"}
    assert shown["submit"].allowed and shown["submit"].label


def test_an_incomplete_draft_explains_what_is_missing(cast):
    case = new_case(cast, purpose="", grounds=[])
    submit = by_name(case_explain(case=case, user=cast.clerk.user))["submit"]
    assert not submit.allowed
    assert {r.code for r in submit.refusals} == {"R2.1", "R5.1"}
    assert any("第五条" in str(r) for r in submit.refusals)


def test_consent_is_greyed_for_everyone_but_the_principal_head(cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    for_office = by_name(case_explain(case=case, user=cast.clerk.user))["consent"]
    assert not for_office.allowed and [r.code for r in for_office.refusals] == ["R6.1"]
    for_principal = by_name(case_explain(case=case, user=cast.principal.user))["consent"]
    assert for_principal.allowed


def test_notify_is_greyed_while_the_attendees_do_not_match(cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    case_update(case=case, user=cast.clerk.user, participants=[(cast.leader, CaseRole.LEAD)])
    notify = by_name(case_explain(case=case, user=cast.clerk.user))["notify"]
    assert not notify.allowed
    assert {r.code for r in notify.refusals} == {"R6.2"}
    # What the form will carry (time, place, content) is not judged before it is filled.
    assert notify.needs_input


def test_an_auditor_sees_every_action_refused(cast):
    case = advance(cast, new_case(cast, TalkType.ROUTINE), CaseState.NOTIFIED)
    shown = case_explain(case=case, user=cast.auditor)
    assert shown and not any(e.allowed for e in shown)
    assert all("权限" in str(e.refusals[0]) for e in shown)


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (CaseState.APPROVED, "notify"),
        (CaseState.NOTIFIED, "request_postponement"),
        (CaseState.NOTIFIED, "hold"),
        (CaseState.HELD, "start_rectification"),
        (CaseState.HELD, "escalate"),
        (CaseState.SUBMITTED, "decline"),
        (CaseState.SUBMITTED, "withdraw"),
    ],
)
def test_a_step_with_a_form_is_offered_before_its_form_is_filled(cast, state, step):
    """What the form carries (the items, the record, the time, the reason) is judged when the
    form is sent; the button leads to the form. The rectification form's rows were judged
    before they existed, and its button was greyed on every held case."""
    case = case_in(cast, state)
    user = {"decline": cast.principal, "escalate": cast.principal}.get(step, cast.clerk).user
    shown = by_name(case_explain(case=case, user=user))[step]
    assert shown.needs_input
    assert shown.allowed, [str(r) for r in shown.refusals]


def test_the_shorter_notice_approval_is_offered_to_the_principal_head_alone(cast):
    case = case_in(cast, CaseState.APPROVED)
    assert "approve_short_notice" not in by_name(case_explain(case=case, user=cast.clerk.user))
    offered = by_name(case_explain(case=case, user=cast.principal.user))["approve_short_notice"]
    assert offered.allowed and offered.needs_input

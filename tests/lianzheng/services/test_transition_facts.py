"""The facts a transition is judged on are read only as far as its rules read them; the
verdicts must be those the complete facts give, for every transition a case offers, on every
kind of case the workflow helpers build, for every kind of user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lianzheng.choices import CaseState, EscalationGround, TalkType
from lianzheng.refusals import TransitionRefused
from lianzheng.rules import RULES, check
from lianzheng.rules.facts import FactNotLoaded
from lianzheng.selectors.facts import case_facts
from lianzheng.services.workflow import case_transition, transition_facts
from lianzheng.workflow.steps import STEPS, step_named
from tests.workflow_helpers import ITEM, advance, new_case, record_data, talk_time

pytestmark = pytest.mark.django_db


def request(cast, case, name) -> tuple[dict, str]:
    """What a user would submit for the transition (data, reason)."""
    return {
        "consent": ({"comment": "同意。"}, ""),
        "decline": ({}, "证据不足，暂不约谈。"),
        "notify": (
            {"scheduled_at": talk_time(), "place": "局三楼会议室", "content": "请按时参加。"},
            "",
        ),
        "request_postponement": ({"application": "外出学习，申请延期。"}, ""),
        "approve_postponement": ({"new_scheduled_at": talk_time(8), "note": "同意。"}, ""),
        "reject_postponement": ({"note": "理由不充分。"}, ""),
        "hold": ({"records": record_data(cast, case)}, ""),
        "start_rectification": (
            {"items": [{**ITEM, "deadline": timezone.localdate() + timedelta(days=30)}]},
            "",
        ),
        "escalate": (
            {"ground": EscalationGround.NON_COMPLIANCE, "detail": "拒不按要求整改。"},
            "",
        ),
        "withdraw": ({}, "情况已查清，无须约谈。"),
        "approve_short_notice": ({}, "时间紧，须尽快约谈。"),
    }.get(name, ({}, ""))


def verdict(cast, case, name, user, *, complete):
    data, reason = request(cast, case, name)
    try:
        _proposal, facts = transition_facts(
            case=case, step=step_named(name), user=user, data=data, reason=reason, complete=complete
        )
    except TransitionRefused as refused:
        return ("input refused", refused.refusals)
    return check(facts)


def cases_in_every_state(cast):
    """Each type of talk (a collective one and a county head's too) in each state the ordinary
    path reaches, and a case whose subject asked for a postponement."""
    kinds = [
        (TalkType.ROUTINE, None, CaseState.HELD),
        (TalkType.PRE_APPOINTMENT, None, CaseState.HELD),
        (TalkType.SPECIAL, None, CaseState.HELD),
        (TalkType.WARNING, None, CaseState.RECTIFYING),
        (TalkType.ADMONITION, None, CaseState.RECTIFYING),
        (TalkType.WARNING, [cast.staff, cast.staff2], CaseState.RECTIFYING),
        (TalkType.WARNING, [cast.county_head], CaseState.HELD),
    ]
    path = [CaseState.SUBMITTED, CaseState.APPROVED, CaseState.NOTIFIED, CaseState.HELD]
    path.append(CaseState.RECTIFYING)
    for talk_type, subjects, last in kinds:
        case = new_case(cast, talk_type, subjects=subjects)
        yield case
        for state in path[: path.index(last) + 1]:
            case = advance(cast, case, state, past=True)
            yield case
    postponed = advance(cast, new_case(cast), CaseState.NOTIFIED)
    yield case_transition(
        case=postponed,
        transition="request_postponement",
        user=cast.clerk.user,
        application="外出学习，申请延期。",
    )


def offered(case) -> list[str]:
    return [step.name for step in STEPS if case.state in step.sources]


def test_limited_facts_give_the_verdicts_of_complete_facts(cast):
    users = [cast.clerk, cast.principal, cast.deputy_discipline]
    users = [p.user for p in users] + [cast.auditor]
    compared, refused = 0, 0
    for case in cases_in_every_state(cast):
        for name in offered(case):
            for user in users:
                limited = verdict(cast, case, name, user, complete=False)
                complete = verdict(cast, case, name, user, complete=True)
                assert limited == complete, (case.talk_type, case.state, name, user.username)
                compared += 1
                refused += bool(limited)
    assert compared > 300 and 0 < refused < compared  # both verdicts were compared


def test_a_rule_reading_facts_it_does_not_declare_fails_loudly(cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    facts = case_facts(case, user=cast.clerk.user, transition="notify", reads={"actor"})
    with pytest.raises(FactNotLoaded):
        RULES["R6.2"](facts)  # reads the participants, which were not loaded

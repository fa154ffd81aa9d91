"""The one way a case changes state: ``case_transition``; and ``case_explain``, which says for
every step whether this user may take it now, or why not.

Both read the step's declaration (lianzheng.workflow.steps). ``case_transition`` runs in a
transaction, locks the case row, asks the step whether the user may ask for it and django-fsm
whether the case's state allows it, judges the rules of the regulation once on the case as the
request would leave it, and hands that verdict to the case's transition in a TransitionContext;
the step writes what the request carries (notices, records, items…), the case is saved with a
history row naming who, which step, from and to, why and the articles judged, and Wagtail's log
records the step. Anything refused changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from django.db import transaction
from django_fsm import can_proceed
from wagtail.log_actions import log

from lianzheng import clock
from lianzheng.choices import CaseState
from lianzheng.history import Change, recording
from lianzheng.log_actions import TRANSITION
from lianzheng.models import TalkCase
from lianzheng.models.cases import state_write_allowed
from lianzheng.refusals import NOT_PERMITTED, Refusal, TransitionRefused, input_problem
from lianzheng.rules.facts import CaseFacts
from lianzheng.selectors.facts import case_facts
from lianzheng.services.files import attach_upload, files_kept_with_rows
from lianzheng.tasks import remind_case_task
from lianzheng.workflow.step import Step, TransitionContext
from lianzheng.workflow.steps import STEPS, step_named

LOG_ACTION = TRANSITION


def _state_refusal(case: TalkCase, step: Step) -> Refusal:
    return input_problem(
        f"案件当前为“{CaseState(case.state).label}”，不能办理“{step.label}”"
        "（可能已被他人办理，请刷新后查看）",
        f"the case is now '{case.state}', so '{step.name}' is not possible (someone may have "
        "acted on it already; reload the case)",
    )


def transition_facts(
    *, case: TalkCase, step: Step, user, data: dict, reason: str = "", complete=False
) -> tuple[dict, CaseFacts]:
    """What the request proposes and the facts the rules judge it on: the case as stored
    (only what the step reads, unless ``complete``) as the request would change it."""
    reads = None if complete else step.fact_groups(case.talk_type)
    base = case_facts(
        case, user=user, transition=step.name, reason=reason, proposal=data, reads=reads
    )
    proposal, overrides = step.prepare(case, data, base)
    return proposal, replace(base, proposal={**data, **proposal}, **overrides)


def case_transition(*, case: TalkCase, transition: str, user, reason: str = "", **data) -> TalkCase:
    """Take the step ``transition`` on the case for ``user``, or raise TransitionRefused and
    change nothing. Returns the saved case (a fresh instance, locked for the transaction).
    A file the step keeps (a scanned application) is removed again if the step fails."""
    with files_kept_with_rows() as store, transaction.atomic():
        return _take(
            case=case,
            transition=transition,
            user=user,
            reason=reason,
            attach=partial(attach_upload, store=store),
            data=data,
        )


def _take(*, case, transition, user, reason, attach, data) -> TalkCase:
    try:
        step = step_named(transition)
    except LookupError:
        raise ValueError(f"unknown transition {transition!r}") from None
    if not step.may_ask(user):
        raise TransitionRefused([NOT_PERMITTED])
    locked = TalkCase.objects.select_for_update().get(pk=case.pk)
    take = getattr(locked, step.name)
    if not can_proceed(take):
        raise TransitionRefused([_state_refusal(locked, step)])
    reason = (reason or "").strip()
    step.refuse_without_reason(reason)
    proposal, facts = transition_facts(case=locked, step=step, user=user, data=data, reason=reason)
    context = TransitionContext(
        step=step,
        user=user,
        actor=facts.actor,
        source=locked.state,
        facts=facts,
        proposal={**proposal, "reason": reason},
        reason=reason,
        refusals=tuple(step.judge(facts)),
        attach=attach,
    )
    if not context.allowed:
        raise TransitionRefused(list(context.refusals))
    with recording(Change(user=user)):
        take(context)
    with state_write_allowed(), recording(context.change(locked)):
        locked.save()
    log(
        instance=locked,
        action=TRANSITION,
        user=user,
        data=context.log_data(locked),
        timestamp=clock.now(),
    )
    # The step's reminders (the principal's consent awaited after a submission, …) go out as
    # soon as the step is committed, not at the next sweep: the task asks the same question the
    # sweep asks (lianzheng.selectors.reminders.case_events) of this case alone, and the
    # reminder log sends each event once whichever of them comes first. A queue that fails is
    # logged and left to the sweep; it never undoes the committed step.
    transaction.on_commit(partial(remind_case_task.enqueue, case_id=locked.pk), robust=True)
    return locked


@dataclass(frozen=True)
class Explanation:
    """One step as a user sees it on the case page: allowed, or greyed with reasons."""

    name: str
    label: str
    allowed: bool
    refusals: tuple[Refusal, ...]
    needs_input: bool
    # The labels of what its form asks for, so that the page says what comes next rather than
    # the same 「其余条件在表单中核对」 under every step.
    asks_for: tuple[str, ...] = ()


def case_explain(*, case: TalkCase, user, calendar=None, parts=None) -> list[Explanation]:
    """For every step the case's state offers: may this user take it, or why not.

    The case's facts are read once for the page, as much as the permitted steps' rules read,
    and each step is judged on them; refusals about what the step's form will carry wait for
    the form. ``parts``: the case's parts when the page has read them (``read_case_parts``)."""
    offered = [step for step in STEPS if can_proceed(getattr(case, step.name))]
    permitted = [step for step in offered if step.may_ask(user)]
    facts = None
    if permitted:
        reads = frozenset().union(*(step.fact_groups(case.talk_type) for step in permitted))
        facts = case_facts(
            case,
            user=user,
            transition=permitted[0].name,
            reads=reads,
            calendar=calendar,
            parts=parts,
        )
    result = []
    for step in offered:
        needs_input = bool(step.inputs)
        if step not in permitted:
            refusals: tuple[Refusal, ...] = (NOT_PERMITTED,)
        else:
            judged = step.judge(replace(facts, transition=step.name))
            refusals = tuple(r for r in judged if not step.awaits_form(r))
        if refusals and not step.shown_when_refused:
            continue
        result.append(
            Explanation(step.name, step.label, not refusals, refusals, needs_input, step.asks_for())
        )
    return result


__all__ = ["Explanation", "TransitionRefused", "case_explain", "case_transition"]

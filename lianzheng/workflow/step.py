"""What a step of the workflow is, and what one taking of it carries.

A ``Step`` declares one transition of a talk case: the states it leaves and the one it leads to,
who may ask for it, its form (the inputs), how those inputs become the facts the rules judge, and
what it writes. The case's django-fsm transitions are made from the steps (``fsm_transition``),
with the hooks django-fsm offers: ``permission=`` asks the step who may ask, ``conditions=``
carries what only the case itself decides, and ``custom=`` the step itself, so anything holding a
django-fsm transition can read its declaration. The rules that guard a step are the rules
table's (``rules_for``), judged once by the service; their verdict reaches the transition in the
``TransitionContext`` it is called with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django_fsm import TransitionNotAllowed, transition

from lianzheng.choices import CaseState, Transition
from lianzheng.history import Change
from lianzheng.permissions import user_holds_one_of
from lianzheng.refusals import Refusal, TransitionRefused, input_problem
from lianzheng.rules import check, facts_read, rules_for
from lianzheng.rules.facts import ActorFacts, CaseFacts
from lianzheng.workflow.forms import StepForm


@dataclass(frozen=True)
class TransitionContext:
    """One taking of a step, passed explicitly from the service to the transition: who asks,
    why, what the request proposes, the facts the rules judged and their verdict."""

    step: Step
    user: Any
    actor: ActorFacts
    source: str
    facts: CaseFacts
    proposal: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    refusals: tuple[Refusal, ...] = ()
    # ``attach(instance, field, upload)`` keeps an uploaded file with the row being written
    # (lianzheng.services.files): the service owns storage, the step says where the file goes.
    attach: Callable[[Any, str, Any], None] | None = None

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def articles(self) -> tuple[str, ...]:
        """The codes of the rules that were judged (those of the step and the case's type)."""
        return tuple(r.code for r in rules_for(self.step.name, self.facts.talk_type))

    def change(self, case) -> Change:
        """What the case's own history row records of this step."""
        return Change(
            user=self.user,
            reason=self.step.history_reason(self.reason),
            articles=self.articles,
            transition=(self.step.name, self.source, case.state),
            on=case,
        )

    def log_data(self, case) -> dict:
        """The Wagtail log entry's data."""
        return {
            "transition": self.step.name,
            "from": self.source,
            "to": case.state,
            "reason": self.reason,
            "articles": list(self.articles),
        }


class Step:
    """One transition of a talk case, declared once (see the module's docstring)."""

    name: ClassVar[Transition]
    sources: ClassVar[tuple[CaseState, ...]]
    # None: an act recorded on the case that leaves its state as it is.
    target: ClassVar[CaseState | None] = None
    askers: ClassVar[frozenset[str]]
    form_class: ClassVar[type[StepForm]] = StepForm
    # Refusal fields the form supplies besides its own fields: checked when the form is sent,
    # not before (a record's fields, the items' rows…).
    more_inputs: ClassVar[frozenset[str]] = frozenset()
    # What the form asks for beyond its own fields (a list of items), as the case page says it.
    asks_also: ClassVar[tuple] = ()
    # A reason the service itself requires (not one a rule of the regulation demands).
    reason_required: ClassVar[bool] = False
    # The facts (rules.facts.FACT_GROUPS) ``prepare`` reads beyond those its rules read.
    reads: ClassVar[frozenset[str]] = frozenset()
    # What the case alone decides (django-fsm ``conditions=``): a step whose condition fails is
    # not offered at all.
    conditions: ClassVar[tuple[Callable[[Any], bool], ...]] = ()
    # Whether the case page shows the step, greyed with its reasons, to those it refuses.
    shown_when_refused: ClassVar[bool] = True

    @property
    def label(self) -> str:
        return self.name.label

    @property
    def inputs(self) -> frozenset[str]:
        """The fields whose refusals the form shows when it is sent."""
        return frozenset(self.form_class.base_fields) | self.more_inputs

    def asks_for(self) -> tuple[str, ...]:
        """The labels of the form's required fields (all of its fields if none is required),
        in the form's order, then what it carries beside them (``asks_also``: a list of items),
        in the reader's language."""
        fields = list(self.form_class.base_fields.values())
        required = [field for field in fields if field.required] or fields
        labels = [str(field.label) for field in required if field.label]
        return tuple(labels + [str(label) for label in self.asks_also])

    def may_ask(self, user) -> bool:
        """Who may ask (django-fsm's ``permission=``); the rules may narrow it further."""
        return user_holds_one_of(user, self.askers)

    def leaves(self, state: str) -> bool:
        return state in self.sources

    def fact_groups(self, talk_type: str) -> frozenset[str]:
        """The facts to load: what its rules and its ``prepare`` read, and the actor, whose
        person is recorded as having acted."""
        return facts_read(self.name, talk_type) | self.reads | {"actor"}

    def prepare(self, case, data: Mapping[str, Any], facts: CaseFacts) -> tuple[dict, dict]:
        """The request's data as (what to write, the facts it changes for the rules); raise
        TransitionRefused for input that cannot be judged at all."""
        return {}, {}

    def judge(self, facts: CaseFacts) -> list[Refusal]:
        return check(facts)

    def awaits_form(self, refusal: Refusal) -> bool:
        """Whether a refusal is about what the form will carry, so the case page does not
        show it before the form is filled."""
        return bool(refusal.field) and refusal.field in self.inputs

    def apply(self, case, context: TransitionContext) -> None:
        """What the step writes besides the new state (its rows, the case's fields)."""

    def history_reason(self, reason: str) -> str:
        return str(self.label) + (f"：{reason}" if reason else "")

    def refuse_without_reason(self, reason: str) -> None:
        if self.reason_required and not reason:
            raise TransitionRefused([input_problem("须写明理由", "a reason is required", "reason")])

    def fsm_transition(self, state_field):
        """The django-fsm transition this step is, for the case model's state field. Called
        with the context the service judged: it refuses if the rules did, else applies."""
        step = self

        def take(case, context: TransitionContext | None = None) -> None:
            if context is None or context.step is not step:
                # Called by hand, not by the service that judges the rules: refuse, so that
                # nobody skips the permission and the rules by calling the method.
                raise TransitionNotAllowed(
                    f"{step.name} is taken through case_transition", object=case, method=take
                )
            if not context.allowed:
                raise TransitionRefused(list(context.refusals))
            step.apply(case, context)

        take.__name__ = str(self.name)
        take.__qualname__ = f"TalkCase.{self.name}"
        take.__doc__ = type(self).__doc__
        return transition(
            field=state_field,
            source=list(self.sources),
            target=self.target,
            conditions=list(self.conditions),
            permission=lambda case, user: step.may_ask(user),
            custom={"step": self, "label": self.name.label},
        )(take)

"""The rules table (``table``), the facts it reads (``facts``), and the FSM's view of both."""

from lianzheng.rules.facts import CaseFacts
from lianzheng.rules.table import RULES, Refusal, Rule, check, facts_read, rules_for


class RulesAllow:
    """A django-fsm condition that asks the rules table about one transition.

    django-fsm calls conditions with the instance only. The transition service attaches the
    facts it built (who asks, what was submitted) as ``instance._rule_facts`` before calling the
    transition, so the condition re-checks exactly what the service checked. Without such facts
    (``can_proceed`` from elsewhere) there is no actor, so the answer is no.
    """

    def __init__(self, transition: str):
        self.transition = transition
        self.__name__ = f"rules_allow_{transition}"

    def __call__(self, instance) -> bool:
        facts = getattr(instance, "_rule_facts", None)
        if facts is None or facts.transition != self.transition:
            return False
        return not check(facts)

    def __repr__(self) -> str:
        return f"RulesAllow({self.transition!r})"


__all__ = [
    "RULES",
    "CaseFacts",
    "Refusal",
    "Rule",
    "RulesAllow",
    "check",
    "facts_read",
    "rules_for",
]

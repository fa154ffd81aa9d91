"""The rules table (``table``) and the facts it reads (``facts``)."""

from lianzheng.refusals import Refusal
from lianzheng.rules.facts import CaseFacts
from lianzheng.rules.table import RULES, Rule, check, facts_read, rules_for

__all__ = ["RULES", "CaseFacts", "Refusal", "Rule", "check", "facts_read", "rules_for"]

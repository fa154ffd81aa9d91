"""The confidential report (第七条（四）): shown only to three offices, and every showing logged."""

from __future__ import annotations

from django.db import transaction

from lianzheng import clock
from lianzheng.choices import Act
from lianzheng.history import user_display
from lianzheng.models import ConfidentialAccess, ConfidentialReport, TalkCase
from lianzheng.refusals import Refusal, TransitionRefused
from lianzheng.rules.facts import CaseFacts
from lianzheng.rules.table import RULES
from lianzheng.selectors.facts import actor_facts


def confidential_refusals(user, act: str = Act.VIEW_CONFIDENTIAL) -> list[Refusal]:
    """R7.4's answer for this user; empty when he may see (or, for ``Act.EDIT_CONFIDENTIAL``,
    enter and amend) whistleblower information."""
    facts = CaseFacts(
        transition=act,
        actor=actor_facts(user),
        today=clock.today(),
        now=clock.now(),
        calendar=None,
        talk_type="",
        state="",
    )
    return RULES["R7.4"](facts)


def user_can_see_confidential(user) -> bool:
    return bool(user and user.is_authenticated) and not confidential_refusals(user)


def user_can_write_confidential(user) -> bool:
    return bool(user and user.is_authenticated) and not confidential_refusals(
        user, Act.EDIT_CONFIDENTIAL
    )


@transaction.atomic
def confidential_report_show(*, case: TalkCase, user, purpose: str = "case page"):
    """The report, for a reader R7.4 allows; the showing is logged before it is returned."""
    refusals = confidential_refusals(user)
    if refusals:
        raise TransitionRefused(refusals)
    report = ConfidentialReport.objects.filter(case=case).first()
    ConfidentialAccess.objects.create(
        case=case, user_id=user.pk, user_display=user_display(user), purpose=purpose
    )
    return report

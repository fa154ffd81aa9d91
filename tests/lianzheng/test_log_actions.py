"""The transition's entry in Wagtail's audit log reads as Wagtail's own ``log()`` would
write it: the case history page shows the same thing."""

import pytest
from wagtail.log_actions import LogContext, log
from wagtail.models import ModelLogEntry

from lianzheng.choices import CaseState
from lianzheng.log_actions import TRANSITION, log_transition
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

DATA = {"transition": "consent", "from": "submitted", "to": "approved", "reason": "同意"}


def shown(entry) -> dict:
    """Every stored field of an entry but its id and time."""
    entry = ModelLogEntry.objects.get(pk=entry.pk)
    return {
        f.attname: getattr(entry, f.attname)
        for f in ModelLogEntry._meta.concrete_fields
        if f.attname not in ("id", "timestamp")
    }


@pytest.mark.parametrize("in_context", [False, True])
def test_the_transition_entry_is_the_one_wagtail_would_write(cast, in_context):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    principal = cast.principal.user
    if in_context:
        with LogContext(user=principal):  # a request's context: its uuid groups the entries
            ours = log_transition(case, user=None, data=DATA)
            wagtails = log(instance=case, action=TRANSITION, data=DATA)
    else:
        ours = log_transition(case, user=principal, data=DATA)
        wagtails = log(instance=case, action=TRANSITION, user=principal, data=DATA)
    assert shown(ours) == shown(wagtails)
    assert shown(ours)["user_id"] == principal.pk and shown(ours)["label"] == case.number
    assert (shown(ours)["uuid"] is not None) == in_context

"""Two people acting on the same case at the same moment, and many cases opened at once.

The transition service locks the case row and re-reads its state inside the lock; case numbers
are taken from a locked per-year counter. These tests run real concurrent transactions, so
they need PostgreSQL (SQLite serialises whole-database writes and would prove nothing): they are
deselected on SQLite by tests/conftest.py, never skipped.

With ``transaction=True`` the database is flushed after each test, which also removes the
Wagtail page tree's root that Wagtail's migrations created; the ``profile`` fixture
(``setup_all``) must recreate it, and ``test_profile_rebuilds_the_site_after_a_flush`` checks
that.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from wagtail.models import Page

from lianzheng.choices import CaseState
from lianzheng.models import TalkCase
from lianzheng.refusals import TransitionRefused
from lianzheng.selectors.facts import regulation_in_force
from lianzheng.services.setup import setup_all
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import advance, build_cast, new_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def run_together(count: int, work) -> list[tuple[str, object]]:
    """Run ``work(i)`` in ``count`` threads released together by a barrier. Each thread uses
    its own database connection and closes it. Returns ("ok", result) or ("error", exc) per
    thread, in thread order."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    results: list[tuple[str, object] | None] = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", work(i))
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    assert all(result is not None for result in results)
    return results


def test_two_consents_at_once_only_one_succeeds(cast):
    """The principal head double-clicks, or two sessions consent together: exactly one consent
    is recorded, and the other user is told that the case changed under him."""
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    principal = cast.principal.user

    def consent(i: int) -> str:
        mine = TalkCase.objects.get(pk=case.pk)  # each user loaded the page while submitted
        return case_transition(
            case=mine, transition="consent", user=principal, comment=f"同意（{i}）"
        ).state

    results = run_together(2, consent)

    oks = [value for kind, value in results if kind == "ok"]
    errors = [value for kind, value in results if kind == "error"]
    assert oks == [CaseState.APPROVED]
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, TransitionRefused), repr(error)
    assert error.codes == []
    assert "可能已被他人办理" in str(error)
    # One language at a time: the English reader's words are the refusal's English text.
    assert "someone may have acted on it already" in error.refusals[0].message_en

    case = TalkCase.objects.get(pk=case.pk)
    assert case.state == CaseState.APPROVED
    rows = TalkCase.history.filter(id=case.pk, history_transition="consent")
    assert rows.count() == 1
    assert rows.get().history_state_from == CaseState.SUBMITTED
    assert case.consent_comment in {"同意（0）", "同意（1）"}


def test_cases_opened_at_once_get_numbers_without_gaps_or_duplicates(cast):
    """Eight offices open and submit cases in the same instant: the numbers of the year, taken
    at submission ("Case numbers" in rules.md), are 1…8, each once, in the format
    阿州住建廉约〔YYYY〕N号."""
    count = 8
    clerk = cast.clerk.user  # load the login here, before the workers share the cast

    def open_and_submit(_i):
        case = case_transition(case=new_case(cast), transition="submit", user=clerk)
        return case.pk

    results = run_together(count, open_and_submit)

    errors = [value for kind, value in results if kind == "error"]
    assert errors == []
    year = timezone.localdate().year
    cases = TalkCase.objects.filter(pk__in=[value for _kind, value in results])
    sequences = sorted(cases.values_list("sequence", flat=True))
    assert sequences == list(range(1, count + 1))
    for case in cases:
        match = re.fullmatch(r"阿州住建廉约〔(\d{4})〕(\d+)号", case.number)
        assert match, case.number
        assert (int(match[1]), int(match[2])) == (year, case.sequence)
    assert TalkCase.objects.filter(year=year).count() == count


def test_profile_rebuilds_the_site_after_a_flush():
    """These tests rely on the install profile in a flushed database. A flush (what
    ``transaction=True`` does after each test) removes even the page tree's root that Wagtail's
    migrations created; ``setup_all`` must recreate it and publish the regulation, so that
    cases can be opened again."""
    call_command("flush", interactive=False, verbosity=0)
    assert Page.get_first_root_node() is None
    assert regulation_in_force() is None

    report = setup_all()

    assert "page tree root" in report.created
    assert Page.get_first_root_node() is not None
    regulation = regulation_in_force()
    assert regulation is not None
    assert regulation.live and regulation.live_revision_id is not None
    cast = build_cast()
    case = new_case(cast)
    assert case.regulation_page == regulation
    assert case.regulation_revision_id == regulation.live_revision_id

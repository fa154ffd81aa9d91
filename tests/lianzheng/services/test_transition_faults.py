"""A transition that fails half-way leaves nothing behind (issue 8, part 4).

Each test takes a snapshot of everything a write can touch (every table of the add-on, history
and chain head included, Wagtail's log entries, the media folder), injects one fault at one step
of ``case_transition`` or another service, and checks that the snapshot is unchanged, the
chain still verifies (by ``lianzheng_audit verify`` too) and, for the transitions, that the
same request succeeds once the fault is gone: nothing was left locked or half-written.

The steps of ``case_transition`` after the rules allowed it, in order: the django-fsm
transition (the state changes in memory), the step's writes (notices, records and their
interviewers, items, postponements, escalations — each an audited save with its history row and
chain link), the case's save (the new state in the database), its history row (the
``pre_create_historical_record`` receiver, the chain head's lock and link, the insert), other
``post_save`` receivers, then the Wagtail log entry. No transition generates a document or
schedules a reminder: documents are generated on request (test_document_faults.py) and
reminders are found by the sweep from the cases' state.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from simple_history.manager import HistoryManager
from simple_history.signals import pre_create_historical_record
from wagtail.models import ModelLogEntry

from lianzheng import history
from lianzheng.audit import chain, verification
from lianzheng.choices import CaseRole, CaseState, ReminderState
from lianzheng.models import (
    CaseParticipant,
    CaseSubject,
    ChainHead,
    Notice,
    RectificationItem,
    Reminder,
    TalkCase,
    TalkRecord,
)
from lianzheng.services.cases import case_update
from lianzheng.services.rectification import rectification_item_add
from lianzheng.services.workflow import case_transition
from tests.fault_injection import (
    commit_refused,
    insert_refused,
    raises_on_call,
    ready_for,
    receiver_raises,
    statement_timeout,
)
from tests.snapshot_helpers import Snapshot, assert_unchanged
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

TRANSITIONS = [
    "submit",
    "consent",
    "decline",
    "revise",
    "notify",
    "request_postponement",
    "approve_postponement",
    "reject_postponement",
    "record_absence",
    "reschedule",
    "hold",
    "start_rectification",
    "close",
    "escalate",
    "withdraw",
]
CASE_HISTORY = TalkCase.history.model


def table(model) -> str:
    return model._meta.db_table


def attempt(case, user, transition, data, error=DatabaseError):
    with pytest.raises(error) as raised:
        case_transition(case=case, transition=transition, user=user, **data)
    return raised.value


def succeeds(case, user, transition, data):
    """Once the fault is gone the same request goes through: nothing was left locked."""
    moved = case_transition(
        case=TalkCase.objects.get(pk=case.pk), transition=transition, user=user, **data
    )
    assert moved.state != case.state
    assert verification.verify().ok


def test_every_transition_is_undone_when_its_history_row_is_refused(cast):
    """The case's own history row is written after its new state reached the database; a
    trigger refusing it (an IntegrityError on SQLite, the trigger's error on PostgreSQL) undoes
    the state, the transition's rows and their history, for every transition."""
    for transition in TRANSITIONS:
        case, user, data = ready_for(cast, transition)
        before = Snapshot.take()
        with insert_refused(table(CASE_HISTORY)):
            error = attempt(case, user, transition, data)
        assert "injected fault" in str(error), transition
        assert_unchanged(before)
        assert TalkCase.objects.get(pk=case.pk).state == case.state
        succeeds(case, user, transition, data)


# -- one fault at each step, on the transitions that write a row per subject -----------------


def _related_write_raises(monkeypatch, transition):
    model = Notice if transition == "notify" else TalkRecord
    # The second subject's row: the first one and its history are already written.
    return raises_on_call(monkeypatch, model, "save", RuntimeError("injected fault"), call=2)


def _interviewers_refused(monkeypatch, transition):
    return insert_refused(table(TalkRecord.interviewers_present.through))


def _history_receiver_raises(monkeypatch, transition):
    return receiver_raises(
        pre_create_historical_record, RuntimeError("injected fault"), sender=CASE_HISTORY
    )


@contextmanager
def _link_raises(monkeypatch, transition):
    """Linking the case's own history row raises (its notices or records are linked)."""
    real = chain.link

    def link(rows):
        if any(isinstance(row, CASE_HISTORY) for row in rows):
            raise RuntimeError("injected fault")
        return real(rows)

    monkeypatch.setattr(history, "link", link)
    try:
        yield
    finally:
        monkeypatch.setattr(history, "link", real)


def _head_locked(monkeypatch, transition):
    """The head cannot be locked (the database moves it as rows are inserted: a failure there
    is the history insert failing, below)."""
    return raises_on_call(
        monkeypatch, ChainHead, "locked", OperationalError("database is locked (injected fault)")
    )


def _history_insert_fails(monkeypatch, transition):
    return raises_on_call(
        monkeypatch,
        CASE_HISTORY,
        "_do_insert",
        OperationalError("database is locked (injected fault)"),
    )


def _history_refused(monkeypatch, transition):
    return insert_refused(table(CASE_HISTORY))


def _log_entry_refused(monkeypatch, transition):
    return insert_refused(table(ModelLogEntry))


def _log_entry_invalid(monkeypatch, transition):
    return raises_on_call(
        monkeypatch, ModelLogEntry, "clean", ValidationError("injected fault: invalid entry")
    )


def _post_save_hook_raises(monkeypatch, transition):
    return receiver_raises(post_save, RuntimeError("injected fault"), sender=TalkCase)


# name: (injector, the error the service raises, the transitions it applies to)
BOTH = ("notify", "hold")
STEP_FAULTS = {
    "a related row's save raises half-way": (_related_write_raises, RuntimeError, BOTH),
    "the interviewers of a record are refused": (_interviewers_refused, DatabaseError, ("hold",)),
    "the history receiver raises": (_history_receiver_raises, RuntimeError, BOTH),
    "the chain link raises": (_link_raises, RuntimeError, BOTH),
    "the chain head cannot be locked": (_head_locked, OperationalError, BOTH),
    "the history insert fails (database locked)": (_history_insert_fails, OperationalError, BOTH),
    "the history insert is refused by a trigger": (_history_refused, DatabaseError, BOTH),
    "the Wagtail log entry is refused": (_log_entry_refused, DatabaseError, BOTH),
    "the Wagtail log entry is invalid": (_log_entry_invalid, ValidationError, BOTH),
    "a post_save hook on the case raises": (_post_save_hook_raises, RuntimeError, BOTH),
}
CASES = [
    pytest.param(name, transition, id=f"{transition}: {name}")
    for name, (_inject, _error, transitions) in STEP_FAULTS.items()
    for transition in transitions
]


@pytest.mark.parametrize(("fault", "transition"), CASES)
def test_a_fault_at_each_step_leaves_everything_as_before(cast, monkeypatch, fault, transition):
    inject, error, _transitions = STEP_FAULTS[fault]
    case, user, data = ready_for(cast, transition)
    before = Snapshot.take()
    with inject(monkeypatch, transition):
        raised = attempt(case, user, transition, data, error)
    assert "injected fault" in str(raised)
    assert_unchanged(before)
    succeeds(case, user, transition, data)


def test_the_chain_head_cannot_be_moved_back_or_removed(cast):
    """The head moves only as the database appends rows: whoever asks (ORM or raw SQL) cannot
    move it back or lose its row."""
    ready_for(cast, "submit")
    head = ChainHead.current()
    assert head.seq > 0
    statements = [
        ("UPDATE lianzheng_chainhead SET seq = seq - 1", []),
        ("UPDATE lianzheng_chainhead SET seq = 0, hash = %s", [chain.GENESIS]),
        ("DELETE FROM lianzheng_chainhead", []),
    ]
    if connection.vendor == "postgresql":
        statements.append(("TRUNCATE lianzheng_chainhead", []))
    for sql, params in statements:
        with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        ChainHead.objects.filter(pk=1).update(seq=head.seq - 1)
    assert (ChainHead.current().seq, ChainHead.current().hash) == (head.seq, head.hash)
    assert verification.verify().ok


def test_without_the_head_guard_a_head_moved_back_forks_the_chain_silently(cast):
    """Why the guard: each history table's unique constraint sees only its own rows, so the
    sequence numbers a head moved back hands out again are accepted, and the chain forks
    with no error at the time; only a later verification finds it."""
    from lianzheng.audit import guards

    case, user, data = ready_for(cast, "notify")
    guards.uninstall_head_guard(connection)
    try:
        ChainHead.objects.filter(pk=1).update(seq=ChainHead.current().seq - 1)
    finally:
        guards.install_head_guard(connection)
    case_transition(case=case, transition="notify", user=user, **data)
    assert not verification.verify().ok


@pytest.mark.postgres
def test_postgres_disk_full_while_writing_history(cast):
    """PostgreSQL answers a full disk with SQLSTATE 53100, an OperationalError to Django."""
    case, user, data = ready_for(cast, "hold")
    before = Snapshot.take()
    with insert_refused(table(CASE_HISTORY), sqlstate="53100"):
        attempt(case, user, "hold", data, OperationalError)
    assert_unchanged(before)
    succeeds(case, user, "hold", data)


@pytest.mark.postgres
def test_postgres_statement_timeout_while_writing_history(cast):
    """A history insert that takes too long (a slow disk, a lock) is cancelled by the server's
    statement timeout: QueryCanceled, an OperationalError."""
    case, user, data = ready_for(cast, "notify")
    before = Snapshot.take()
    with statement_timeout(200), insert_refused(table(CASE_HISTORY), sleep=5):
        error = attempt(case, user, "notify", data, OperationalError)
    assert "statement timeout" in str(error)
    assert_unchanged(before)
    succeeds(case, user, "notify", data)


# -- the other services -------------------------------------------------------------------------


def test_a_case_whose_subject_cannot_be_recorded_is_not_opened(cast):
    """case_create writes the case, then its subjects: a refused subject history row leaves
    no case."""
    before = Snapshot.take()
    with insert_refused(table(CaseSubject.history.model)), pytest.raises(DatabaseError):
        new_case(cast)
    assert_unchanged(before)


def test_a_submission_undone_gives_its_number_back(cast):
    """The number is taken inside the submission's transaction: a submission whose history row
    is refused takes none, and the next one submitted is number 1."""
    user = cast.clerk.user
    case = new_case(cast)
    with insert_refused(table(CASE_HISTORY)):
        attempt(case, user, "submit", {})
    assert TalkCase.objects.get(pk=case.pk).number is None
    succeeds(case, user, "submit", {})
    assert TalkCase.objects.get(pk=case.pk).sequence == 1


def test_participants_half_replaced_are_put_back(cast):
    """case_update removes the participants no longer wanted, then adds the new ones: a
    refused insert on the way leaves the old list, with its history, as it was."""
    case = new_case(cast)
    before = Snapshot.take()
    replaced = [(cast.leader, CaseRole.LEAD), (cast.office_head, CaseRole.OFFICE_HEAD)]
    with (
        insert_refused(table(CaseParticipant.history.model)),
        pytest.raises(DatabaseError),
    ):
        case_update(case=case, user=cast.clerk.user, participants=replaced)
    assert_unchanged(before)


def test_a_short_notice_approval_not_recorded_is_not_given(cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    before = Snapshot.take()
    with insert_refused(table(CASE_HISTORY)), pytest.raises(DatabaseError):
        case_transition(
            case=case,
            transition="approve_short_notice",
            user=cast.principal.user,
            reason="工作需要。",
        )
    assert_unchanged(before)


def test_a_rectification_item_not_recorded_is_not_added(cast):
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    before = Snapshot.take()
    with insert_refused(table(RectificationItem.history.model)), pytest.raises(DatabaseError):
        rectification_item_add(
            case=case,
            user=cast.clerk.user,
            description="补充整改事项",
            working_days=10,
            responsible="约谈对象本人",
        )
    assert_unchanged(before)


def test_a_reminder_whose_history_fails_after_the_email_is_logged_as_failed(cast, monkeypatch):
    """The one write that cannot be undone is an email already sent. The reminder's row is
    rolled back with its failed history, a FAILED row takes its place in the chain, and the
    next sweep sends again (at least once, never silently lost); the chain still verifies."""
    from lianzheng.selectors.reminders import due_events
    from lianzheng.services.reminders import FAILED, reminder_send

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    event = next(e for e in due_events(now=timezone.now()) if e.case_id == case.pk)
    principal = cast.principal.user
    principal.email = "principal@example.gov.cn"
    principal.save()
    with raises_on_call(
        monkeypatch,
        HistoryManager,  # Reminder.history is an instance of a subclass made on each access
        "bulk_history_create",
        OperationalError("database is locked (injected fault)"),
    ):
        assert reminder_send(event=event, user=principal) == FAILED
    assert len(mail.outbox) == 1
    assert list(Reminder.objects.values_list("state", flat=True)) == [ReminderState.FAILED]
    assert "injected fault" in Reminder.objects.get().error
    assert verification.verify().ok


# -- faults at the commit and between sessions: the transaction is the test's to end ---------


@pytest.mark.django_db(transaction=True)
class TestFaultsAtCommit:
    def test_a_commit_the_database_refuses_undoes_the_transition(self, cast, monkeypatch):
        case, user, data = ready_for(cast, "hold")
        before = Snapshot.take()
        with commit_refused(monkeypatch):
            error = attempt(case, user, "hold", data, OperationalError)
        assert "commit refused" in str(error)
        assert_unchanged(before)
        succeeds(case, user, "hold", data)

    @pytest.mark.postgres
    def test_postgres_a_deferred_trigger_failing_at_commit(self, cast):
        """A constraint trigger deferred to COMMIT refuses the case's history row: the error
        comes from the COMMIT itself, after every statement succeeded."""
        case, user, data = ready_for(cast, "notify")
        before = Snapshot.take()
        with insert_refused(table(CASE_HISTORY), deferred=True):
            attempt(case, user, "notify", data)
        assert_unchanged(before)
        succeeds(case, user, "notify", data)

    @pytest.mark.postgres
    def test_postgres_lock_timeout_on_the_chain_head(self, cast):
        """Another session holds the chain head (a long verification, a stuck writer): the
        transition waits no longer than lock_timeout, fails with LockNotAvailable, and has
        written nothing — its notices and their history included."""
        case, user, data = ready_for(cast, "notify")
        before = Snapshot.take()
        held, release = threading.Event(), threading.Event()

        def hold_the_head():
            from django.db import connection as other

            try:
                with transaction.atomic():
                    ChainHead.objects.select_for_update().get(pk=1)
                    held.set()
                    release.wait(30)
            finally:
                other.close()

        holder = threading.Thread(target=hold_the_head)
        holder.start()
        try:
            assert held.wait(30)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            error = attempt(case, user, "notify", data, OperationalError)
            assert "lock timeout" in str(error)
        finally:
            release.set()
            holder.join()
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        assert_unchanged(before)
        succeeds(case, user, "notify", data)

    @pytest.mark.sqlite
    def test_sqlite_database_locked_by_another_writer(self, cast, monkeypatch):
        """SQLite: another process holds the write lock longer than the busy timeout; the
        transition gets "database is locked" and leaves nothing."""
        import sqlite3

        case, user, data = ready_for(cast, "notify")
        before = Snapshot.take()
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.3)
        connection.close()
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            error = attempt(case, user, "notify", data, OperationalError)
            assert "locked" in str(error)
        finally:
            other.execute("ROLLBACK")
            other.close()
        monkeypatch.undo()
        connection.close()
        assert_unchanged(before)
        succeeds(case, user, "notify", data)

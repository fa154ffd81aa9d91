"""Faults injected into a write, each a context manager that puts things back on leaving.

Some patch a step of the code (the history receiver, the chain link, the log entry…) to raise
as it would if it broke; the others are real faults of the database or the disk: a trigger that
refuses a row, a statement or lock timeout, a commit the database refuses, a full disk half-way
through a file. ``ready_for`` puts a case where each transition can be taken, with the user and
the data that take it.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from datetime import timedelta

from django.db import OperationalError, connection
from django.utils import timezone

from lianzheng.choices import CaseState, EscalationGround, TalkType
from lianzheng.models import TalkCase
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import ITEM, advance, deliver, new_case, record_data, talk_time

FAULT_MESSAGE = "injected fault"


# -- a step of the code raises -----------------------------------------------------------------


@contextmanager
def raises_on_call(monkeypatch, owner, name: str, error: BaseException, *, call: int = 1):
    """``owner.name`` raises ``error`` on its ``call``-th call (the ones before run as usual)."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def broken(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= call:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, broken)
    try:
        yield calls
    finally:
        monkeypatch.setattr(owner, name, real)


@contextmanager
def receiver_raises(signal, error: BaseException, sender=None):
    """A receiver of ``signal`` (a hook another app might add) that raises."""

    def hook(**kwargs):
        raise error

    signal.connect(hook, sender=sender, weak=False, dispatch_uid="lianzheng-test-fault")
    try:
        yield
    finally:
        signal.disconnect(sender=sender, dispatch_uid="lianzheng-test-fault")


# -- the database refuses ----------------------------------------------------------------------


def _drop_test_trigger(cursor, table: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f'DROP TRIGGER IF EXISTS lz_test_fault ON "{table}"')
        cursor.execute("DROP FUNCTION IF EXISTS lz_test_fault()")
    else:
        cursor.execute("DROP TRIGGER IF EXISTS lz_test_fault")


@contextmanager
def insert_refused(table: str, *, sqlstate: str = "P0001", sleep: float = 0, deferred=False):
    """A trigger that refuses every INSERT into ``table``, as the database would refuse a row.

    SQLite: ``RAISE(ABORT)`` (an IntegrityError to the driver). PostgreSQL: a PL/pgSQL
    ``RAISE`` with ``sqlstate`` (P0001: a ProgrammingError to Django; 53100 disk_full: an
    OperationalError), after ``pg_sleep(sleep)`` if asked (to run into a statement timeout);
    ``deferred``: a constraint trigger that fires at COMMIT."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            body = f"PERFORM pg_sleep({sleep}); " if sleep else ""
            cursor.execute(
                "CREATE OR REPLACE FUNCTION lz_test_fault() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body}RAISE EXCEPTION '{FAULT_MESSAGE}' USING ERRCODE = '{sqlstate}'; "
                "END $$"
            )
            if deferred:
                cursor.execute(
                    f'CREATE CONSTRAINT TRIGGER lz_test_fault AFTER INSERT ON "{table}" '
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lz_test_fault()"
                )
            else:
                cursor.execute(
                    f'CREATE TRIGGER lz_test_fault BEFORE INSERT ON "{table}" '
                    "FOR EACH ROW EXECUTE FUNCTION lz_test_fault()"
                )
        else:
            assert not (sleep or deferred), "SQLite has no such trigger"
            cursor.execute(
                f'CREATE TRIGGER lz_test_fault BEFORE INSERT ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{FAULT_MESSAGE}'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            _drop_test_trigger(cursor, table)


@contextmanager
def statement_timeout(milliseconds: int):
    """PostgreSQL: statements of this session are cancelled after ``milliseconds``."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


@contextmanager
def commit_refused(monkeypatch=None):
    """The next COMMIT fails in the driver, as a database that cannot write its log would
    answer; Django rolls back and raises OperationalError."""
    from django.db import DEFAULT_DB_ALIAS, connections

    wrapper = connections[DEFAULT_DB_ALIAS]

    def refuse():
        del wrapper._commit  # once: the rollback and the next commits are real
        with wrapper.wrap_database_errors:
            raise wrapper.Database.OperationalError(f"{FAULT_MESSAGE}: commit refused")

    wrapper._commit = refuse
    try:
        yield
    finally:
        wrapper.__dict__.pop("_commit", None)


# -- the disk fails ------------------------------------------------------------------------------


class _StorageOs:
    """The ``os`` module as Django's FileSystemStorage sees it, with some calls replaced: the
    fault stays inside the storage, the rest of the process keeps the real ``os``."""

    def __init__(self, **replaced):
        self._replaced = replaced

    def __getattr__(self, name):
        return self._replaced[name] if name in self._replaced else getattr(os, name)


@contextmanager
def _storage_os(monkeypatch, **replaced):
    from django.core.files.storage import filesystem

    monkeypatch.setattr(filesystem, "os", _StorageOs(**replaced))
    try:
        yield
    finally:
        monkeypatch.setattr(filesystem, "os", os)


class _FullDisk:
    """A file that takes ``room`` bytes, then fails with ENOSPC."""

    def __init__(self, handle, room: int):
        self.handle, self.room = handle, room

    def write(self, data):
        if len(data) > self.room:
            self.handle.write(data[: self.room])
            self.handle.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.handle.write(data)

    def close(self):
        self.handle.close()


def disk_full_midway(monkeypatch, after_bytes: int = 4096):
    """Files written by Django's FileSystemStorage get ``after_bytes`` onto the disk, then the
    write fails with ENOSPC, as on a full disk: the partial file stays where it was going."""

    def fdopen(fd, *args, **kwargs):
        return _FullDisk(os.fdopen(fd, *args, **kwargs), after_bytes)

    return _storage_os(monkeypatch, fdopen=fdopen)


def storage_unwritable(monkeypatch):
    """The media folder refuses new files (a read-only mount, wrong permissions)."""

    def refuse(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return os.open(path, flags, *args, **kwargs)

    return _storage_os(monkeypatch, open=refuse)


# -- a case ready for each transition ------------------------------------------------------------


def ready_for(cast, transition: str):
    """(case, user, data) with which ``transition`` succeeds. Two subjects, so that the
    transitions writing a row per subject write several."""
    office, principal = cast.clerk.user, cast.principal.user
    lead = cast.deputy_discipline.user
    # A routine talk may close when held; warnings and admonitions need rectification (R9.1).
    talk_type = TalkType.ROUTINE if transition == "close" else TalkType.WARNING
    case = new_case(cast, talk_type, subjects=[cast.staff, cast.staff2])

    def take(name, user, **data):
        return case_transition(
            case=TalkCase.objects.get(pk=case.pk), transition=name, user=user, **data
        )

    if transition in ("submit", "withdraw"):
        data = {"reason": "重复立案。"} if transition == "withdraw" else {}
        return case, office, data
    if transition in ("consent", "decline", "revise"):
        case = advance(cast, case, CaseState.SUBMITTED)
        if transition == "consent":
            return case, principal, {"comment": "同意。"}
        if transition == "decline":
            return case, principal, {"reason": "情况尚需核实。"}
        return take("decline", principal, reason="情况尚需核实。"), office, {}
    if transition == "notify":
        case = advance(cast, case, CaseState.APPROVED)
        return (
            case,
            office,
            {"scheduled_at": talk_time(), "place": "局三楼会议室", "content": "请按时参加。"},
        )
    # The talk, held or missed, was notified for a time now past (R6.5); a postponement is
    # asked for a talk still ahead.
    talk_passed = transition in ("hold", "record_absence", "reschedule", "escalate")
    case = advance(cast, case, CaseState.NOTIFIED, past=talk_passed)
    application = {"application": "因参加省厅培训，申请推后约谈。"}
    if transition == "request_postponement":
        return case, office, application
    if transition in ("approve_postponement", "reject_postponement"):
        case = take("request_postponement", office, **application)
        if transition == "approve_postponement":
            return case, lead, {"new_scheduled_at": talk_time(8)}
        return case, lead, {"note": "理由不充分。"}
    if transition == "hold":
        return case, office, {"records": record_data(cast, case)}
    if transition in ("record_absence", "reschedule", "escalate"):
        case = deliver(cast, case)  # a missed talk rests on a delivered notice (R6.3)
        if transition == "record_absence":
            return case, office, {}
        case = take("record_absence", office)
        if transition == "reschedule":
            return case, office, {}
        return (
            case,
            lead,
            {"ground": EscalationGround.NON_ATTENDANCE, "detail": "约谈对象未按时到场。"},
        )
    case = advance(cast, case, CaseState.HELD)
    if transition == "start_rectification":
        deadline = timezone.localdate() + timedelta(days=30)
        return (
            case,
            office,
            {
                "items": [
                    {**ITEM, "deadline": deadline, "subject_person_id": cast.staff.pk},
                    {**ITEM, "deadline": deadline, "subject_person_id": cast.staff2.pk},
                ]
            },
        )
    assert transition == "close", transition
    return case, office, {}


def database_is_locked() -> OperationalError:
    return OperationalError("database is locked")

"""What a user sees when a write fails for a reason that is not his: a message on the form.

A database that is busy, times out or refuses a row (a trigger, a constraint), a full disk or a
document that cannot be laid out are faults to expect in a system that runs for years. The
service has rolled everything back by the time they reach the view, so the form says what
happened, that nothing was saved, and gives a reference to the logged traceback. Anything else
— a programming error — is not caught here: it reaches the 500 page, and the transaction it
ran in is rolled back all the same.

The views that write run their service as the request's only transaction (``ServiceOwnsTheWrite``
rather than ``ATOMIC_REQUESTS``): a commit that fails is then the service's failure, seen by
the form, and a file stored for a row that was not committed is removed
(lianzheng.services.files).
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.signals import got_request_exception
from django.db import DatabaseError, IntegrityError, InternalError, OperationalError, transaction
from django.shortcuts import render
from django.utils.translation import get_language

from lianzheng.services.errors import OperationFailed, database_failed

logger = logging.getLogger("lianzheng.faults")

# The database's faults that say nothing about the code: a lock or statement timeout, a lost
# connection, a deadlock or serialisation failure, a full disk (OperationalError); a constraint
# or a trigger that refused the row (IntegrityError; SQLite's RAISE(ABORT) is one); the
# server's own failure (InternalError). ProgrammingError (bad SQL, a missing column or grant),
# DataError and the rest mean the code or its deployment is wrong: they are not here.
DATABASE_FAULTS = (OperationalError, IntegrityError, InternalError)
# PostgreSQL: a trigger's RAISE EXCEPTION (SQLSTATE P0001) reaches Django as a ProgrammingError;
# it is the database refusing the row, as SQLite's RAISE(ABORT) is.
TRIGGER_REFUSED = "P0001"


def is_expected_database_fault(exc: DatabaseError) -> bool:
    if isinstance(exc, DATABASE_FAULTS):
        return True
    return getattr(exc.__cause__, "sqlstate", None) == TRIGGER_REFUSED


@contextmanager
def expected_faults() -> Iterator[None]:
    """Around a service call in a view: an expected fault becomes ``OperationFailed``, logged
    with its reference and traceback; everything else passes through untouched."""
    try:
        yield
    except OperationFailed as fault:
        logger.error("operation failed (reference %s)", fault.reference, exc_info=True)
        raise
    except DatabaseError as exc:
        if not is_expected_database_fault(exc):
            raise
        if transaction.get_connection().needs_rollback:
            raise  # the request's transaction is broken: nothing more can be shown from it
        fault = database_failed()
        logger.error("database fault (reference %s)", fault.reference, exc_info=True)
        raise fault from exc


class ServiceOwnsTheWrite:
    """For a view whose POST is one service call: the service's transaction is the request's
    (no ``ATOMIC_REQUESTS`` around it), so its commit, and the clean-up of its files when that
    fails, happen inside the service, where the view can tell the user."""

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))


class DatabaseFaultPageMiddleware:
    """Any page whose request met an expected database fault — the sign-in, the Wagtail page
    editor and its editing-session ping included, where no form of ours catches it — shows the
    fault page with a reference, never Django's debug page or the bare 500 page.

    Django turns an exception into a response inside each middleware layer, so an outer
    middleware never sees the exception itself, only the 500 response. The request-exception
    signal does see it (with the request) before that response is made: the receiver notes the
    fault on the request, and this middleware, first in MIDDLEWARE, swaps the response. Nothing
    was saved: the view's transaction (ATOMIC_REQUESTS, or the service's own) has rolled back by
    then. The session is written after the view's transaction, so a fault there leaves the view's
    work committed but the person not signed in; with SQLite waiting for its turn (settings) that
    write waits rather than fails."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(
            note_database_fault, weak=False, dispatch_uid="lianzheng-database-fault"
        )

    def __call__(self, request):
        response = self.get_response(request)
        fault = getattr(request, FAULT_ATTRIBUTE, None)
        if fault is None:
            return response
        page = fault_page(request, *fault)
        for header in ("Content-Security-Policy", "X-Frame-Options"):
            if header in response:
                page[header] = response[header]
        return page


FAULT_ATTRIBUTE = "_lianzheng_database_fault"


def note_database_fault(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is None or not isinstance(exc, DatabaseError):
        return
    if not is_expected_database_fault(exc):
        return
    reference = uuid.uuid4().hex[:8]
    logger.error("database fault (reference %s) on %s", reference, request.path, exc_info=True)
    setattr(request, FAULT_ATTRIBUTE, (reference, language_of(request)))


def language_of(request) -> str:
    """The language the admin answers this person in (his profile's), for code outside the view
    (middleware): the admin uses the profile only while the view runs
    (wagtail.admin.auth.require_admin_access); by now the request's own language is back."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            profile = getattr(user, "wagtail_userprofile", None)
            preferred = profile.get_preferred_language() if profile else ""
        except DatabaseError:
            preferred = ""
        if preferred:
            return preferred
    return get_language() or ""


def fault_page(request, reference: str, language: str):
    response = render(
        request,
        "lianzheng/fault.html",
        {"reference": reference, "english": language.startswith("en")},
        status=500,
    )
    response["Cache-Control"] = "no-store"
    return response

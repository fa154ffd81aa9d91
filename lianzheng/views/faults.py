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
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, InternalError, OperationalError, transaction

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

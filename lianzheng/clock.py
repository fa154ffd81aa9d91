"""What the system takes as now.

The site always runs on the real time. Loading data that tells of the past — the demo's cases, a
test's case, the bench's load, cases imported from another system — moves the clock back for the
steps it takes (``at``), so that each step is recorded at the moment it happened and every
recorded moment follows the ones it depends on (R6.5), instead of a talk being recorded as held
before the time it was notified for. The moved time is this thread's and this block's alone.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

_MOVED: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "lianzheng_clock", default=None
)


def now() -> datetime:
    moved = _MOVED.get()
    return moved if moved is not None else timezone.now()


def today() -> date:
    return timezone.localdate(now())


def moved() -> bool:
    return _MOVED.get() is not None


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    """Take ``moment`` (aware) as now inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("the clock is set to an aware datetime")
    token = _MOVED.set(moment)
    try:
        yield moment
    finally:
        _MOVED.reset(token)

"""Files that belong to a database row: kept only if the row is.

A generated document or an evidence file is written to storage before the row that records it
(its SHA-256 and name go into the row). If anything after the write fails — the history row,
the chain link, the commit itself — the transaction rolls back and the file would stay behind,
recorded nowhere. ``files_kept_with_rows`` removes it. Its block must enclose the transaction
(``with files_kept_with_rows() as store, transaction.atomic():``) so that a failed commit is
seen too; the admin views run such services outside any request transaction for that reason
(lianzheng.views.faults).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.files.storage import default_storage

from lianzheng.services.errors import storage_failed

logger = logging.getLogger(__name__)

Store = Callable[[str, object], str]


@contextmanager
def files_kept_with_rows(storage=None) -> Iterator[Store]:
    """Gives ``store(name, content) -> stored name``; if the block fails, every file stored in
    it (a partly written one included) is deleted and the failure goes on. A storage error
    while writing becomes ``OperationFailed`` (the disk is full, the bucket refuses…)."""
    storage = storage or default_storage
    written: list[str] = []

    def store(name: str, content) -> str:
        # The name is fixed first, so that a write that breaks off half-way (a full disk) can
        # be found and removed: FileSystemStorage leaves the partial file behind.
        wanted = storage.get_available_name(name)
        written.append(wanted)
        try:
            stored = storage.save(wanted, content)
        except OSError as exc:
            raise storage_failed() from exc
        if stored != wanted:
            written[-1] = stored
        return stored

    try:
        yield store
    except BaseException:
        for name in written:
            try:
                if storage.exists(name):
                    storage.delete(name)
            except Exception:  # the original failure matters more; say what is left behind
                logger.exception("could not remove %s after a failed write", name)
        raise

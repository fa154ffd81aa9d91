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

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.core.files.storage import default_storage

from lianzheng.refusals import TransitionRefused
from lianzheng.services.errors import storage_failed
from lianzheng.uploads import upload_refusals

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


def attach_upload(instance, field: str, upload, store: Store) -> None:
    """Keep ``upload`` in ``instance.<field>`` with its original name and SHA-256 in
    ``<field>_name`` and ``<field>_sha256``, so the record shows what was seen and the file can
    be checked against it later (``lianzheng_audit files``, the download views)."""
    if refusals := upload_refusals(upload, field):
        raise TransitionRefused(refusals)
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if len(name) > 200:  # the column's length; keep the type it was accepted for
        name = name[: 200 - len(suffix)] + suffix
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    model_field = instance._meta.get_field(field)
    setattr(instance, field, store(model_field.generate_filename(instance, name), upload))
    setattr(instance, f"{field}_name", name)
    setattr(instance, f"{field}_sha256", digest.hexdigest())

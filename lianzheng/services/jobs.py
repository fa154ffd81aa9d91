"""Long generations in the background (models.jobs): ask for one, read what it made, tell the
requester. The task that runs a job is ``services.job_runs``.

``job_request`` records what was asked and enqueues the task when the request commits; a second
click on the same button while the first job is waiting or running gets that job back, not a
second one.
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianzheng.models import GenerationJob, JobKind, JobState, Person, TalkCase
from lianzheng.models.jobs import KEEP
from lianzheng.permissions import user_can_ask, user_can_view_cases
from lianzheng.services.confidential import confidential_refusals
from lianzheng.services.job_runs import fail, lost
from lianzheng.tasks import generation_task

OPEN = (JobState.QUEUED, JobState.RUNNING)
logger = logging.getLogger(__name__)


class JobRefused(Exception):
    """The job cannot be asked for; the message says why, in the requester's language."""


def job_request(
    *,
    user,
    kind: str,
    person: Person | None = None,
    case: TalkCase | None = None,
    include_confidential: bool = False,
) -> tuple[GenerationJob, bool]:
    """The job for what ``user`` asked, and whether it is new. The same request while one is
    waiting or running returns that one (a double click, a reload that posts again)."""
    if kind == JobKind.INTEGRITY_FILE:
        if person is None or not (user_can_view_cases(user) and user_can_ask(user, "document")):
            raise PermissionDenied
        case, include_confidential = None, False
    elif kind == JobKind.PACKAGE:
        if case is None or not user_can_ask(user, "package"):
            raise PermissionDenied
        person = None
        if include_confidential and confidential_refusals(user):
            raise JobRefused(
                _("Only the readers of Article 7(4) may include the whistleblower report.")
            )
    else:
        raise JobRefused(_("Unknown kind of generation."))
    with transaction.atomic():
        same = GenerationJob.objects.select_for_update().filter(
            requested_by=user,
            kind=kind,
            person=person,
            case=case,
            include_confidential=include_confidential,
            state__in=OPEN,
        )
        for job in same.order_by("-pk"):
            if not fail_if_lost(job):
                return job, False
        job = GenerationJob.objects.create(
            kind=kind,
            requested_by=user,
            language=translation.get_language() or "zh-hans",
            person=person,
            case=case,
            include_confidential=include_confidential,
        )
        transaction.on_commit(partial(_enqueue, job))
    return job, True


def _enqueue(job: GenerationJob) -> None:
    """Hand the job to the worker once it is committed; if the queue refuses it, the job says
    so rather than wait for ever."""
    try:
        generation_task.enqueue(job_id=job.pk)
    except Exception:  # whatever the queue raised, the job must not wait for ever
        logger.exception("job %s could not be queued", job.pk)
        fail(job, _("It could not be handed to the background worker; try again later."))


def fail_if_lost(job: GenerationJob) -> bool:
    """Fail an open job that was lost (services.job_runs.lost), saying so; whether it was."""
    if not lost(job):
        return False
    fail(job, _("It stopped without finishing (the background worker stopped)."))
    job.refresh_from_db()
    return True


def job_read(job: GenerationJob, *, user) -> bytes:
    """A finished package's bytes, for its requester alone (it may hold the whistleblower
    report he chose to include) while he still may make it (and, if it holds the report, may
    read that), while it is kept and matches its SHA-256."""
    if job.requested_by_id != user.pk or not user_can_ask(user, "package"):
        raise PermissionDenied
    if job.include_confidential and confidential_refusals(user):
        raise PermissionDenied
    removed = JobRefused(
        _("The package was removed after %(hours)s hours; make it again.")
        % {"hours": int(KEEP.total_seconds() // 3600)}
    )
    if job.state != JobState.DONE or job.kind != JobKind.PACKAGE:
        raise JobRefused(_("There is nothing to download for this job."))
    if not job.file:
        raise removed
    try:
        with default_storage.open(job.file.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise removed from exc
    if hashlib.sha256(data).hexdigest() != job.sha256:
        raise JobRefused(_("The stored package does not match its SHA-256; make it again."))
    return data


def jobs_to_announce(user) -> list[GenerationJob]:
    """The user's jobs that finished since he was last told, marked told."""
    finished = list(
        GenerationJob.objects.filter(
            requested_by=user, state__in=(JobState.DONE, JobState.FAILED), seen_at__isnull=True
        ).order_by("finished_at")
    )
    if finished:
        GenerationJob.objects.filter(pk__in=[j.pk for j in finished]).update(seen_at=timezone.now())
    return finished

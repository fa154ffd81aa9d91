"""Running a background generation (the task's body; services.jobs asks for them).

``job_run`` makes the document or package through the same services the command line uses,
writing its progress on the job's row between steps, outside any write transaction, so the
job's page can read it while the work goes on. A refusal or a fault ends the job ``failed`` with
the reason in the requester's language; nothing half-made is kept. ``jobs_expire`` removes the
packages kept their day.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianzheng.choices import DocumentKind
from lianzheng.models import GenerationJob, JobKind, JobStage, JobState
from lianzheng.models.jobs import KEEP
from lianzheng.refusals import TransitionRefused, describe
from lianzheng.services.documents import document_generate
from lianzheng.services.errors import OperationFailed, database_failed, storage_failed
from lianzheng.services.evidence import PackageRefused, package_case

# Progress is written at most this often: a 60-page file reports hundreds of flowables.
PROGRESS_EVERY = 0.3  # seconds
# An open job that has not moved for this long was lost (the worker stopped, or none runs): it
# is failed, saying so, when someone looks at it or asks for it again.
STALE = timedelta(minutes=15)
# Where the packages are kept (the storage's folder), for their requesters, for ``KEEP``.
JOB_FILES = "lianzheng/jobs/"
logger = logging.getLogger(__name__)


class _Reporter:
    """Writes a job's progress and heartbeat, throttled. The services call it only outside their
    write transactions (document_generate typesets an integrity file before its own), so each
    write commits at once and the job's page, on another connection, sees it."""

    def __init__(self, job: GenerationJob):
        self.job_id = job.pk
        self.last = 0.0

    def __call__(self, share: float, stage: str) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        GenerationJob.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
            progress=max(0, min(99, int(share * 100))), stage=stage, heartbeat_at=timezone.now()
        )


def job_run(job_id: int) -> str:
    """Run one job to its end (the task). Returns its outcome for the task's result. Whatever
    stops it ends the job ``failed`` with a reason the requester can read (the unexpected with a
    reference logged beside its traceback), never ``running`` for ever."""
    now = timezone.now()
    claimed = GenerationJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        started_at=now,
        heartbeat_at=now,
        stage=JobStage.READING,
        progress=1,
    )
    if not claimed:
        return "not waiting"
    job = GenerationJob.objects.select_related("requested_by", "person", "case").get(pk=job_id)
    report = _Reporter(job)
    with translation.override(job.language):
        try:
            if job.kind == JobKind.INTEGRITY_FILE:
                return _run_integrity_file(job, report)
            return _run_package(job, report)
        except TransitionRefused as exc:
            return fail(job, " ".join(describe(r) for r in exc.refusals))
        except PackageRefused as exc:
            return fail(job, str(exc))
        except PermissionDenied:
            return fail(job, _("You may no longer make this."))
        except OperationFailed as exc:
            logger.warning("job %s failed [%s]", job.pk, exc.reference, exc_info=True)
            return fail(job, str(exc))
        except Exception as exc:  # whatever stopped it, the job ends and says so
            failed = (
                storage_failed()
                if isinstance(exc, OSError)
                else database_failed()
                if isinstance(exc, DatabaseError)
                else OperationFailed(
                    "生成时出现意外错误。", "An unexpected error stopped the generation."
                )
            )
            logger.exception("job %s failed [%s]", job.pk, failed.reference)
            return fail(job, str(failed))


def _run_integrity_file(job: GenerationJob, report) -> str:
    document = document_generate(
        user=job.requested_by,
        kind=DocumentKind.INTEGRITY_FILE,
        person=job.person,
        progress=report,
    )
    done = _done(
        job,
        document=document,
        filename=document.filename,
        sha256=document.sha256,
        message=_("Generated %(name)s (SHA-256 %(sha)s…).")
        % {"name": document.filename, "sha": document.sha256[:16]},
    )
    if not done:  # declared lost meanwhile: the version stands, as any generated one does
        logger.warning("job %s finished after it was declared lost: %s", job.pk, document)
    return f"document #{document.pk}"


def _run_package(job: GenerationJob, report) -> str:
    made = package_case(
        job.case,
        user=job.requested_by,
        include_confidential=job.include_confidential,
        progress=report,
    )
    digest = hashlib.sha256(made.data).hexdigest()
    name = default_storage.save(
        f"{JOB_FILES}job-{job.pk}-{digest[:16]}.zip", ContentFile(made.data)
    )
    try:
        done = _done(
            job,
            file=name,
            filename=made.filename,
            sha256=digest,
            message=_("%(name)s is ready: %(rows)s history rows, %(documents)s documents.")
            % {"name": made.filename, "rows": made.rows, "documents": made.documents},
        )
    except DatabaseError:
        default_storage.delete(name)
        raise
    if not done:  # declared lost meanwhile: nobody will be offered this file
        default_storage.delete(name)
    return f"package {made.filename}"


def _done(job: GenerationJob, **made) -> bool:
    """Mark a running job done; False if it no longer runs (declared lost meanwhile)."""
    return bool(
        GenerationJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.DONE,
            stage=JobStage.FINISHED,
            progress=100,
            finished_at=timezone.now(),
            **made,
        )
    )


def fail(job: GenerationJob, message: str) -> str:
    """End a job that is still open as failed, with ``message`` for its requester."""
    GenerationJob.objects.filter(pk=job.pk, state__in=(JobState.QUEUED, JobState.RUNNING)).update(
        state=JobState.FAILED, finished_at=timezone.now(), message=message
    )
    return f"failed: {message}"


def lost(job: GenerationJob, *, now=None) -> bool:
    """Whether an open job was lost: waiting with no worker to take it, or running with no
    progress reported, for ``STALE``."""
    now = now or timezone.now()
    if job.state == JobState.QUEUED:
        return job.created_at < now - STALE
    if job.state == JobState.RUNNING:
        return (job.heartbeat_at or job.started_at or job.created_at) < now - STALE
    return False


def jobs_expire(*, now=None) -> int:
    """Remove the packages kept longer than ``KEEP`` (the sweep runs this); returns how many.

    Also the files older than ``KEEP`` that no job names any more: a job deleted with its user
    (the foreign key cascades) left its ZIP on disk, with a case's whole history in it."""
    now = now or timezone.now()
    old = GenerationJob.objects.filter(finished_at__lt=now - KEEP).exclude(file="")
    removed = 0
    for job in old:
        default_storage.delete(job.file.name)
        GenerationJob.objects.filter(pk=job.pk).update(file="")
        removed += 1
    try:
        _folders, files = default_storage.listdir(JOB_FILES)
    except FileNotFoundError:
        return removed
    named = set(GenerationJob.objects.exclude(file="").values_list("file", flat=True))
    for name in files:
        path = JOB_FILES + name
        if path in named:
            continue
        try:
            if default_storage.get_modified_time(path) < now - KEEP:
                default_storage.delete(path)
                removed += 1
        except OSError:  # gone meanwhile (another sweep), or unreadable: the next sweep retries
            logger.warning("could not remove the job file %s", path, exc_info=True)
    return removed

"""Long generations that run in the background: a person's integrity file, a case's evidence
package (issue 18).

A generation that takes seconds (an integrity file of tens of pages, a package with every
document and proof of a case) is not made inside the request that asks for it: the request
records a job, the task worker makes it, and the person who asked watches its progress on the
job's page and is told when it is done on whatever admin page he is on by then. The job row is
operational state, not evidence: what it makes is (the integrity file is a GeneratedDocument with
its history; including the whistleblower report in a package is logged in ConfidentialAccess).
A package's ZIP is kept for its requester for ``KEEP`` and then removed by the sweep.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

KEEP = timedelta(days=1)


class JobKind(models.TextChoices):
    INTEGRITY_FILE = "integrity_file", _("integrity file")
    PACKAGE = "package", _("evidence package")


class JobState(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class JobStage(models.TextChoices):
    """What the job is doing, shown beside the progress bar."""

    WAITING = "waiting", _("Waiting for the background worker")
    READING = "reading", _("Reading the records")
    TYPESETTING = "typesetting", _("Typesetting")
    PROOFS = "proofs", _("Computing the proofs")
    DOCUMENTS = "documents", _("Collecting the documents")
    STORING = "storing", _("Storing")
    FINISHED = "finished", _("Finished")


class GenerationJob(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=JobStage.choices, default=JobStage.WAITING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lianzheng_jobs"
    )
    # The requester's interface language: the worker writes the outcome in it.
    language = models.CharField(max_length=10, default="zh-hans")
    person = models.ForeignKey(
        "lianzheng.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "lianzheng.TalkCase", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    include_confidential = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched with every progress report: a running job whose worker died stops being touched.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    document = models.ForeignKey(
        "lianzheng.GeneratedDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(upload_to="lianzheng/jobs/", max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    message = models.TextField(_("outcome"), blank=True)
    # When the requester was told it finished (the notice on the next admin page he opened).
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("background generation")
        verbose_name_plural = _("background generations")
        indexes = [models.Index(fields=["requested_by", "state"], name="lz_job_user_state")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

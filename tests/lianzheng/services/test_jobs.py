"""Long generations in the background (services.jobs): one job per request however often the
button is pressed, progress from the typesetting itself, the outcome in the requester's
language, nothing kept from a failure, and packages that expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from lianzheng.choices import CaseState, DocumentKind, TalkType
from lianzheng.models import GeneratedDocument, GenerationJob, JobKind, JobState, Person
from lianzheng.services import job_runs, jobs
from lianzheng.services.documents import document_generate
from tests.pdfcheck import flat_text
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(cast, media):
    return advance(cast, new_case(cast, TalkType.WARNING), CaseState.HELD)


def test_the_same_request_while_its_job_is_open_is_the_same_job(cast, held):
    with translation.override("zh-hans"):
        first, new = jobs.job_request(
            user=cast.clerk.user, kind=JobKind.INTEGRITY_FILE, person=cast.staff
        )
        again, new_again = jobs.job_request(
            user=cast.clerk.user, kind=JobKind.INTEGRITY_FILE, person=cast.staff
        )
    assert new and not new_again and again.pk == first.pk
    assert GenerationJob.objects.count() == 1
    # A job lost with its worker does not hold the button for ever: it is failed, saying so.
    GenerationJob.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - job_runs.STALE - timedelta(minutes=1)
    )
    with translation.override("zh-hans"):
        third, new_third = jobs.job_request(
            user=cast.clerk.user, kind=JobKind.INTEGRITY_FILE, person=cast.staff
        )
    assert new_third and third.pk != first.pk
    lost = GenerationJob.objects.get(pk=first.pk)
    assert lost.state == JobState.FAILED and "后台处理程序已停止" in lost.message


def test_an_integrity_file_reports_its_progress_from_the_typesetting(cast, held):
    seen = []
    document_generate(
        user=cast.clerk.user,
        kind=DocumentKind.INTEGRITY_FILE,
        person=cast.staff,
        progress=lambda share, stage: seen.append((share, stage)),
    )
    stages = [stage for _share, stage in seen]
    assert stages[0] == "reading" and stages[-1] == "storing"
    assert stages.count("typesetting") > 2  # reportlab's count of flowables, not one jump
    shares = [share for share, _stage in seen]
    assert shares == sorted(shares) and 0 < shares[0] and shares[-1] < 1


def test_a_job_runs_to_its_document_and_says_so_in_the_requesters_language(cast, held):
    with translation.override("en"):
        job, _new = jobs.job_request(
            user=cast.clerk.user, kind=JobKind.INTEGRITY_FILE, person=cast.staff
        )
    assert job.language == "en"
    job_runs.job_run(job.pk)
    job.refresh_from_db()
    document = GeneratedDocument.objects.get(kind=DocumentKind.INTEGRITY_FILE)
    assert job.state == JobState.DONE and job.progress == 100 and job.document == document
    assert job.message.startswith("Generated ") and document.sha256[:16] in job.message
    assert job_runs.job_run(job.pk) == "not waiting"  # run once, whatever the queue does
    assert GeneratedDocument.objects.filter(kind=DocumentKind.INTEGRITY_FILE).count() == 1


def test_a_change_while_the_file_is_typeset_is_in_the_file_stored(cast, held):
    """The file is typeset before the write transaction; what changed meanwhile is read again
    under the person's lock and the file typeset again, so it never says what was."""

    def meanwhile(share, stage):
        if stage == "storing":
            Person.objects.filter(pk=cast.staff.pk).update(post="新任职务科长")

    document = document_generate(
        user=cast.clerk.user,
        kind=DocumentKind.INTEGRITY_FILE,
        person=cast.staff,
        progress=meanwhile,
    )
    with default_storage.open(document.file.name, "rb") as handle:
        assert "新任职务科长" in flat_text(handle.read())


def test_a_failed_package_keeps_nothing_and_says_why_in_chinese(cast, held, media):
    document_generate(user=cast.clerk.user, kind=DocumentKind.NOTICE, case=held, person=cast.staff)
    document = GeneratedDocument.objects.get(case=held)
    path = default_storage.path(document.file.name)
    with open(path, "ab") as handle:
        handle.write(b"%")
    with translation.override("zh-hans"):
        job, _new = jobs.job_request(user=cast.clerk.user, kind=JobKind.PACKAGE, case=held)
    job_runs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "与其SHA-256不符" in job.message
    folder = media / "lianzheng" / "jobs"
    assert not job.file and not (folder.exists() and any(folder.iterdir()))


def test_a_package_is_kept_a_day_for_its_requester_alone(cast, held):
    with translation.override("zh-hans"):
        job, _new = jobs.job_request(user=cast.clerk.user, kind=JobKind.PACKAGE, case=held)
    job_runs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    data = jobs.job_read(job, user=cast.clerk.user)
    assert data.startswith(b"PK")
    with pytest.raises(PermissionDenied):
        jobs.job_read(job, user=cast.auditor)
    assert job_runs.jobs_expire(now=timezone.now() + timedelta(hours=23)) == 0
    assert job_runs.jobs_expire(now=timezone.now() + timedelta(hours=25)) == 1
    job.refresh_from_db()
    with translation.override("zh-hans"), pytest.raises(jobs.JobRefused, match="请重新生成"):
        jobs.job_read(job, user=cast.clerk.user)


def test_a_package_whose_job_went_with_its_user_is_removed_too(cast, held, media):
    """A user deleted takes his jobs with him (the key cascades); their ZIPs stayed on disk."""
    import os

    with translation.override("zh-hans"):
        job, _new = jobs.job_request(user=cast.clerk.user, kind=JobKind.PACKAGE, case=held)
    job_runs.job_run(job.pk)
    job.refresh_from_db()
    path = media / job.file.name
    assert path.exists()
    GenerationJob.objects.filter(pk=job.pk).delete()  # as the cascade does
    assert job_runs.jobs_expire() == 0  # not before its day is out
    day_ago = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(path, (day_ago, day_ago))
    assert job_runs.jobs_expire() == 1
    assert not path.exists()


def test_only_r74_readers_may_ask_for_the_report_in_a_package(cast, held):
    with translation.override("zh-hans"), pytest.raises(jobs.JobRefused, match="第七条（四）"):
        jobs.job_request(
            user=cast.clerk.user, kind=JobKind.PACKAGE, case=held, include_confidential=True
        )
    assert not GenerationJob.objects.exists()


def test_whatever_stops_a_job_ends_it_failed_with_a_reference(cast, held, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(job_runs, "package_case", broken)
    with translation.override("zh-hans"):
        job, _new = jobs.job_request(user=cast.clerk.user, kind=JobKind.PACKAGE, case=held)
    job_runs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "生成时出现意外错误" in job.message and "错误编号" in job.message
    reference = job.message.split("错误编号")[1][:8]
    assert reference in caplog.text and "disk controller on fire" in caplog.text


def test_a_job_that_stopped_moving_is_failed_when_looked_at_and_a_late_finish_changes_nothing(
    cast, held, media
):
    with translation.override("zh-hans"):
        job, _new = jobs.job_request(user=cast.clerk.user, kind=JobKind.PACKAGE, case=held)
    GenerationJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        started_at=timezone.now() - job_runs.STALE * 2,
        heartbeat_at=timezone.now() - job_runs.STALE - timedelta(seconds=1),
    )
    job.refresh_from_db()
    with translation.override("zh-hans"):
        assert jobs.fail_if_lost(job)
    assert job.state == JobState.FAILED and "后台处理程序已停止" in job.message
    # The worker was only slow: its finish neither revives the job nor leaves its file behind.
    job.state = JobState.RUNNING
    job_runs._run_package(job, lambda share, stage: None)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and not job.file
    folder = media / "lianzheng" / "jobs"
    assert not (folder.exists() and any(folder.iterdir()))

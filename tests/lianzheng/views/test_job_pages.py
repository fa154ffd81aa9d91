"""A background generation as its requester sees it: the button leads to the job's page with a
progress bar, the page polls its state, and the next admin page he opens after it finished tells
him so once, with the download. Nobody else sees his job."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianzheng.choices import CaseState, TalkType
from lianzheng.models import GenerationJob, JobStage, JobState
from lianzheng.services import job_runs
from tests.lianzheng.views.test_cases import text
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(cast, media):
    return advance(cast, new_case(cast, TalkType.WARNING), CaseState.HELD)


def ask_for_the_file(client, cast):
    """Press 生成 on the person's page; the worker has not run yet (no commit in a test)."""
    response = client.post(
        reverse("wagtailsnippets_lianzheng_person:integrity_file", args=[cast.staff.pk])
    )
    assert response.status_code == 302
    return GenerationJob.objects.get(), response["Location"]


def test_the_job_page_shows_how_far_it_got(client, cast, held):
    client.force_login(cast.clerk.user)
    job, location = ask_for_the_file(client, cast)
    assert location == reverse("lianzheng_jobs:job", args=[job.pk])
    page = text(client.get(location))
    assert "等待中" in page and "等待后台处理" in page and "可以离开本页" in page
    GenerationJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, stage=JobStage.TYPESETTING, progress=40
    )
    response = client.get(location)
    assert 'value="40"' in response.content.decode() and "正在排版" in text(response)
    status = client.get(reverse("lianzheng_jobs:status", args=[job.pk])).json()
    assert status == {
        "state": "running",
        "finished": False,
        "progress": 40,
        "stage": "正在排版",
        "state_label": "进行中",
        "message": "",
        "download": "",
    }
    # Pressed again while it runs: the same job, not a second file.
    _again, again_location = ask_for_the_file(client, cast)
    assert again_location == location and GenerationJob.objects.count() == 1


def test_the_next_page_says_once_that_it_is_ready(client, cast, held):
    client.force_login(cast.clerk.user)
    job, _location = ask_for_the_file(client, cast)
    dashboard = reverse("wagtailadmin_home")
    assert "已生成" not in text(client.get(dashboard))
    job_runs.job_run(job.pk)
    job.refresh_from_db()
    response = client.get(dashboard)
    page = response.content.decode()
    assert f"{cast.staff.name}的廉政档案已生成" in text(response)
    assert (
        reverse("wagtailsnippets_lianzheng_person:document", args=[cast.staff.pk, job.document_id])
        in page
    )
    assert "廉政档案已生成" not in text(client.get(dashboard))


def test_a_job_is_its_requesters_alone(client, cast, held):
    client.force_login(cast.clerk.user)
    job, location = ask_for_the_file(client, cast)
    assert client.get(location).status_code == 200
    # The office head may generate integrity files too, but this job is the clerk's.
    client.force_login(cast.office_head.user)
    for name in ("job", "status", "download"):
        assert client.get(reverse(f"lianzheng_jobs:{name}", args=[job.pk])).status_code == 404

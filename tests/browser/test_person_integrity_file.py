"""The integrity file of a demo person with several cases, in the admin and as PDF (第九条)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_reads_a_demo_persons_file_and_downloads_it_as_pdf(
    live_server, page, screenshot, settings, tmp_path
):
    from lianzheng.models import CaseSubject
    from lianzheng.services.setup import setup_all
    from tests.pdfcheck import flat_text

    settings.MEDIA_ROOT = str(tmp_path)
    passwords = setup_all(demo=True).demo_passwords
    base = live_server.url
    # The demo's warning talk under rectification: its subject has an earlier, closed talk.
    person = CaseSubject.objects.get(case__state="rectifying", case__talk_type="warning").person
    numbers = list(
        CaseSubject.objects.filter(person=person)
        .exclude(case__state__in=["draft", "withdrawn", "declined"])
        .order_by("case__created_at")
        .values_list("case__number", flat=True)
    )
    assert len(numbers) >= 2

    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", passwords["office"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")

    page.goto(f"{base}/admin/snippets/lianzheng/person/inspect/{person.pk}/")
    section = page.locator(".lz-file-section")
    for number in numbers:
        assert number in section.inner_text()
    text = section.inner_text()
    assert text.index(numbers[0]) < text.index(numbers[-1])  # oldest first
    assert "整改" in text  # the rectification item of the later case
    screenshot("person-file", full_page=True)

    # Made in the background (issue 18): the button leads to the job's page. Tests run the task
    # at once when the request commits, so the page already offers the file.
    page.get_by_role("button", name=re.compile("生成")).click()
    page.wait_for_url(re.compile(r"/admin/lianzheng/jobs/\d+/$"))
    assert "已完成" in page.locator(".lz-job").inner_text()
    href = page.get_by_role("link", name="下载").get_attribute("href")
    response = page.request.get(base + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    body = flat_text(pdf)
    assert "个人廉政档案" in body and person.name in body
    for number in numbers:
        assert number in body
    screenshot("person-file-generated", full_page=False)


def test_the_job_page_follows_a_generation_that_takes_its_time(
    live_server, page, screenshot, settings, tmp_path
):
    """What the requester sees while the worker runs: the bar moves as the job's row does,
    and when the job ends the page shows its download without a reload by hand."""
    from django.contrib.auth import get_user_model

    from lianzheng.models import CaseSubject, GenerationJob, JobKind, JobStage, JobState
    from lianzheng.services.job_runs import job_run
    from lianzheng.services.setup import setup_all

    settings.MEDIA_ROOT = str(tmp_path)
    passwords = setup_all(demo=True).demo_passwords
    base = live_server.url
    person = CaseSubject.objects.filter(case__state="closed").first().person
    office = get_user_model().objects.get(username="office")
    job = GenerationJob.objects.create(
        kind=JobKind.INTEGRITY_FILE,
        state=JobState.RUNNING,
        stage=JobStage.TYPESETTING,
        progress=30,
        requested_by=office,
        person=person,
    )
    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", passwords["office"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")

    page.goto(f"{base}/admin/lianzheng/jobs/{job.pk}/")
    bar = page.locator("progress[data-lz-job-progress]")
    assert bar.get_attribute("value") == "30" and "正在排版" in page.inner_text(".lz-job")
    GenerationJob.objects.filter(pk=job.pk).update(progress=70, stage=JobStage.STORING)
    expect(page.locator("[data-lz-job-percent]")).to_have_text("70%")
    expect(bar).to_have_attribute("value", "70")
    expect(page.locator("[data-lz-job-stage]")).to_have_text("正在保存")
    screenshot("job-running", full_page=False)

    GenerationJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    job_run(job.pk)
    page.get_by_role("link", name="下载").wait_for()
    assert "已完成" in page.inner_text(".lz-job")
    screenshot("job-done", full_page=False)

"""The integrity file of a demo person with several cases, in the admin and as PDF (第九条)."""

import re

import pytest

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

    page.get_by_role("button", name=re.compile("生成")).click()
    page.wait_for_load_state("networkidle")
    link = page.locator(".lz-files a").first
    href = link.get_attribute("href")
    response = page.request.get(base + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    body = flat_text(pdf)
    assert "个人廉政档案" in body and person.name in body
    for number in numbers:
        assert number in body
    screenshot("person-file-generated", full_page=False)

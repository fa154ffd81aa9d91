"""Accessibility of the public pages (issue 8, part 6): axe-core in a real browser finds no
serious or critical violation of WCAG 2.x A/AA (and its best practices) on the pages the public
and the subjects of talks read. The `axe` fixture (conftest.py) lists every violation found."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "a-long-test-password-for-feng"
REGULATION = "/regulations/lianzheng-yuetan-zhidu/"


@pytest.fixture
def site(live_server, settings, tmp_path):
    from django.core.cache import cache

    from lianzheng.services.setup import setup_all

    settings.MEDIA_ROOT = str(tmp_path)
    cache.clear()
    setup_all(demo=True)
    return live_server.url


def test_the_check_catches_what_a_screen_reader_would_miss(chromium, axe):
    """The check can fail: a picture without a text alternative and a nameless link."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="zh-hans"><head><title>t</title></head><body><main>'
        '<h1>约谈</h1><img src="data:,"><a href="/x"></a></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        axe(page, "broken")
    context.close()
    message = str(failure.value)
    assert "[critical] image-alt" in message and "at img" in message
    assert "[serious] link-name" in message


def test_the_server_error_page(page, axe):
    """templates/500.html stands alone (no template language, nothing that could fail again)."""
    from pathlib import Path

    from django.conf import settings

    page.set_content((Path(settings.BASE_DIR) / "templates" / "500.html").read_text("utf-8"))
    assert page.get_by_role("main").get_by_role("heading", level=1).is_visible()
    axe(page, "server-error")


def test_the_public_pages_in_chinese_and_english(site, page, axe):
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    axe(page, "home")

    page.goto(site + "/regulations/")
    assert page.get_by_role("link", name="阿坝州住房和城乡建设局廉政约谈制度（试行）").is_visible()
    axe(page, "regulation-index")

    page.goto(site + REGULATION)
    # The whole page: the issued text, the record beside each article and the workflow diagram.
    assert page.locator("aside.article-record").count() > 5
    diagram = page.get_by_role("img", name=re.compile("办理流程"))
    assert diagram.is_visible()
    # The rule codes beside the articles are links by their underline, not by colour alone.
    rule_link = page.locator("aside.article-record a.rule-ref").first
    assert rule_link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
    axe(page, "regulation")

    # Another year's figures, and an article opened by its anchor (highlighted by :target).
    page.select_option("#record-year", index=page.locator("#record-year option").count() - 1)
    page.get_by_role("button", name="查看数据").click()
    page.wait_for_url(re.compile(r"\?year=\d{4}$"))
    page.goto(page.url.split("#")[0] + "#article-6-3")
    axe(page, "regulation-year-and-target")

    page.goto(site + "/no-such-page/")
    axe(page, "not-found")

    # The same pages in English: the language switch, then lang="en" on the page.
    page.goto(site + REGULATION)
    page.locator("nav.language button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.get_by_role("heading", name="Contents").is_visible()
    axe(page, "regulation-en")
    page.goto(site + "/")
    axe(page, "home-en")


def test_a_subject_reads_his_own_integrity_file(site, page, axe):
    from django.contrib.auth import get_user_model

    from lianzheng.choices import DocumentKind
    from lianzheng.models import CaseSubject, GeneratedDocument
    from lianzheng.services.documents import document_generate

    # The demo's subject with two filed talks (one under rectification) gets a login.
    subject = CaseSubject.objects.get(case__state="rectifying", case__talk_type="warning")
    person = subject.person
    person.user = get_user_model().objects.create_user("subject-feng", password=PASSWORD)
    person._change_reason = "测试：关联登录 / test: linked login"
    person.save()
    office = get_user_model().objects.get(username="office")
    document_generate(user=office, kind=DocumentKind.NOTICE, case=subject.case, person=person)
    document_generate(user=office, kind=DocumentKind.INTEGRITY_FILE, person=person)

    page.goto(site + "/my/integrity-file/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.fill("input[name=username]", "subject-feng")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(site + "/my/integrity-file/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("个人廉政档案")
    assert subject.case.number in page.locator("main").inner_text()
    # The two made here and those the demo generated for him (its cases past the notice).
    own = GeneratedDocument.objects.filter(person=person, for_subject=True).count()
    assert own >= 2 and page.locator("main a[href*='/my/documents/']").count() == own
    axe(page, "my-integrity-file")

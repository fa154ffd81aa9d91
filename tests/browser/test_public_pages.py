"""A newcomer's first look, in a real browser: the published regulation and the admin sign-in."""

import re

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def site(live_server):
    from lianzheng.services.setup import setup_all

    report = setup_all(demo=True)
    return live_server.url, report.demo_passwords


def test_reader_opens_the_regulation_and_jumps_to_an_article(site, page, screenshot):
    base, _ = site
    page.goto(base + "/")
    page.get_by_role("link", name="阿坝州住房和城乡建设局廉政约谈制度（试行）").click()
    page.wait_for_url(re.compile(r"/regulations/"))
    assert page.locator(".document-number").first.inner_text() == "阿州住建党组〔2021〕81号"
    screenshot("regulation")

    page.locator("nav.toc").get_by_role("link", name=re.compile("第六条")).click()
    assert page.url.endswith("#article-6")
    assert page.locator("#article-6-2 p").count() == 5
    assert page.locator("#article-6").is_visible()

    page.emulate_media(media="print")
    assert not page.locator("nav.toc").is_visible()
    assert page.locator("#article-12").is_visible()
    screenshot("print", full_page=True)


def test_staff_sign_in_to_the_chinese_admin(site, page, screenshot):
    base, passwords = site
    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", passwords["editor"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")
    assert "控制面板" in page.title()
    screenshot("dashboard")

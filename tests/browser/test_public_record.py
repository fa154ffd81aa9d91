"""The regulation beside its record, in a real browser: the rules and figures beside each article,
the workflow diagram on the page and in the admin, and a printout without either."""

import re

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def site(live_server):
    from django.core.cache import cache

    from lianzheng.services.setup import setup_all

    cache.clear()
    report = setup_all(demo=True)
    return live_server.url, report.demo_passwords


def test_reader_sees_rules_and_figures_beside_the_articles(site, page, screenshot):
    base, _ = site
    page.goto(base + "/regulations/lianzheng-yuetan-zhidu/")
    record = page.locator("aside[aria-labelledby=record-6-heading]")
    assert record.get_by_role("heading", name="第六条的执行情况").is_visible()
    assert "R6.3" in record.inner_text()
    assert "至少提前3个工作日书面通知" in record.inner_text()
    # Beside the article: the record starts level with 第六条, to its right.
    article, aside = page.locator("#article-6").bounding_box(), record.bounding_box()
    assert aside["x"] > article["x"] + article["width"]
    assert abs(aside["y"] - article["y"]) < 60
    # The demo's thirteen cases: most figures are too small to publish.
    assert "涉及少于5例，不予公布" in record.inner_text()
    from lianzheng.models import TalkCase

    warnings = TalkCase.objects.filter(talk_type="warning").count()  # the demo's, this year
    assert warnings >= 5  # at or above the minimum count, so the figure is published
    kinds = page.locator("aside[aria-labelledby=record-4-heading] table")
    row = kinds.get_by_role("row", name=re.compile("警示约谈")).inner_text()
    assert row.split()[-1] == str(warnings)
    record.scroll_into_view_if_needed()
    screenshot("article-6")

    record.get_by_role("link", name="R6.3").click()
    assert page.url.endswith("#article-6-3")

    page.get_by_role("link", name="案件办理流程").first.click()
    diagram = page.get_by_role("img", name=re.compile("办理流程"))
    assert diagram.is_visible()
    assert (
        page.locator("svg .wf-edge").count()
        == page.locator("svg .wf-edge[data-transition]").count()
    )
    screenshot("workflow")

    page.emulate_media(media="print")
    assert not page.locator(".article-record").first.is_visible()
    assert not diagram.is_visible()
    assert page.locator("#article-12").is_visible()


def test_staff_open_the_diagram_from_the_integrity_talks_menu(site, page, screenshot):
    base, passwords = site
    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", passwords["office"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")
    page.get_by_role("button", name="廉政约谈").click()
    page.get_by_role("link", name="办理流程图").click()
    page.wait_for_url(re.compile(r"/talkcase/workflow/$"))
    assert page.get_by_role("img", name=re.compile("办理流程")).is_visible()
    assert page.get_by_role("table").get_by_role("row").count() > 10
    screenshot("admin")

"""The public regulation on a phone (390 px wide): names stay whole instead of standing one
character a line."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LINES = """el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size;
}"""


def test_names_stay_on_one_line_on_a_phone(live_server, chromium):
    from lianzheng.models import RegulationPage
    from lianzheng.services.setup import setup_all

    setup_all()
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + RegulationPage.objects.get().url)
        row = page.locator(".workflow-table tr[data-transition='reject_postponement']")
        # 「不同意延期」 and 「已通知」 stood as 不同/意延/期 and 已/通/知.
        assert row.locator("th").inner_text() == "不同意延期"
        assert row.locator("th").evaluate(LINES) == 1
        assert row.locator("td").nth(1).evaluate(LINES) == 1
        # The imprint: 「阿坝州住房和城乡建设局办公室」 broke before its last character.
        for half in page.locator(".imprint .printed span").all():
            assert half.evaluate(LINES) == 1
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390
        # The workflow figure keeps a readable size and scrolls within its frame.
        figure = page.locator(".workflow-canvas svg").bounding_box()
        assert figure["width"] >= 800
        assert page.locator(".workflow-hint").is_visible()
    finally:
        page.goto("about:blank")
        context.close()


def test_the_case_listing_is_a_list_of_cards_on_a_phone(live_server, chromium):
    """The office on a phone: each case a card with its values named, no sideways scrolling."""
    from lianzheng.services.setup import setup_all
    from tests.browser.test_reminders_dashboard import sign_in

    passwords = setup_all(demo=True).demo_passwords
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "office", passwords["office"])
        page.goto(live_server.url + "/admin/snippets/lianzheng/talkcase/")
        assert not page.locator("table.lz-case-cards thead").is_visible()
        card = page.locator("table.lz-case-cards tbody tr").first
        state = card.locator("td[data-label='状态']")
        assert state.is_visible()
        assert (
            page.evaluate("el => getComputedStyle(el, '::before').content", state.element_handle())
            == '"状态："'
        )
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        page.goto("about:blank")
        context.close()

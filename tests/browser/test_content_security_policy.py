"""The Content-Security-Policy is enforced and nothing the admin or the public pages do breaks it:
a real browser signs in, works a case, edits the regulation and reads the public pages while
every CSP violation (console report or ``securitypolicyviolation`` event) is collected."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects every violation in the page, from the first script on (before the page's own).
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
    `${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber} (${e.sample})`));
"""


@pytest.fixture
def watched(page):
    console = []
    page.add_init_script(COLLECT)
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )

    def violations() -> list[str]:
        """What was reported since the last call (the events of the page now shown)."""
        found = [*console, *page.evaluate("window.__csp.splice(0)")]
        console.clear()
        return found

    page.violations = violations
    return page


def visit(page, url, seen):
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    assert "content-security-policy" in response.all_headers(), url
    page.wait_for_load_state("networkidle")
    seen[url] = page.violations()


def test_admin_and_public_pages_work_under_the_policy(live_server, watched, screenshot):
    from lianzheng.choices import CaseState
    from lianzheng.models import RegulationPage, TalkCase
    from lianzheng.services.setup import setup_all

    passwords = setup_all(demo=True).demo_passwords
    regulation = RegulationPage.objects.get()
    case = TalkCase.objects.filter(state=CaseState.APPROVED).first()
    assert case is not None
    base = live_server.url
    page = watched
    seen: dict[str, list[str]] = {}

    visit(page, base + "/admin/login/", seen)
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", passwords["admin"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")
    page.wait_for_load_state("networkidle")
    seen["sign-in"] = page.violations()
    assert "控制面板" in page.title()

    cases = base + "/admin/snippets/lianzheng/talkcase/"
    visit(page, cases, seen)
    assert page.locator(".lz-number, table.listing").count() > 0

    visit(page, f"{cases}inspect/{case.pk}/", seen)
    assert page.locator(".lz-state").inner_text() == "已同意"

    # The notice form: Wagtail's date-time picker and the workday check must both start.
    visit(page, f"{cases}{case.pk}/transition/notify/", seen)
    page.locator("input[name=scheduled_at]").click()
    page.locator(".xdsoft_datetimepicker").first.wait_for(state="visible")
    page.locator("input[name=written_on]").dispatch_event("change")
    # A locator, not wait_for_function: its string predicate is eval'd, which our CSP forbids.
    page.locator("#lz-workday-check:not(:empty)").wait_for()
    seen["transition form in use"] = page.violations()
    screenshot("notice-form")

    # The page editor: change an article in the StreamField, add a paragraph, save a draft.
    visit(page, f"{base}/admin/pages/{regulation.pk}/edit/", seen)
    first = page.locator("textarea[name='body-0-value-paragraphs-0-value']")
    first.scroll_into_view_if_needed()
    first.fill(first.input_value() + "（CSP 测试修订）")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    seen["page editor in use"] = page.violations()
    regulation.refresh_from_db()
    draft = regulation.get_latest_revision_as_object()
    assert "（CSP 测试修订）" in draft.body[0].value["paragraphs"][0]
    screenshot("page-editor")

    for url in ("/", regulation.get_parent().url, regulation.url):
        visit(page, base + url, seen)
    assert page.locator(".document-number").first.inner_text() == "阿州住建党组〔2021〕81号"

    broken = {where: found for where, found in seen.items() if found}
    assert broken == {}, "\n".join(f"{where}: {found}" for where, found in broken.items())

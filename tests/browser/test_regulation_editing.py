"""An editor revises the regulation in the admin: a draft leaves the public page alone, publishing
changes it, and the articles survive the round trip through the edit form word for word."""

import pytest

from lianzheng.regulation import SEED_PATH, normalized_lines, regulation_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username, password):
    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")


def test_editor_saves_a_draft_then_publishes(live_server, page, screenshot):
    from lianzheng.models import RegulationPage
    from lianzheng.services.setup import setup_all

    passwords = setup_all(demo=True).demo_passwords
    regulation = RegulationPage.objects.get()
    base = live_server.url
    sign_in(page, base, "editor", passwords["editor"])

    page.goto(f"{base}/admin/pages/{regulation.pk}/edit/")
    page.fill("textarea[name=cc_list]", "省纪委监委驻省住建厅纪检监察组；州纪委监委（修订稿）。")
    screenshot("edit-form", full_page=False)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    assert "已保存" in page.content() or "草稿" in page.content()

    regulation.refresh_from_db()
    assert regulation.has_unpublished_changes
    assert regulation.cc_list.startswith("省纪委监委驻省住建厅纪检监察组；州纪委监委；")
    draft = regulation.get_latest_revision_as_object()
    assert draft.cc_list.endswith("（修订稿）。")
    # Everything but the changed 抄送 line came back from the form exactly as issued.
    seed = [line for line in normalized_lines(SEED_PATH.read_text()) if not line.startswith("抄送")]
    assert [
        line for line in regulation_lines(draft.as_regulation()) if not line.startswith("抄送")
    ] == seed

    public = page.context.new_page()
    public.goto(base + regulation.url)
    assert "（修订稿）" not in public.content()

    page.locator("footer .dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state("networkidle")
    regulation.refresh_from_db()
    assert not regulation.has_unpublished_changes
    public.reload()
    assert "（修订稿）" in public.content()
    assert regulation.revisions.count() == 3  # set-up, draft, published

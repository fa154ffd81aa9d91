"""A warning talk from start to finish in a real browser, as the office and the principal head
work it in the Wagtail admin; screenshots of each step go to test-artifacts/."""

import re

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"  # tests/factories.py


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")


def choose_person(page, field, name):
    """Wagtail's snippet chooser: open the modal, search, pick."""
    page.locator(f"#id_{field}-chooser .chooser__choose-button").click()
    modal = page.locator(".modal-content").last
    modal.wait_for(state="visible")
    modal.locator("input[name=q]").fill(name)
    modal.get_by_role("link", name=re.compile(name)).first.click()
    page.locator(f"#id_{field}-chooser.blank").wait_for(state="detached")


def act(page, label):
    page.locator(".lz-action-list").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("networkidle")


def submit_form(page, label):
    page.locator("form#w-editor-form button[type=submit]", has_text=label).click()
    page.wait_for_load_state("networkidle")


def state_of(page) -> str:
    return page.locator(".lz-state").inner_text()


def test_a_warning_talk_from_draft_to_closed(live_server, page, screenshot):
    from lianzheng.choices import CaseState
    from lianzheng.selectors.calendar import load_calendar
    from lianzheng.services.setup import setup_all
    from tests.workflow_helpers import advance, build_cast, new_case

    setup_all()
    cast = build_cast()
    base = live_server.url

    # The office opens a warning-talk case for 冯科员.
    sign_in(page, base, "clerk")
    page.goto(base + "/admin/snippets/lianzheng/talkcase/add/")
    page.select_option("select[name=talk_type]", "warning")
    # The 约谈主体 is the leader who proposed it (R6.1), not the clerk typing it in.
    page.select_option("select[name=proposed_by]", str(cast.deputy_discipline.pk))
    choose_person(page, "subject", "冯科员")
    page.fill("textarea[name=purpose]", "提醒约谈对象认真整改工作拖延问题。")
    page.fill("textarea[name=problems]", "办理群众申请拖延推诿。")
    page.get_by_label(re.compile("工作推诿、扯皮")).check()
    page.fill("textarea[name=preparation_note]", "谈话提纲：通报情况、听取说明、提出要求。")
    screenshot("1-new-case")
    submit_form(page, "立案")
    assert "已立案" in page.content()
    case_url = page.url
    # A draft takes no number yet ("Case numbers" in rules.md): it is taken at submission.
    assert page.locator(".lz-number").inner_text() == "未编号草稿"

    # Participants as 第六条（二） asks, then submit for consent.
    page.get_by_role("link", name="采用以上人员").click()
    submit_form(page, "保存")
    act(page, "提交审批")
    submit_form(page, "提交审批")
    assert state_of(page) == "待审批"
    assert page.locator(".lz-number").inner_text().startswith("阿州住建廉约〔")
    screenshot("2-submitted")

    # The principal head consents.
    sign_in(page, base, "principal")
    page.goto(case_url)
    act(page, "同意")
    page.fill("textarea[name=comment]", "同意约谈。")
    submit_form(page, "同意")
    assert state_of(page) == "已同意"

    # The office notifies too early: the R6.3 refusal shows next to the time.
    sign_in(page, base, "clerk")
    page.goto(case_url)
    act(page, "书面通知")
    calendar = load_calendar()
    too_soon = calendar.add_working_days(timezone.localdate(), 1)
    page.fill("input[name=scheduled_at]", f"{too_soon:%Y-%m-%d} 10:00")
    page.fill("input[name=place]", "局三楼会议室")
    page.fill("textarea[name=content]", "请按时参加警示约谈。")
    page.locator("input[name=written_on]").dispatch_event("change")
    # A locator, not wait_for_function: its string predicate is eval'd, which our CSP forbids.
    page.locator("#lz-workday-check:not(:empty)").wait_for()
    assert "不足" in page.locator("#lz-workday-check").inner_text()
    submit_form(page, "书面通知")
    error = page.locator(".w-field__errors, .error-message").first.inner_text()
    assert "第六条第（三）项" in error and "R6.3" in error
    screenshot("3-notice-refused", full_page=True)

    in_time = calendar.add_working_days(timezone.localdate(), 4)
    page.fill("input[name=scheduled_at]", f"{in_time:%Y-%m-%d} 10:00")
    submit_form(page, "书面通知")
    assert state_of(page) == "已通知"
    screenshot("4-notified")

    # Its talk is days ahead, and a talk is recorded only once held, at its notified time
    # (R6.5): the office goes on with the same kind of case whose talk was held two working
    # days ago, and the form offers that time.
    held = advance(cast, new_case(cast), CaseState.NOTIFIED, past=True)
    case_url = f"{base}/admin/snippets/lianzheng/talkcase/inspect/{held.pk}/"
    page.goto(case_url)
    act(page, "登记谈话记录")
    notified = timezone.localtime(held.scheduled_at).strftime("%Y-%m-%d %H:%M")
    assert page.locator("input[name=held_at]").input_value() == notified
    pid = cast.staff.pk
    page.get_by_label(re.compile("赵副局长")).first.check()
    page.get_by_label(re.compile("孙主任")).first.check()
    page.fill(f"textarea[name=record_text_{pid}]", "谈话人指出存在的问题，约谈对象作了说明。")
    page.fill(f"textarea[name=statement_{pid}]", "本人对拖延问题认识不足。")
    page.fill(f"textarea[name=explanation_{pid}]", "原因在于责任心不强。")
    page.fill(f"textarea[name=measures_{pid}]", "建立台账，限时办结。")
    screenshot("5-record", full_page=True)
    submit_form(page, "登记谈话记录")
    assert state_of(page) == "已约谈"

    # Rectification: added, checked by the office, and the case closes.
    act(page, "提出整改要求")
    deadline = timezone.localdate() + timezone.timedelta(days=20)
    page.fill("textarea[name=description_1]", "建立办件台账并公开办理时限")
    page.fill("input[name=deadline_1]", f"{deadline:%Y-%m-%d}")
    page.fill("input[name=responsible_1]", "冯科员")
    submit_form(page, "提出整改要求")
    assert state_of(page) == "整改中"
    page.get_by_role("link", name="登记检查").click()
    page.select_option("select[name=result]", "verified")
    page.fill("textarea[name=finding]", "台账已建立，时限已公开。")
    submit_form(page, "保存")
    act(page, "办结归档")
    submit_form(page, "办结归档")
    assert state_of(page) == "已办结"
    screenshot("6-closed", full_page=True)
    timeline = page.locator(".lz-timeline").inner_text()
    for step in (
        "草稿 → 待审批",
        "待审批 → 已同意",
        "已同意 → 已通知",
        "已通知 → 已约谈",
        "已约谈 → 整改中",
        "整改中 → 已办结",
    ):
        assert step in timeline

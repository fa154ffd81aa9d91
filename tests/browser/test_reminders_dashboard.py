"""Reminders as the people concerned meet them in a real browser: the dashboard's "发给我的提醒"
after a sweep, and a notice's talk taken into a calendar as an .ics file (第六条, 第八条)."""

import re
from zoneinfo import ZoneInfo

import pytest

from lianzheng.dates import zh_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    from lianzheng.services.setup import setup_all

    return live_server.url, setup_all(demo=True).demo_passwords


def sign_in(page, base, username, password):
    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")


def test_the_principal_head_finds_the_case_awaiting_his_consent_under_my_reminders(
    demo, page, screenshot
):
    from django.contrib.auth import get_user_model

    from lianzheng.models import Reminder, TalkCase
    from lianzheng.tasks import sweep

    base, passwords = demo
    sweep()
    principal = get_user_model().objects.get(username="principal")
    awaiting = TalkCase.objects.get(state="submitted")
    sent = Reminder.objects.sent().filter(recipient_user_id=principal.pk)
    assert sent.filter(kind="consent_awaited", case=awaiting).count() == 1

    sign_in(page, base, "principal", passwords["principal"])
    panel = page.locator("section.lz-panel", has=page.get_by_role("heading", name="发给我的提醒"))
    assert panel.get_by_role("heading").inner_text() == f"发给我的提醒（{sent.count()}）"
    row = panel.get_by_role("row", name=re.compile(re.escape(awaiting.number)))
    assert "待审批" in row.inner_text()
    consent = sent.get(kind="consent_awaited", case=awaiting)
    assert zh_day(consent.event_on) in row.inner_text()  # 2026年12月5日 (#17)
    screenshot("my-reminders")

    row.get_by_role("link", name=awaiting.number).click()
    page.wait_for_url(re.compile(rf"/talkcase/inspect/{awaiting.pk}/$"))
    assert page.locator(".lz-number").inner_text() == awaiting.number


def test_the_office_downloads_the_talk_of_a_notice_as_a_calendar_entry(demo, page):
    from lianzheng.models import Notice

    base, passwords = demo
    notice = (
        Notice.objects.filter(case__state="notified", superseded=False)
        .select_related("case")
        .order_by("pk")
        .first()
    )
    sign_in(page, base, "office", passwords["office"])
    page.goto(f"{base}/admin/snippets/lianzheng/talkcase/inspect/{notice.case_id}/")
    link = page.locator(f"a[data-ics='{notice.pk}']")
    assert link.inner_text() == "加入日历（.ics）"
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"talk-{notice.case_id}-{notice.pk}.ics"
    with open(download.path(), encoding="utf-8", newline="") as f:
        ics = f.read()

    # A calendar with one event: the talk's time (Beijing time, its own time zone) and place.
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    unfolded = ics.replace("\r\n ", "")
    start = notice.scheduled_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"DTSTART;TZID=Asia/Shanghai:{start:%Y%m%dT%H%M%S}\r\n" in unfolded
    assert f"LOCATION:{notice.place}\r\n" in unfolded
    assert notice.place == "局机关三楼会议室"
    assert f"SUMMARY:廉政约谈（{notice.case.number}）\r\n" in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 1
    assert notice.case.purpose not in unfolded  # why the talk is held stays out of calendars

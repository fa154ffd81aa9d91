"""Entering next year's calendar from the State Council's notice (issue 18, item 3): paste, see
the year, confirm; overrides and the year entered, in history; errors name the line and save
nothing; the dashboard warns from 1 November while next year is missing."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from lianzheng.models import CalendarOverride, CalendarYear
from lianzheng.selectors.calendar import load_calendar, next_year_missing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

URL = "wagtailsnippets_lianzheng_calendaryear:import"
NOTICES = Path(__file__).parent.parent / "data" / "holiday_notices"
# A notice in the published wording, for a year chinese_calendar does not know. (Constructed
# for the test: the real 2027 notice's dates are not assumed here.)
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2027年元旦、春节等节假日放假调休日期的具体安排通知如下。

一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至12日（周五）放假调休，共8天。1月31日（周日）、2月20日（周六）上班。
三、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def test_the_editor_sees_the_year_then_confirms_it_and_it_is_kept_with_history(client, login_as):
    editor = login_as("editor")
    listing = client.get(reverse("wagtailsnippets_lianzheng_calendaryear:list"))
    assert reverse(URL) in listing.content.decode()
    form = client.get(reverse(URL))
    assert form.status_code == 200 and "读取通知" in form.content.decode()

    preview = client.post(reverse(URL), {"text": NOTICE_2027, "preview": "1"})
    page = preview.content.decode()
    assert "从通知读出的2027年日历" in page and "放假18天，调休上班4天" in page
    assert 'class="lz-day lz-day--off" data-date="2027-02-08" title="春节"' in page
    assert 'class="lz-day lz-day--work" data-date="2027-01-31" title="春节调休上班"' in page
    assert 'class="lz-day lz-day--weekend" data-date="2027-03-06"' in page
    assert "确认并保存2027年日历" in page
    assert not CalendarOverride.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()

    done = client.post(reverse(URL), {"text": NOTICE_2027, "confirm": "1"}, follow=True)
    assert (
        "2027年节假日安排已录入：新增22天，修改0天，0天不在通知中，恢复为平常日。"
        in done.content.decode()
    )
    year = CalendarYear.objects.get(year=2027)
    assert year.source == "国务院办公厅关于2027年部分节假日安排的通知"
    calendar = load_calendar()
    assert calendar.missing_years(date(2027, 6, 1)) == []
    assert not calendar.is_working_day(date(2027, 2, 8))  # a Monday of the Spring Festival
    assert calendar.is_working_day(date(2027, 2, 20))  # a Saturday worked
    assert calendar.is_working_day(date(2027, 3, 1))  # an ordinary Monday
    row = CalendarOverride.objects.get(date=date(2027, 10, 9))
    (history,) = row.history.all()
    assert history.history_user_id == editor.pk
    assert history.history_change_reason == "据《国务院办公厅关于2027年部分节假日安排的通知》录入"
    assert year.history.get().history_user_id == editor.pk


def test_a_hand_typed_day_the_notice_does_not_name_becomes_an_ordinary_day(client, login_as):
    login_as("editor")
    CalendarOverride.objects.create(date=date(2027, 5, 3), working=False, note="手工录入")
    preview = client.post(reverse(URL), {"text": NOTICE_2027, "preview": "1"})
    page = preview.content.decode()
    assert "确认后恢复为平常日" in page and "2027年5月3日 放假 手工录入" in page
    client.post(reverse(URL), {"text": NOTICE_2027, "confirm": "1"})
    row = CalendarOverride.objects.get(date=date(2027, 5, 3))
    assert row.working and row.note == "通知未列，按平常日"
    assert [h.note for h in row.history.order_by("history_id")] == ["手工录入", row.note]
    assert load_calendar().is_working_day(date(2027, 5, 3))


@pytest.mark.parametrize("action", ["preview", "confirm"])
def test_a_malformed_notice_names_the_line_and_saves_nothing(client, login_as, action):
    login_as("editor")
    text = NOTICE_2027.replace("2月5日（农历除夕、周五）至12日", "2月5日至2月31日")
    response = client.post(reverse(URL), {"text": text, action: "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "第7行（二、春节）：没有2027年2月31日这一天" in page
    assert not CalendarOverride.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize("action", ["preview", "confirm"])
def test_a_date_listed_both_off_and_worked_is_refused_and_nothing_is_saved(
    client, login_as, action
):
    """The walkthrough's notice: a 上班 day that is also a day off was once accepted, the preview
    counting both and the save keeping one. The pasted text comes back with both lines named."""
    login_as("editor")
    text = NOTICE_2027.replace("10月9日（周六）上班", "2月12日（周五）上班")
    response = client.post(reverse(URL), {"text": text, action: "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "第7行（二、春节）与第8行（三、国庆节）：2月12日既列为放假又列为上班，请核对通知原文"
        in page
    )
    assert response.context["form"]["text"].value() == text
    assert escape(text) in page  # in the textarea, to be corrected
    assert "确认并保存2027年日历" not in page
    assert not CalendarOverride.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_counts_the_preview_shows_are_the_days_saved(client, login_as):
    """A published notice, with a day of the year before (2022-12-31 in 2023's 元旦)."""
    login_as("editor")
    text = (NOTICES / "2023.txt").read_text(encoding="utf-8")
    span = {"date__gte": date(2022, 12, 1), "date__lte": date(2023, 12, 31)}
    assert not CalendarOverride.objects.filter(**span).exists()
    page = client.post(reverse(URL), {"text": text, "preview": "1"}).content.decode()
    off, work = map(int, re.search(r"放假(\d+)天，调休上班(\d+)天", page).groups())
    # the year's months show every day off but 2022-12-31
    assert page.count('<td class="lz-day lz-day--off"') == off - 1
    assert page.count('<td class="lz-day lz-day--work"') == work
    client.post(reverse(URL), {"text": text, "confirm": "1"})
    saved = CalendarOverride.objects.filter(**span)
    assert saved.count() == off + work
    assert saved.filter(working=False).count() == off
    assert saved.filter(working=True).count() == work
    assert saved.filter(date=date(2022, 12, 31), working=False).exists()


def test_only_the_calendars_keepers_may_enter_it(client, login_as):
    login_as("office")
    listing = client.get(reverse("wagtailsnippets_lianzheng_calendaryear:list"))
    assert listing.status_code == 200 and reverse(URL) not in listing.content.decode()
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(URL), {"text": NOTICE_2027, "confirm": "1"}).status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_from_november_the_dashboard_warns_while_next_year_is_missing(client, login_as):
    assert next_year_missing(date(2026, 10, 31)) is None
    assert next_year_missing(date(2026, 11, 1)) == 2027
    assert next_year_missing(date(2025, 11, 1)) is None  # chinese_calendar knows 2026

    login_as("editor")
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "2027年节假日安排尚未录入" in page and reverse(URL) in page
    login_as("office")
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "2027年节假日安排尚未录入" in page and reverse(URL) not in page

    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    assert (
        "2027年节假日安排尚未录入" not in client.get(reverse("wagtailadmin_home")).content.decode()
    )

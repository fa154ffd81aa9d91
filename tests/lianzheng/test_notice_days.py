"""R6.3's number of working days is kept in one place, its rule (``rules.table.NOTICE``): change
it there and the check, the case page's countdown, the dashboard's notices due, the reminders and
the public figures all follow."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.utils import timezone

from lianzheng.choices import CaseState, ReminderKind
from lianzheng.dates import zh_day
from lianzheng.models import Notice, RegulationPage, TalkCase
from lianzheng.refusals import TransitionRefused
from lianzheng.rules.table import NOTICE
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.public import count_year
from lianzheng.selectors.reminders import case_events
from lianzheng.selectors.worklists import notices_due
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import case_in

pytestmark = pytest.mark.django_db


def four_working_days_ahead():
    day = load_calendar().add_working_days(timezone.localdate(), 4)
    return timezone.make_aware(datetime.combine(day, time(10)))


@pytest.fixture
def five_days(monkeypatch):
    """The regulation amended to five working days, in its one place."""
    monkeypatch.setattr(NOTICE, "working_days", 5)


def approved_four_days_ahead(cast):
    case = case_in(cast, CaseState.APPROVED)
    TalkCase.objects.filter(pk=case.pk).update(scheduled_at=four_working_days_ahead())
    case.refresh_from_db()
    return case


def test_with_three_days_a_talk_four_working_days_ahead_is_in_time(cast):
    case = approved_four_days_ahead(cast)
    assert list(notices_due()) == []
    assert not [e for e in case_events(case, calendar=load_calendar(), now=timezone.now())]
    notified = case_transition(
        case=case,
        transition="notify",
        user=cast.clerk.user,
        scheduled_at=case.scheduled_at,
        place="局三楼会议室",
        content="请按时参加。",
    )
    assert notified.state == CaseState.NOTIFIED


def test_with_five_days_everything_follows(cast, client, five_days):
    case = approved_four_days_ahead(cast)
    calendar = load_calendar()
    talk_day = timezone.localtime(case.scheduled_at).date()
    last_day = calendar.last_working_day_for_notice(talk_day, 5)
    assert last_day < timezone.localdate()

    # The check: the notice is refused, citing five days.
    with pytest.raises(TransitionRefused) as refused:
        case_transition(
            case=case,
            transition="notify",
            user=cast.clerk.user,
            scheduled_at=case.scheduled_at,
            place="局三楼会议室",
            content="请按时参加。",
        )
    assert refused.value.codes == ["R6.3"] and "至少提前5个工作日" in str(refused.value)

    # The case page's countdown: the notice was due five working days before the talk.
    client.force_login(cast.clerk.user)
    page = client.get(f"/admin/snippets/lianzheng/talkcase/inspect/{case.pk}/").content.decode()
    assert zh_day(last_day) in page

    # The dashboard's notices due: listed, late, under a heading that says five days.
    (due_case,) = notices_due()
    assert due_case.pk == case.pk
    home = " ".join(client.get("/admin/").content.decode().split())
    panel = home[home.index("今日须发出的书面通知（保证提前5个工作日）") :][:600]
    assert case.number in panel and zh_day(last_day) in panel and "已无法按期通知" in panel

    # The reminders: the office is reminded that the notice is due.
    kinds = [e.kind for e in case_events(case, calendar=calendar, now=timezone.now())]
    assert kinds == [ReminderKind.NOTICE_DUE]


def test_the_public_figures_count_in_time_by_the_rules_days(cast, monkeypatch):
    """A notice given three working days ahead is in time under three days, not under five."""
    case = case_in(cast, CaseState.HELD)  # notified on the last day its notice could go out
    notice = Notice.objects.get(case=case)
    days = NOTICE.days_ahead(
        load_calendar(), notice.written_on, timezone.localtime(notice.scheduled_at).date()
    )
    assert days == 3
    page = RegulationPage.objects.get()
    assert count_year(page.pk, case.year).notices_in_time == 1
    monkeypatch.setattr(NOTICE, "working_days", 5)
    assert count_year(page.pk, case.year).notices_in_time == 0

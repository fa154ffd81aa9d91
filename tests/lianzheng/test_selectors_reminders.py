"""Which reminders are due when: each kind over working days, with the 2026 Mid-Autumn and
National Day holidays (25–27 Sep, 1–7 Oct) and the adjusted working Saturday 10 Oct between.

A Monday-to-Friday count would get every one of these wrong, which is the point of the
calendar (第六条（三）: 工作日)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from lianzheng.choices import CaseState, ReminderKind
from lianzheng.models import RectificationItem, TalkCase
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.reminders import (
    case_events,
    due_events,
    recipients,
    working_day_after,
    working_day_before,
)
from lianzheng.selectors.timeline import case_timeline
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def kinds(now: datetime) -> list[tuple[str, int]]:
    return sorted((e.kind, e.case_id) for e in due_events(now=now))


def move_talk(case: TalkCase, when: datetime) -> TalkCase:
    """Put the case's talk (and its notices) at ``when``, as if it had been set so."""
    TalkCase.objects.filter(pk=case.pk).update(scheduled_at=when)
    for notice in case.notices.filter(superseded=False):
        notice.scheduled_at = when
        notice.save()
    return TalkCase.objects.get(pk=case.pk)


def test_working_days_around_the_national_day_holiday():
    calendar = load_calendar()
    assert working_day_before(calendar, date(2026, 10, 8)) == date(2026, 9, 30)
    assert working_day_before(calendar, date(2026, 10, 12)) == date(2026, 10, 10)  # 调休 Saturday
    assert working_day_after(calendar, date(2026, 9, 30)) == date(2026, 10, 8)
    assert working_day_after(calendar, date(2026, 11, 27)) == date(2026, 11, 30)


class TestConsentAwaited:
    def test_due_as_soon_as_submitted_and_over_once_consented(self, cast):
        case = advance(cast, new_case(cast), CaseState.SUBMITTED)
        (event,) = due_events(now=timezone.now())
        assert (event.kind, event.case_id) == (ReminderKind.CONSENT_AWAITED, case.pk)
        assert [u.username for u in recipients(event)] == ["principal"]
        advance(cast, case, CaseState.APPROVED)
        assert due_events(now=timezone.now()) == []

    def test_a_second_submission_is_a_new_event(self, cast):
        from lianzheng.services.workflow import case_transition

        case = advance(cast, new_case(cast), CaseState.SUBMITTED)
        (first,) = due_events(now=timezone.now())
        case = case_transition(
            case=case, transition="decline", user=cast.principal.user, reason="材料不全。"
        )
        case = case_transition(case=case, transition="revise", user=cast.clerk.user)
        advance(cast, case, CaseState.SUBMITTED)
        (second,) = due_events(now=timezone.now())
        assert first.key != second.key


class TestNoticeDue:
    """A talk on Friday 9 Oct: three working days back are 9 Oct, 8 Oct and 30 Sep, so the
    notice must go out on Tuesday 29 Sep at the latest (Mon–Fri would say Tuesday 6 Oct, a
    holiday)."""

    def test_due_on_the_last_working_day_before_the_holiday(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        move_talk(case, at(date(2026, 10, 9), 10))
        assert kinds(at(date(2026, 9, 28))) == []
        assert kinds(at(date(2026, 9, 29))) == [(ReminderKind.NOTICE_DUE, case.pk)]
        # Late, during the holiday: still due (the office must act or approve a shorter notice).
        assert kinds(at(date(2026, 10, 3))) == [(ReminderKind.NOTICE_DUE, case.pk)]
        (event,) = due_events(now=at(date(2026, 9, 29)))
        assert event.due_on == date(2026, 9, 29)
        assert {u.username for u in recipients(event)} == {"clerk", "office_head"}

    def test_over_once_the_talk_time_has_passed(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        move_talk(case, at(date(2026, 10, 9), 10))
        assert kinds(at(date(2026, 10, 9), 11)) == []

    def test_a_new_talk_time_is_a_new_event(self, cast):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        case = move_talk(case, at(date(2026, 10, 9), 10))
        (first,) = due_events(now=at(date(2026, 9, 29)))
        case = move_talk(case, at(date(2026, 10, 9), 15))
        (second,) = due_events(now=at(date(2026, 9, 29)))
        assert first.key != second.key


class TestTalkTomorrow:
    """The talk is announced on the last working day before it: "tomorrow" is the next
    working day."""

    def test_a_monday_talk_is_announced_on_friday(self, cast):
        case = move_talk(advance(cast, new_case(cast), CaseState.NOTIFIED), at(date(2026, 11, 30)))
        assert kinds(at(date(2026, 11, 26))) == []
        assert kinds(at(date(2026, 11, 27))) == [(ReminderKind.TALK_TOMORROW, case.pk)]
        # A sweep missed on Friday catches up over the weekend, not on the day of the talk.
        assert kinds(at(date(2026, 11, 29))) == [(ReminderKind.TALK_TOMORROW, case.pk)]
        assert kinds(at(date(2026, 11, 30), 8)) == []

    def test_after_the_holiday_on_the_last_working_day_before_it(self, cast):
        case = move_talk(advance(cast, new_case(cast), CaseState.NOTIFIED), at(date(2026, 10, 8)))
        assert kinds(at(date(2026, 9, 29))) == []
        assert kinds(at(date(2026, 9, 30))) == [(ReminderKind.TALK_TOMORROW, case.pk)]

    def test_the_adjusted_working_saturday_counts(self, cast):
        case = move_talk(advance(cast, new_case(cast), CaseState.NOTIFIED), at(date(2026, 10, 12)))
        assert kinds(at(date(2026, 10, 9))) == []
        assert kinds(at(date(2026, 10, 10))) == [(ReminderKind.TALK_TOMORROW, case.pk)]

    def test_the_subject_with_a_login_and_the_interviewers_are_reminded(self, cast):
        from tests.factories import UserFactory

        cast.staff.user = UserFactory(username="staff")
        cast.staff.save()
        case = move_talk(advance(cast, new_case(cast), CaseState.NOTIFIED), at(date(2026, 11, 30)))
        (event,) = case_events(case, calendar=load_calendar(), now=at(date(2026, 11, 27)))
        assert event.notice_id == case.notices.get(superseded=False).pk
        assert {u.username for u in recipients(event)} == {
            "staff",
            "dd",
            "office_head",
            "discipline",
        }

    def test_each_subject_of_a_collective_talk_has_an_event_the_interviewers_one(self, cast):
        from tests.factories import UserFactory

        cast.staff2.user = UserFactory(username="staff2")
        cast.staff2.save()
        case = new_case(cast, subjects=[cast.staff, cast.staff2])
        case = move_talk(advance(cast, case, CaseState.NOTIFIED), at(date(2026, 11, 30)))
        first, second = case_events(case, calendar=load_calendar(), now=at(date(2026, 11, 27)))
        assert first.key != second.key
        assert {u.username for u in recipients(first)} == {"dd", "office_head", "discipline"}
        assert {u.username for u in recipients(second)} == {"staff2"}

    def test_a_rescheduled_talk_is_a_new_event(self, cast):
        from lianzheng.services.workflow import case_transition
        from tests.workflow_helpers import talk_time

        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        first_notice = case.notices.get(superseded=False)
        office, lead = cast.clerk.user, cast.deputy_discipline.user
        case = case_transition(
            case=case, transition="request_postponement", user=office, application="出差。"
        )
        case = case_transition(
            case=case, transition="approve_postponement", user=lead, new_scheduled_at=talk_time(6)
        )
        case = case_transition(
            case=case,
            transition="notify",
            user=office,
            scheduled_at=talk_time(6),
            place="局三楼会议室",
            content="请按时参加廉政约谈。",
        )
        second_notice = case.notices.get(superseded=False)
        assert second_notice.pk != first_notice.pk
        day = timezone.localdate(second_notice.scheduled_at)
        now = at(working_day_before(load_calendar(), day))
        (event,) = case_events(case, calendar=load_calendar(), now=now)
        assert event.notice_id == second_notice.pk
        assert str(first_notice.pk) not in event.key.split("@")[0]


class TestRectification:
    def rectifying(self, cast, deadline: date) -> TalkCase:
        case = advance(cast, new_case(cast), CaseState.RECTIFYING)
        RectificationItem.objects.filter(case=case).update(deadline=deadline)
        return case

    def test_near_three_working_days_before_across_the_holiday(self, cast):
        """Deadline Friday 9 Oct: three working days before is Tuesday 29 Sep."""
        case = self.rectifying(cast, date(2026, 10, 9))
        assert kinds(at(date(2026, 9, 28))) == []
        assert kinds(at(date(2026, 9, 29))) == [(ReminderKind.RECTIFICATION_NEAR, case.pk)]
        assert kinds(at(date(2026, 10, 9))) == [(ReminderKind.RECTIFICATION_NEAR, case.pk)]

    def test_near_follows_the_setting(self, cast, settings):
        settings.LIANZHENG_REMINDER_NEAR_DAYS = 1
        case = self.rectifying(cast, date(2026, 10, 9))
        assert kinds(at(date(2026, 9, 30))) == []
        assert kinds(at(date(2026, 10, 8))) == [(ReminderKind.RECTIFICATION_NEAR, case.pk)]

    def test_overdue_on_the_first_working_day_after_the_deadline(self, cast):
        """Deadline Wednesday 30 Sep: overdue is told on Thursday 8 Oct, not in the holiday."""
        case = self.rectifying(cast, date(2026, 9, 30))
        assert kinds(at(date(2026, 10, 3))) == []
        assert kinds(at(date(2026, 10, 8))) == [(ReminderKind.RECTIFICATION_OVERDUE, case.pk)]
        (event,) = due_events(now=at(date(2026, 10, 8)))
        assert event.event_on == date(2026, 9, 30)

    def test_a_verified_item_is_no_longer_reminded(self, cast):
        case = self.rectifying(cast, date(2026, 9, 30))
        RectificationItem.objects.filter(case=case).update(status="verified")
        assert kinds(at(date(2026, 10, 8))) == []

    def test_the_office_and_the_responsible_subject_are_reminded(self, cast):
        from tests.factories import UserFactory

        cast.staff.user = UserFactory(username="staff")
        cast.staff.save()
        self.rectifying(cast, date(2026, 9, 30))
        (event,) = due_events(now=at(date(2026, 10, 8)))
        assert {u.username for u in recipients(event)} == {"clerk", "office_head", "staff"}

    def test_a_deadline_moved_is_a_new_event(self, cast):
        case = self.rectifying(cast, date(2026, 9, 30))
        (first,) = due_events(now=at(date(2026, 10, 8)))
        RectificationItem.objects.filter(case=case).update(deadline=date(2026, 10, 7))
        (second,) = due_events(now=at(date(2026, 10, 8)))
        assert first.key != second.key


def test_the_timeline_lists_the_reminders_sent(cast):
    from django.core import mail

    from lianzheng.tasks import sweep

    cast.principal.user.email = "principal@example.gov.cn"
    cast.principal.user.save()
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    sweep()
    (entry,) = [e for e in case_timeline(case) if e.kind == "reminder"]
    assert entry.title == "提醒：待审批 → 王局长"  # one language (#17)
    assert entry.articles == ("R6.1",)
    assert entry.reason == "邮件及首页"
    assert len(mail.outbox) == 1

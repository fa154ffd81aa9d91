"""Reads that users see: the calendar with editors' overrides and its missing-year warning,
and who the acting user is."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from lianzheng.choices import CaseState, Role
from lianzheng.models import CalendarOverride, CalendarYear, RoleAssignment, TalkCase
from lianzheng.refusals import TransitionRefused
from lianzheng.selectors.calendar import calendar_warnings, load_calendar
from lianzheng.selectors.facts import actor_facts, regulation_in_force
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import advance, new_case, talk_time

pytestmark = pytest.mark.django_db


def test_overrides_entered_by_editors_change_working_days():
    CalendarOverride.objects.create(date=date(2027, 10, 1), working=False, note="国庆节")
    CalendarOverride.objects.create(date=date(2027, 10, 9), working=True, note="调休上班")
    calendar = load_calendar()
    assert not calendar.is_working_day(date(2027, 10, 1))
    assert calendar.is_working_day(date(2027, 10, 9))  # a Saturday
    assert calendar.status(date(2027, 10, 1)).note == "国庆节"


def test_a_case_in_an_uncovered_year_carries_a_visible_warning(cast):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    assert calendar_warnings(case) == []
    talk = timezone.make_aware(datetime.combine(date(2027, 3, 3), time(10)))
    TalkCase.objects.filter(pk=case.pk).update(scheduled_at=talk)
    case.refresh_from_db()
    (warning,) = calendar_warnings(case)
    assert "2027年官方节假日安排尚未录入" in warning and "2027" in warning
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知（演示）")
    assert calendar_warnings(case) == []


def test_the_regulation_in_force_is_the_live_one(profile):
    page = regulation_in_force()
    assert page.document_number == "阿州住建党组〔2021〕81号"
    assert regulation_in_force(date(2021, 10, 18)) is None


def notify_on(cast, case, scheduled_at):
    return case_transition(
        case=case,
        transition="notify",
        user=cast.clerk.user,
        scheduled_at=scheduled_at,
        place="局三楼会议室",
        content="请按时参加廉政约谈。",
    )


def holiday_tomorrow_or_next_working_day() -> date:
    return load_calendar().add_working_days(timezone.localdate(), 1)


def test_an_override_added_is_seen_by_the_next_transition(cast):
    """The calendar is kept between requests, but not past an editor's change."""
    first = advance(cast, new_case(cast), CaseState.APPROVED)
    second = advance(cast, new_case(cast), CaseState.APPROVED)
    talk = talk_time(3)
    assert notify_on(cast, first, talk).state == CaseState.NOTIFIED  # three working days

    CalendarOverride.objects.create(
        date=holiday_tomorrow_or_next_working_day(), working=False, note="临时放假"
    )
    with pytest.raises(TransitionRefused) as refused:
        notify_on(cast, second, talk)
    assert refused.value.codes == ["R6.3"]
    assert "只提前2个工作日（通知日之后至约谈当日（含）的工作日数）" in str(refused.value)


def test_an_override_rolled_back_is_not_kept(profile):
    day = holiday_tomorrow_or_next_working_day()
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarOverride.objects.create(date=day, working=False, note="未保存")
        assert not load_calendar().is_working_day(day)
        raise RuntimeError("the editor's form failed after the save")
    assert load_calendar().is_working_day(day)


def save_a_holiday(day):
    """What an editor's save does, run in another process."""
    CalendarOverride.objects.create(date=day, working=False, note="临时放假")


@pytest.mark.django_db(transaction=True)
def test_an_override_saved_by_another_process_is_seen(profile, another_process):
    """Several server processes each keep a calendar; an editor's change in one reaches all."""
    day = holiday_tomorrow_or_next_working_day()
    assert load_calendar().is_working_day(day)  # kept by this process
    another_process(save_a_holiday, day)
    assert not load_calendar().is_working_day(day)


def test_the_actor_holds_only_his_current_offices(cast):
    today = timezone.localdate()
    RoleAssignment.objects.create(
        person=cast.clerk,
        role=Role.DISCIPLINE_OFFICER,
        valid_from=today - timedelta(days=400),
        valid_until=today - timedelta(days=1),
    )
    RoleAssignment.objects.create(
        person=cast.clerk, role=Role.PERSONNEL_OFFICER, valid_from=today + timedelta(days=1)
    )
    clerk = actor_facts(cast.clerk.user)
    assert (clerk.person_id, clerk.name, clerk.roles) == (cast.clerk.pk, "郑干事", {Role.OFFICE})
    leader = actor_facts(cast.leader.user)
    assert leader.roles == {Role.LEADER_IN_CHARGE}
    assert leader.sections == {cast.section_a.pk}
    nobody = actor_facts(cast.auditor)
    assert (nobody.person_id, nobody.roles, nobody.name) == (None, frozenset(), "auditor")

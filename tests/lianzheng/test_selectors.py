"""Reads that users see: the calendar with editors' overrides and its missing-year warning,
and who the acting user is."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from lianzheng.choices import CaseState, Role
from lianzheng.models import CalendarOverride, CalendarYear, RoleAssignment, TalkCase
from lianzheng.selectors import actor_facts, calendar_warnings, load_calendar, regulation_in_force
from tests.workflow_helpers import advance, new_case

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

"""The talk's .ics file on the case page: whoever may open the case downloads it (the auditor
too), anyone else is refused; the file is a valid calendar with nothing confidential in it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from lianzheng.choices import CaseState
from lianzheng.models import ConfidentialReport
from tests.factories import UserFactory
from tests.lianzheng.documents.test_ics import parse
from tests.lianzheng.views.test_cases import text, url
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(cast):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    ConfidentialReport.objects.create(case=case, whistleblower="举报人张某", material="收受礼金")
    return case


def test_the_auditor_downloads_the_ics_of_a_notice(client, cast, notified):
    notice = notified.notices.get()
    client.force_login(cast.auditor)
    page = client.get(url("inspect", notified.pk))
    assert page.status_code == 200
    link = url("notice_ics", notified.pk, notice.pk)
    assert link in page.content.decode()
    assert "加入日历" in text(page)

    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="talk-{notified.pk}-{notice.pk}.ics"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    (event,) = parse(body)
    assert event["UID"][1] == f"lianzheng-notice-{notice.pk}@testserver"
    local = timezone.localtime(notice.scheduled_at)
    assert event["DTSTART"] == ({"TZID": "Asia/Shanghai"}, f"{local:%Y%m%dT%H%M%S}")
    assert event["LOCATION"][1] == "局三楼会议室"
    assert notified.number in event["SUMMARY"][1]
    for secret in ("举报人张某", "收受礼金", "工作推诿拖延", "端正思想认识", "冯科员", "警示"):
        assert secret not in body
    # The same notice always has the same UID: a second download updates, not duplicates.
    (again,) = parse(client.get(link).content.decode())
    assert again["UID"] == event["UID"]


def test_the_auditor_may_not_post_to_it_and_a_user_without_a_role_is_refused(
    client, cast, notified
):
    notice = notified.notices.get()
    link = url("notice_ics", notified.pk, notice.pk)
    client.force_login(cast.auditor)
    assert client.post(link).status_code == 405
    # Admin access without a role of the regulation: refused, with a 403 rather than a redirect.
    somebody = UserFactory(username="somebody")
    somebody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(somebody)
    response = client.get(link)
    assert response.status_code == 403
    assert b"BEGIN:VCALENDAR" not in response.content


def test_a_notice_of_another_case_is_not_found(client, cast, notified):
    other = new_case(cast, subjects=[cast.staff2])
    client.force_login(cast.clerk.user)
    notice = notified.notices.get()
    assert client.get(url("notice_ics", other.pk, notice.pk)).status_code == 404


def test_a_superseded_notice_downloads_as_cancelled(client, cast, notified):
    notice = notified.notices.get()
    notice.superseded = True
    notice.save()
    client.force_login(cast.clerk.user)
    (event,) = parse(client.get(url("notice_ics", notified.pk, notice.pk)).content.decode())
    assert event["STATUS"][1] == "CANCELLED"


def test_the_date_pickers_mark_holidays_and_adjusted_working_days(client, cast):
    """#17: every admin page hands its date pickers China's official holidays (休) and adjusted
    working days (班), named in the reader's language."""
    import json
    import re
    from datetime import date

    from wagtail.users.models import UserProfile

    from lianzheng.selectors.calendar import calendar_marks, load_calendar

    client.force_login(cast.clerk.user)
    page = client.get("/admin/").content.decode()
    marks = json.loads(re.search(r'id="lz-calendar-marks"[^>]*>(.*?)</script>', page).group(1))
    year = timezone.localdate().year
    expected = calendar_marks(load_calendar(), date(year - 1, 1, 1), date(year + 1, 12, 31))
    assert len(marks) == len(expected) > 0
    for mark, (day, working, _note) in zip(marks, expected, strict=True):
        when, label, css = mark.split(",")
        assert when == day.isoformat()
        assert css == ("lz-day-working" if working else "lz-day-holiday")
        assert working != (day.weekday() < 5)  # only the days Monday-to-Friday gets wrong
        assert label == "调休上班" or not working
    assert "lianzheng/js/calendar-marks.js" in page

    profile = UserProfile.get_for_user(cast.clerk.user)
    profile.preferred_language = "en"
    profile.save()
    page = client.get("/admin/").content.decode()
    marks = json.loads(re.search(r'id="lz-calendar-marks"[^>]*>(.*?)</script>', page).group(1))
    assert marks and not any(re.search(r"[\u4e00-\u9fff]", m) for m in marks)

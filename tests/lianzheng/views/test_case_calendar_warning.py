"""A case whose rectification deadline falls in a year nobody has entered says so on its page
(issue 18, item 3): working days there are counted Monday to Friday until an editor enters it."""

from __future__ import annotations

from datetime import date

import pytest

from lianzheng.choices import CaseState
from lianzheng.models import CalendarYear, RectificationItem
from tests.lianzheng.views.test_cases import text, url
from tests.workflow_helpers import advance, new_case

WARNING = "2027年官方节假日安排尚未录入，工作日暂按周一至周五计算"


@pytest.mark.django_db
def test_a_deadline_in_an_unentered_year_is_flagged_on_the_case_page(client, cast):
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    client.force_login(cast.clerk.user)
    RectificationItem.objects.filter(case=case).update(deadline=date(2026, 12, 30))
    assert WARNING not in text(client.get(url("inspect", case.pk)))
    RectificationItem.objects.filter(case=case).update(deadline=date(2027, 1, 15))
    assert WARNING in text(client.get(url("inspect", case.pk)))
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    assert WARNING not in text(client.get(url("inspect", case.pk)))

"""The dashboard: each role sees the worklist of its part in the regulation."""

import re

import pytest
from django.urls import reverse

from lianzheng.choices import CaseState
from lianzheng.services.cases import case_update
from tests.workflow_helpers import ITEM, advance, new_case, talk_time

pytestmark = pytest.mark.django_db


END = "¶"  # where a panel's section ends, in the text read off the page


def dashboard(client, user) -> str:
    client.force_login(user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S).replace("</section>", END)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def panel(html_text: str, heading: str) -> str:
    """The panel under ``heading`` (followed by its count), up to the end of its section."""
    start = (
        html_text.index(heading + "（") if heading + "（" in html_text else html_text.index(heading)
    )
    return html_text[start:].split(END)[0]


def test_the_principal_sees_cases_awaiting_his_consent(client, cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    text = dashboard(client, cast.principal.user)
    assert case.number in panel(text, "等待我审批的案件")
    assert "等待我审批的案件" not in dashboard(client, cast.clerk.user)


def test_awaiting_consent_shows_the_day_of_submission_in_beijing(cast, rf):
    """Submitted at 01:00 Beijing time on 28 November is 17:00 UTC on the 27th: the panel
    shows the bureau's day, and the day of the (last) submission, not of the draft."""
    from datetime import UTC, date, datetime

    from lianzheng import panels

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    case.created_at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    case.submitted_at = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    _case, day, _label = panels.AwaitingConsentPanel(rf.get("/admin/")).row(case)
    assert day == date(2026, 11, 28)


def test_awaiting_consent_knows_when_each_case_was_submitted(cast):
    from lianzheng.selectors.worklists import awaiting_consent

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    submit = case.history.filter(history_transition="submit").get()
    assert awaiting_consent().get(pk=case.pk).submitted_at == submit.history_date


def test_the_office_sees_notices_due_today(client, cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    case_update(case=case, user=cast.clerk.user, scheduled_at=talk_time(3), place="会议室")
    later = advance(cast, new_case(cast, subjects=[cast.staff2]), CaseState.APPROVED)
    case_update(case=later, user=cast.clerk.user, scheduled_at=talk_time(8), place="会议室")
    text = panel(dashboard(client, cast.clerk.user), "今日须发出的书面通知")
    assert case.number in text and later.number not in text


def test_a_leader_sees_the_talks_he_leads(client, cast):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    text = panel(dashboard(client, cast.deputy_discipline.user), "两周内我负责或参加的约谈")
    assert case.number in text
    assert "约谈时间" in text and "地点" in text  # the columns say what they hold
    assert case.number not in panel(dashboard(client, cast.leader.user), "两周内我负责或参加的约谈")


def test_a_talk_consented_to_is_on_its_leaders_list_before_the_notice_goes_out(client, cast):
    """The walkthrough: the principal's list said (0) with a talk he leads in four days,
    because its notice had not been sent yet."""
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    case_update(case=case, user=cast.clerk.user, scheduled_at=talk_time(4), place="三楼会议室")
    text = panel(dashboard(client, cast.deputy_discipline.user), "两周内我负责或参加的约谈")
    assert "（1）" in text and case.number in text
    assert "三楼会议室（书面通知尚未发出）" in text


def test_the_office_sees_rectification_due_and_overdue(client, cast):
    from datetime import timedelta

    from django.utils import timezone

    from lianzheng.models import RectificationItem

    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    RectificationItem.objects.filter(case=case).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    text = dashboard(client, cast.clerk.user)
    assert ITEM["description"] in panel(text, "待检查的整改事项")
    assert case.number in panel(text, "已逾期")


def test_the_chart_counts_the_years_cases(client, cast):
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    new_case(cast)
    text = dashboard(client, cast.auditor)
    chart = panel(text, "年度案件")
    assert "（2）" in chart and "警示约谈 2" in chart


def test_my_reminders_shows_what_was_sent_to_me(client, cast):
    from lianzheng.tasks import sweep

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    sweep()
    text = panel(dashboard(client, cast.principal.user), "发给我的提醒")
    assert "发给我的提醒（1）" in text
    assert case.number in text and "待审批" in text and "仅首页" in text
    assert "仍待处理" in text
    client.force_login(cast.principal.user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    section = html.split('id="lz-myreminderspanel"')[1].split("</section>")[0]
    assert f'href="/admin/snippets/lianzheng/talkcase/inspect/{case.pk}/"' in section
    assert "最近30天没有提醒" in panel(dashboard(client, cast.clerk.user), "发给我的提醒")


def test_a_reminder_whose_case_moved_on_says_it_is_no_longer_due(client, cast):
    """The walkthrough: 「待审批」 stayed on the principal's list after he had consented, and
    read as still to do."""
    from lianzheng.tasks import sweep

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    sweep()
    advance(cast, case, CaseState.APPROVED)
    text = panel(dashboard(client, cast.principal.user), "发给我的提醒")
    assert case.number in text and "已无需处理" in text and "仍待处理" not in text


def test_a_long_worklist_shows_its_first_rows_and_counts_the_rest(client, cast, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lianzheng.panels import AwaitingConsentPanel

    monkeypatch.setattr(AwaitingConsentPanel, "limit", 2)
    cases = [advance(cast, new_case(cast), CaseState.SUBMITTED) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        text = panel(dashboard(client, cast.principal.user), "等待我审批的案件")
    assert "等待我审批的案件（3）" in text
    assert cases[0].number in text and cases[1].number in text
    assert cases[2].number not in text
    # Only the rows shown are read: at 100,000 cases the principal has thousands waiting.
    read = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "lianzheng_talkcase"."id"')
        and "ORDER BY" in q["sql"]
        and '"created_at" ASC' in q["sql"]
    ]
    assert read and all(q.rstrip().endswith("LIMIT 2") for q in read)


def test_the_lead_interviewer_and_the_principal_see_postponements_to_decide(client, cast):
    """第八条（一）: a written application waits for the lead interviewer or the principal head;
    each sees it on his dashboard with the application, the other leaders do not."""
    from lianzheng.services.workflow import case_explain, case_transition

    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    case = case_transition(
        case=case,
        transition="request_postponement",
        user=cast.clerk.user,
        application="出差在外，申请推后补谈。",
    )
    lead = case.participants.get(role="lead").person
    for user in (lead.user, cast.principal.user):
        text = panel(dashboard(client, user), "等待我决定的延期申请")
        assert case.number in text and "出差在外，申请推后补谈。" in text
        # The worklist and R8.1 agree: whoever sees the case may decide it.
        approve = next(
            e for e in case_explain(case=case, user=user) if e.name == "approve_postponement"
        )
        assert approve.allowed, approve.refusals
    others = [p.user for p in (cast.leader, cast.deputy_personnel) if p.pk != lead.pk]
    for user in others:
        text = dashboard(client, user)
        assert case.number not in panel(text, "等待我决定的延期申请（0）")
    assert "等待我决定的延期申请" not in dashboard(client, cast.clerk.user)


def test_the_overdue_panel_lists_each_kind_of_lateness_the_longest_first(client, cast):
    """The panel asks the three kinds of lateness apart (each on its own index) and merges
    them; it shows the same cases as the listing's "overdue" filter, late the longest first."""
    from datetime import timedelta

    from django.utils import timezone

    from lianzheng.models import RectificationItem, TalkCase
    from tests.workflow_helpers import case_in, past_talk_time

    talk_passed = case_in(cast, CaseState.NOTIFIED)
    TalkCase.objects.filter(pk=talk_passed.pk).update(scheduled_at=past_talk_time(4))
    notice_late = case_in(cast, CaseState.APPROVED, subjects=[cast.staff2])
    TalkCase.objects.filter(pk=notice_late.pk).update(scheduled_at=talk_time(1))
    item_late = case_in(cast, CaseState.RECTIFYING)
    RectificationItem.objects.filter(case=item_late).update(
        deadline=timezone.localdate() - timedelta(days=30)
    )
    on_time = case_in(cast, CaseState.NOTIFIED)

    text = panel(dashboard(client, cast.clerk.user), "已逾期")
    assert "已逾期（3）" in text
    at = [text.index(case.number) for case in (item_late, talk_passed, notice_late)]
    assert at == sorted(at)
    assert on_time.number not in text
    # Each row says what is late and by when it was due, under headers that say so: the
    # notice's row gave tomorrow's talk date, which read as not late at all.
    assert "应办日期" in text and "逾期事项" in text
    assert "整改事项逾期" in text[text.index(item_late.number) : text.index(talk_passed.number)]
    assert (
        "约谈时间已过，尚无约谈记录"
        in text[text.index(talk_passed.number) : text.index(notice_late.number)]
    )
    notice_row = text[text.index(notice_late.number) :]
    assert "书面通知未按时发出" in notice_row
    tomorrow = timezone.localtime(talk_time(1)).date()
    assert f"{tomorrow.month}月{tomorrow.day}日" not in notice_row
    listing = client.get(reverse("wagtailsnippets_lianzheng_talkcase:list") + "?overdue=on")
    for case in (item_late, talk_passed, notice_late):
        assert case.number in listing.content.decode()
    assert on_time.number not in listing.content.decode()


def test_a_worklist_beyond_the_cap_says_so_rather_than_counting_on(client, cast, monkeypatch):
    from lianzheng.panels import CasePanel

    monkeypatch.setattr(CasePanel, "COUNT_CAP", 2)
    monkeypatch.setattr(CasePanel, "limit", 1)
    for _ in range(3):
        advance(cast, new_case(cast), CaseState.SUBMITTED)
    text = panel(dashboard(client, cast.principal.user), "等待我审批的案件")
    assert "等待我审批的案件（2+）" in text
    assert "全部" in text

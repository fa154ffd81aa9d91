"""The case admin as each role sees it: who gets 200 or 403, which buttons, which parts."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from lianzheng.choices import CaseRole, CaseState, TalkType
from lianzheng.dates import zh_day
from lianzheng.models import ConfidentialAccess, Ground, TalkCase
from lianzheng.refusals import TransitionRefused
from lianzheng.services.cases import case_update
from tests.factories import UserFactory
from tests.workflow_helpers import advance, case_in, new_case, record_data, talk_time

pytestmark = pytest.mark.django_db

P = "wagtailsnippets_lianzheng_talkcase"


def url(name, *args, **query):
    base = reverse(f"{P}:{name}", args=args)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def users(cast):
    return {
        "principal": cast.principal.user,
        "deputy_discipline": cast.deputy_discipline.user,
        "leader": cast.leader.user,
        "office_head": cast.office_head.user,
        "discipline": cast.discipline.user,
        "personnel": cast.personnel.user,
        "office": cast.clerk.user,
        "auditor": cast.auditor,
        "editor": get_user_model().objects.get_or_create(username="editor_x")[0],
        "nobody": UserFactory(username="nobody"),
    }


@pytest.fixture
def editor(users):
    from django.contrib.auth.models import Group

    users["editor"].groups.add(Group.objects.get(name="编辑"))
    return users["editor"]


class TestListing:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("office", 200),
            ("principal", 200),
            ("discipline", 200),
            ("auditor", 200),
            ("leader", 200),
        ],
    )
    def test_case_staff_and_auditors_see_the_listing(self, client, cast, users, who, status):
        new_case(cast)
        case_in(cast, CaseState.SUBMITTED, subjects=[cast.staff2])
        response = as_user(client, users[who]).get(url("list"))
        assert response.status_code == status
        # A draft is numbered when first submitted; until then the listing says what it is.
        assert "阿州住建廉约〔" in text(response) and "未编号草稿" in text(response)

    def test_editors_and_users_without_a_role_do_not(self, client, cast, users, editor):
        assert as_user(client, editor).get(url("list")).status_code in (302, 403)
        assert as_user(client, users["nobody"]).get(url("list")).status_code in (302, 403)

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, cast):
        response = client.get(url("list"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_columns_show_who_what_when(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        body = text(as_user(client, users["office"]).get(url("list")))
        talk = timezone.localtime(case.scheduled_at)
        for value in (
            case.number,
            "警示约谈",
            "冯科员",
            "测试一科",
            "已通知",
            "赵副局长",
            zh_moment(talk),  # 2026年12月11日 10:00 (#17)
        ):
            assert value in body

    def test_filters_and_search(self, client, cast, users):
        warning = advance(cast, new_case(cast), CaseState.NOTIFIED)
        routine = case_in(cast, CaseState.SUBMITTED, TalkType.ROUTINE, subjects=[cast.staff2])
        c = as_user(client, users["office"])
        assert routine.number not in text(c.get(url("list", state="notified")))
        assert warning.number in text(c.get(url("list", state="notified")))
        assert routine.number in text(c.get(url("list", talk_type="routine")))
        assert warning.number not in text(c.get(url("list", talk_type="routine")))
        by_name = text(c.get(url("list", q="陈副科长")))
        assert routine.number in by_name and warning.number not in by_name
        by_number = text(c.get(url("list", q=warning.number)))
        assert warning.number in by_number and routine.number not in by_number
        county = case_in(cast, CaseState.SUBMITTED, subjects=[cast.county_head])
        in_wenchuan = text(c.get(url("list", county="wenchuan")))
        assert county.number in in_wenchuan and warning.number not in in_wenchuan

    def test_overdue_and_mine(self, client, cast, users):
        late = advance(cast, new_case(cast), CaseState.NOTIFIED)
        TalkCase.objects.filter(pk=late.pk).update(scheduled_at=timezone.now() - timedelta(days=1))
        fine = advance(cast, new_case(cast, subjects=[cast.staff2]), CaseState.NOTIFIED)
        c = as_user(client, users["office"])
        overdue = text(c.get(url("list", overdue="on")))
        assert late.number in overdue and fine.number not in overdue
        # The leader in charge leads neither warning talk, so neither is "mine" for him.
        routine = case_in(cast, CaseState.SUBMITTED, TalkType.ROUTINE)
        mine = text(as_user(client, users["leader"]).get(url("list", mine="on")))
        assert routine.number in mine and late.number not in mine

    def test_export_csv_and_xlsx(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        c = as_user(client, users["auditor"])
        csv = c.get(url("list", export="csv"))
        assert csv.status_code == 200
        body = (
            b"".join(csv.streaming_content).decode("utf-8")
            if csv.streaming
            else csv.content.decode("utf-8")
        )
        assert "案件编号" in body and case.number in body and "冯科员" in body
        xlsx = c.get(url("list", export="xlsx"))
        assert xlsx.status_code == 200
        assert "spreadsheetml" in xlsx["Content-Type"]

    def test_query_count_does_not_grow_with_rows(self, client, cast, users):
        c = as_user(client, users["office"])
        advance(cast, new_case(cast), CaseState.RECTIFYING)
        c.get(url("list"))  # warm caches (content types, site)
        with CaptureQueriesContext(connection) as few:
            c.get(url("list"))
        for i in range(12):
            case_in(
                cast,
                CaseState.NOTIFIED if i % 4 == 0 else CaseState.SUBMITTED,
                TalkType.ROUTINE if i % 2 else TalkType.WARNING,
                subjects=[cast.staff, cast.staff2] if i % 3 == 0 else [cast.staff],
            )
        with CaptureQueriesContext(connection) as many:
            response = c.get(url("list"))
        assert text(response).count("阿州住建廉约〔") >= 13
        assert len(many.captured_queries) == len(few.captured_queries)


class TestCasePage:
    def test_the_principal_sees_consent_as_a_button(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.SUBMITTED)
        response = as_user(client, users["principal"]).get(url("inspect", case.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert url("transition", case.pk, "consent") in html

    def test_others_see_consent_greyed_with_the_article(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.SUBMITTED)
        response = as_user(client, users["office"]).get(url("inspect", case.pk))
        html = response.content.decode()
        assert url("transition", case.pk, "consent") not in html
        block = re.search(r'data-transition="consent".*?</li>\s*</ul>', html, re.S).group(0)
        assert "disabled" in block and "R6.1" in block and "第六条第（一）项" in block
        assert "#article-6-1" in block

    def test_an_auditor_sees_everything_but_can_do_nothing(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.HELD)
        html = as_user(client, users["auditor"]).get(url("inspect", case.pk)).content.decode()
        assert "谈话记录" in html and "冯科员" in html
        assert "/transition/" not in html
        assert url("edit", case.pk) not in html

    def test_timeline_names_who_why_and_articles(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        body = text(as_user(client, users["office"]).get(url("inspect", case.pk)))
        assert "待审批 → 已同意" in body and "王局长" in body and "R6.1" in body

    @pytest.mark.parametrize("who", ["discipline", "deputy_discipline", "principal"])
    def test_confidential_report_shown_to_three_offices_and_logged(self, client, cast, users, who):
        case = new_case(cast, confidential={"whistleblower": "举报人甲", "material": "举报材料乙"})
        body = text(as_user(client, users[who]).get(url("inspect", case.pk)))
        assert "举报人甲" in body and "举报材料乙" in body
        view = ConfidentialAccess.objects.get(case=case, purpose="case page")
        assert view.user_id == users[who].pk

    @pytest.mark.parametrize("who", ["office", "office_head", "leader", "auditor", "personnel"])
    def test_confidential_report_hidden_from_everyone_else(self, client, cast, users, who):
        case = new_case(cast, confidential={"whistleblower": "举报人甲", "material": "举报材料乙"})
        body = text(as_user(client, users[who]).get(url("inspect", case.pk)))
        assert "举报人甲" not in body and "举报材料乙" not in body
        assert "仅限纪检专干、分管纪检监察副局长和主要负责人查看" in body
        # Only the discipline officer's entering it is logged; nobody else saw it.
        assert list(ConfidentialAccess.objects.values_list("purpose", flat=True)) == [
            "entered or amended"
        ]
        assert as_user(client, users[who]).get(url("confidential", case.pk)).status_code == 403

    @pytest.mark.parametrize("who", ["discipline", "deputy_discipline", "principal"])
    def test_the_three_offices_enter_and_amend_the_report_and_it_is_logged(
        self, client, cast, users, who
    ):
        """R7.4's decision: the same three who may see it may enter and amend it (the
        discipline officer usually receives the report)."""
        case = new_case(cast)
        c = as_user(client, users[who])
        assert c.get(url("confidential", case.pk)).status_code == 200
        data = {"whistleblower": "举报人丙", "contact": "", "material": "举报材料丁"}
        assert c.post(url("confidential", case.pk), data).status_code == 302
        case.confidential.refresh_from_db()
        assert case.confidential.whistleblower == "举报人丙"
        assert ConfidentialAccess.objects.filter(
            case=case, user_id=users[who].pk, purpose="entered or amended"
        ).exists()

    def test_the_office_cannot_enter_the_report(self, client, cast, users):
        case = new_case(cast)
        c = as_user(client, users["office"])
        assert c.get(url("confidential", case.pk)).status_code == 403
        with pytest.raises(TransitionRefused) as refused:
            case_update(case=case, user=cast.clerk.user, confidential={"whistleblower": "甲"})
        assert refused.value.codes == ["R7.4"] and "录入和修改" in str(refused.value)
        assert not hasattr(TalkCase.objects.get(pk=case.pk), "confidential")

    def test_a_closed_case_is_read_only_for_everyone(self, client, cast, users):
        case = advance(cast, new_case(cast, TalkType.ROUTINE), CaseState.HELD)
        from lianzheng.services.workflow import case_transition

        case = case_transition(case=case, transition="close", user=cast.clerk.user)
        for who in ("office", "principal", "discipline"):
            c = as_user(client, users[who])
            html = c.get(url("inspect", case.pk)).content.decode()
            assert "/transition/" not in html and url("edit", case.pk) not in html
            assert c.get(url("edit", case.pk)).status_code == 403
            assert (
                c.post(url("subject_add", case.pk), {"person": cast.staff2.pk}).status_code == 403
            )


class TestForms:
    def test_office_opens_a_case(self, client, cast, users):
        c = as_user(client, users["office"])
        assert c.get(url("add")).status_code == 200
        response = c.post(
            url("add"),
            {
                "talk_type": "warning",
                "subject": cast.staff.pk,
                "purpose": "提醒",
                "origin": "direct",
                "problems": "拖延",
                "grounds": [Ground.objects.get(number=5).pk],
                "preparation_note": "提纲",
            },
        )
        assert response.status_code == 302
        case = TalkCase.objects.get()
        assert response["Location"] == url("inspect", case.pk)
        assert case.subjects.get().person == cast.staff and case.state == CaseState.DRAFT

    def test_a_bad_case_form_names_the_field_and_saves_nothing(self, client, cast, users):
        c = as_user(client, users["office"])
        response = c.post(
            url("add"), {"talk_type": "gossip", "subject": cast.staff.pk, "origin": "direct"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["talk_type"]
        assert not TalkCase.objects.exists()

    def test_auditor_gets_403_on_every_post(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        c = as_user(client, users["auditor"])
        posts = [
            url("add"),
            url("edit", case.pk),
            url("subject_add", case.pk),
            url("participant_add", case.pk),
            url("confidential", case.pk),
            url("transition", case.pk, "approve_short_notice"),
            url("item_add", case.pk),
        ]
        posts += [
            url("transition", case.pk, name)
            for name in (
                "submit",
                "consent",
                "decline",
                "notify",
                "hold",
                "close",
                "escalate",
                "withdraw",
                "request_postponement",
                "approve_postponement",
                "start_rectification",
            )
        ]
        for target in posts:
            assert c.post(target, {"reason": "x"}).status_code == 403, target
        case.refresh_from_db()
        assert case.state == CaseState.NOTIFIED

    def test_notify_too_early_shows_r63_next_to_the_time_and_changes_nothing(
        self, client, cast, users
    ):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        c = as_user(client, users["office"])
        # A notice without time or place: the article says what it must state, not 「必填」.
        blank = {"written_on": timezone.localdate().isoformat(), "content": "请按时参加。"}
        errors = c.post(url("transition", case.pk, "notify"), blank).context["form"].errors
        assert "第六条第（三）项" in errors["scheduled_at"][0]
        assert "这个字段是必填项" not in str(errors)
        soon = timezone.localtime(talk_time(1))
        response = c.post(
            url("transition", case.pk, "notify"),
            {
                "scheduled_at": soon.strftime("%Y-%m-%d %H:%M"),
                "place": "三楼会议室",
                "written_on": timezone.localdate().isoformat(),
                "content": "请按时参加。",
            },
        )
        assert response.status_code == 200
        errors = response.context["form"].errors["scheduled_at"]
        assert any("R6.3" in e and "第六条第（三）项" in e for e in errors)
        case.refresh_from_db()
        assert case.state == CaseState.APPROVED and not case.notices.exists()

        later = timezone.localtime(talk_time(4))
        response = c.post(
            url("transition", case.pk, "notify"),
            {
                "scheduled_at": later.strftime("%Y-%m-%d %H:%M"),
                "place": "三楼会议室",
                "written_on": timezone.localdate().isoformat(),
                "content": "请按时参加。",
            },
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.state == CaseState.NOTIFIED and case.notices.count() == 1

    def test_hold_form_per_subject_and_its_refusal(self, client, cast, users):
        case = advance(
            cast, new_case(cast, subjects=[cast.staff, cast.staff2]), CaseState.NOTIFIED, past=True
        )
        c = as_user(client, users["office"])
        response = c.get(url("transition", case.pk, "hold"))
        form_page = text(response)
        assert "冯科员" in form_page and "陈副科长" in form_page
        # The form offers the notified time, never "now" (R6.5).
        notified = timezone.localtime(case.scheduled_at)
        assert response.context["form"]["held_at"].value() == notified.replace(tzinfo=None)
        data = {"held_at": notified.strftime("%Y-%m-%d %H:%M")}
        records = record_data(cast, case)
        for pid, rec in records.items():
            data[f"present_{pid}"] = [cast.deputy_discipline.pk]
            for key in ("record_text", "statement", "explanation", "measures"):
                data[f"{key}_{pid}"] = rec[key]
        response = c.post(url("transition", case.pk, "hold"), data)
        assert response.status_code == 200
        assert any("R7.3" in e for e in response.context["form"].errors[f"present_{cast.staff.pk}"])
        for pid in records:
            data[f"present_{pid}"] = [cast.deputy_discipline.pk, cast.office_head.pk]
        # Recorded as held today, not on the notified day: refused next to the time, citing
        # the article and saying what the other day needs (R6.5, through 第八条（一））.
        today = {**data, "held_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
        response = c.post(url("transition", case.pk, "hold"), today)
        (error,) = response.context["form"].errors["held_at"]
        assert "不符合第六条" in error and "第八条第（一）项" in error and "R6.5" in error
        case.refresh_from_db()
        assert case.state == CaseState.NOTIFIED
        # Left empty, the time is the notified one.
        assert (
            c.post(url("transition", case.pk, "hold"), {**data, "held_at": ""}).status_code == 302
        )
        case.refresh_from_db()
        assert case.state == CaseState.HELD and case.records.count() == 2
        assert {r.held_at for r in case.records.all()} == {case.scheduled_at}

    def test_the_workday_check_counts_official_days(self, client, cast, users):
        c = as_user(client, users["office"])
        response = c.get(url("workdays") + "?from=2025-09-29&to=2025-10-09T10:00")
        data = response.json()
        assert data["working_days"] == 2 and data["ok"] is False
        assert data["latest_notice"] == "2025-09-28"
        assert "第六条（三）" in data["message"]
        assert data["message"].startswith("提前2个工作日（通知日之后至约谈当日（含）的工作日数）")
        assert "working days" not in data["message"]  # one language at a time
        bad = c.get(url("workdays") + "?from=bad")
        assert bad.status_code == 400 and "give" not in bad.json()["error"]

    def test_a_notice_dated_on_a_day_off_in_time_is_not_told_its_deadline_passed(
        self, client, cast, users
    ):
        """Sunday 2026-12-06 for a talk on Wednesday the 9th gives three working days; the check
        said 「符合……；最晚通知日期2026年12月4日」, a deadline already passed."""
        c = as_user(client, users["office"])
        data = c.get(url("workdays") + "?from=2026-12-06&to=2026-12-09T09:30").json()
        assert data["ok"] is True and data["latest_notice"] == "2026-12-04"
        assert "通知日为非工作日，按工作日计最晚应于2026年12月4日发出" in data["message"]
        assert "最晚通知日期" not in data["message"]

    def test_removing_a_participant_names_his_part_not_a_subject(self, client, cast, users):
        case = new_case(cast, TalkType.ROUTINE)
        part = case.participants.select_related("person").first()
        c = as_user(client, users["office"])
        page = text(c.get(url("participant_remove", case.pk, part.person_id)))
        assert "约谈对象" not in page.split("移除")[-1][:80]
        assert f"{part.person.name}（{CaseRole(part.role).label}）" in page

    def test_suggested_participants_follow_article_6(self, client, cast, users):
        case = new_case(cast, TalkType.ROUTINE, participants=[])
        c = as_user(client, users["office"])
        assert "钱副局长" in text(c.get(url("inspect", case.pk)))
        confirm = text(c.get(url("participants_suggested", case.pk)))  # says whom, then asks
        for line in ("钱副局长（负责约谈）", "孙主任（办公室负责人）", "周专干（纪检专干）"):
            assert line in confirm
        assert c.post(url("participants_suggested", case.pk)).status_code == 302
        roles = dict(case.participants.values_list("person__name", "role"))
        assert roles == {
            "钱副局长": CaseRole.LEAD,
            "孙主任": CaseRole.OFFICE_HEAD,
            "周专干": CaseRole.DISCIPLINE_OFFICER,
        }

    def test_schedule_of_a_notified_case_changes_only_by_postponement(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        c = as_user(client, users["office"])
        form = c.get(url("edit", case.pk)).context["form"]
        assert form.fields["scheduled_at"].disabled and form.fields["place"].disabled
        assert not form.fields["preparation_note"].disabled

    def test_every_transition_is_logged_for_wagtail_history(self, client, cast, users):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        assert (
            ModelLogEntry.objects.filter(
                object_id=str(case.pk), action="lianzheng.transition"
            ).count()
            == 2
        )
        response = as_user(client, users["auditor"]).get(url("history", case.pk))
        assert response.status_code == 200


def test_removing_the_last_participant_role_greys_notify(client, cast, users):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    case_update(
        case=case, user=cast.clerk.user, participants=[(cast.deputy_discipline, CaseRole.LEAD)]
    )
    html = as_user(client, users["office"]).get(url("inspect", case.pk)).content.decode()
    block = re.search(r'data-transition="notify".*?</ul>', html, re.S).group(0)
    assert "disabled" in block and "R6.2" in block


def test_a_collective_record_refused_says_whose_fields_are_missing(client, cast, users):
    """The list above the hold form names each subject's field with his name: two blocks have
    the same labels, and "记录：…" twice would not say which one to correct."""
    case = advance(cast, new_case(cast, subjects=[cast.staff, cast.staff2]), CaseState.NOTIFIED)
    c = as_user(client, users["office"])
    form_page = c.get(url("transition", case.pk, "hold")).content.decode()
    legends = re.findall(r"<fieldset><legend>(.*?)</legend>", form_page, re.S)
    assert [cast.staff.name in lg for lg in legends] == [True, False]  # a group per subject,
    assert cast.staff2.name in legends[1]  # named for a screen reader
    data = {"held_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    for pid in (cast.staff.pk, cast.staff2.pk):
        data[f"present_{pid}"] = [cast.deputy_discipline.pk, cast.office_head.pk]
    response = c.post(url("transition", case.pk, "hold"), data)
    assert response.status_code == 200
    summary = re.search(r'lz-form-errors".*?</div>', response.content.decode(), re.S).group(0)
    assert "（冯科员）" in summary and "（陈副科长）" in summary
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED and not case.records.exists()


def test_a_half_filled_rectification_row_is_named_by_its_number(client, cast, users):
    case = advance(cast, new_case(cast), CaseState.HELD)
    c = as_user(client, users["office"])
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    data = {
        "description_1": "建立台账",
        "deadline_1": deadline,
        "responsible_1": "办公室",
        "description_2": "完善制度",
        "deadline_2": "2026-02-30",
        "responsible_2": "人事科",
    }
    response = c.post(url("transition", case.pk, "start_rectification"), data)
    assert response.status_code == 200
    summary = re.search(r'lz-form-errors".*?</div>', response.content.decode(), re.S).group(0)
    assert "（第2项）" in summary and "（第1项）" not in summary
    case.refresh_from_db()
    assert case.state == CaseState.HELD and not case.rectification_items.exists()


def test_search_by_part_of_a_name_or_a_number_with_a_filter(client, cast, users):
    """The search box finds a case by any part of a subject's name (a collective talk by
    either subject) or of its number, and keeps the filters."""
    both = case_in(cast, CaseState.APPROVED, subjects=[cast.staff, cast.staff2])
    other = new_case(cast, TalkType.ROUTINE, subjects=[cast.staff2])
    other = advance(cast, other, CaseState.SUBMITTED)
    c = as_user(client, users["office"])

    def found(**query) -> list[str]:
        html = c.get(url("list", **query)).content.decode()
        return [n for n in (both.number, other.number) if n in html]

    assert set(found(q="科")) == {both.number, other.number}  # in both subjects' names
    assert set(found(q="陈副")) == {both.number, other.number}
    assert found(q="陈副", state="submitted") == [other.number]
    sequence = other.number.split("〕", 1)[1]  # e.g. "2号": the sequence and 号
    assert found(q=sequence) == [other.number]
    assert found(q="不存在的人") == []
    assert found(q="廉约") == []  # the fixed characters of every number pick out nothing


def test_only_the_filters_in_use_are_shown_as_active(client, cast, users):
    """An unticked checkbox filter is no filter: no "已逾期: False" pill above the listing; a
    ticked one says 是."""
    c = as_user(client, users["office"])

    def pills(query: str) -> list[str]:
        html = c.get(url("list") + query).content.decode()
        return [
            " ".join(re.sub(r"<[^>]+>", " ", pill).split())
            for pill in re.findall(r'<button class="w-pill__content".*?</button>', html, re.S)
        ]

    assert pills("?state=notified") == ["状态： 已通知"]
    assert pills("?state=notified&mine=on") == ["状态： 已通知", "我的案件： 是"]


def test_the_postponement_decision_shows_the_written_application(client, cast, users):
    from lianzheng.services.workflow import case_transition

    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    case_transition(
        case=case,
        transition="request_postponement",
        user=cast.clerk.user,
        application="出差在外，申请推后补谈。",
    )
    lead = case.participants.get(role=CaseRole.LEAD).person.user
    for transition in ("approve_postponement", "reject_postponement"):
        page = text(as_user(client, lead).get(url("transition", case.pk, transition)))
        assert "书面申请" in page and "出差在外，申请推后补谈。" in page
    assert "书面申请（" not in text(
        as_user(client, lead).get(url("transition", case.pk, "escalate"))
    )


def test_a_written_application_keeps_its_scan_and_a_wrong_file_saves_nothing(
    client, cast, users, settings, tmp_path
):
    """第八条（一）: the application as received, its scan kept with its SHA-256, served from
    the case page while it matches, refused once it does not; a file of the wrong kind is
    refused next to its field and neither the application nor a file is kept."""
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianzheng.services.documents import stored_file_problems

    settings.MEDIA_ROOT = str(tmp_path)
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    c = as_user(client, users["office"])
    form = {
        "request_form": "written",
        "application": "出差在外，申请推后补谈。",
        "applied_on": timezone.localdate().isoformat(),
        "received_on": timezone.localdate().isoformat(),
    }
    request = url("transition", case.pk, "request_postponement")
    wrong = c.post(request, {**form, "scan": SimpleUploadedFile("申请.exe", b"MZ")})
    assert wrong.status_code == 200
    assert "申请书扫描件须为 PDF、图片、Word、Excel 或 OFD 文件" in text(wrong)
    assert not case.postponements.exists() and not list(tmp_path.rglob("*.*"))

    data = b"%PDF-1.4 application"
    scan = SimpleUploadedFile("延期申请书.pdf", data, content_type="application/pdf")
    assert c.post(request, {**form, "scan": scan}).status_code == 302
    row = case.postponements.get()
    assert (row.scan_name, row.scan_sha256) == ("延期申请书.pdf", hashlib.sha256(data).hexdigest())
    assert "扫描件: 延期申请书.pdf" in text(c.get(url("inspect", case.pk)))
    download = as_user(client, users["auditor"]).get(url("postponement_scan", case.pk, row.pk))
    assert download.status_code == 200 and download.content == data

    (tmp_path / row.scan.name).write_bytes(b"%PDF-1.4 altered")
    assert c.get(url("postponement_scan", case.pk, row.pk)).status_code == 409
    _checked, problems = stored_file_problems()
    assert [(p.name, p.problem) for p in problems] == [(row.scan.name, "altered")]


def test_removing_a_subject_says_whom_before_the_button(client, cast, users):
    case = new_case(cast, subjects=[cast.staff, cast.staff2])
    c = as_user(client, users["office"])
    page = text(c.get(url("subject_remove", case.pk, cast.staff2.pk)))
    assert "将从本案中移除以下约谈对象" in page and "陈副科长" in page
    assert case.subjects.count() == 2


def test_a_participant_is_removed_with_a_reason_the_timeline_shows(client, cast, users):
    """The auditor reads whom, in which part, and why (not 「#49 删除 removed」)."""
    case = new_case(cast)
    c = as_user(client, users["office"])
    remove = url("participant_remove", case.pk, cast.discipline.pk)
    response = c.post(remove, {"reason": ""})
    assert response.status_code == 200 and case.participants.count() == 3
    assert c.post(remove, {"reason": "周专干另有公务"}).status_code == 302
    assert case.participants.count() == 2
    page = text(as_user(client, users["auditor"]).get(url("inspect", case.pk)))
    assert "删除参加人：周专干（纪检专干），理由：周专干另有公务" in page


def test_the_office_records_a_notices_delivery_and_the_case_page_shows_it(client, cast, users):
    """第六条（三）: how, when and signed for by whom; refused without the signatory, next to
    his field, citing the article; the case page then shows the delivery."""
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    c = as_user(client, users["office"])
    assert "尚未登记送达" in text(c.get(url("inspect", case.pk)))
    notice = case.notices.get()
    now = timezone.localtime().replace(second=0, microsecond=0)
    # Ten minutes ago, but not before the day the notice is dated (R6.5), even past midnight.
    handed = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0))
    data = {
        "notice_id": notice.pk,
        "delivery_method": "in_person",
        "delivered_at": handed.strftime("%Y-%m-%d %H:%M"),
        "delivery_signed_by": "",
    }
    response = c.post(url("transition", case.pk, "record_delivery"), data)
    (error,) = response.context["form"].errors["delivery_signed_by"]
    assert "不符合第六条第（三）项" in error and "签收人" in error
    notice.refresh_from_db()
    assert notice.delivered_at is None

    data["delivery_signed_by"] = "冯科员"
    assert c.post(url("transition", case.pk, "record_delivery"), data).status_code == 302
    notice.refresh_from_db()
    assert (notice.delivery_method, notice.delivered_at) == ("in_person", handed)
    page = text(c.get(url("inspect", case.pk)))
    assert f"当面送达：{zh_moment(handed)}，签收人：冯科员" in page
    assert case.state == CaseState.NOTIFIED


def test_the_case_page_names_the_proposer_and_the_clerk_apart(client, cast, users):
    """R6.1: the 约谈主体 is a bureau leader (or the office); the clerk is the author."""
    case = new_case(cast)
    page = text(as_user(client, users["office"]).get(url("inspect", case.pk)))
    assert "约谈主体 赵副局长（约谈主体直接提出）" in page and "录入人 郑干事" in page
    drafted = new_case(cast, proposed_by=None)
    assert drafted.proposed_by is None  # the clerk typed it: he is not its 约谈主体
    c = as_user(client, users["office"])
    response = c.post(url("transition", drafted.pk, "submit"), {})
    assert "不符合第六条第（一）项" in text(response) and "局领导" in text(response)
    drafted.refresh_from_db()
    assert drafted.state == CaseState.DRAFT


def zh_moment(value) -> str:
    """A moment as a Chinese reader reads it on the case page (#17): 2026年12月5日 10:00."""
    from django.utils import timezone

    local = timezone.localtime(value)
    return f"{zh_day(local.date())} {local:%H:%M}"

"""The defects the bad-input properties found, each as the example that found it: what used to
be a 500 (or a misleading refusal) is now the form again, naming the field, with nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lianzheng.choices import CaseState, CheckResult, Role, UnitKind
from lianzheng.models import (
    CalendarOverride,
    Ground,
    Postponement,
    RectificationCheck,
    RoleAssignment,
    TalkCase,
    Unit,
)
from tests.factories import UserFactory
from tests.hostile import (
    MEGABYTE,
    assert_refusal_names_fields,
    error_summary,
    parse,
    send,
    snapshot,
)
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

CASES = "wagtailsnippets_lianzheng_talkcase"


def url(name, *args):
    return reverse(f"{CASES}:{name}", args=args)


def refused(client, path, data, *labels, case=None, multipart=False):
    """Post; expect the form again naming ``labels``, and nothing changed."""
    before = snapshot(case)
    response = send(client, path, data, multipart=multipart)
    soup = parse(response.content.decode())
    assert_refusal_names_fields(response, soup)
    summary = error_summary(soup)
    for label in labels:
        assert label in summary, (label, summary)
    assert snapshot(case) == before
    return summary


def test_an_id_that_is_no_number_in_a_chooser_is_refused_not_a_500(client, cast):
    client.force_login(cast.clerk.user)
    case = new_case(cast)
    refused(client, url("subject_add", case.pk), {"person": "1 OR 1=1"}, "约谈对象", case=case)
    refused(
        client,
        url("participant_add", case.pk),
        {"person": "abc", "role": "interviewer"},
        "人员",
        case=case,
    )


def test_an_id_beyond_any_integer_among_the_grounds_is_refused_not_a_500(client, cast):
    client.force_login(cast.clerk.user)
    case = new_case(cast)
    data = {"talk_type": "warning", "origin": "direct", "grounds": ["9" * 30]}
    refused(client, url("edit", case.pk), data, "适用情形（第五条）", case=case)


def test_a_ground_numbered_outside_its_clauses_is_refused_not_a_500(client, cast):
    client.force_login(UserFactory(username="editor_g", roles=[Role.EDITOR]))
    eleventh = Ground.objects.get(number=11)
    for path in (
        reverse("wagtailsnippets_lianzheng_ground:add"),
        reverse("wagtailsnippets_lianzheng_ground:edit", args=[eleventh.pk]),
    ):
        for number in ("0", "100", "14599"):
            data = {"number": number, "text": "其他情形", "active": "on"}
            refused(client, path, data, "序号")
    assert not Ground.objects.filter(text="其他情形").exists()
    assert Ground.objects.get(pk=eleventh.pk).number == 11


@pytest.mark.parametrize(
    "value", ["0001-01-01 00:00", "9999-12-31 23:59", "1899-12-31 10:00", "2101-01-01 10:00"]
)
def test_a_talk_time_in_a_year_no_calendar_covers_is_refused_not_a_500(client, cast, value):
    client.force_login(cast.clerk.user)
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    data = {
        "scheduled_at": value,
        "place": "局三楼会议室",
        "written_on": timezone.localdate().isoformat(),
        "content": "请按时参加。",
    }
    summary = refused(client, url("transition", case.pk, "notify"), data, "约谈时间", case=case)
    assert "2000" in summary and "2100" in summary


@pytest.mark.parametrize(
    "query",
    [
        "?from=2025-02-30&to=2025-03-05",
        "?from=0001-01-01&to=0001-01-03",
        "?from=2025-01-01&to=9999-12-31T10:00",
        "?from=2025-01-01&to=2025-13-01T10:00",
        "?from=²&to=2025-01-01",
    ],
)
def test_the_working_day_check_answers_bad_dates_with_a_400_not_a_500(client, cast, query):
    client.force_login(cast.clerk.user)
    response = client.get(url("workdays") + query)
    assert response.status_code == 400
    assert "2000" in response.json()["error"]


def test_a_talk_time_in_another_time_zone_is_that_moment_in_beijing(client, cast):
    client.force_login(cast.clerk.user)
    response = client.get(url("workdays") + "?from=2025-09-29&to=2025-10-08T20:00:00-08:00")
    assert response.status_code == 200
    assert response.json()["working_days"] == 2  # 9 October in Beijing, not 8 October


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 40, "-1", "1e3"])
def test_query_ids_that_are_no_ids_are_ignored_not_a_500(client, cast, value):
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    client.force_login(cast.principal.user)
    compare = reverse("lianzheng_audit:compare", args=[case.pk])
    assert client.get(compare, {"a": value, "b": value}).status_code == 200
    assert client.get(reverse("lianzheng_audit:log"), {"before": value}).status_code == 200
    escalate = url("transition", case.pk, "escalate")
    assert client.get(escalate, {"item": value}).status_code == 200


def test_a_postponement_application_without_a_named_applicant_is_accepted(client, cast):
    """The applicant is optional; leaving it empty was refused as "not a subject"."""
    client.force_login(cast.clerk.user)
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    response = send(
        client,
        url("transition", case.pk, "request_postponement"),
        {
            "application": "因公出差。",
            "subject_person_id": "",
            "applied_on": timezone.localdate().isoformat(),
        },
        multipart=False,
    )
    assert response.status_code == 302
    assert Postponement.objects.get(case=case).subject is None


def test_a_responsible_person_longer_than_the_column_is_refused_by_the_form(client, cast):
    """On PostgreSQL the 101st character was a database error (a 500) when rectification
    started; the form now holds the column's limit and names the field."""
    client.force_login(cast.clerk.user)
    case = advance(cast, new_case(cast), CaseState.HELD)
    data = {
        "description_1": "建立台账",
        "deadline_1": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "responsible_1": "责" * 101,
    }
    refused(client, url("transition", case.pk, "start_rectification"), data, "责任人", case=case)
    assert TalkCase.objects.get(pk=case.pk).state == CaseState.HELD


def test_a_whistleblower_longer_than_the_column_is_refused_by_the_form(client, cast):
    client.force_login(cast.deputy_discipline.user)
    case = new_case(cast)
    data = {"whistleblower": "举" * 101, "material": "反映材料。"}
    refused(client, url("confidential", case.pk), data, "信访举报人", case=case)


def test_a_megabyte_pasted_into_a_text_field_is_refused_naming_it(client, cast):
    client.force_login(cast.clerk.user)
    case = new_case(cast)
    data = {"talk_type": "warning", "origin": "direct", "purpose": MEGABYTE}
    refused(client, url("edit", case.pk), data, "目的", case=case)  # url-encoded: over 3 MB


def test_evidence_with_a_long_name_keeps_its_type(client, cast, media):
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    item = case.rectification_items.get()
    client.force_login(cast.clerk.user)
    upload = SimpleUploadedFile("证" * 250 + ".pdf", b"%PDF-1.4")
    response = client.post(
        url("item_check", case.pk, item.pk),
        {
            "checked_on": timezone.localdate().isoformat(),
            "result": CheckResult.IN_PROGRESS,
            "finding": "已建台账。",
            "evidence": upload,
        },
    )
    assert response.status_code == 302
    check = RectificationCheck.objects.get(item=item)
    assert check.evidence_name.endswith(".pdf") and len(check.evidence_name) == 200


def test_a_unit_whose_county_does_not_fit_its_kind_is_refused_naming_the_county(client, cast):
    client.force_login(cast.clerk.user)
    data = {"code": "section-z", "name": "新科室", "kind": UnitKind.SECTION, "county": "wenchuan"}
    data["sort_order"] = "1"
    refused(client, reverse("wagtailsnippets_lianzheng_unit:add"), data, "县（市）")
    data.update(kind=UnitKind.COUNTY_HOUSING, county="")
    refused(client, reverse("wagtailsnippets_lianzheng_unit:add"), data, "县（市）")
    assert not Unit.objects.filter(code="section-z").exists()


def test_a_role_assignment_ending_before_it_starts_is_refused_naming_the_end(client, cast):
    client.force_login(cast.clerk.user)
    today = timezone.localdate()
    data = {
        "person": str(cast.staff2.pk),
        "role": Role.PERSONNEL_OFFICER,
        "valid_from": today.isoformat(),
        "valid_until": (today - timedelta(days=1)).isoformat(),
    }
    refused(client, reverse("wagtailsnippets_lianzheng_roleassignment:add"), data, "截止日期")
    data.update(valid_until="", role=Role.LEADER_IN_CHARGE)
    refused(client, reverse("wagtailsnippets_lianzheng_roleassignment:add"), data, "分管科室")
    assert not RoleAssignment.objects.filter(person=cast.staff2).exists()


def test_a_calendar_override_outside_the_kept_years_is_refused(client, cast):
    client.force_login(UserFactory(username="editor_c", roles=[Role.EDITOR]))
    for day in ("0001-01-01", "9999-12-31"):
        refused(
            client,
            reverse("wagtailsnippets_lianzheng_calendaroverride:add"),
            {"date": day, "working": "on", "note": "调休"},
            "日期",
        )
    assert not CalendarOverride.objects.exists()

"""Auditors read the trail without help: a global log with filters and export, a comparison of
any two versions of a case in Chinese labels, and the chain's status with a check on demand."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lianzheng.choices import CaseRole, CaseState, TalkType
from lianzheng.history import Change, recording
from lianzheng.models import ChainVerification
from lianzheng.services.cases import case_update
from lianzheng.services.workflow import case_transition
from tests.workflow_helpers import advance, case_in, new_case

pytestmark = pytest.mark.django_db


def test_auditors_read_the_log_others_get_403(client, cast):
    advance(cast, new_case(cast), CaseState.APPROVED)
    client.force_login(cast.auditor)
    response = client.get(reverse("lianzheng_audit:log"))
    assert response.status_code == 200
    assert "待审批 → 已同意" in response.content.decode()
    client.force_login(cast.clerk.user)
    assert client.get(reverse("lianzheng_audit:log")).status_code == 403


def test_the_log_filters_by_case_transition_and_user(client, cast):
    first = advance(cast, new_case(cast), CaseState.APPROVED)
    second = advance(cast, new_case(cast, subjects=[cast.staff2]), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    log = reverse("lianzheng_audit:log")
    by_case = client.get(log, {"case": second.number}).context["entries"]
    assert by_case and {e["case_id"] for e in by_case} == {second.pk}
    consents = client.get(log, {"transition": "consent"}).context["entries"]
    assert [e["case_id"] for e in consents] == [first.pk]
    by_user = client.get(log, {"user": cast.principal.user.pk}).context["entries"]
    assert by_user and all(e["user_id"] == cast.principal.user.pk for e in by_user)


def test_the_log_exports_csv_and_xlsx(client, cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    csv = client.get(reverse("lianzheng_audit:log"), {"case": case.number, "export": "csv"})
    body = csv.content.decode("utf-8-sig")
    assert "办理环节" in body.splitlines()[0] and "字段变更" in body.splitlines()[0]
    assert "submit" in body and "R2.1" in body
    xlsx = client.get(reverse("lianzheng_audit:log"), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_two_versions_compared_field_by_field_in_chinese(client, cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    versions = list(case.history.order_by("chain_seq"))
    client.force_login(cast.auditor)
    response = client.get(
        reverse("lianzheng_audit:compare", args=[case.pk]),
        {"a": versions[0].history_id, "b": versions[-1].history_id},
    )
    assert response.status_code == 200
    changed = {r["label"]: (r["a"], r["b"]) for r in response.context["rows"] if r["changed"]}
    assert changed["状态"] == ("草稿", "已同意")
    assert changed["同意人"] == ("", str(cast.principal)) and "约谈目的" not in changed


def test_verify_now_records_the_result(client, cast):
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    page = client.get(reverse("lianzheng_audit:verify"))  # the page and its button only
    assert page.status_code == 200 and not ChainVerification.objects.exists()
    assert 'method="post"' in page.content.decode()
    response = client.post(reverse("lianzheng_audit:verify"), follow=True)
    assert response.status_code == 200
    assert response.context["record"].ok
    run = ChainVerification.objects.get()
    assert run.ok and run.user_id == cast.auditor.pk and run.head_seq > 0
    log = client.get(reverse("lianzheng_audit:log")).content.decode()
    # The record itself joined the chain, right after the head it verified: it is the head now.
    kept = run.history.get()
    assert (kept.chain_seq, kept.chain_prev) == (run.head_seq + 1, run.head_hash)
    assert f"{kept.chain_seq}:{kept.chain_hash}" in log


def test_the_dashboard_shows_the_chain_to_audit_readers_only(client, cast):
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    assert "审计链" in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(cast.clerk.user)
    assert "审计链" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_verify_buttons_on_the_dashboard_and_the_log_are_forms(client, cast):
    """A crawler or a browser's prefetch following links must not record verifications."""
    client.force_login(cast.auditor)
    verify_url = reverse("lianzheng_audit:verify")
    for page in (reverse("wagtailadmin_home"), reverse("lianzheng_audit:log")):
        html = client.get(page).content.decode()
        assert f'<form method="post" action="{verify_url}">' in html
        assert 'name="csrfmiddlewaretoken"' in html.split(f'action="{verify_url}"', 1)[1][:300]
        assert f'href="{verify_url}"' not in html
    assert not ChainVerification.objects.exists()


def test_the_log_finds_a_case_by_its_sequence_or_says_why_not(client, cast):
    """「15号」 or 「15」 finds case 15 when only one year has it; an ambiguous or unknown number
    is named in the field's error, and no rows are shown under a filter that was not applied."""
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    log = reverse("lianzheng_audit:log")
    sequence = case.number.split("〕", 1)[1]  # e.g. "1号"
    for wanted in (sequence, sequence.removesuffix("号"), f" {case.number} "):
        entries = client.get(log, {"case": wanted}).context["entries"]
        assert entries and {e["case_id"] for e in entries} == {case.pk}
    response = client.get(log, {"case": "999号"})
    assert "没有编号为 999号 的案件" in response.content.decode()
    assert response.context["entries"] == []
    assert client.get(log, {"case": "999", "export": "csv"})["Content-Type"].startswith("text/html")


# -- the record, read by an auditor (#15) ------------------------------------------------------


def removal_of_the_discipline_officer(cast, case, reason):
    participants = [
        (p.person, p.role)
        for p in case.participants.select_related("person")
        if p.person_id != cast.discipline.pk
    ]
    with recording(Change(user=cast.clerk.user, reason=reason)):
        case_update(case=case, user=cast.clerk.user, participants=participants)


def test_the_log_names_a_removed_participant_his_part_and_the_reason(client, cast):
    """A deletion read 「#49 删除 removed」: now the row that recorded it names him."""
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    removal_of_the_discipline_officer(cast, case, "另有公务，不再参加")
    client.force_login(cast.auditor)

    response = client.get(reverse("lianzheng_audit:log"), {"case": case.number})

    (removed,) = [e for e in response.context["entries"] if e["history_type"] == "-"]
    assert (removed["model"], removed["object"], removed["type"]) == (
        "参加人",
        "周专干（纪检专干）",
        "删除",
    )
    assert removed["reason"] == "另有公务，不再参加"
    row = re.search(rf"<tr><td>{removed['seq']}</td>.*?</tr>", response.content.decode(), re.S)
    shown = " ".join(re.sub(r"<[^>]+>", " ", row.group(0)).split())
    assert "参加人 周专干（纪检专干） 删除 另有公务，不再参加" in shown
    assert not re.search(r"#\d+", shown.split(" ", 3)[3])


def compare(client, case, a, b):
    response = client.get(
        reverse("lianzheng_audit:compare", args=[case.pk]), {"a": a.history_id, "b": b.history_id}
    )
    assert response.status_code == 200
    return response


def version(case, transition):
    return case.history.filter(history_transition=transition).get()


def test_comparing_versions_shows_a_rectification_item_added(client, cast):
    case = case_in(cast, CaseState.RECTIFYING)
    held, rectifying = version(case, "hold"), version(case, "start_rectification")
    client.force_login(cast.auditor)

    response = compare(client, case, held, rectifying)

    sentences = [d.sentence for d in response.context["parts"]]
    assert sentences == ["新增整改事项：建立办事台账并公开办理时限"]
    assert "新增整改事项：建立办事台账并公开办理时限" in response.content.decode()
    backwards = compare(client, case, rectifying, held)
    assert [d.sentence for d in backwards.context["parts"]] == [
        "删除整改事项：建立办事台账并公开办理时限"
    ]


def test_comparing_versions_shows_a_subject_removed_and_a_part_changed(client, cast):
    """Declined, the case is corrected: a subject taken off, a participant's part changed. The
    comparison of the version submitted with the version corrected says both, in words."""
    case = advance(cast, new_case(cast, subjects=[cast.staff, cast.staff2]), CaseState.SUBMITTED)
    case_transition(
        case=case, transition="decline", user=cast.principal.user, reason="证据不足，暂不约谈。"
    )
    participants = [
        (p.person, CaseRole.INTERVIEWER if p.person_id == cast.discipline.pk else p.role)
        for p in case.participants.select_related("person")
    ]
    with recording(Change(user=cast.clerk.user, reason="陈副科长已调离")):
        case_update(
            case=case,
            user=cast.clerk.user,
            subjects=[cast.staff],
            participants=participants,
            preparation_note="谈话提纲（修改）",
        )
    submitted = version(case, "submit")
    corrected = case.history.order_by("-chain_seq").first()
    client.force_login(cast.auditor)

    response = compare(client, case, submitted, corrected)

    parts = {d.sentence: d.changes for d in response.context["parts"]}
    assert parts == {
        "删除约谈对象：陈副科长，理由：陈副科长已调离": (),
        "修改参加人：周专干（其他谈话人），理由：陈副科长已调离": (
            ("职责", "纪检专干", "其他谈话人"),
        ),
    }
    page = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert "删除约谈对象：陈副科长，理由：陈副科长已调离" in page
    assert "职责： 纪检专干 → 其他谈话人" in page
    same = compare(client, case, submitted, submitted)
    assert same.context["parts"] == [] and "案件各组成部分没有差异" in same.content.decode()


def exported_rows(client, **query):
    response = client.get(reverse("lianzheng_audit:log"), {**query, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    return rows


def test_the_export_carries_each_rows_field_changes(client, cast):
    case = case_in(cast, CaseState.APPROVED)
    client.force_login(cast.auditor)

    rows = exported_rows(client, case=case.number)

    consent = next(r for r in rows if r["办理环节"] == "consent")
    changes = consent["字段变更"].splitlines()
    assert "状态：待审批 → 已同意" in changes
    assert f"同意人：— → {cast.principal}" in changes
    assert any(
        re.fullmatch(r"同意时间：— → \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", c) for c in changes
    )
    participant = next(r for r in rows if r["对象"] == "周专干（纪检专干）")
    assert "职责：— → 纪检专干" in participant["字段变更"].splitlines()
    assert participant["变更类型"] == "新增"

    xlsx = client.get(reverse("lianzheng_audit:log"), {"case": case.number, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    column = values[0].index("字段变更")
    assert any("状态：待审批 → 已同意" in (row[column] or "") for row in values[1:])


def test_the_export_withholds_the_confidential_report(client, cast):
    new_case(cast, confidential={"whistleblower": "举报人甲", "material": "举报材料乙"})
    client.force_login(cast.auditor)
    rows = exported_rows(client, model="historicalconfidentialreport")
    (report,) = [r for r in rows if r["记录类别"] == "保密信息"]
    assert report["字段变更"] == "保密信息，不在此显示（第七条（四））"
    assert not [r for r in rows if "举报人甲" in str(r.values())]


def test_the_export_reads_the_rows_before_and_the_names_per_table_not_per_row(client, cast):
    client.force_login(cast.auditor)
    case_in(cast, CaseState.RECTIFYING)
    exported_rows(client)  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as few:
        first = exported_rows(client)
    for talk_type in (TalkType.WARNING, TalkType.ROUTINE, TalkType.ADMONITION):
        case_in(cast, CaseState.RECTIFYING, talk_type, subjects=[cast.staff, cast.staff2])
    with CaptureQueriesContext(connection) as many:
        more = exported_rows(client)
    assert len(more) > len(first) + 50
    assert len(many.captured_queries) == len(few.captured_queries), [
        q["sql"][:90] for q in many.captured_queries
    ]

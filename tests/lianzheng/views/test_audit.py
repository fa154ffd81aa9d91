"""Auditors read the trail without help: a global log with filters and export, a comparison of
any two versions of a case in Chinese labels, and the chain's status with a check on demand."""

import pytest
from django.urls import reverse

from lianzheng.choices import CaseState
from lianzheng.models import ChainVerification
from tests.workflow_helpers import advance, new_case

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
    assert "办理环节 transition" in body.splitlines()[0]
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
    assert run.head_hash in log


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

"""The read-only case API of the discipline-inspection bodies: a token per consumer, issued and
revoked by the superuser, scoped like the auditor (no whistleblower data), every call logged,
rate-limited, described in OpenAPI."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import resolve, reverse

from lianzheng.api.openapi import description
from lianzheng.choices import CaseState
from lianzheng.models import ApiCall, ApiConsumer, ConfidentialReport
from lianzheng.services.api_consumers import api_consumer_issue
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

SECRET = "举报人欧阳秘密"


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x" * 16)


@pytest.fixture
def token(superuser):
    _consumer, token = api_consumer_issue(user=superuser, name="州纪委监委第三监督检查室")
    return token


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_superuser_issues_a_token_shown_once_and_kept_only_as_its_hash(client, superuser):
    client.force_login(superuser)
    issue = reverse("lianzheng_api_consumers:issue")
    refused = client.post(issue, {"name": ""})
    assert refused.status_code == 200 and "请填写使用单位名称" in refused.content.decode()
    assert not ApiConsumer.objects.exists()

    page = client.post(issue, {"name": "州纪委监委第三监督检查室"})
    assert "no-store" in page["Cache-Control"]
    (token,) = re.findall(r'value="(lzk_[^"]+)"', page.content.decode())
    consumer = ApiConsumer.objects.get()
    stored = " ".join(str(v) for v in ApiConsumer.objects.values().get().values())
    assert token not in stored and consumer.token_prefix == token[:12]
    assert consumer.history.get().history_user_id == superuser.pk
    listing = client.get(reverse("lianzheng_api_consumers:list")).content.decode()
    assert "州纪委监委第三监督检查室" in listing and token not in listing


def test_only_the_superuser_manages_tokens_and_auditors_read_the_calls(client, cast):
    client.force_login(cast.clerk.user)
    assert client.get(reverse("lianzheng_api_consumers:issue")).status_code == 403
    client.force_login(cast.auditor)
    assert client.get(reverse("lianzheng_api_consumers:list")).status_code == 403
    assert client.get(reverse("lianzheng_api_consumers:calls")).status_code == 200


def test_without_a_valid_token_nothing_is_read_and_the_attempt_is_logged(client, cast, token):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    cases = reverse("lianzheng_api:case-list")
    assert client.get(cases).status_code == 401
    assert client.get(cases, **bearer(token + "x")).status_code == 401
    assert client.get(reverse("lianzheng_api:case-detail", args=[case.pk])).status_code == 401
    assert list(ApiCall.objects.order_by("pk").values_list("consumer", "status")) == [
        (None, 401),
        (None, 401),
        (None, 401),
    ]


def test_a_consumer_reads_numbered_cases_as_the_auditor_does_never_the_whistleblower(
    client, cast, token
):
    draft = new_case(cast)
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    ConfidentialReport.objects.create(case=case, whistleblower=SECRET, contact="13800009999")
    listing = client.get(reverse("lianzheng_api:case-list"), **bearer(token)).json()
    assert [c["number"] for c in listing["results"]] == [case.number]
    assert draft.pk not in [c["id"] for c in listing["results"]]

    answer = client.get(reverse("lianzheng_api:case-detail", args=[case.pk]), **bearer(token))
    body = answer.content.decode()
    detail = answer.json()
    assert detail["state"] == {"code": "notified", "label": "已通知"}
    assert [s["name"] for s in detail["subjects"]] == [cast.staff.name]
    assert detail["notices"][0]["place"] == case.notices.get().place
    assert SECRET not in body and "13800009999" not in body and "whistleblower" not in body
    assert (
        client.get(
            reverse("lianzheng_api:case-detail", args=[draft.pk]), **bearer(token)
        ).status_code
        == 404
    )

    history = client.get(detail["history"], **bearer(token)).json()
    assert history[-1]["state_to"] == "notified" and len(history[-1]["chain_hash"]) == 64
    consumer = ApiConsumer.objects.get()
    assert ApiCall.objects.filter(consumer=consumer, status=200).count() == 3


def test_a_filter_the_api_does_not_understand_is_a_400_that_says_why(client, cast, token):
    cases = reverse("lianzheng_api:case-list")
    wrong_state = client.get(cases, {"state": "nonsense"}, **bearer(token))
    assert wrong_state.status_code == 400 and "unknown state" in wrong_state.json()["state"]
    for since in ("yesterday", "2026-13-01T00:00:00+08:00", "2026-12-01T00:00:00"):
        answer = client.get(cases, {"updated_since": since}, **bearer(token))
        assert answer.status_code == 400, since


def test_a_revoked_token_stops_at_once(client, cast, token, superuser):
    client.force_login(superuser)
    consumer = ApiConsumer.objects.get()
    revoke = reverse("lianzheng_api_consumers:revoke", args=[consumer.pk])
    assert client.post(revoke, {"reason": ""}).status_code == 200  # a reason is required
    assert client.post(revoke, {"reason": "检查室撤并"}).status_code == 302
    client.logout()
    answer = client.get(reverse("lianzheng_api:case-list"), **bearer(token))
    assert answer.status_code == 401 and answer.json()["detail"] == "该令牌已被撤销。"


def test_calls_beyond_the_rate_are_refused_with_retry_after(client, cast, token, settings):
    settings.LIANZHENG_API_RATE = "2/min"
    cases = reverse("lianzheng_api:case-list")
    assert [client.get(cases, **bearer(token)).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(cases, **bearer(token)).has_header("Retry-After")


def test_the_openapi_description_matches_the_routes(client):
    answer = client.get(reverse("lianzheng_api:openapi"))
    assert answer.status_code == 200
    spec = answer.json()
    assert spec["openapi"].startswith("3.1")
    base = reverse("lianzheng_api:root")
    for route in spec["paths"]:
        concrete = route.replace("{id}", "1")
        assert resolve(base + concrete.lstrip("/")), route
    routed = {"case-list", "case-detail", "case-history", "openapi"}
    described = {resolve(base + r.replace("{id}", "1").lstrip("/")).url_name for r in spec["paths"]}
    assert routed <= described
    assert description("http://x/")["paths"] == spec["paths"]

"""Wagtail's API v2 publishes the regulation as data: public, read-only, article by article."""

from __future__ import annotations

import pytest

from lianzheng.models import RegulationPage

pytestmark = pytest.mark.django_db


def test_the_regulation_is_listed_and_read_as_structured_articles(client, profile):
    page = RegulationPage.objects.get()
    listing = client.get("/api/v2/pages/", {"type": "lianzheng.RegulationPage"})
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["items"]] == [page.pk]

    detail = client.get(f"/api/v2/pages/{page.pk}/").json()
    assert detail["document_number"] == page.document_number
    articles = detail["articles"]
    assert [a["label"] for a in articles][:2] == ["第一条", "第二条"]
    article_6 = next(a for a in articles if a["number"] == 6)
    clause_3 = next(c for c in article_6["clauses"] if c["number"] == 3)
    assert clause_3["label"] == "（三）" and clause_3["anchor"] == "article-6-3"
    assert any("书面通知" in p for p in clause_3["paragraphs"])


def test_the_page_api_takes_no_credentials_and_writes_nothing(client, profile):
    """Public and read-only: a wrong password in a Basic header is not a sign-in attempt, and
    a write is refused."""
    page = RegulationPage.objects.get()
    answer = client.get(f"/api/v2/pages/{page.pk}/", HTTP_AUTHORIZATION="Basic YWRtaW46d3Jvbmc=")
    assert answer.status_code == 200
    assert client.post("/api/v2/pages/", {}).status_code == 405


def test_a_draft_is_not_published_through_the_api(client, profile):
    page = RegulationPage.objects.get()
    page.unpublish()
    assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404

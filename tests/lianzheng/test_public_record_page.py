"""The public regulation page beside its record: rules and figures next to each article, the
workflow diagram, nothing that names a person or a case, cached figures."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianzheng.models import Person, RegulationPage, TalkCase
from tests.lianzheng.public_record_helpers import PLACE, build_year, move_to_year
from tests.workflow_helpers import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(profile):
    return RegulationPage.objects.get()


def aside(html: str, article: int) -> str:
    match = re.search(
        rf'<aside class="article-record" aria-labelledby="record-{article}-heading">.*?</aside>',
        html,
        re.S,
    )
    assert match, f"no record beside article {article}"
    return match.group(0)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_anonymous_reader_with_no_cases_at_all(client, page):
    assert not TalkCase.objects.exists()
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "制度与执行情况" in html
    year = timezone.localdate().year
    assert f'<option value="{year}" selected>{year}</option>' in html
    article_6 = text(aside(html, 6))
    assert "R6.3 至少提前3个工作日书面通知" in article_6
    assert "书面通知（份） 0" in article_6
    assert "提前3个工作日以上通知的 无" in article_6
    assert "合计 0" in text(aside(html, 4))
    assert 'id="workflow"' in html and "<svg" in html


def test_each_article_shows_the_rules_that_enforce_it_linked_within_the_page(client, page):
    html = client.get(page.url).content.decode()
    assert '<a class="rule-ref" href="#article-6-3" title="第六条第（三）项">' in html
    for article, codes in ((2, ["R2.1"]), (9, ["R9.1"]), (12, ["R12.1"])):
        found = re.findall(
            r'<span class="rule-code" lang="en">(R[\d.]+)</span>', aside(html, article)
        )
        assert found == codes
    assert 'aria-labelledby="record-1-heading"' not in html  # 第一条: no rule, no figure
    # Every link beside the articles stays on the page.
    links = re.findall(r'href="([^"]+)"', "".join(aside(html, n) for n in (2, 4, 6, 8, 9, 10, 11)))
    assert links and all(link.startswith("#article-") for link in links)


def test_figures_stand_beside_their_articles(client, cast, settings):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 1
    build_year(cast)
    html = client.get(RegulationPage.objects.get().url).content.decode()
    kinds = text(aside(html, 4))
    assert "警示约谈 6" in kinds and "日常约谈 1" in kinds and "合计 8" in kinds
    assert "<caption>" in aside(html, 4) and '<th scope="row">' in aside(html, 4)
    notices = text(aside(html, 6))
    assert "书面通知（份） 7" in notices
    assert "提前3个工作日以上通知的 86% （6/7）" in notices
    assert "经批准缩短通知期限的例外（件） 1" in notices
    assert "推后补谈申请（件） 2" in text(aside(html, 8))
    assert "其中获同意的 50% （1/2）" in text(aside(html, 8))
    assert "已到期的整改事项（项） 2" in text(aside(html, 9))
    assert "依第十条所列情形移送追责（件） 1" in text(aside(html, 10))
    assert "依第十一条所列情形移送追责（件） 1" in text(aside(html, 11))


def test_below_the_minimum_the_page_says_so_instead_of_a_number(client, cast):
    build_year(cast)
    html = client.get(RegulationPage.objects.get().url).content.decode()
    escalations = text(aside(html, 10))
    assert "依第十条所列情形移送追责（件） 涉及少于5例，不予公布" in escalations
    assert "书面通知（份） 7" in text(aside(html, 6))
    assert "涉及少于5例的数据不予公布" in html


def test_no_name_case_number_or_detail_of_a_case_reaches_the_page(client, cast, settings):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 1
    cases = build_year(cast)
    html = client.get(RegulationPage.objects.get().url).content.decode()
    for case in TalkCase.objects.exclude(number=None):
        assert case.number not in html
    for person in Person.objects.all():
        assert person.name not in html, person.name
    for detail in (
        PLACE,
        "因公出差",
        "项目验收在即",
        "提供虚假整改材料",
        "建立办事台账",
        cast.section_a.name,
    ):
        assert detail not in html, detail
    assert cases


def test_the_cache_spares_the_second_request_its_queries(client, cast):
    build_year(cast)
    url = RegulationPage.objects.get().url
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) < len(first)
    assert not any("lianzheng_notice" in q["sql"] for q in second.captured_queries)
    assert any("lianzheng_notice" in q["sql"] for q in first.captured_queries)


def test_the_reader_chooses_a_year_with_data(client, cast, settings):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 1
    this_year = timezone.localdate().year
    move_to_year(new_case(cast), this_year - 1)
    url = RegulationPage.objects.get().url
    html = client.get(url, {"year": this_year - 1}).content.decode()
    assert f'<option value="{this_year - 1}" selected>' in html
    assert f"{this_year - 1}年数据" in html
    assert "警示约谈 1" in text(aside(html, 4))
    html = client.get(url).content.decode()
    assert "警示约谈 0" in text(aside(html, 4))
    assert client.get(url, {"year": "1999"}).status_code == 200


def test_the_page_in_english_keeps_chinese_where_it_is_chinese(client, page):
    html = client.get(page.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The regulation beside its record" in html
    assert "A written notice at least 3 working days ahead" in html
    assert 'lang="en">Draft</text>' in html  # the diagram's boxes, in English alone (#17)


def test_print_hides_the_record_and_the_diagram():
    from pathlib import Path

    css = (
        Path(__file__).resolve().parents[2] / "lianzheng/static/lianzheng/css/regulation.css"
    ).read_text()
    print_rules = css[css.index("@media print") :]
    assert ".article-record" in print_rules and ".workflow" in print_rules

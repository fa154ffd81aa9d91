"""The regulation pages: the imported page holds the issued text, and the public pages show it."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from lianzheng.blocks import article_to_block
from lianzheng.models import RegulationIndexPage, RegulationPage
from lianzheng.regulation import SEED_PATH, load_seed, normalized_lines, regulation_lines

pytestmark = pytest.mark.django_db


def test_imported_page_holds_the_seed_word_for_word(regulation_page):
    from_page = regulation_lines(regulation_page.as_regulation())
    assert from_page == normalized_lines(SEED_PATH.read_text(encoding="utf-8"))


def test_imported_page_has_every_article_and_clause(regulation_page):
    articles = {a["number"]: a for a in regulation_page.articles}
    assert sorted(articles) == list(range(1, 13))
    assert len(articles[5]["clauses"]) == 11
    assert len(articles[6]["clauses"][1]["paragraphs"]) == 5
    assert regulation_page.document_number == "阿州住建党组〔2021〕81号"
    assert regulation_page.is_trial
    assert str(regulation_page.effective_date) == "2021-10-19"


def test_live_revision_holds_the_same_text(regulation_page):
    """Cases record the revision they were handled under, so the revision must be complete."""
    live = regulation_page.live_revision.as_object()
    assert regulation_lines(live.as_regulation()) == regulation_lines(
        regulation_page.as_regulation()
    )


def test_public_regulation_page_shows_metadata_toc_and_anchors(client, regulation_page):
    response = client.get(regulation_page.url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "阿州住建党组〔2021〕81号",
        "中共阿坝州住房和城乡建设局党组",
        "2021年10月19日",
        "试行",
    ):
        assert text in html
    text = re.sub(r"<[^>]+>", "", html)
    for label, value in (
        ("发文机关", "中共阿坝州住房和城乡建设局党组"),
        ("文号", "阿州住建党组〔2021〕81号"),
        ("印发日期", "2021年10月19日"),
        ("施行日期", "2021年10月19日"),
        ("状态", "试行"),
        ("抄送", "省纪委监委驻省住建厅纪检监察组"),
        ("印制", "阿坝州住房和城乡建设局办公室"),
    ):
        assert re.search(label + r"\s*" + value, text), label
    assert "目录" in text
    anchors = set(re.findall(r'id="(article-[\d-]+)"', html))
    seed = load_seed()
    expected = {f"article-{a.number}" for a in seed.articles} | {
        f"article-{a.number}-{c.number}" for a in seed.articles for c in a.clauses
    }
    assert anchors == expected
    # Every table-of-contents entry links to an anchor that exists.
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    assert set(re.findall(r'href="#(article-\d+)"', toc)) == {f"article-{n}" for n in range(1, 13)}


def test_public_regulation_page_shows_every_paragraph(client, regulation_page):
    html = client.get(regulation_page.url).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    for article in load_seed().articles:
        for paragraph in (*article.paragraphs, *article.closing):
            assert paragraph in text
        for clause in article.clauses:
            for paragraph in clause.paragraphs:
                assert paragraph in text
    assert "抄送：省纪委监委驻省住建厅纪检监察组" in text


def test_public_page_links_a_print_stylesheet(client, regulation_page):
    html = client.get(regulation_page.url).content.decode()
    assert "lianzheng/css/regulation.css" in html
    css = (
        Path(__file__)
        .resolve()
        .parents[3]
        .joinpath("lianzheng/static/lianzheng/css/regulation.css")
        .read_text()
    )
    assert "@media print" in css
    assert "size: A4" in css


def test_index_lists_the_regulation(client, regulation_page):
    index = RegulationIndexPage.objects.get()
    response = client.get(index.url)
    assert response.status_code == 200
    assert regulation_page.title in response.content.decode()
    assert regulation_page.url in response.content.decode()


def test_articles_numbered_with_a_gap_are_refused(regulation_page):
    page = RegulationPage.objects.get(pk=regulation_page.pk)
    seed = load_seed()
    page.body = [("article", article_to_block(a)) for a in seed.articles if a.number != 3]
    with pytest.raises(ValidationError) as excinfo:
        page.full_clean()
    assert "body" in excinfo.value.message_dict


def test_effective_date_before_issue_date_is_refused(regulation_page):
    page = RegulationPage.objects.get(pk=regulation_page.pk)
    page.effective_date = page.issue_date.replace(year=2020)
    with pytest.raises(ValidationError) as excinfo:
        page.full_clean()
    assert "effective_date" in excinfo.value.message_dict

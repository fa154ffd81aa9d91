"""The public regulation page's PDF link: anyone may download the live revision's 红头文件."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from lianzheng.documents import fonts
from lianzheng.models import RegulationPage
from lianzheng.views import regulation_pdf as view
from tests.pdfcheck import flat_text

pytestmark = pytest.mark.django_db

LINK_ZH = "下载 PDF（红头文件）"
LINK_EN = "Download PDF (official document)"
NEW_NUMBER = "阿州住建党组〔2022〕3号"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def renders(monkeypatch):
    """Counts the PDFs actually rendered (not served from the cache)."""
    calls = []
    original = view.regulation_pdf

    def counting(reg):
        calls.append(reg.document_number)
        return original(reg)

    monkeypatch.setattr(view, "regulation_pdf", counting)
    return calls


def pdf_url(client, page) -> str:
    html = client.get(page.url).content.decode()
    match = re.search(r'<a class="pdf-download" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert match, "the regulation page has no PDF link"
    return match.group(1)


def test_the_page_links_the_pdf_in_chinese_and_in_english(client, regulation_page):
    html = client.get(regulation_page.url).content.decode()
    assert f'href="{regulation_page.url}pdf/"' in html
    assert LINK_ZH in html
    english = client.get(regulation_page.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert LINK_EN in english and LINK_ZH not in english


def test_an_anonymous_visitor_downloads_the_official_document(client, regulation_page):
    response = client.get(pdf_url(client, regulation_page))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    filename = quote("阿州住建党组〔2021〕81号.pdf", safe="")
    assert response["Content-Disposition"] == (
        f"inline; filename=\"regulation.pdf\"; filename*=UTF-8''{filename}"
    )
    text = flat_text(response.content)
    assert "中共阿坝州住房和城乡建设局党组文件" in text
    assert "阿州住建党组〔2021〕81号" in text
    assert "第十二条" in text


def test_repeated_downloads_render_once_until_a_new_revision_is_published(
    client, regulation_page, renders
):
    url = pdf_url(client, regulation_page)
    first = client.get(url).content
    second = client.get(url).content
    assert renders == ["阿州住建党组〔2021〕81号"]
    assert first == second

    page = RegulationPage.objects.get(pk=regulation_page.pk)
    page.document_number = NEW_NUMBER
    page.save_revision().publish()
    response = client.get(url)
    assert renders == ["阿州住建党组〔2021〕81号", NEW_NUMBER]
    assert NEW_NUMBER in flat_text(response.content)
    assert quote(f"{NEW_NUMBER}.pdf", safe="") in response["Content-Disposition"]


def test_an_unpublished_draft_is_not_in_the_pdf(client, regulation_page):
    page = RegulationPage.objects.get(pk=regulation_page.pk)
    page.document_number = NEW_NUMBER
    page.save_revision()
    text = flat_text(client.get(pdf_url(client, regulation_page)).content)
    assert "阿州住建党组〔2021〕81号" in text and NEW_NUMBER not in text


def test_missing_fonts_answer_503_naming_what_to_install(client, regulation_page, monkeypatch):
    missing = {role: ["/nonexistent/font.ttf"] for role in fonts.DEFAULT_FILES}
    monkeypatch.setattr(fonts, "DEFAULT_FILES", missing)
    response = client.get(pdf_url(client, regulation_page))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "暂时无法生成本制度的 PDF" in html
    assert "fonts-arphic-uming fonts-lxgw-wenkai fonts-wqy-zenhei" in html
    assert "LIANZHENG_PDF_FONTS" in html
    assert f'href="{regulation_page.url}"' in html


def test_a_page_behind_a_password_keeps_its_pdf_behind_it(client, regulation_page):
    PageViewRestriction.objects.create(
        page=regulation_page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = client.get(f"{regulation_page.url}pdf/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not response.content.startswith(b"%PDF")


def test_an_unpublished_regulation_has_no_pdf(client, regulation_page):
    url = f"{regulation_page.url}pdf/"
    regulation_page.unpublish()
    assert client.get(url).status_code == 404

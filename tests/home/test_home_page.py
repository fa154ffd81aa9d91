"""The home page introduces the system, links the regulation, and the admin for signed-in staff."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_links_the_published_regulation(client, regulation_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "已发布的制度" in html
    assert "工作人员登录" in html
    assert f'href="{regulation_page.url}"' in html
    assert "/admin/login/" in html
    assert 'href="/admin/"' not in html


def test_home_page_offers_the_admin_to_signed_in_staff(client, installed, login_as):
    login_as("office")
    html = client.get("/").content.decode()
    assert 'href="/admin/"' in html


def test_unpublished_regulation_is_not_listed(client, regulation_page):
    regulation_page.unpublish()
    html = client.get("/").content.decode()
    assert regulation_page.document_number not in html
    assert client.get("/regulations/lianzheng-yuetan-zhidu/").status_code == 404


def test_home_page_in_english_on_request(client, installed):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Published regulations" in response.content.decode()

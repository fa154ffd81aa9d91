"""The office telephone the notices print, kept in the admin's Settings menu."""

import pytest
from django.urls import reverse

from lianzheng.models import DocumentSettings

pytestmark = pytest.mark.django_db

MENU_URL = reverse("wagtailsettings:edit", args=["lianzheng", "documentsettings"])


def edit_url() -> str:
    """The menu's address redirects to the one setting's own (its primary key)."""
    return reverse(
        "wagtailsettings:edit", args=["lianzheng", "documentsettings", DocumentSettings.load().pk]
    )


def text(response) -> str:
    return response.content.decode()


def test_the_office_sets_the_telephone_and_the_menu_shows_it(installed, client, login_as):
    office = login_as("office")
    assert MENU_URL in text(client.get("/admin/"))
    page = client.get(MENU_URL, follow=True)
    assert page.status_code == 200 and "办公室电话" in text(page)
    response = client.post(edit_url(), {"contact_phone": "0837-2822123 转 8001"})
    assert response.status_code == 302
    assert DocumentSettings.load().contact_phone == "0837-2822123 转 8001"
    change = DocumentSettings.history.latest()  # in the audit trail: who set which number
    assert change.contact_phone == "0837-2822123 转 8001" and change.history_user_id == office.pk


@pytest.mark.parametrize("value", ["请拨打办公室", "<script>alert(1)</script>", "1" * 41])
def test_a_number_that_is_no_telephone_is_refused_and_nothing_changes(
    installed, client, login_as, value
):
    DocumentSettings.objects.create(contact_phone="0837-2822123")
    login_as("editor")
    response = client.post(edit_url(), {"contact_phone": value})
    assert response.status_code == 200
    assert "办公室电话" in text(response) and "<script>alert(1)" not in text(response)
    assert DocumentSettings.load().contact_phone == "0837-2822123"


@pytest.mark.parametrize("username", ["principal", "discipline", "auditor"])
def test_only_the_office_and_the_editors_keep_it(installed, client, login_as, username):
    login_as(username)
    before = DocumentSettings.load().contact_phone
    assert MENU_URL not in text(client.get("/admin/"))
    # Wagtail's settings view sends them back to the dashboard (the access table has it too).
    assert client.get(edit_url())["Location"] == "/admin/"
    assert client.post(edit_url(), {"contact_phone": "110"})["Location"] == "/admin/"
    assert DocumentSettings.load().contact_phone == before

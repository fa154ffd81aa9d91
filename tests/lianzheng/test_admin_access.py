"""The Wagtail admin speaks Chinese and lets each demo role do what its group allows, no more."""

import pytest
from django.urls import reverse

from lianzheng.roles import ROLES

# Every test starts from the demo site, set up once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]


def test_login_page_is_in_chinese(client, installed):
    response = client.get(reverse("wagtailadmin_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


@pytest.mark.parametrize("username", [spec.demo_username for spec in ROLES] + ["admin"])
def test_every_demo_login_signs_in_with_its_printed_password(client, installed, username):
    password = installed.demo_passwords[username]
    response = client.post(
        reverse("wagtailadmin_login"), {"username": username, "password": password}
    )
    assert response.status_code == 302
    dashboard = client.get(reverse("wagtailadmin_home"))
    assert dashboard.status_code == 200
    assert "控制面板" in dashboard.content.decode()


def test_wrong_password_is_refused_in_chinese(client, installed):
    response = client.post(
        reverse("wagtailadmin_login"), {"username": "auditor", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "用户名" in response.content.decode()
    assert client.get(reverse("wagtailadmin_home")).status_code == 302


def test_dashboard_in_english_for_a_user_who_chooses_it(client, installed, login_as):
    from wagtail.users.models import UserProfile

    user = login_as("office")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'lang="en"' in html


def test_editor_can_edit_the_regulation_page(client, regulation_page, login_as):
    login_as("editor")
    url = reverse("wagtailadmin_pages:edit", args=[regulation_page.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "阿州住建党组〔2021〕81号" in response.content.decode()


@pytest.mark.parametrize(
    "username", [spec.demo_username for spec in ROLES if not spec.regulation_page_permissions]
)
def test_roles_without_page_rights_cannot_edit_the_regulation(
    client, regulation_page, login_as, username
):
    login_as(username)
    url = reverse("wagtailadmin_pages:edit", args=[regulation_page.pk])
    response = client.get(url)
    assert response.status_code in (302, 403)
    post = client.post(url, {"title": "篡改"})
    assert post.status_code in (302, 403)
    regulation_page.refresh_from_db()
    assert regulation_page.title == "阿坝州住房和城乡建设局廉政约谈制度（试行）"


def test_auditor_sees_units_but_cannot_add_one(client, installed, login_as):
    login_as("auditor")
    listing = client.get(reverse("wagtailsnippets_lianzheng_unit:list"))
    assert listing.status_code == 200
    assert "汶川县住房和城乡建设局" in listing.content.decode()
    assert client.get(reverse("wagtailsnippets_lianzheng_unit:add")).status_code in (302, 403)


def test_office_can_add_a_unit_and_it_is_recorded_in_history(client, installed, login_as):
    from lianzheng.models import Unit

    user = login_as("office")
    response = client.post(
        reverse("wagtailsnippets_lianzheng_unit:add"),
        {
            "code": "section-new",
            "name": "新设科室",
            "kind": "section",
            "county": "",
            "sort_order": 99,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="section-new")
    record = unit.history.get()
    assert record.history_user_id == user.pk
    assert record.history_user_display == "郑小红"  # his name, not his login (#17)


def test_a_section_with_a_county_is_refused_with_a_message(client, installed, login_as):
    from lianzheng.models import Unit

    login_as("office")
    response = client.post(
        reverse("wagtailsnippets_lianzheng_unit:add"),
        {
            "code": "section-bad",
            "name": "错误科室",
            "kind": "section",
            "county": "aba",
            "sort_order": 1,
        },
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(code="section-bad").exists()


@pytest.mark.parametrize(
    ("username", "model", "may_add"),
    [
        ("office", "person", True),
        ("office_head", "roleassignment", True),
        ("editor", "calendaroverride", True),
        ("editor", "ground", True),
        ("leader", "person", False),
        ("auditor", "person", False),
        ("auditor", "calendaroverride", False),
        ("principal", "ground", False),
    ],
)
def test_reference_data_is_kept_by_its_keepers_and_read_by_the_rest(
    client, installed, login_as, username, model, may_add
):
    login_as(username)
    listing = client.get(reverse(f"wagtailsnippets_lianzheng_{model}:list"))
    assert listing.status_code == 200
    add = client.get(reverse(f"wagtailsnippets_lianzheng_{model}:add"))
    assert (add.status_code == 200) is may_add


@pytest.mark.parametrize(
    "model", ["person", "unit", "roleassignment", "ground", "calendaroverride", "appointment"]
)
def test_an_auditor_gets_403_on_posts_to_reference_data(client, installed, login_as, model):
    from django.apps import apps

    login_as("auditor")
    before = apps.get_model("lianzheng", model).objects.count()
    response = client.post(reverse(f"wagtailsnippets_lianzheng_{model}:add"), {"name": "x"})
    assert response.status_code == 403
    assert "没有办理此项操作的权限" in response.content.decode()
    assert apps.get_model("lianzheng", model).objects.count() == before

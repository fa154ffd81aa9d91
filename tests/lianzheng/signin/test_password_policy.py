"""The password policy: long, not common, not all digits, not like the name, and mixed."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from lianzheng.roles import ROLES

# Every test starts from the demo site, set up once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

TOO_SIMPLE = "密码须至少混合以下 3 类字符"
STRONG = "Tiaozheng-2024-Aba"
# The other panels of the account page, unchanged: the page saves only when all are valid.
ACCOUNT_PAGE = {
    "name_email-first_name": "办公室",
    "name_email-last_name": "（演示）",
    "name_email-email": "office@example.gov.cn",
    "locale-preferred_language": "zh-hans",
    "locale-current_time_zone": "Asia/Shanghai",
    "theme-theme": "system",
    "theme-density": "default",
    "theme-contrast": "system",
}


def refusals(password, user=None) -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return error.messages
    return []


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Ab1-short", "至少须包含 12 个字符"),
        ("alllowercaseletters", TOO_SIMPLE),
        ("ALLUPPER-AND-DASHES", TOO_SIMPLE),
        ("839201746352", "只包含数字"),
        ("Password1234", "太常见"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, says):
    assert any(says in message for message in refusals(password)), refusals(password)


def test_a_password_like_the_login_name_is_refused():
    user = get_user_model()(username="zhangwei_bgs", first_name="张伟")
    assert any("太相似" in m for m in refusals("Zhangwei_bgs1", user))


def test_a_long_mixed_password_passes():
    assert refusals(STRONG) == []
    assert refusals("廉政约谈制度试行Aba2021") == []


def test_every_demo_password_satisfies_the_policy(installed):
    passwords = installed.demo_passwords
    assert set(passwords) == {"admin", *(spec.demo_username for spec in ROLES)}
    users = get_user_model().objects.in_bulk(list(passwords), field_name="username")
    for username, password in passwords.items():
        assert refusals(password, users[username]) == [], username


def test_the_account_page_refuses_a_weak_new_password(client, installed, login_as):
    user = login_as("office")
    response = client.post(
        reverse("wagtailadmin_account"),
        {
            **ACCOUNT_PAGE,
            "password-old_password": installed.demo_passwords["office"],
            "password-new_password1": "abcdefghijklmn",
            "password-new_password2": "abcdefghijklmn",
        },
    )
    assert response.status_code == 200
    assert TOO_SIMPLE in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(installed.demo_passwords["office"])


def test_the_account_page_takes_a_strong_new_password(client, installed, login_as):
    user = login_as("office")
    client.post(
        reverse("wagtailadmin_account"),
        {
            **ACCOUNT_PAGE,
            "password-old_password": installed.demo_passwords["office"],
            "password-new_password1": STRONG,
            "password-new_password2": STRONG,
        },
    )
    user.refresh_from_db()
    assert user.check_password(STRONG)


@pytest.mark.parametrize("password", ["abcdefghijklmn", "Short1-x"])
def test_the_user_form_refuses_a_weak_password(client, installed, login_as, password):
    login_as("admin")
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "newclerk",
            "email": "newclerk@example.gov.cn",
            "first_name": "新",
            "last_name": "科员",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert TOO_SIMPLE in html or "至少须包含 12 个字符" in html
    assert not get_user_model().objects.filter(username="newclerk").exists()


def test_the_user_form_takes_a_strong_password(client, installed, login_as):
    login_as("admin")
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "newclerk",
            "email": "newclerk@example.gov.cn",
            "first_name": "新",
            "last_name": "科员",
            "password1": STRONG,
            "password2": STRONG,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert get_user_model().objects.get(username="newclerk").check_password(STRONG)

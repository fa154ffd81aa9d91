"""Failed sign-ins lock a login, from one address, for a while (django-axes, settings.AXES_*)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.urls import reverse

# Every test starts from the demo site, set up once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

LOCKED = "账户已暂时锁定"


def sign_in(client, username, password, **headers):
    headers.setdefault("REMOTE_ADDR", "10.0.0.7")
    return client.post(
        reverse("wagtailadmin_login"), {"username": username, "password": password}, **headers
    )


def signed_in(client) -> bool:
    return client.get(reverse("wagtailadmin_home")).status_code == 200


def lock(client, username, **headers):
    for attempt in range(1, 6):
        response = sign_in(client, username, f"wrong-{attempt}", **headers)
    return response


def test_four_wrong_passwords_only_say_the_password_is_wrong(client, installed):
    for attempt in range(4):
        response = sign_in(client, "office", f"wrong-{attempt}")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    assert sign_in(client, "office", installed.demo_passwords["office"]).status_code == 302


def test_the_fifth_wrong_password_locks_and_then_the_right_one_is_refused(client, installed):
    response = lock(client, "office")
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "连续 5 次登录失败" in html and "15 分钟后" in html
    assert 'name="password"' in html  # the sign-in page itself, not a bare text page

    response = sign_in(client, "office", installed.demo_passwords["office"])
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_the_message_is_in_english_for_an_english_browser(client, installed):
    response = lock(client, "office", HTTP_ACCEPT_LANGUAGE="en")
    assert "This account is temporarily locked: 5 failed sign-ins" in response.content.decode()


def test_the_lock_ends_after_the_cool_off(client, installed):
    lock(client, "office")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert sign_in(client, "office", installed.demo_passwords["office"]).status_code == 302
    assert signed_in(client)


def test_the_reset_command_unlocks_at_once(client, installed):
    lock(client, "office")
    call_command("axes_reset_username", "office")
    assert sign_in(client, "office", installed.demo_passwords["office"]).status_code == 302


def test_other_logins_and_other_addresses_are_not_locked(client, installed):
    lock(client, "office")
    assert sign_in(client, "auditor", installed.demo_passwords["auditor"]).status_code == 302
    client.logout()
    response = sign_in(client, "office", installed.demo_passwords["office"], REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302


def test_a_claimed_forwarded_address_is_ignored_unless_proxies_are_configured(client, installed):
    for attempt in range(5):
        sign_in(client, "office", f"wrong-{attempt}", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    response = sign_in(
        client, "office", installed.demo_passwords["office"], HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert response.status_code == 429


@override_settings(LIANZHENG_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_each_client_is_counted_by_the_address_the_proxy_saw(client, installed):
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    lock(client, "office", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    # Another client behind the same proxy is not locked ...
    response = sign_in(
        client,
        "office",
        installed.demo_passwords["office"],
        HTTP_X_FORWARDED_FOR="203.0.113.6",
        **proxy,
    )
    assert response.status_code == 302
    client.logout()
    # ... and the locked one cannot escape by prepending an address of his choice.
    response = sign_in(
        client,
        "office",
        installed.demo_passwords["office"],
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5",
        **proxy,
    )
    assert response.status_code == 429

"""Two-factor sign-in: enrolment with an authenticator app, codes after the password, backup
codes, and the roles that must use it (settings.LIANZHENG_2FA_REQUIRED_ROLES)."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianzheng.choices import Role
from lianzheng.roles import group_name
from lianzheng.signin import twofactor

# Every test starts from the demo site, set up once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

LEADERS_AND_DISCIPLINE = (
    "principal_head",
    "deputy_head_personnel",
    "deputy_head_discipline",
    "leader_in_charge",
    "discipline_officer",
)
HOME = "/admin/"
VERIFY = "/admin/two-factor/verify/"
ENROL = "/admin/two-factor/enrol/"
WRONG = "验证码不正确或已过期"
WAIT = "连续输错验证码次数过多"


@pytest.fixture
def clock():
    """Django's clock, stopped and moved on by hand: django-otp times its throttling with
    django.utils.timezone.now. (The codes themselves follow the real time.)"""

    class Clock:
        now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

        def local(self, seconds_ahead: float) -> str:
            later = self.now + timedelta(seconds=seconds_ahead)
            return timezone.localtime(later).strftime("%H:%M:%S")

    stopped = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: stopped.now):
        yield stopped


def code_for(device, *, steps_ahead=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device) -> str:
    right = {code_for(device, steps_ahead=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def sign_in(client, installed, username):
    response = client.post(
        reverse("wagtailadmin_login"),
        {"username": username, "password": installed.demo_passwords[username]},
    )
    assert response.status_code == 302
    return get_user_model().objects.get(username=username)


def enrolled(username) -> TOTPDevice:
    user = get_user_model().objects.get(username=username)
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_a_leader_enrols_an_authenticator_app_from_the_admin(client, installed):
    user = sign_in(client, installed, "principal")
    manage = client.get(reverse("lianzheng_2fa_manage")).content.decode()
    assert "两步验证未开启" in manage

    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "<svg" in page  # the QR code
    assert twofactor.secret_of(device) in page
    assert "otpauth://" not in page  # the secret is in the QR code and typed form only

    response = client.post(ENROL, {"code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200  # this session counts as verified
    assert "两步验证已开启" in client.get(reverse("lianzheng_2fa_manage")).content.decode()


def test_a_wrong_code_does_not_confirm_the_enrolment(client, installed):
    user = sign_in(client, installed, "principal")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"code": wrong_code_for(device)})
    assert WRONG in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=user).exists()


def test_the_right_enrolment_code_just_after_a_wrong_one_is_told_to_wait(client, installed, clock):
    user = sign_in(client, installed, "principal")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(ENROL, {"code": wrong_code_for(device)})
    html = client.post(ENROL, {"code": code_for(device)}).content.decode()
    assert WAIT in html and WRONG not in html
    assert f"请等待 1 秒（至北京时间 {clock.local(1)}）" in html
    device.refresh_from_db()
    assert not device.confirmed

    clock.advance(1)
    assert "<li><code>" in client.post(ENROL, {"code": code_for(device)}).content.decode()
    device.refresh_from_db()
    assert device.confirmed


def test_after_the_password_an_enrolled_user_must_give_a_code(client, installed):
    device = enrolled("deputy_discipline")
    sign_in(client, installed, "deputy_discipline")
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    page = client.get(response["Location"]).content.decode()
    assert "请输入验证码" in page

    response = client.post(VERIFY, {"code": code_for(device), "next": "/admin/pages/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_is_refused_and_the_admin_stays_closed(client, installed):
    device = enrolled("deputy_discipline")
    sign_in(client, installed, "deputy_discipline")
    response = client.post(VERIFY, {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert client.get("/my/integrity-file/")["Location"].startswith(VERIFY)


def test_the_right_code_just_after_a_wrong_one_is_told_to_wait_not_wrong(client, installed, clock):
    """django-otp refuses every code for a while after wrong ones, the right one too: the page
    says so and how long, or the person would think the right code wrong and keep trying."""
    device = enrolled("deputy_discipline")
    sign_in(client, installed, "deputy_discipline")
    assert WRONG in client.post(VERIFY, {"code": wrong_code_for(device)}).content.decode()

    html = client.post(VERIFY, {"code": code_for(device)}).content.decode()
    assert WAIT in html and WRONG not in html
    assert f"请等待 1 秒（至北京时间 {clock.local(1)}）" in html
    assert client.get(HOME)["Location"].startswith(VERIFY)

    # Waiting does not reset the count: the next wrong code doubles the wait.
    clock.advance(1)
    assert WRONG in client.post(VERIFY, {"code": wrong_code_for(device)}).content.decode()
    html = client.post(VERIFY, {"code": code_for(device)}).content.decode()
    assert f"请等待 2 秒（至北京时间 {clock.local(2)}）" in html
    clock.advance(1)
    assert "请等待 1 秒" in client.post(VERIFY, {"code": code_for(device)}).content.decode()

    clock.advance(1)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    assert client.get(HOME).status_code == 200


def test_the_wait_is_explained_in_english_for_an_english_browser(client, installed, clock):
    device = enrolled("deputy_discipline")
    sign_in(client, installed, "deputy_discipline")
    client.post(VERIFY, {"code": wrong_code_for(device)}, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(VERIFY, {"code": code_for(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        "Too many wrong codes in a row, so for now every code is refused, even the right one. "
        f"Wait 1 s (until {clock.local(1)} Beijing time)"
    ) in response.content.decode()


def test_a_backup_code_works_while_the_app_codes_must_wait(client, installed, clock):
    device = enrolled("deputy_discipline")
    codes = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "deputy_discipline")
    client.post(VERIFY, {"code": wrong_code_for(device)})
    assert WAIT in client.post(VERIFY, {"code": code_for(device)}).content.decode()
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert client.get(HOME).status_code == 200


def test_wrong_backup_codes_make_backup_codes_wait_but_not_the_app(client, installed, clock):
    device = enrolled("deputy_discipline")
    codes = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "deputy_discipline")
    assert WRONG in client.post(VERIFY, {"code": "wrongcod"}).content.decode()
    assert WAIT in client.post(VERIFY, {"code": codes[0]}).content.decode()
    assert twofactor.backup_codes_left(device.user) == len(codes)  # not used up
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_a_backup_code_works_once(client, installed):
    device = enrolled("discipline")
    codes = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "discipline")
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get(HOME).status_code == 200
    client.post(reverse("wagtailadmin_logout"))

    sign_in(client, installed, "discipline")
    response = client.post(VERIFY, {"code": codes[0]})
    assert WRONG in response.content.decode()
    assert StaticToken.objects.filter(device__user=device.user).count() == 9


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
@pytest.mark.parametrize("username", ["principal", "deputy_personnel", "leader", "discipline"])
def test_a_required_role_without_an_authenticator_is_sent_to_enrol(client, installed, username):
    sign_in(client, installed, username)
    for url in (
        HOME,
        "/admin/snippets/lianzheng/talkcase/",
        "/my/integrity-file/",
        "/admin/account/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(ENROL), url
    page = client.get(ENROL).content.decode()
    assert "您的角色要求使用两步验证" in page
    # Signing out stays open.
    assert client.post(reverse("wagtailadmin_logout")).status_code == 302
    assert client.get(HOME)["Location"].startswith("/admin/login/")


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
@pytest.mark.parametrize("username", ["office", "editor", "auditor", "personnel", "admin"])
def test_other_roles_are_not_asked(client, installed, username):
    sign_in(client, installed, username)
    assert client.get(HOME).status_code == 200


def test_without_required_roles_a_leader_signs_in_with_the_password_alone(client, installed):
    sign_in(client, installed, "principal")
    assert client.get(HOME).status_code == 200


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_a_required_user_changing_phone_enrols_again_at_once(client, installed):
    device = enrolled("principal")
    backup = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "principal")
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post(reverse("lianzheng_2fa_remove"), {"code": backup[0]})
    assert response["Location"] == ENROL
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    assert client.get(HOME)["Location"].startswith(ENROL)


def test_a_user_who_may_turn_it_off_signs_in_with_the_password_afterwards(client, installed):
    device = enrolled("leader")
    sign_in(client, installed, "leader")
    client.post(VERIFY, {"code": code_for(device)})
    client.post(reverse("lianzheng_2fa_remove"), {"code": code_for(device, steps_ahead=1)})
    client.post(reverse("wagtailadmin_logout"))
    sign_in(client, installed, "leader")
    assert client.get(HOME).status_code == 200


def test_new_backup_codes_replace_the_old_ones(client, installed):
    device = enrolled("principal")
    old = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "principal")
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post(reverse("lianzheng_2fa_backup_codes"), {"code": old[0]})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)


@pytest.mark.parametrize("url", ["lianzheng_2fa_remove", "lianzheng_2fa_backup_codes"])
def test_an_open_session_alone_cannot_remove_the_authenticator_or_take_new_codes(
    client, installed, url
):
    """Someone at a desk left signed in must not switch two-factor sign-in off, enrol his own
    phone or leave with fresh backup codes: a current code is asked for."""
    device = enrolled("leader")
    old = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "leader")
    client.post(VERIFY, {"code": code_for(device)})
    for code in ("", wrong_code_for(device)):
        response = client.post(reverse(url), {"code": code}, follow=True)
        assert WRONG in response.content.decode()
        assert TOTPDevice.objects.filter(user=device.user, confirmed=True).exists()
        assert twofactor.backup_codes_left(device.user) == len(old)


@pytest.mark.parametrize("url", ["lianzheng_2fa_remove", "lianzheng_2fa_backup_codes"])
def test_the_manage_page_says_to_wait_after_a_wrong_code(client, installed, clock, url):
    device = enrolled("leader")
    old = twofactor.backup_codes_issue(user=device.user)
    sign_in(client, installed, "leader")
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post(reverse(url), {"code": wrong_code_for(device)}, follow=True)
    assert WRONG in response.content.decode()
    right = code_for(device, steps_ahead=1)  # the step after the one used to sign in
    html = client.post(reverse(url), {"code": right}, follow=True).content.decode()
    assert WAIT in html and WRONG not in html
    assert f"请等待 1 秒（至北京时间 {clock.local(1)}）" in html
    assert TOTPDevice.objects.filter(user=device.user, confirmed=True).exists()
    assert twofactor.backup_codes_left(device.user) == len(old)

    clock.advance(1)
    client.post(reverse(url), {"code": right})
    if url == "lianzheng_2fa_remove":
        assert not twofactor.user_has_2fa(device.user)
    else:
        assert twofactor.backup_codes_left(device.user) == len(old)
        assert not set(old) & set(
            StaticToken.objects.filter(device__user=device.user).values_list("token", flat=True)
        )


def test_the_account_page_links_to_two_factor_sign_in(client, installed, login_as):
    login_as("office")
    html = client.get(reverse("wagtailadmin_account")).content.decode()
    assert reverse("lianzheng_2fa_manage") in html
    assert "两步验证" in html


def test_the_operator_resets_a_lost_authenticator(installed):
    from django.core.management import CommandError, call_command

    device = enrolled("principal")
    twofactor.backup_codes_issue(user=device.user)
    call_command("lianzheng_2fa_reset", "principal")
    assert not twofactor.user_has_2fa(device.user)
    assert twofactor.backup_codes_left(device.user) == 0
    with pytest.raises(CommandError, match="nobody"):
        call_command("lianzheng_2fa_reset", "nobody")


def _join(username: str, role: Role) -> None:
    """What the admin does on a user's page: tick the role's group."""
    user = get_user_model().objects.get(username=username)
    user.groups.add(Group.objects.get(name=group_name(role)))


def _leave(username: str, role: Role) -> None:
    user = get_user_model().objects.get(username=username)
    user.groups.remove(Group.objects.get(name=group_name(role)))


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_a_user_given_a_required_role_while_signed_in_enrols_at_his_next_request(client, installed):
    sign_in(client, installed, "office")
    assert client.get(HOME).status_code == 200

    _join("office", Role.DISCIPLINE_OFFICER)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    assert client.get("/my/integrity-file/")["Location"].startswith(ENROL)
    assert "您的角色要求使用两步验证" in client.get(ENROL).content.decode()

    device = TOTPDevice.objects.get(user__username="office", confirmed=False)
    assert client.post(ENROL, {"code": code_for(device)}).status_code == 200
    assert client.get(HOME).status_code == 200


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_a_user_with_an_authenticator_given_a_required_role_gives_a_code(client, installed):
    """He enrolled on another computer while this session was open: the role now asks for a
    code here too."""
    sign_in(client, installed, "office")
    assert client.get(HOME).status_code == 200
    device = enrolled("office")
    _join("office", Role.PRINCIPAL_HEAD)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(HOME).status_code == 200


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_losing_the_required_role_opens_a_session_held_at_the_enrol_step(client, installed):
    sign_in(client, installed, "leader")
    assert client.get(HOME)["Location"].startswith(ENROL)
    _leave("leader", Role.LEADER_IN_CHARGE)
    _join("leader", Role.OFFICE)
    assert client.get(HOME).status_code == 200
    assert client.get(HOME).status_code == 200


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_losing_the_required_role_does_not_close_a_verified_session(client, installed):
    device = enrolled("leader")
    sign_in(client, installed, "leader")
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(HOME).status_code == 200
    _leave("leader", Role.LEADER_IN_CHARGE)
    _join("leader", Role.OFFICE)
    assert client.get(HOME).status_code == 200


def _role_and_device_lookups(client) -> list[str]:
    """The queries of a request that needs no roles itself (the admin's translations for
    scripts) that look up groups or authenticators."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("wagtailadmin_javascript_catalog")).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "auth_group" in q["sql"] or "otp_totp" in q["sql"] or "otp_static" in q["sql"]
    ]


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_a_verified_session_looks_up_no_role_and_no_authenticator_again(client, installed):
    device = enrolled("principal")
    sign_in(client, installed, "principal")
    client.post(VERIFY, {"code": code_for(device)})
    client.get(HOME)
    # Only django-otp's own: the device this session was verified with.
    assert len(_role_and_device_lookups(client)) == 1


@override_settings(LIANZHENG_2FA_REQUIRED_ROLES=LEADERS_AND_DISCIPLINE)
def test_a_cleared_unverified_session_looks_up_its_roles_once(client, installed):
    sign_in(client, installed, "office")
    client.get(HOME)
    lookups = _role_and_device_lookups(client)
    assert len(lookups) == 1 and "auth_group" in lookups[0]

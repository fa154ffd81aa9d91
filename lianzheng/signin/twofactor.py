"""Two-factor sign-in with django-otp: who must use it, enrolment, backup codes, verification.

A person enrols an authenticator app (TOTP, RFC 6238) by scanning a QR code or typing its
secret, proves it with one code, and receives single-use backup codes for when the phone is not
at hand. After the password, a person with a confirmed authenticator must give a code before
the admin opens; a person whose role is in settings.LIANZHENG_2FA_REQUIRED_ROLES and has none
must enrol first.

django-otp throttles each device: after n wrong codes in a row it refuses every code, the right
one too, until 2^(n-1) seconds after the last wrong one. A code given while its device is
throttled raises Throttled, so that the page says to wait rather than that the code is wrong.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianzheng.permissions import user_roles

Step = Literal["verify", "enrol"]
APP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


class Throttled(Exception):
    """The code was not checked: its device refuses every code until ``locked_until`` after
    too many wrong ones in a row (django-otp's ThrottlingMixin)."""

    def __init__(self, locked_until: datetime):
        super().__init__(locked_until)
        self.locked_until = locked_until


def user_requires_2fa(user) -> bool:
    required = set(settings.LIANZHENG_2FA_REQUIRED_ROLES)
    return bool(required and user_roles(user) & required)


def user_has_2fa(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user) -> Step | None:
    """What stands between a signed-in user and the admin: a code to give, an app to enrol,
    or nothing."""
    if not user.is_authenticated or user.is_verified():
        return None
    if user_has_2fa(user):
        return "verify"
    if user_requires_2fa(user):
        return "enrol"
    return None


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled: the same secret until it is confirmed,
    so reloading the page does not invalidate a QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing leaves the page)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


@transaction.atomic
def enrolment_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms the authenticator if the code is right: any older one is replaced, new backup
    codes are issued and returned, and this session counts as verified. None if the code is
    wrong; Throttled if the device refuses codes for now."""
    token = _normalized(code)
    if not _is_app_code(token, device):
        return None
    _raise_if_throttled(device)
    if not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_issue(user=device.user)
    django_otp.login(request, device)
    return codes


@transaction.atomic
def backup_codes_issue(*, user) -> list[str]:
    """New single-use backup codes; those issued before stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.LIANZHENG_2FA_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(*, request, code: str) -> bool:
    """Checks a code from the app, or a backup code (used up), and marks the session verified.

    A code goes only to the device it can be for, so that a backup code does not count as a
    wrong app code (which would make the next try wait), and a backup code still works while
    the app's codes are throttled. Raises Throttled if no device took the code and one it
    could be for is throttled (the code was not checked there, it may well be right)."""
    user, token = request.user, _normalized(code)
    if not token:
        return False
    locked_until: list[datetime] = []
    with transaction.atomic():
        # Locked rows, as django_otp.verify_token does: two requests cannot both pass the
        # throttle check, and the check and the verification see the same failure count.
        for device in django_otp.devices_for_user(user, confirmed=True, for_verify=True):
            if _is_app_code(token, device) != isinstance(device, TOTPDevice):
                continue
            until = _throttled_until(device)
            if until is not None:
                locked_until.append(until)
            elif device.verify_token(token):
                django_otp.login(request, device)
                return True
    if locked_until:
        raise Throttled(min(locked_until))
    return False


@transaction.atomic
def twofactor_remove(*, user) -> None:
    """Removes the authenticator and the backup codes (to stop using two-factor sign-in, or to
    enrol a new phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _throttled_until(device) -> datetime | None:
    allowed, why = device.verify_is_allowed()
    if allowed or why.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return None
    return why["locked_until"]


def _raise_if_throttled(device) -> None:
    until = _throttled_until(device)
    if until is not None:
        raise Throttled(until)


def _normalized(code: str) -> str:
    return "".join(code.split()).lower()


def _is_app_code(token: str, device) -> bool:
    digits = device.digits if isinstance(device, TOTPDevice) else 6
    return token.isascii() and token.isdigit() and len(token) == digits

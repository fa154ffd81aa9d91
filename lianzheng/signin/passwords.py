"""The complexity rule of the password policy: enough different kinds of character.

Django's own validators check length, common passwords, all-digit passwords and likeness to
the user's name; 等保 2.0 (GB/T 22239-2019, 身份鉴别) also asks for complexity, which this adds:
a password must mix at least ``min_classes`` of upper-case letters, lower-case letters, digits
and other characters (punctuation, Chinese characters, …).
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    kinds = (
        any(c.isascii() and c.isupper() for c in password),
        any(c.isascii() and c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not (c.isascii() and c.isalnum()) and not c.isspace() for c in password),
    )
    return sum(kinds)


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(count)d kinds of character: upper-case letters, "
            "lower-case letters, digits, and other characters such as punctuation."
        ) % {"count": self.min_classes}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, with a message that has its Chinese translation: Django 5.2 changed
    the message's wording and its own zh_Hans catalogue still has the old one."""

    def get_error_message(self) -> str:
        return _(
            "This password is too short: it must contain at least %(min_length)d characters."
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("Your password must contain at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }

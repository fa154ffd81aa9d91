"""Dates and times as the reader's language writes them (#17): 2026年12月5日 星期六 for a Chinese
reader, Saturday, 5 December 2026 for an English one.

One place for the patterns, so that the case page, the listings, the timeline, e-mails and the
calendar widget agree; machine-readable exports keep ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format

from lianzheng.refusals import chinese

# (Chinese, English) per kind of value; Django's format characters (``l`` is the weekday,
# translated by Django's own catalogue: 星期六).
PATTERNS = {
    "day": ("Y年n月j日", "j F Y"),
    "weekday": ("Y年n月j日 l", "l, j F Y"),
    "moment": ("Y年n月j日 H:i", "j F Y, H:i"),
    "second": ("Y年n月j日 H:i:s", "j F Y, H:i:s"),
    "weekday_moment": ("Y年n月j日 l H:i", "l, j F Y, H:i"),
}


def zh_day(value: date) -> str:
    """2026年3月5日: the Chinese way, without Django, for the rules' messages."""
    return f"{value.year}年{value.month}月{value.day}日"


def en_day(value: date) -> str:
    """5 March 2026: the English way, without Django or the machine's locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def written(value: date | datetime | None, kind: str = "day") -> str:
    """``value`` as the reader's language writes it; a moment in Beijing time. "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    zh, en = PATTERNS[kind]
    return date_format(value, zh if chinese() else en)

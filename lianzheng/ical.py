"""iCalendar (RFC 5545) for a talk: one VEVENT per notice, written by hand.

Small enough not to need a library, and strict where calendar programs are strict: CRLF line
ends (3.1), content lines folded at 75 octets without splitting a UTF-8 character (3.1), TEXT
values escaped (3.3.11), a VTIMEZONE for every TZID used (3.6.5), DTSTAMP in UTC (3.8.7.2) and a
UID that stays the same for the same notice (3.8.4.7), so importing the file twice updates the
entry instead of duplicating it.

Free of Django like ``workdays``: callers pass plain values, and decide what may be said. What
goes in here ends up in personal and shared calendars, so callers never pass the talk's type,
its problems or anything of 第七条（四）.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

CRLF = "\r\n"
LINE_OCTETS = 75
TZID = "Asia/Shanghai"
PRODID = "-//Aba Housing and Urban-Rural Development Bureau//lianzheng//ZH"

# China has kept UTC+8 without daylight saving since 1991, so one STANDARD rule is exact for
# any talk this system can schedule (it refuses talks before the regulation of 2021).
_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class TalkEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str = ""
    url: str = ""
    cancelled: bool = False


def escape_text(value: str) -> str:
    """TEXT of RFC 5545 3.3.11: backslash, semicolon and comma escaped, newlines as \\n, and
    the control characters TEXT may not hold (3.1: CONTROL, all but HTAB) left out."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return value.translate(_CONTROL)


_CONTROL = dict.fromkeys([*range(0x09), *range(0x0A, 0x20), 0x7F])


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets (CRLF excluded); each continuation
    starts with one space, which counts towards its 75. Never inside a UTF-8 sequence."""
    parts: list[str] = []
    current, size, limit = [], 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def _local(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("talk times must be aware datetimes")
    return value.astimezone(ZoneInfo(TZID)).strftime("%Y%m%dT%H%M%S")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: list[TalkEvent], *, stamp: datetime) -> str:
    """A VCALENDAR of ``events`` (METHOD:PUBLISH), as the text of an .ics file."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *_VTIMEZONE,
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART;TZID={TZID}:{_local(event.start)}",
            f"DTEND;TZID={TZID}:{_local(event.end)}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"LOCATION:{escape_text(event.location)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        # A superseded notice's entry is withdrawn where it was imported: same UID, higher
        # SEQUENCE, STATUS:CANCELLED (5.1 of RFC 5546 for PUBLISH).
        lines += [
            "CLASS:PRIVATE",
            f"SEQUENCE:{1 if event.cancelled else 0}",
            f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
            "TRANSP:OPAQUE",
        ]
        if not event.cancelled:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(event.summary)}",
                "TRIGGER:-PT30M",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def default_end(start: datetime, minutes: int = 60) -> datetime:
    return start + timedelta(minutes=minutes)

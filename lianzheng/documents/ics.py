"""A talk as an iCalendar file (RFC 5545), written by the ``icalendar`` library.

The library does what calendar programs are strict about: CRLF line ends and folding at 75 octets
without splitting a character (3.1), TEXT escaping (3.3.11), a VTIMEZONE for every TZID used
(3.6.5), DTSTAMP in UTC. Here is only what this file says: one VEVENT per notice, the same UID
for the same notice (importing it twice updates the entry), and for a notice that no longer holds
(superseded when the talk moved) a cancellation, METHOD:CANCEL with a higher SEQUENCE and
STATUS:CANCELLED (RFC 5546 3.2.5), not the old invitation.

What goes in ends up in personal and shared calendars, so the caller (selectors.reminders)
passes only time, place and the case number: never the talk's type, its problems or anything of
第七条（四）.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress

from lianzheng.selectors.reminders import TalkEvent, notice_calendar_event

TZ = ZoneInfo("Asia/Shanghai")
PRODID = "-//Aba Housing and Urban-Rural Development Bureau//lianzheng//ZH"
REMINDER_BEFORE = timedelta(minutes=30)


# RFC 5545 3.1: a content line holds no CONTROL character but HTAB (a line break inside TEXT is
# written as \n by the library, 3.3.11). The library writes what it is given; these go.
_CONTROL = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), 0x7F])


def _text(value: str) -> str:
    return value.translate(_CONTROL)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("talk times must be aware datetimes")
    return value.astimezone(TZ)


def talk_calendar(events: Sequence[TalkEvent], *, stamp: datetime) -> str:
    """The .ics text of ``events``: an invitation to publish, or the cancellation of entries
    already published when every event is cancelled."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if events and all(e.cancelled for e in events) else "PUBLISH")
    for talk in events:
        event = Event()
        event.add("uid", talk.uid)
        event.add("dtstamp", _aware(stamp).astimezone(ZoneInfo("UTC")))
        event.add("dtstart", _aware(talk.start))
        event.add("dtend", _aware(talk.end))
        event.add("summary", _text(talk.summary))
        event.add("location", _text(talk.location))
        if talk.description:
            event.add("description", _text(talk.description))
        if talk.organizer_email:
            organizer = vCalAddress(f"mailto:{talk.organizer_email}")
            organizer.params["cn"] = talk.organizer_name
            event.add("organizer", organizer)
        event.add("class", "PRIVATE")
        event.add("sequence", 1 if talk.cancelled else 0)
        event.add("status", "CANCELLED" if talk.cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        if not talk.cancelled:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _text(talk.summary))
            alarm.add("trigger", -REMINDER_BEFORE)
            event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


def notice_ics(notice, *, stamp: datetime | None = None) -> str:
    """The .ics file of the talk ``notice`` announces (its cancellation once superseded)."""
    return talk_calendar([notice_calendar_event(notice)], stamp=stamp or timezone.now())

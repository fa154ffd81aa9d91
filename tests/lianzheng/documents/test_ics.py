"""The talk as an iCalendar file: RFC 5545 line ends, folding, escaping, times, and a voided
notice's cancellation. Every test parses the text back as a calendar program would."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lianzheng.documents.ics import talk_calendar
from lianzheng.selectors.reminders import TalkEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def unfold(text: str) -> list[str]:
    """RFC 5545 3.1: a CRLF followed by one space or tab continues the line."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    return text[:-2].replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def calendar(events, *, stamp):
    return talk_calendar(events, stamp=stamp)


def method(text: str) -> str:
    return next(line for line in unfold(text) if line.startswith("METHOD:")).split(":", 1)[1]


def parse(text: str) -> list[dict]:
    """The VEVENTs as {name: (params, value)} with TEXT unescaped."""
    events, current, depth = [], None, []
    for line in unfold(text):
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            depth.append(value)
            if value == "VEVENT":
                current = {}
            continue
        if name == "END":
            assert depth.pop() == value
            if value == "VEVENT":
                events.append(current)
                current = None
            continue
        if current is not None and depth[-1] == "VEVENT":
            current[name] = (dict(p.split("=", 1) for p in params), unescape(value))
    assert depth == []
    return events


def event(**changes) -> TalkEvent:
    start = datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)
    fields = {
        "uid": "lianzheng-notice-7@lianzheng.example.gov.cn",
        "start": start,
        "end": datetime(2026, 10, 9, 11, 0, tzinfo=SHANGHAI),
        "summary": "廉政约谈 Integrity talk（阿州住建廉约〔2026〕3号）",
        "location": "局三楼会议室, Room 301; east wing \\ B",
        "description": "请按时参加。\nPlease attend, on time.",
    }
    fields.update(changes)
    return TalkEvent(**fields)


STAMP = datetime(2026, 9, 29, 1, 2, 3, tzinfo=UTC)


def test_lines_end_in_crlf_and_are_folded_at_75_octets():
    text = calendar([event(description="长" * 200)], stamp=STAMP)
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    continued = [line for line in lines if line.startswith(" ")]
    assert continued, "the long description must be folded"
    # Folding never cuts a UTF-8 sequence: every physical line decodes on its own.
    for line in lines:
        line.encode("utf-8").decode("utf-8")
    (parsed,) = parse(text)
    assert parsed["DESCRIPTION"][1] == "长" * 200


def test_text_values_are_escaped_and_come_back_unchanged():
    text = calendar([event()], stamp=STAMP)
    assert "LOCATION:局三楼会议室\\, Room 301\\; east wing \\\\ B" in text.replace("\r\n ", "")
    (parsed,) = parse(text)
    assert parsed["LOCATION"][1] == "局三楼会议室, Room 301; east wing \\ B"
    assert parsed["DESCRIPTION"][1] == "请按时参加。\nPlease attend, on time."
    assert parsed["SUMMARY"][1] == "廉政约谈 Integrity talk（阿州住建廉约〔2026〕3号）"


def test_times_carry_the_shanghai_zone_and_the_stamp_is_utc():
    text = calendar([event(start=datetime(2026, 10, 9, 2, 0, tzinfo=UTC))], stamp=STAMP)
    (parsed,) = parse(text)
    assert parsed["DTSTART"] == ({"TZID": "Asia/Shanghai"}, "20261009T100000")
    assert parsed["DTEND"] == ({"TZID": "Asia/Shanghai"}, "20261009T110000")
    assert parsed["DTSTAMP"] == ({}, "20260929T010203Z")
    assert parsed["UID"][1] == "lianzheng-notice-7@lianzheng.example.gov.cn"
    # Every TZID used has its VTIMEZONE (RFC 5545 3.6.5).
    unfolded = unfold(text)
    assert "BEGIN:VTIMEZONE" in unfolded and "TZID:Asia/Shanghai" in unfolded
    assert unfolded[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert any(line.startswith("PRODID:") for line in unfolded)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        calendar([event(start=datetime(2026, 10, 9, 10, 0))], stamp=STAMP)


def test_a_superseded_notice_offers_a_cancellation_not_the_old_invitation():
    cancelled = calendar([event(cancelled=True)], stamp=STAMP)
    assert method(cancelled) == "CANCEL"
    (parsed,) = parse(cancelled)
    assert parsed["STATUS"][1] == "CANCELLED"
    assert parsed["SEQUENCE"][1] == "1"
    assert "BEGIN:VALARM" not in cancelled
    live = calendar([event()], stamp=STAMP)
    assert method(live) == "PUBLISH"
    (parsed,) = parse(live)
    assert (parsed["STATUS"][1], parsed["SEQUENCE"][1]) == ("CONFIRMED", "0")
    assert parsed["CLASS"][1] == "PRIVATE"
    assert parsed["UID"][1] == "lianzheng-notice-7@lianzheng.example.gov.cn"

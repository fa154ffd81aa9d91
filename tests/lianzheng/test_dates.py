"""Dates as the reader's language writes them (#17): 2026年12月5日 星期六, or in English."""

from datetime import UTC, date, datetime

from django.utils import translation

from lianzheng.dates import en_day, written, zh_day

SATURDAY = date(2026, 12, 5)


def test_chinese_dates_have_no_leading_zeros_and_name_the_weekday():
    with translation.override("zh-hans"):
        assert written(SATURDAY) == "2026年12月5日"
        assert written(SATURDAY, "weekday") == "2026年12月5日 星期六"
        assert written(date(2026, 3, 5)) == "2026年3月5日"
    assert zh_day(date(2026, 3, 5)) == "2026年3月5日"


def test_english_dates_are_written_out():
    with translation.override("en"):
        assert written(SATURDAY) == "5 December 2026"
        assert written(SATURDAY, "weekday") == "Saturday, 5 December 2026"
    assert en_day(date(2026, 3, 5)) == "5 March 2026"


def test_a_moment_is_read_in_beijing_time():
    utc = datetime(2026, 12, 5, 2, 30, tzinfo=UTC)
    with translation.override("zh-hans"):
        assert written(utc, "moment") == "2026年12月5日 10:30"
    with translation.override("en"):
        assert written(utc, "weekday_moment") == "Saturday, 5 December 2026, 10:30"


def test_nothing_is_written_as_nothing():
    assert written(None) == ""

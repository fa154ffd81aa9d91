"""Reading the State Council's holiday notice (issue 18, item 3), without a database.

The published notices of 2019–2026 (tests/lianzheng/data/holiday_notices/, the public wording,
each line as published) are read and every day of the year, and every date the notice names,
is checked against ``chinese_calendar``'s own data for that year. Malformed text is refused
with errors that name the line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from lianzheng.holiday_notice import NoticeError, parse_notice

NOTICES = Path(__file__).parent / "data" / "holiday_notices"

# What a later notice changed after the annual one, and chinese_calendar follows: 2020's Spring
# Festival was extended to 2 February (国办发明电〔2020〕1号), making 31 January and the
# adjusted working Saturday 1 February days off.
AMENDED = {2020: {date(2020, 1, 31), date(2020, 2, 1)}}


def differences(year: int) -> set[date]:
    notice = parse_notice((NOTICES / f"{year}.txt").read_text(encoding="utf-8"))
    assert notice.year == year
    days = {date(year, 1, 1) + timedelta(days=n) for n in range(366)}
    days = {d for d in days if d.year == year} | set(notice.days_off) | set(notice.working_days)
    return {d for d in days if notice.working(d) != chinese_calendar.is_workday(d)}


@pytest.mark.parametrize("year", range(2019, 2027))
def test_a_published_notice_reads_as_chinese_calendar_has_the_year(year):
    assert differences(year) == AMENDED.get(year, set())


def test_the_example_line_of_the_issue():
    notice = parse_notice(
        "国务院办公厅关于2026年部分节假日安排的通知\n"
        "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
    )
    assert notice.days_off == {date(2026, 1, d): "元旦" for d in (1, 2, 3)}
    assert notice.working_days == {date(2026, 1, 4): "元旦"}


def test_a_range_across_months_and_several_working_days():
    notice = parse_notice(
        "二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。"
        "1月26日（周日）、2月8日（周六）上班。",
        year=2025,
    )
    assert min(notice.days_off) == date(2025, 1, 28) and max(notice.days_off) == date(2025, 2, 4)
    assert len(notice.days_off) == 8
    assert set(notice.working_days) == {date(2025, 1, 26), date(2025, 2, 8)}


def test_a_range_across_the_year():
    notice = parse_notice("一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。", year=2023)
    assert set(notice.days_off) == {date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("三、清明节：4月4日至6日放假调休，共4天。", "写明共4天，日期却是3天"),
        ("三、清明节：4月31日放假。", "没有2027年4月31日这一天"),
        ("三、清明节：清明节期间放假。", "读不出放假日期"),
        ("三、清明节：4月5日（周一）调休。", "没有“放假”的日期"),
        ("三、清明节：4月5日放假。4月11日（周日）及以后上班。", "读不出上班日期"),
        ("三、清明节：4月6日至4月2日放假。", "不成立"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_line(line, says):
    text = f"国务院办公厅关于2027年部分节假日安排的通知\n\n一、元旦：1月1日放假。\n{line}\n"
    with pytest.raises(NoticeError) as refused:
        parse_notice(text)
    assert len(refused.value.problems) == 1
    problem = refused.value.problems[0]
    assert problem.startswith("第4行（三、清明节）：") and says in problem


def test_every_bad_line_is_named_and_nothing_is_returned():
    text = "关于2027年部分节假日安排的通知\n一、元旦：元旦放假。\n二、春节：2月30日放假。\n"
    with pytest.raises(NoticeError) as refused:
        parse_notice(text)
    assert [p[:3] for p in refused.value.problems] == ["第2行", "第3行"]


def test_text_that_is_no_notice():
    with pytest.raises(NoticeError, match="找不到通知标题中的年份"):
        parse_notice("今天天气很好。")
    with pytest.raises(NoticeError, match="没有找到"):
        parse_notice("国务院办公厅关于2027年部分节假日安排的通知\n经国务院批准。")
    with pytest.raises(NoticeError, match="不是2028年"):
        parse_notice("国务院办公厅关于2027年部分节假日安排的通知", year=2028)


def test_no_published_notice_lists_a_date_twice():
    """Coinciding holidays share one line (「六、国庆节、中秋节：10月1日至8日放假调休」), so a
    date listed twice is a typo; none of the published notices does it."""
    for year in range(2019, 2027):
        notice = parse_notice((NOTICES / f"{year}.txt").read_text(encoding="utf-8"))
        assert not set(notice.days_off) & set(notice.working_days)


def problems_of(text: str) -> list[str]:
    """What the notice's refusal says, line by line (it must be refused)."""
    with pytest.raises(NoticeError) as refused:
        parse_notice(text)
    return refused.value.problems


HEAD_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n\n一、元旦：1月1日至3日放假，共3天。\n"


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (  # the walkthrough's case: a working day of one holiday is a day off of another
            "二、春节：2月6日至13日放假调休，共8天。1月31日、2月20日上班。\n"
            "三、清明节：4月3日至5日放假调休，共3天。2月13日上班。\n",
            "第4行（二、春节）与第5行（三、清明节）：2月13日既列为放假又列为上班，请核对通知原文",
        ),
        (  # the other way round, and every such date of the two lines in one problem
            "二、春节：2月6日至13日放假调休，共8天。1月31日、2月20日上班。\n"
            "三、清明节：2月20日至21日放假，共2天。2月13日上班。\n",
            "第4行（二、春节）与第5行（三、清明节）：2月13日、2月20日既列为放假又列为上班，"
            "请核对通知原文",
        ),
        (  # on one line
            "二、春节：2月6日至13日放假调休，共8天。1月31日、2月13日上班。\n",
            "第4行（二、春节）：2月13日既列为放假又列为上班，请核对通知原文",
        ),
        (  # with 元旦's line, whose own days are listed without the year
            "二、春节：2月6日至13日放假调休，共8天。1月2日上班。\n",
            "第3行（一、元旦）与第4行（二、春节）：1月2日既列为放假又列为上班，请核对通知原文",
        ),
        (  # a day off under two holidays
            "二、春节：2月6日至13日放假调休，共8天。\n三、元宵节：2月13日至14日放假，共2天。\n",
            "第4行（二、春节）与第5行（三、元宵节）：2月13日都列为放假，同一天不能属于两个节日，"
            "请核对通知原文",
        ),
        (  # a working day for two holidays
            "二、春节：2月6日至13日放假调休，共8天。2月20日上班。\n"
            "三、清明节：4月3日至5日放假调休，共3天。2月20日上班。\n",
            "第4行（二、春节）与第5行（三、清明节）：2月20日都列为上班，请核对通知原文",
        ),
        (  # the same day off in two sentences of one line
            "二、春节：2月6日至13日放假调休，共8天。2月13日至14日放假，共2天。\n",
            "第4行（二、春节）：2月13日列了两次放假，请核对通知原文",
        ),
        (  # the same working day twice on one line (the other one mistyped?)
            "二、春节：2月6日至13日放假调休，共8天。1月31日、2月20日、2月20日上班。\n",
            "第4行（二、春节）：2月20日列了两次上班，请核对通知原文",
        ),
    ],
)
def test_a_date_listed_twice_is_refused_naming_both_lines(lines, says):
    assert problems_of(HEAD_2027 + lines) == [says]


def test_a_second_range_of_days_off_on_a_line_is_read_not_dropped():
    """A line with two 放假 sentences kept only the first, silently."""
    notice = parse_notice(HEAD_2027 + "三、清明节：4月3日放假。4月5日放假。\n")
    assert {d for d, name in notice.days_off.items() if name == "清明节"} == {
        date(2027, 4, 3),
        date(2027, 4, 5),
    }


def test_a_date_of_the_year_before_listed_twice_names_its_year():
    text = (
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
        "二、春节：1月21日至27日放假调休，共7天。2022年12月31日、1月28日上班。\n"
    )
    assert problems_of(text) == [
        "第2行（一、元旦）与第3行（二、春节）：2022年12月31日既列为放假又列为上班，请核对通知原文"
    ]


def test_every_date_listed_twice_is_named_with_the_other_bad_lines():
    text = HEAD_2027 + (
        "二、春节：2月6日至13日放假调休，共8天。1月3日上班。\n"
        "三、清明节：4月31日放假。\n"
        "四、劳动节：5月1日至5日放假调休，共5天。2月13日、4月25日上班。\n"
        "五、端午节：5月5日至5月7日放假，共3天。4月25日上班。\n"
    )
    assert problems_of(text) == [
        "第3行（一、元旦）与第4行（二、春节）：1月3日既列为放假又列为上班，请核对通知原文",
        "第5行（三、清明节）：没有2027年4月31日这一天",
        "第4行（二、春节）与第6行（四、劳动节）：2月13日既列为放假又列为上班，请核对通知原文",
        "第6行（四、劳动节）与第7行（五、端午节）：5月5日都列为放假，同一天不能属于两个节日，"
        "请核对通知原文",
        "第6行（四、劳动节）与第7行（五、端午节）：4月25日都列为上班，请核对通知原文",
    ]

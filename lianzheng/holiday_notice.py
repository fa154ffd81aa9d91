"""Reading the State Council's annual holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

Each year's arrangement is published in the same wording, one numbered line per holiday:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。

so an editor can paste the notice and the calendar of the next year is read from it instead of
typed day by day. The sentence with 放假 gives the days off (a day or a range, possibly across a
month or, for 元旦, a year); the sentence with 上班 gives the adjusted working days, separated
by 、. A year is written only where it is not the notice's; a range's end names its month only
where it changes. Parenthesised notes (weekday, lunar date) are ignored; "共N天" / "放假N天" is
checked against the range. Other sentences (the notice's preamble, the exhortations after the
list, 「鼓励各单位……安排职工在除夕休息」) say nothing about the calendar and are skipped.

Anything on a numbered line that does not read as above is an error naming the line, and nothing
is returned: a calendar half-read is worse than none. So is a date the notice lists twice — both
放假 and 上班 (on one line or two), 放假 under two holidays, or 上班 twice: a day is one or the
other and belongs to one holiday (the published notices put coinciding holidays on one line,
「六、国庆节、中秋节：10月1日至8日放假调休」), so it is a typo, and reading either listing
would silently drop a day from the year. Pure Python, no Django: tested on the
published notices against ``chinese_calendar``'s own data (tests/lianzheng/test_holiday_notice.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = ["HolidayNotice", "NoticeError", "parse_notice"]

TITLE = re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排的通知")
ITEM = re.compile(r"^\s*([一二三四五六七八九十]+)\s*[、.．]\s*([^：:]+?)\s*[：:]\s*(.*)$")
NOTE = re.compile(r"[（(][^）)]*[）)]")
DAY = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日"
RANGE = re.compile(rf"^\s*{DAY}(?:\s*[至到—\-–~～]\s*{DAY})?\s*放假")
COUNT = re.compile(r"(?:共|放假)\s*(\d{1,2})\s*天")
WORK_DAY = re.compile(DAY)


class NoticeError(ValueError):
    """The notice cannot be read; ``problems`` say where (line number and text) and why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass
class HolidayNotice:
    year: int
    title: str = ""
    # date -> holiday name (days off) / the holiday the day is worked for (adjusted working days)
    days_off: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)

    def working(self, day: date) -> bool:
        """Whether ``day`` is worked by this notice (an ordinary Mon–Fri day unless it says so)."""
        if day in self.days_off:
            return False
        if day in self.working_days:
            return True
        return day.weekday() < 5


def _day(day: date, year: int) -> str:
    """``day`` as the notice writes it: its year only where it is not the notice's."""
    written = f"{day.month}月{day.day}日"
    return written if day.year == year else f"{day.year}年{written}"


def _days(days, year: int) -> str:
    return "、".join(_day(d, year) for d in sorted(days))


def _date(year, month, day, *, default_year: int, default_month: int | None, where: str) -> date:
    y = int(year) if year else default_year
    m = int(month) if month else default_month
    if m is None:
        raise ValueError(f"{where}：日期“{day}日”缺少月份")
    try:
        return date(y, m, int(day))
    except ValueError:
        raise ValueError(f"{where}：没有{y}年{m}月{int(day)}日这一天") from None


def _read_item(year: int, name: str, text: str, where: str) -> tuple[dict, dict]:
    off: dict[date, str] = {}
    work: dict[date, str] = {}
    plain = NOTE.sub("", text)
    sentences = [s.strip() for s in re.split(r"[。；;]", plain) if s.strip()]
    found_off = False
    for sentence in sentences:
        if "放假" in sentence:
            match = RANGE.match(sentence)
            if not match:
                if found_off and not WORK_DAY.search(sentence):
                    continue  # words about the days off after their dates, naming no day
                raise ValueError(f"{where}：读不出放假日期（应如“1月1日至3日放假”）")
            y1, m1, d1, y2, m2, d2 = match.groups()
            start = _date(y1, m1, d1, default_year=year, default_month=None, where=where)
            end = start
            if d2:
                end = _date(
                    y2, m2, d2, default_year=start.year, default_month=start.month, where=where
                )
            if end < start or (end - start).days > 15:
                raise ValueError(f"{where}：放假日期“{start:%m月%d日}至{end:%m月%d日}”不成立")
            days = (end - start).days + 1
            count = COUNT.search(sentence)
            if count and int(count.group(1)) != days:
                raise ValueError(f"{where}：写明共{count.group(1)}天，日期却是{days}天")
            for n in range(days):
                day = start + timedelta(days=n)
                if day in off:
                    raise ValueError(f"{where}：{_day(day, year)}列了两次放假，请核对通知原文")
                off[day] = name
            found_off = True
        elif sentence.endswith("上班"):
            month = None
            dates = WORK_DAY.findall(sentence)
            if not dates or re.sub(rf"{DAY}|[、，,\s]|上班", "", sentence):
                raise ValueError(f"{where}：读不出上班日期（应如“2月14日、2月28日上班”）")
            for y, m, d in dates:
                day = _date(y, m, d, default_year=year, default_month=month, where=where)
                month = day.month
                if day in work:
                    raise ValueError(f"{where}：{_day(day, year)}列了两次上班，请核对通知原文")
                work[day] = name
    if not found_off:
        raise ValueError(f"{where}：没有“放假”的日期")
    if both := set(off) & set(work):
        raise ValueError(f"{where}：{_days(both, year)}既列为放假又列为上班，请核对通知原文")
    return off, work


def parse_notice(text: str, *, year: int | None = None) -> HolidayNotice:
    """The holidays and adjusted working days of the notice ``text`` (for ``year``, or the year
    its title names). Raises ``NoticeError`` naming every line it cannot read."""
    problems: list[str] = []
    title = TITLE.search(text)
    if year is None:
        if not title:
            raise NoticeError(["找不到通知标题中的年份（“关于YYYY年部分节假日安排的通知”）"])
        year = int(title.group(1))
    elif title and int(title.group(1)) != year:
        raise NoticeError([f"通知标题是{title.group(1)}年，不是{year}年"])
    notice = HolidayNotice(year=year, title=f"国务院办公厅关于{year}年部分节假日安排的通知")
    # date -> the line that listed it, to name both lines of a date listed twice
    listed_off: dict[date, str] = {}
    listed_work: dict[date, str] = {}
    items = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = ITEM.match(line)
        if not match:
            continue
        ordinal, name, rest = match.groups()
        where = f"第{number}行（{ordinal}、{name}）"
        items += 1
        try:
            off, work = _read_item(year, name.strip(), rest, where)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        twice: dict[tuple[str, str], list[date]] = {}
        for mine, theirs, kind in (
            (off, listed_off, "都列为放假，同一天不能属于两个节日"),
            (off, listed_work, "既列为放假又列为上班"),
            (work, listed_off, "既列为放假又列为上班"),
            (work, listed_work, "都列为上班"),
        ):
            for day in mine:
                if day in theirs:
                    twice.setdefault((theirs[day], kind), []).append(day)
        for (earlier, kind), days in twice.items():
            problems.append(f"{earlier}与{where}：{_days(days, year)}{kind}，请核对通知原文")
        for day in off:
            listed_off.setdefault(day, where)
        for day in work:
            listed_work.setdefault(day, where)
        notice.days_off.update(off)
        notice.working_days.update(work)
    if not items and not problems:
        problems.append("没有找到“一、元旦：……”这样的节假日安排")
    if problems:
        raise NoticeError(problems)
    return notice

"""How a cell becomes a value: choices in either language or by code, dates as offices type
them, and a clear Chinese reason otherwise (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from lianzheng.choices import Rank
from lianzheng.spreadsheets.resources import ChoiceWidget, DayWidget, TextWidget


@pytest.mark.parametrize("typed", ["科员", "Staff member", "staff_member", " 科员 "])
def test_a_rank_is_read_in_either_language_or_by_its_code(typed):
    assert ChoiceWidget(Rank, "职级").clean(typed) == Rank.STAFF_MEMBER


def test_an_unknown_rank_says_which_ones_are_allowed():
    with pytest.raises(ValueError, match="「科长x」不是可用的职级；可填：县处级及以上、正科、副科"):
        ChoiceWidget(Rank, "职级").clean("科长x")
    with pytest.raises(ValueError, match="须填写职级"):
        ChoiceWidget(Rank, "职级").clean("")


@pytest.mark.parametrize(
    "typed", ["2027-01-04", "2027/1/4", "2027年1月4日", "2027.01.04", date(2027, 1, 4)]
)
def test_dates_as_offices_type_them(typed):
    assert DayWidget("生效日期").clean(typed) == date(2027, 1, 4)


@pytest.mark.parametrize("typed", ["2027-02-30", "明年", "4/1/2027"])
def test_a_date_that_is_none_is_refused_with_an_example(typed):
    with pytest.raises(ValueError, match="不是有效日期（如 2027-01-04）"):
        DayWidget("生效日期").clean(typed)


def test_a_number_typed_into_a_text_cell_reads_as_typed():
    assert TextWidget("代码").clean(1201.0) == "1201"
    assert DayWidget("截止日期", required=False).clean("") is None

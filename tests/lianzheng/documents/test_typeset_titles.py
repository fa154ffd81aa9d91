"""Titles broken into balanced lines at sensible places, and narrowed (长体) marks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianzheng.documents import layout
from lianzheng.documents.fonts import load_fonts
from lianzheng.documents.typeset import (
    CANNOT_END,
    CANNOT_START,
    CJKParagraph,
    TextStyle,
    balance_lines,
    break_lines,
)
from tests.pdfcheck import word_boxes

ALPHABET = "关于印发阿坝州住房和城乡建设局廉政约谈制度试行的通知。，、（）《》“”AB12"


def widths_of(text: str) -> list[float]:
    return [8.0 if c.isascii() else 16.0 for c in text]


def lines(text: str, chars_per_line: int) -> list[str]:
    spans = balance_lines(text, widths_of(text), chars_per_line * 16.0)
    return [text[a:b] for a, b in spans]


def test_a_title_breaks_after_the_organ_not_where_the_line_runs_full():
    title = "关于印发《阿坝州住房和城乡建设局廉政约谈制度（试行）》的通知"
    greedy = break_lines(title, widths_of(title), 20 * 16.0)
    assert next(title[a:b] for a, b in greedy) == "关于印发《阿坝州住房和城乡建设局廉政约谈"
    assert lines(title, 20) == ["关于印发《阿坝州住房和城乡建设局", "廉政约谈制度（试行）》的通知"]


def test_a_title_that_fits_stays_on_one_line():
    assert lines("关于印发廉政约谈制度的通知", 20) == ["关于印发廉政约谈制度的通知"]


def test_without_a_good_place_the_lines_are_simply_even():
    title = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑"  # 22 characters, no good break
    assert [len(line) for line in lines(title, 20)] == [11, 11]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=90), st.integers(min_value=4, max_value=30))
def test_balanced_lines_keep_every_character_and_the_rules_of_the_marks(text, per_line):
    width = per_line * 16.0
    widths = widths_of(text)
    spans = balance_lines(text, widths, width)
    assert "".join(text[a:b] for a, b in spans) == text
    greedy = break_lines(text, widths, width)
    assert len(spans) == len(greedy)
    if spans == greedy:
        return  # no balanced solution keeps the rules; the greedy lines stand
    for number, (a, b) in enumerate(spans):
        assert sum(widths[a:b]) <= width
        if number:
            assert text[a] not in CANNOT_START
        if b < len(text):
            assert text[b - 1] not in CANNOT_END


@pytest.fixture(scope="module")
def fontset():
    return load_fonts()


def test_a_narrowed_line_is_drawn_as_narrow_as_it_was_measured(fontset):
    style = TextStyle(role="hei", size=40, leading=40, first_indent=0, horizontal_scale=0.5)
    text = "中共阿坝州住房和城乡建设局党组文件"
    para = CJKParagraph(text, style, fontset)
    assert para.wrap(layout.TYPE_WIDTH, 1000)[1] == 40  # 17 × 20 pt fits on one line
    pdf = layout.build_pdf([para], layout.Meta("t"), fontset)
    box = next(b for b in word_boxes(pdf) if b[5] == text)
    assert box[3] - box[1] == pytest.approx(17 * 40 * 0.5, abs=2)

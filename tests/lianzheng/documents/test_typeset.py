"""Line breaking and the text drawn: every character kept, no closing mark starting a line,
nothing beyond the type area, ideographic spaces kept, and fonts embedded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianzheng.documents import layout
from lianzheng.documents.fonts import MissingGlyph, load_fonts
from lianzheng.documents.typeset import (
    CANNOT_END,
    CANNOT_START,
    CJKParagraph,
    balance_lines,
    break_lines,
    squeezable,
    unbreakable_spans,
)
from tests.pdfcheck import fonts, page_texts, word_boxes

ALPHABET = "廉政约谈制度第一条为加强对党员干部的监督管理和教育。，、；：？！（）《》“”　 AB12-"


def widths_of(text: str) -> list[float]:
    return [8.0 if c.isascii() else 16.0 for c in text]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=200), st.integers(min_value=16, max_value=600))
def test_break_lines_keeps_every_character_and_respects_the_marks(text, width):
    spans = break_lines(text, widths_of(text), float(width))
    assert "".join(text[a:b] for a, b in spans) == text
    for number, (a, b) in enumerate(spans):
        assert b > a
        line_width = sum(widths_of(text[a:b]))
        assert line_width <= width + squeezable(text, widths_of(text), a, b) + 1e-6 or b - a == 1
        # A bad break is kept only where moving it would leave an empty line.
        if number and text[a] in CANNOT_START:
            previous = spans[number - 1]
            assert previous[1] - previous[0] == 1
        if b < len(text) and text[b - 1] in CANNOT_END:
            assert b - a == 1


def test_a_final_full_stop_pulls_the_previous_character_down_rather_than_hang():
    text = "一二三四五" + "。后"
    spans = break_lines(text, widths_of(text), 5 * 16.0)
    assert [text[a:b] for a, b in spans] == ["一二三四", "五。后"]


def test_closing_marks_stay_on_the_line_when_its_punctuation_can_be_squeezed():
    # 22 characters then 行）》，: the marks fit if the line's punctuation gives up half its width.
    text = "根据《阿坝州住房和城乡建设局廉政约谈制度（试行）》，经研究"
    spans = break_lines(text, widths_of(text), 25 * 16.0)
    assert text[spans[0][0] : spans[0][1]].endswith("》，")


def test_numbers_and_latin_words_stay_whole_when_they_fit():
    text = "电话0837-2822123联系"
    spans = break_lines(text, widths_of(text), 6 * 16.0)
    assert [text[a:b] for a, b in spans][:2] == ["电话", "0837-2822123"]


def pieces(text: str, spans) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_names_numbers_dates_and_document_numbers_are_unbreakable_runs():
    text = (
        "秦岭同志：阿州住建廉约〔2026〕3号定于2026年12月5日上午9时30分，"
        "电话0837-2822123，第八条（一）"
    )
    found = pieces(text, unbreakable_spans(text, ["秦岭"]))
    assert found == [
        "秦岭",
        "阿州住建廉约〔2026〕3号",
        "2026年12月5日",
        "上午9时30分",
        "0837-2822123",
        "第八条（一）",
    ]


def test_a_name_that_would_straddle_the_line_end_moves_down_whole():
    text = "一二三四五六七八九秦岭同志"
    keep = unbreakable_spans(text, ["秦岭"])
    assert pieces(text, break_lines(text, widths_of(text), 10 * 16.0)) == [
        "一二三四五六七八九秦",
        "岭同志",
    ]
    assert pieces(text, break_lines(text, widths_of(text), 10 * 16.0, keep=keep)) == [
        "一二三四五六七八九",
        "秦岭同志",
    ]


def test_a_date_is_not_cut_between_month_and_day():
    text = "整改期限为2026年12月5日前"
    spans = break_lines(text, widths_of(text), 10 * 16.0, keep=unbreakable_spans(text))
    assert pieces(text, spans) == ["整改期限为", "2026年12月5日前"]


def test_a_run_longer_than_a_line_is_cut_rather_than_left_alone():
    text = "一二" + "秦" * 12
    spans = break_lines(text, widths_of(text), 10 * 16.0, keep=[(2, 14)])
    assert pieces(text, spans)[0] == "一二" + "秦" * 8


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=ALPHABET, min_size=1, max_size=120),
    st.integers(min_value=16, max_value=400),
    st.lists(st.tuples(st.integers(0, 119), st.integers(2, 6)), max_size=8),
)
def test_no_line_breaks_inside_a_run_that_fits_on_a_line(text, width, runs):
    keep = sorted({(a, min(a + n, len(text))) for a, n in runs if a < len(text) - 1})
    merged: list[tuple[int, int]] = []
    for a, b in keep:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    widths = widths_of(text)
    for breaker in (break_lines, balance_lines):
        spans = breaker(text, widths, float(width), keep=merged)
        assert "".join(pieces(text, spans)) == text
        for start, end in spans[:-1]:
            for a, b in merged:
                if sum(widths[a:b]) <= width and start < a < end < b:
                    raise AssertionError((text[start:end], text[a:b]))


@pytest.fixture(scope="module")
def fontset():
    return load_fonts()


def test_ideographic_spaces_and_all_text_survive_into_the_pdf(fontset):
    story = [CJKParagraph("甲　　乙　丙", layout.body(first_indent=0), fontset)]
    pdf = layout.build_pdf(story, layout.Meta("t"), fontset)
    assert "甲\u3000\u3000乙\u3000丙" in page_texts(pdf)[0]


def test_every_font_in_the_pdf_is_embedded_truetype(fontset):
    story = [
        CJKParagraph(
            [("黑体标题", "hei"), ("楷体", "kai"), ("宋体", "song")], layout.body(), fontset
        )
    ]
    pdf = layout.build_pdf(story, layout.Meta("t"), fontset)
    used = fonts(pdf)
    assert len(used) >= 3
    assert all(used.values()), used


def test_no_text_is_drawn_beyond_the_type_area(fontset):
    # Forty sentences ending in "。": reportlab's Paragraph would hang some of them in the margin.
    long = "约谈对象应按照约定的时间、地点接受约谈，不得借故推诿、拖延。" * 40
    pdf = layout.build_pdf([CJKParagraph(long, layout.body(), fontset)], layout.Meta("t"), fontset)
    top = layout.TOP_MARGIN
    bottom = layout.TOP_MARGIN + layout.TYPE_HEIGHT
    boxes = word_boxes(pdf)
    below = [w for w in boxes if w[2] >= bottom]
    assert {w[5] for w in below} <= {"—", "1", "2", "3"}  # only the page numbers
    words = [w for w in boxes if w[2] < bottom]
    assert len({w[0] for w in words}) >= 2  # it did run over pages
    for _page, x0, y0, x1, y1, word in words:
        assert layout.LEFT_MARGIN - 0.5 <= x0 and x1 <= layout.LEFT_MARGIN + layout.TYPE_WIDTH + 0.5
        assert top - 0.5 <= y0 and y1 <= bottom + 0.5, word
    assert not any(w[5].startswith(("。", "，", "、")) for w in words)


def test_a_character_no_font_has_stops_generation_with_its_code_point(fontset):
    with pytest.raises(MissingGlyph, match="U\\+0378"):
        CJKParagraph("姓名\u0378", layout.body(), fontset)

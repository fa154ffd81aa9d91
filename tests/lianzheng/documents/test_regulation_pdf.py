"""The regulation as a 红头文件: every word of the issued text, where GB/T 9704-2012 puts it.

Positions come from poppler (``word_boxes``: points from the top left) and from the rendered
page itself, so the red mark, the separator and the 版记's rules are checked as a reader sees
them.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from reportlab.lib.units import mm

from lianzheng.documents import layout
from lianzheng.documents.fonts import MissingGlyph
from lianzheng.documents.regulation_pdf import (
    MARK_MAX_SIZE,
    MARK_MIN_SCALE,
    issuing_mark,
    mark_style,
    regulation_pdf,
)
from lianzheng.documents.typeset import CJKParagraph
from lianzheng.regulation import format_date, load_seed, regulation_lines
from tests.pdfcheck import fonts, page_texts, reader, word_boxes

TOP = layout.TOP_MARGIN
LEFT = layout.LEFT_MARGIN
RIGHT = layout.LEFT_MARGIN + layout.TYPE_WIDTH
BOTTOM = layout.TOP_MARGIN + layout.TYPE_HEIGHT
EM = layout.BODY_SIZE
SMALL_EM = layout.SMALL_SIZE
PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


@pytest.fixture(scope="module")
def seed():
    return load_seed()


@pytest.fixture(scope="module")
def pdf(seed):
    return regulation_pdf(seed)


@pytest.fixture(scope="module")
def boxes(pdf):
    return word_boxes(pdf)


def on_page(boxes, page):
    return [b for b in boxes if b[0] == page]


def body_words(boxes, page):
    """The words of a page inside the type area's height: all but the page number."""
    return [b for b in on_page(boxes, page) if b[2] < BOTTOM]


def word(boxes, text, page=None):
    found = [b for b in boxes if b[5].startswith(text) and (page is None or b[0] == page)]
    assert found, f"{text!r} not drawn" + (f" on page {page}" if page else "")
    return found[0]


def render(pdf: bytes, page: int) -> Image.Image:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        options = ["-r", str(DPI), "-f", str(page), "-l", str(page), "-png", "-singlefile"]
        subprocess.run(["pdftoppm", *options, str(path), str(Path(folder) / "page")], check=True)
        return Image.open(Path(folder) / "page.png").convert("RGB")


DPI = 144
SCALE = DPI / 72  # pixels a point


def _channels_mask(image: Image.Image, red: tuple, green: tuple, blue: tuple) -> Image.Image:
    """255 where each channel lies in its (low, high) range, else 0."""
    masks = [
        channel.point(lambda v, lo=lo, hi=hi: 255 if lo <= v <= hi else 0)
        for channel, (lo, hi) in zip(image.split(), (red, green, blue), strict=True)
    ]
    return ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])


def red_mask(image: Image.Image) -> Image.Image:
    return _channels_mask(image, (150, 255), (0, 90), (0, 90))


def black_mask(image: Image.Image) -> Image.Image:
    return _channels_mask(image, (0, 100), (0, 100), (0, 100))


def ink_mask(image: Image.Image) -> Image.Image:
    return image.convert("L").point(lambda v: 255 if v < 200 else 0)


def rows_where(mask: Image.Image, min_run_pt: float) -> list[float]:
    """The y (pt from the top) of pixel rows holding a run of marked pixels this long."""
    width, height = mask.size
    data = mask.tobytes()
    need = int(min_run_pt * SCALE)
    found = []
    for y in range(height):
        row = data[y * width : (y + 1) * width]
        if b"\xff" * max(need, 1) in row:
            found.append(y / SCALE)
    return found


def count(mask: Image.Image, box) -> int:
    _p, x0, y0, x1, y1, _t = box
    crop = mask.crop((int(x0 * SCALE), int(y0 * SCALE), int(x1 * SCALE), int(y1 * SCALE)))
    return crop.histogram()[255]


def text_without_page_numbers(pdf: bytes) -> tuple[str, list[list[str]]]:
    texts = page_texts(pdf)
    numbers = [PAGE_NUMBER.findall(t) for t in texts]
    joined = "".join(PAGE_NUMBER.sub("", t) for t in texts)
    return re.sub(r"\s", "", joined), numbers


# -- the text -------------------------------------------------------------------------------------


def test_every_line_of_the_issued_text_is_in_the_pdf_in_order(seed, pdf):
    text, _numbers = text_without_page_numbers(pdf)
    lines = regulation_lines(seed)
    # The mark (the organ and 文件) comes above the number, where the seed's text has it below.
    lines[0], lines[1] = lines[1], lines[0]
    position = 0
    for line in lines:
        wanted = re.sub(r"\s", "", line)
        found = text.find(wanted, position)
        assert found >= 0, f"missing or out of order: {line}"
        position = found + len(wanted)
    assert text.startswith(issuing_mark(seed.issuing_organ))
    assert text.endswith(f"{format_date(seed.printing_date)}印制")


def test_the_first_page_is_the_issuing_notice_and_the_regulation_starts_a_page(seed, pdf):
    first, second = (re.sub(r"\s", "", t) for t in page_texts(pdf)[:2])
    assert first.startswith("中共阿坝州住房和城乡建设局党组文件阿州住建党组〔2021〕81号")
    assert "关于印发《阿坝州住房和城乡建设局廉政约谈制度（试行）》的通知" in first
    assert first.endswith("中共阿坝州住房和城乡建设局党组2021年10月19日—1—")
    assert second.startswith("阿坝州住房和城乡建设局廉政约谈制度（试行）第一条")
    flat = "".join(re.sub(r"\s", "", t) for t in page_texts(pdf))
    for article in seed.articles:
        assert flat.count(article.label) >= 1, article.label
    assert "第十二条本制度自印发之日起试行。" in flat


def test_every_font_is_embedded_truetype_in_the_roles_the_standard_names(pdf):
    used = fonts(pdf)
    assert all(used.values()), used
    names = " ".join(used)
    # Body and number 宋/仿宋, mark and article labels 黑 (the 小标宋 stand-in), clauses 楷.
    assert "UMing" in names and "ZenHei" in names and "WenKai" in names, names


# -- the page --------------------------------------------------------------------------------------


def test_every_page_is_a4(pdf):
    for page in reader(pdf).pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.01)


def test_text_fills_the_type_area_and_nothing_but_page_numbers_leaves_it(boxes, pdf):
    pages = len(reader(pdf).pages)
    for page in range(1, pages + 1):
        words = body_words(boxes, page)
        outside = [b[5] for b in on_page(boxes, page) if b[2] >= BOTTOM]
        assert set("".join(outside)) <= set("—0123456789"), (page, outside)
        for _p, x0, y0, x1, y1, text in words:
            assert LEFT - 0.5 <= x0 and x1 <= RIGHT + 0.5, (page, text)
            assert TOP - 1 * mm <= y0 and y1 <= BOTTOM, (page, text)
    # Body pages: flush-left lines start at 28 mm, the first line's characters at 37 mm.
    for page in range(2, 7):
        words = body_words(boxes, page)
        assert min(b[1] for b in words) == pytest.approx(LEFT, abs=1 * mm), page
        assert max(b[3] for b in words) == pytest.approx(RIGHT, abs=1 * mm), page
        assert min(b[2] for b in words) == pytest.approx(TOP, abs=1 * mm), page


def test_about_22_lines_on_a_full_page(boxes):
    lines: list[float] = []
    for top in sorted(b[2] for b in body_words(boxes, 3)):
        if not lines or top - lines[-1] > 5:  # the fonts' ascents differ by a point or so
            lines.append(top)
    assert 21 <= len(lines) <= 22
    gaps = [b - a for a, b in itertools.pairwise(lines)]
    assert all(abs(g - layout.LINE) <= 1.5 for g in gaps), gaps


def test_page_numbers_sit_outside_the_type_area_odd_right_even_left(pdf, boxes):
    _text, numbers = text_without_page_numbers(pdf)
    numbered = [n for n, found in enumerate(numbers, 1) if found]
    assert numbered == list(range(1, 7))
    for page in numbered:
        assert numbers[page - 1] == [str(page)]
        marks = [b for b in on_page(boxes, page) if b[2] >= BOTTOM]
        x0 = min(b[1] for b in marks)
        x1 = max(b[3] for b in marks)
        assert min(b[2] for b in marks) > BOTTOM
        if page % 2:
            assert x1 == pytest.approx(RIGHT - SMALL_EM, abs=1 * mm), page
        else:
            assert x0 == pytest.approx(LEFT + SMALL_EM, abs=1 * mm), page


def test_page_number_dashes_lie_7mm_below_the_type_area(pdf):
    for page in (1, 2):
        dashes = rows_where(black_mask(render(pdf, page)), min_run_pt=0.6 * SMALL_EM)
        below = [y for y in dashes if y > BOTTOM]
        assert below and below[0] - BOTTOM == pytest.approx(7 * mm, abs=1 * mm), page


# -- 版头 -----------------------------------------------------------------------------------------


def test_the_mark_and_separator_are_red_and_the_number_is_black(pdf, boxes):
    stream = reader(pdf).pages[0].get_contents().get_data().decode("latin-1")
    assert re.search(r"(?<![\d.])0?\.8 0 0 rg", stream)  # the mark's fill
    assert re.search(r"(?<![\d.])0?\.8 0 0 RG", stream)  # the separator's stroke

    image = render(pdf, 1)
    red, ink = red_mask(image), ink_mask(image)
    mark = word(boxes, issuing_mark(load_seed().issuing_organ), 1)
    assert count(ink, mark) and count(red, mark) / count(ink, mark) > 0.6
    number = word(boxes, "阿州住建党组", 1)
    assert count(ink, number) > 100 and count(red, number) == 0


def test_mark_at_35mm_number_two_lines_below_separator_4mm_below_it(pdf, boxes):
    image = render(pdf, 1)
    red = red_mask(image)
    red_rows = rows_where(red, min_run_pt=2)
    mark_top = red_rows[0]
    assert mark_top == pytest.approx(TOP + 35 * mm, abs=1 * mm)

    # The separator: the only red rows as wide as the type area, below the number.
    wide = rows_where(red, min_run_pt=layout.TYPE_WIDTH - 2)
    assert wide and max(wide) - min(wide) < 1 * mm
    line_row = wide[0]
    row = red.crop((0, int(line_row * SCALE), red.size[0], int(line_row * SCALE) + 1)).tobytes()
    xs = [x / SCALE for x, v in enumerate(row) if v]
    assert min(xs) == pytest.approx(LEFT, abs=1 * mm)
    assert max(xs) == pytest.approx(RIGHT, abs=1 * mm)

    number = word(boxes, "阿州住建党组〔2021〕81号", 1)
    number_ink = [
        y for y in rows_where(black_mask(image), min_run_pt=0) if number[2] - 3 < y < number[4] + 3
    ]
    assert line_row - max(number_ink) == pytest.approx(4 * mm, abs=1 * mm)
    mark_bottom = max(y for y in red_rows if y < number[2])
    # Two empty lines, then the number's line with its characters centred in it.
    gap = min(number_ink) - mark_bottom
    assert gap == pytest.approx(2 * layout.LINE + layout.FIRST_LINE_DROP, abs=1 * mm)
    # Centred: as much room left as right.
    assert number[1] - LEFT == pytest.approx(RIGHT - number[3], abs=1)


def test_the_mark_is_as_wide_as_the_type_area_and_no_wider(boxes, seed):
    mark = word(boxes, issuing_mark(seed.issuing_organ), 1)
    assert mark[3] - mark[1] > 0.95 * layout.TYPE_WIDTH
    assert LEFT - 0.5 <= mark[1] and mark[3] <= RIGHT + 0.5


def test_a_short_organ_gets_chuhao_and_a_long_one_fits_on_one_line(seed):
    from lianzheng.documents.fonts import load_fonts

    fontset = load_fonts()
    short = mark_style("国务院文件", fontset)
    assert short.size == MARK_MAX_SIZE and short.horizontal_scale == 1
    name = "中共阿坝藏族羌族自治州住房和城乡建设局党组纪检监察室工作委员会文件"
    long = mark_style(name, fontset)
    assert long.size < MARK_MAX_SIZE and long.horizontal_scale == pytest.approx(MARK_MIN_SCALE)
    para = CJKParagraph(name, long, fontset)
    assert para.wrap(layout.TYPE_WIDTH, 1000)[1] == long.leading  # one line


# -- 主体 -----------------------------------------------------------------------------------------


def test_title_two_lines_below_separator_balanced_recipients_flush_left(pdf, boxes):
    title_lines = [b for b in on_page(boxes, 1) if b[5].startswith(("关于印发", "廉政约谈制度"))]
    assert [b[5] for b in title_lines] == [
        "关于印发《阿坝州住房和城乡建设局",
        "廉政约谈制度（试行）》的通知",
    ]
    for line in title_lines:  # centred
        assert line[1] - LEFT == pytest.approx(RIGHT - line[3], abs=2)
    image = render(pdf, 1)
    separator = rows_where(red_mask(image), min_run_pt=layout.TYPE_WIDTH - 2)[-1]
    title_ink = [y for y in rows_where(black_mask(image), min_run_pt=0) if y > separator]
    assert title_ink[0] - separator == pytest.approx(2 * layout.LINE, abs=1 * mm)

    recipients = word(boxes, "各县（市）住建局", 1)
    assert recipients[1] == pytest.approx(LEFT, abs=0.5)
    body = word(boxes, "经局党组研究同意", 1)
    assert body[1] == pytest.approx(LEFT + 2 * EM, abs=0.5)


def test_signatory_two_characters_from_the_right_and_the_date_two_right_of_it(boxes, seed):
    signatory = [b for b in on_page(boxes, 1) if b[5] == seed.notice_signatory][-1]
    date = word(boxes, format_date(seed.issue_date), 1)
    assert RIGHT - signatory[3] == pytest.approx(2 * EM, abs=1)
    assert date[1] - signatory[1] == pytest.approx(2 * EM, abs=1)
    body_end = word(boxes, "约谈制度（试行）》印发你们", 1)
    # One empty line between: a line's pitch plus the room above and below the characters.
    gap = signatory[2] - body_end[4]
    assert gap == pytest.approx(layout.LINE + 2 * layout.FIRST_LINE_DROP, abs=1 * mm)


def test_a_date_longer_than_the_signatory_sets_both_from_the_right(seed):
    pdf = regulation_pdf(replace(seed, notice_signatory="局党组"))
    boxes = word_boxes(pdf)
    signatory = [b for b in on_page(boxes, 1) if b[5] == "局党组"][-1]
    date = word(boxes, format_date(seed.issue_date), 1)
    assert RIGHT - date[3] == pytest.approx(2 * EM, abs=1)
    assert date[1] - signatory[1] == pytest.approx(2 * EM, abs=1)


def test_article_and_clause_labels_start_their_paragraphs_indented_two_characters(boxes):
    for label in ("第一条", "第三条", "（一）日常约谈"):
        box = word(boxes, label, 2)
        assert box[1] == pytest.approx(LEFT + 2 * EM, abs=0.5), label


# -- 版记 -----------------------------------------------------------------------------------------


def test_imprint_ends_the_last_page_which_is_even_and_blank_pages_are_unnumbered(pdf, seed):
    texts = page_texts(pdf)
    assert len(texts) % 2 == 0
    last = re.sub(r"\s", "", texts[-1])
    imprint = f"抄送：{seed.cc_list}{seed.printing_office}{format_date(seed.printing_date)}印制"
    assert PAGE_NUMBER.sub("", last).endswith(imprint)
    for text in texts:
        if not PAGE_NUMBER.sub("", text).strip():
            assert not PAGE_NUMBER.search(text)  # a blank page before the 版记 has no number


def check_imprint(pdf: bytes, page: int, seed) -> None:
    boxes = word_boxes(pdf)
    cc = word(boxes, "抄送：", page)
    office = word(boxes, seed.printing_office, page)
    printed = word(boxes, f"{format_date(seed.printing_date)}印制", page)
    others = [b for b in body_words(boxes, page) if b[2] < cc[2] - 1]
    assert all(b[4] < cc[2] for b in others)
    # One character in from each side; the 抄送 continuation under the first name.
    assert cc[1] == pytest.approx(LEFT + SMALL_EM, abs=0.5)
    assert office[1] == pytest.approx(LEFT + SMALL_EM, abs=0.5)
    assert printed[3] == pytest.approx(RIGHT - SMALL_EM, abs=0.5)
    continuation = [b for b in on_page(boxes, page) if cc[4] <= b[2] < office[2]]
    assert continuation and continuation[0][1] == pytest.approx(LEFT + 4 * SMALL_EM, abs=0.5)
    assert printed[2] == pytest.approx(office[2], abs=0.5)  # same line

    # Rules: thick above 抄送, thin between, thick on the type area's bottom edge.
    image = render(pdf, page)
    rules = rows_where(black_mask(image), min_run_pt=layout.TYPE_WIDTH - 2)
    groups: list[list[float]] = []
    for y in rules:
        if groups and y - groups[-1][-1] <= 0.5:
            groups[-1].append(y)
        else:
            groups.append([y])
    assert len(groups) == 3, groups
    top, middle, bottom = groups
    assert top[-1] < cc[2] and cc[4] < middle[0] < office[2] and bottom[0] > office[4]
    assert bottom[-1] + 0.5 == pytest.approx(BOTTOM, abs=0.5 * mm)
    assert len(top) > len(middle) and len(bottom) > len(middle)  # 0.35 mm against 0.25 mm


def test_imprint_rules_and_rows(pdf, seed):
    check_imprint(pdf, len(page_texts(pdf)), seed)


def test_imprint_shares_an_even_last_page_with_the_text_when_it_fits(seed):
    pdf = regulation_pdf(replace(seed, articles=seed.articles[:1]))
    texts = page_texts(pdf)
    assert len(texts) == 2
    assert PAGE_NUMBER.findall(texts[1]) == ["2"]
    assert "第一条" in texts[1] and "抄送" in texts[1]
    check_imprint(pdf, 2, seed)


def test_imprint_moves_from_an_odd_page_to_the_next_even_one_which_is_numbered(seed):
    pdf = regulation_pdf(replace(seed, articles=seed.articles[:4]))
    texts = page_texts(pdf)
    assert len(texts) == 4
    assert "第四条" in texts[1] and "抄送" not in texts[2]
    assert "抄送" in texts[3] and PAGE_NUMBER.findall(texts[3]) == ["4"]


def test_a_regulation_without_cc_has_only_the_printing_row(seed):
    pdf = regulation_pdf(replace(seed, articles=seed.articles[:1], cc_list=""))
    last = re.sub(r"\s", "", page_texts(pdf)[-1])
    assert "抄送" not in last
    assert last.endswith(f"{seed.printing_office}{format_date(seed.printing_date)}印制—2—")


def test_a_character_no_font_has_stops_the_pdf_naming_it(seed):
    article = replace(seed.articles[0], paragraphs=("为加强\u0378监督。",))
    with pytest.raises(MissingGlyph, match="U\\+0378"):
        regulation_pdf(replace(seed, articles=(article,)))

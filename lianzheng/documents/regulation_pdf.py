"""The regulation as the bureau issued it: a 红头文件 laid out by GB/T 9704-2012.

The PDF is the issuing notice followed by the regulation it issues, as the seed was printed:

- 版头 (7.2): the issuing-organ mark, the organ's name and 文件, in red 小标宋 centred with its
  top 35 mm below the type area's top edge (7.2.4, 平行文/下行文), as large as 初号 but never wider
  than the type area (a long name is narrowed to 长体 first, then made smaller); the document
  number two lines below it (7.2.5); a red separator the width of the type area 4 mm below the
  number (7.2.7).
- 主体 (7.3): the notice's title in 二号小标宋 two lines below the separator, its lines balanced
  (7.3.1); the main recipients one line below, flush left (7.3.2); the notice's body in 三号仿宋,
  each paragraph indented two characters (7.3.3); and, the copy published having no seal, the
  signatory one line below the body, two characters from the right, with the date on the next
  line two characters right of the signatory's first character (7.3.5.2).
- The regulation starts on a new page: its title lines in 二号小标宋, one line left blank, then
  its articles.
- 版记 (7.4) at the foot of the last page: a thick rule, 抄送 in 四号 one character in from each
  side with its continuation lines under the first name, a thin rule, the printing office one
  character from the left and the printing date one from the right, and a thick rule on the type
  area's bottom edge. Page numbers are layout.py's (7.5).

Headings: the standard numbers a document's levels 一、（一）1.（1） and sets the first in 黑体, the
second in 楷体. This regulation is written in articles (条款式), whose first level is the article
and second the clause (项), so those are the levels: an article's label 第X条 takes 黑体 — the whole
line when the article has a title (第三条　廉政约谈的对象), only the label when its text follows on
the same line — and a clause's label （一） takes 楷体, its text 仿宋. The labels are kept as issued
rather than renumbered 一、: the text cites them ("前款第（四）项"), and so do the rules table and
every case.
"""

from __future__ import annotations

from dataclasses import replace

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from lianzheng.documents.fonts import FontSet, load_fonts
from lianzheng.documents.layout import (
    BODY_SIZE,
    FIRST_LINE_DROP,
    LINE,
    RED,
    SMALL_SIZE,
    TITLE_SIZE,
    TYPE_WIDTH,
    FootOfPage,
    Meta,
    body,
    build_pdf,
    heading,
    title,
)
from lianzheng.documents.typeset import CJKParagraph, Rule, TextStyle, shape
from lianzheng.regulation import Article, Regulation, format_date

# Bumped whenever the layout changes, so that PDFs cached under the old layout are not served.
LAYOUT_VERSION = 2

IDEOGRAPHIC_SPACE = "\u3000"
MARK_TOP = 35 * mm  # 发文机关标志上边缘至版心上边缘 (80 mm for 上行文, which this is not)
MARK_MAX_SIZE = 42  # 初号
MARK_MIN_SCALE = 0.75  # the narrowest 长体 before the mark is made smaller instead
NUMBER_TO_SEPARATOR = 4 * mm
SEPARATOR = 1.5  # pt; the standard sets no thickness, this is common in bureaus' templates
THICK_RULE = 0.35 * mm
THIN_RULE = 0.25 * mm
IMPRINT_LEADING = 0.8 * LINE


def regulation_pdf(reg: Regulation) -> bytes:
    """The bytes of the issued regulation as a PDF; raises ``FontsUnavailable`` or
    ``MissingGlyph`` (with a message naming what to install or replace) instead of drawing boxes.
    """
    fonts = load_fonts()
    story: list[Flowable] = [
        *_head(reg, fonts),
        *_notice(reg, fonts),
        PageBreak(),
        *_regulation(reg, fonts),
    ]
    imprint = _imprint(reg, fonts)
    if imprint:
        story.append(FootOfPage(imprint, even_page=True))
    meta = Meta(
        title=reg.notice_title or reg.title,
        author=reg.issuing_organ,
        subject=reg.title,
        keywords=reg.document_number,
    )
    return build_pdf(story, meta, fonts, standard_grid=True)


def issuing_mark(organ: str) -> str:
    """发文机关标志: the organ's name and 文件 (7.2.4), unless the name already ends so."""
    return organ if organ.endswith("文件") else f"{organ}文件"


def mark_style(text: str, fonts: FontSet) -> TextStyle:
    """初号 if it fits the type area; else narrowed to ``MARK_MIN_SCALE``; else smaller too."""
    natural = sum(g.width for g in shape([(text, "xiaobiaosong")], TextStyle(size=1), fonts))
    size = min(MARK_MAX_SIZE, TYPE_WIDTH / (natural * MARK_MIN_SCALE)) if natural else 1
    scale = min(1.0, TYPE_WIDTH / (natural * size)) if natural else 1.0
    # A line as tall as the characters: CJKParagraph then puts their top on the flowable's top.
    return TextStyle(
        role="xiaobiaosong",
        size=size,
        leading=size,
        first_indent=0,
        align="center",
        color=RED,
        horizontal_scale=scale,
    )


def _mark(text: str, fonts: FontSet) -> CJKParagraph:
    return CJKParagraph(text, mark_style(text, fonts), fonts)


def _head(reg: Regulation, fonts: FontSet) -> list[Flowable]:
    # The frame starts FIRST_LINE_DROP above the type area (build_pdf's standard_grid).
    return [
        Spacer(0, FIRST_LINE_DROP + MARK_TOP),
        _mark(issuing_mark(reg.issuing_organ), fonts),
        Spacer(0, 2 * LINE),
        CJKParagraph(reg.document_number, body(first_indent=0, align="center"), fonts),
        # The number's characters end FIRST_LINE_DROP above its line's bottom.
        Spacer(0, NUMBER_TO_SEPARATOR - FIRST_LINE_DROP),
        Rule(SEPARATOR, RED),
    ]


def _notice(reg: Regulation, fonts: FontSet) -> list[Flowable]:
    # "下空二行" from the separator to the title's characters, whose line is taller than them.
    story: list[Flowable] = [Spacer(0, 2 * LINE - (LINE - TITLE_SIZE) / 2)]
    if reg.notice_title:
        story.append(CJKParagraph(reg.notice_title, title(balance=True), fonts))
    if reg.main_recipients:
        story.append(
            CJKParagraph(f"{reg.main_recipients}：", body(first_indent=0, space_before=LINE), fonts)
        )
    story += [CJKParagraph(text, body(), fonts) for text in reg.notice_body]
    story += _signature(reg, fonts)
    return story


def _signature(reg: Regulation, fonts: FontSet) -> list[Flowable]:
    """7.3.5.2: signatory two characters from the right, one line below the body; the date on
    the next line, starting two characters right of the signatory's start — unless that would
    bring the date closer than two characters to the right edge, then the date sets both."""
    em = BODY_SIZE
    date_text = format_date(reg.issue_date)
    style = body(first_indent=0, align="left")
    signatory_width = _width(reg.notice_signatory, style, fonts)
    date_width = _width(date_text, style, fonts)
    start = TYPE_WIDTH - 2 * em - signatory_width
    if start + 2 * em + date_width > TYPE_WIDTH - 2 * em:
        start = TYPE_WIDTH - 2 * em - date_width - 2 * em
    start = max(0.0, start)
    flowables: list[Flowable] = []
    if reg.notice_signatory:
        flowables.append(
            CJKParagraph(
                reg.notice_signatory,
                body(first_indent=0, left_indent=start, space_before=LINE, keep_with_next=True),
                fonts,
            )
        )
    flowables.append(
        CJKParagraph(date_text, body(first_indent=0, left_indent=start + 2 * em), fonts)
    )
    return flowables


def _width(text: str, style: TextStyle, fonts: FontSet) -> float:
    return sum(g.width for g in shape([(text, None)], style, fonts))


def _regulation(reg: Regulation, fonts: FontSet) -> list[Flowable]:
    # On a new page, the title's characters start on the type area's top edge.
    story: list[Flowable] = [Spacer(0, FIRST_LINE_DROP - (LINE - TITLE_SIZE) / 2)]
    story += [CJKParagraph(line, title(balance=True), fonts) for line in reg.title_lines]
    story.append(Spacer(0, LINE))
    for article in reg.articles:
        story += _article(article, fonts)
    return story


def _article(article: Article, fonts: FontSet) -> list[Flowable]:
    label = article.label + IDEOGRAPHIC_SPACE
    paragraphs = list(article.paragraphs)
    if article.title:
        story = [CJKParagraph([(label + article.title, "hei")], heading(1), fonts)]
    else:
        first = paragraphs.pop(0) if paragraphs else ""
        story = [CJKParagraph([(label, "hei"), (first, None)], body(), fonts)]
    story += [CJKParagraph(text, body(), fonts) for text in paragraphs]
    for clause in article.clauses:
        first, *rest = clause.paragraphs or ("",)
        story.append(CJKParagraph([(clause.label, "kai"), (first, None)], body(), fonts))
        story += [CJKParagraph(text, body(), fonts) for text in rest]
    story += [CJKParagraph(text, body(), fonts) for text in article.closing]
    return story


def _imprint(reg: Regulation, fonts: FontSet) -> list[Flowable]:
    """版记 (7.4), top to bottom; empty when the regulation names neither 抄送 nor printer."""
    em = SMALL_SIZE
    style = body(role="fangsong", size=SMALL_SIZE, leading=IMPRINT_LEADING, first_indent=0)
    printed = format_date(reg.printing_date) + "印制" if reg.printing_date else ""
    rows: list[Flowable] = []
    if reg.cc_list:
        # 抄送：… with continuation lines under the first name, one character in on each side.
        label = "抄送："
        hang = _width(label, style, fonts) / em
        rows.append(
            CJKParagraph(
                label + reg.cc_list,
                replace(style, left_indent=em * (1 + hang), right_indent=em, first_indent=-hang),
                fonts,
            )
        )
    if reg.printing_office or printed:
        rows.append(
            SameLine(
                [
                    CJKParagraph(
                        reg.printing_office or IDEOGRAPHIC_SPACE,
                        replace(style, align="left", left_indent=em),
                        fonts,
                    ),
                    CJKParagraph(
                        printed or IDEOGRAPHIC_SPACE,
                        replace(style, align="right", right_indent=em),
                        fonts,
                    ),
                ]
            )
        )
    if not rows:
        return []
    story: list[Flowable] = [Rule(THICK_RULE)]
    for number, row in enumerate(rows):
        if number:
            story.append(Rule(THIN_RULE))
        story.append(row)
    story.append(Rule(THICK_RULE))
    return story


class SameLine(Flowable):
    """Flowables drawn over one another on the same lines, such as the printing office on the
    left and the printing date on the right of the 版记's last row."""

    def __init__(self, flowables: list[Flowable]):
        super().__init__()
        self.flowables = flowables

    def wrap(self, availWidth, availHeight):
        sizes = [f.wrap(availWidth, availHeight) for f in self.flowables]
        self.width = availWidth
        self.height = max(h for _w, h in sizes)
        return self.width, self.height

    def draw(self):
        for flowable in self.flowables:
            flowable.drawOn(self.canv, 0, self.height - flowable.height)

"""The page of a Chinese official document (GB/T 9704-2012) and the PDF built on it.

Every document we print — the regulation, notices, records, commitments, integrity files — uses
the same page: A4, top margin 37 mm, left margin 28 mm, a type area of 156 x 225 mm holding 22
lines of 三号 (16 pt) text, and page numbers "— n —" in 四号 (14 pt) 7 mm below the type area,
one character in from its right edge on odd pages and from its left edge on even pages. Records
that are signed and filed (talk records, commitments, rectification reports, integrity files)
say 「第x页 共y页」 there instead, centred, so that a missing or added page shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, FrameBreak, PageTemplate
from reportlab.platypus.flowables import _ContainerSpace

from lianzheng.documents.fonts import FontSet
from lianzheng.documents.typeset import CJKParagraph, TextStyle

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP_MARGIN = 37 * mm
LEFT_MARGIN = 28 * mm
TYPE_WIDTH = 156 * mm
TYPE_HEIGHT = 225 * mm
BOTTOM_MARGIN = PAGE_HEIGHT - TOP_MARGIN - TYPE_HEIGHT
LINES_PER_PAGE = 22
LINE = TYPE_HEIGHT / LINES_PER_PAGE  # one line of body text, ~28.97 pt

BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
SMALL_SIZE = 14  # 四号: page numbers and the 版记
PAGE_NUMBER_GAP = 7 * mm

RED = Color(0.8, 0, 0)  # the red of the issuing-organ mark and the separator line

# GB/T 9704 counts a line as a character and 7/8 of one, so the first line's characters touch the
# type area's top edge. CJKParagraph centres characters in their line, this much below its top.
FIRST_LINE_DROP = (LINE - BODY_SIZE) / 2


def body(**changes) -> TextStyle:
    """The body style (三号仿宋, two-character indent, justified) with any changes."""
    return replace(
        TextStyle(role="fangsong", size=BODY_SIZE, leading=LINE, first_indent=2), **changes
    )


def title(**changes) -> TextStyle:
    """The document title: 二号小标宋, centred, lines spaced as the body's."""
    return body(role="xiaobiaosong", size=TITLE_SIZE, first_indent=0, align="center", **changes)


def heading(level: int, **changes) -> TextStyle:
    """一、 in 黑体, （一） in 楷体 (GB/T 9704 7.3.3), both at the body size."""
    role = {1: "hei", 2: "kai"}[level]
    return body(role=role, keep_with_next=True, **changes)


@dataclass
class Meta:
    """What the PDF says of itself (shown by readers as its properties)."""

    title: str
    author: str = "阿坝州住房和城乡建设局"
    subject: str = ""
    keywords: str = ""


class FootOfPage(Flowable):
    """Flowables placed at the foot of the page they land on, their bottom on the type area's
    bottom edge — as the 版记 must be (its last rule "与版心下边缘重合"). If they do not fit in
    what is left of the page, they go to the foot of the next page; with ``even_page``, to the
    foot of the next even page, leaving a blank page between if need be."""

    def __init__(self, flowables: list[Flowable], *, even_page: bool = False):
        super().__init__()
        self.flowables = flowables
        self.even_page = even_page
        self._sizes: list[tuple[float, float]] = []
        self._after_blank = False

    def _odd_page(self) -> bool:
        """With ``even_page``, an odd page is the wrong one: the 版记 belongs on the back of the
        last sheet of a document printed on both sides (GB/T 9704 5.2, 7.4)."""
        canvas = getattr(self, "canv", None)
        return self.even_page and canvas is not None and canvas.getPageNumber() % 2 == 1

    def _natural(self, width: float) -> float:
        self._sizes = [f.wrap(width, TYPE_HEIGHT) for f in self.flowables]
        return sum(h for _w, h in self._sizes) + sum(
            f.getSpaceBefore() + f.getSpaceAfter() for f in self.flowables
        )

    def wrap(self, availWidth, availHeight):
        natural = self._natural(availWidth)
        self.width = availWidth
        self.height = max(natural, availHeight)
        if self._odd_page():
            self.height = availHeight + 1  # does not fit here, so split() sends it on
        return self.width, self.height

    def split(self, availWidth, availHeight):
        if self._odd_page():
            frame = getattr(self, "_frame", None)
            if frame is not None and frame._atTop:
                # Nothing else would be on this page: it stays blank, and 7.5 numbers neither
                # it nor the 版记's page after it.
                leave_unnumbered(self.canv)
                return [_PageFiller(), self._moved(after_blank=True)]
            return [_PageFiller(), self._moved()]
        if self._natural(availWidth) > availHeight:
            return [_PageFiller(), self]
        return [self]

    def _moved(self, *, after_blank: bool = False) -> FootOfPage:
        # A new flowable: reportlab refuses one it has already postponed to a second page.
        moved = FootOfPage(self.flowables, even_page=self.even_page)
        moved._after_blank = after_blank
        return moved

    def draw(self):
        if self._after_blank:
            leave_unnumbered(self.canv)
        # Stacked up from the bottom edge, drawn top down so that text is read in order.
        y, placed = 0.0, []
        for flowable, (_w, h) in reversed(list(zip(self.flowables, self._sizes, strict=True))):
            y += flowable.getSpaceAfter()
            placed.append((flowable, y))
            y += h + flowable.getSpaceBefore()
        for flowable, at in reversed(placed):
            flowable.drawOn(self.canv, 0, at)


class KeptWithTail(_ContainerSpace, Flowable):
    """A closing block — the signatures, the issuer and the date — set on one page with at
    least the last ``lines`` lines of the text before it, so that it never opens a page alone:
    a signature or a date must stand beside what it signs or dates. The text gives up lines to
    the next page rather than the block going there by itself."""

    def __init__(self, text: CJKParagraph, block: list[Flowable], lines: int = 2):
        super().__init__()
        self.text = text
        self.block = block
        self.lines = lines
        self._content = [text, *block]
        self._placed: list[tuple[Flowable, float]] = []

    def _stack(self, width: float) -> float:
        """Wrap the content top down; remember where each piece goes; the total height."""
        y, self._placed = 0.0, []
        for number, flowable in enumerate(self._content):
            if number:
                y += flowable.getSpaceBefore()
            _w, h = flowable.wrapOn(self.canv, width, 0xFFFFFFF)
            y += h
            self._placed.append((flowable, y))
            if number < len(self._content) - 1:
                y += flowable.getSpaceAfter()
        return y

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self._stack(availWidth)
        if self.height > availHeight + 1e-6:
            return availWidth, 0xFFFFFF  # does not fit: the frame asks split() what to do
        return availWidth, self.height

    def split(self, availWidth, availHeight):
        if self._stack(availWidth) <= availHeight + 1e-6:
            return list(self._content)
        leading = self.text.style.leading
        count = round(self.text.height / leading)
        here = min(int((availHeight + 1e-6) // leading), count - self.lines)
        if here >= 1:
            first, rest = self.text.split(availWidth, here * leading)
            return [first, KeptWithTail(rest, self.block, self.lines)]
        frame = getattr(self, "_frame", None)
        if frame is not None and frame._atTop:
            return list(self._content)  # more than a page whatever we do: set as it comes
        return [FrameBreak(), KeptWithTail(self.text, self.block, self.lines)]

    def draw(self):
        for flowable, bottom in self._placed:
            flowable.drawOn(self.canv, 0, self.height - bottom)


class _PageFiller(Flowable):
    """Takes the rest of the page, so what follows starts on the next."""

    def wrap(self, availWidth, availHeight):
        return availWidth, availHeight

    def draw(self):
        pass


_UNNUMBERED = "_lianzheng_unnumbered_pages"


def leave_unnumbered(canvas) -> None:
    """Draw no page number on the page being laid out (numbers are drawn when it ends)."""
    pages = getattr(canvas, _UNNUMBERED, set())
    pages.add(canvas.getPageNumber())
    setattr(canvas, _UNNUMBERED, pages)


def _draw_page_number(canvas, doc, fonts: FontSet) -> None:
    number = canvas.getPageNumber()
    if number in getattr(canvas, _UNNUMBERED, ()):
        return
    label = f"— {number} —"
    face = fonts.face("song").name
    canvas.saveState()
    canvas.setFont(face, SMALL_SIZE)
    canvas.setFillColorRGB(0, 0, 0)
    # The dashes' middle lies 7 mm below the type area; the dash sits ~0.3 em above the baseline.
    y = BOTTOM_MARGIN - PAGE_NUMBER_GAP - 0.3 * SMALL_SIZE
    if number % 2:
        canvas.drawRightString(LEFT_MARGIN + TYPE_WIDTH - SMALL_SIZE, y, label)
    else:
        canvas.drawString(LEFT_MARGIN + SMALL_SIZE, y, label)
    canvas.restoreState()


def page_of_total(number: int, total: int) -> str:
    return f"第{number}页 共{total}页"


def _counting_canvas(fonts: FontSet) -> type[Canvas]:
    """A canvas that holds its pages back until the last, then labels each 「第x页 共y页」."""

    class CountingCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self.saveState()
                self.setFont(fonts.face("song").name, SMALL_SIZE)
                self.setFillColorRGB(0, 0, 0)
                y = BOTTOM_MARGIN - PAGE_NUMBER_GAP - 0.3 * SMALL_SIZE
                label = page_of_total(self.getPageNumber(), total)
                self.drawCentredString(LEFT_MARGIN + TYPE_WIDTH / 2, y, label)
                self.restoreState()
                super().showPage()
            super().save()

    return CountingCanvas


def build_pdf(
    story: list[Flowable],
    meta: Meta,
    fonts: FontSet,
    *,
    standard_grid: bool = False,
    count_pages: bool = False,
    progress=None,
) -> bytes:
    """The story set on official-document pages; the bytes of the PDF.

    ``invariant`` makes the bytes depend on the content alone (no timestamp, fixed file id), so the
    SHA-256 stored with a document identifies what it says, and regenerating unchanged data gives
    the same hash.

    With ``standard_grid`` the frame reaches ``FIRST_LINE_DROP`` above the type area, so the
    characters of a page's first body line start on its top edge (37 mm), as the standard
    measures; the frame's bottom, where ``FootOfPage`` puts the 版记, stays on the type area's.

    With ``count_pages`` each page is labelled 「第x页 共y页」 instead of "— n —".

    ``progress``, if given, is called with the share of the story laid out so far (0 to 1), from
    reportlab's own count of flowables: what a long document's progress bar shows.
    """
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT_MARGIN,
        rightMargin=PAGE_WIDTH - LEFT_MARGIN - TYPE_WIDTH,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=meta.keywords,
        creator="lianzheng",
        invariant=True,
        # reportlab's default Helvetica would be listed, unembedded, on every page.
        initialFontName=fonts.face("song").name,
    )
    frame = Frame(
        LEFT_MARGIN,
        BOTTOM_MARGIN,
        TYPE_WIDTH,
        TYPE_HEIGHT + (FIRST_LINE_DROP if standard_grid else 0),
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="type-area",
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                id="official",
                frames=[frame],
                # At the page's end, when its flowables may have asked for no number.
                onPageEnd=(lambda canvas, d: None)
                if count_pages
                else lambda canvas, d: _draw_page_number(canvas, d, fonts),
            )
        ]
    )
    if progress is not None:
        total, reached = max(len(story), 1), [0.0]

        def on_progress(kind, value):
            # A flowable split across pages goes back on the list, so reportlab's count can
            # fall: the bar only moves forward.
            if kind == "PROGRESS" and value / total > reached[0]:
                reached[0] = min(value / total, 1.0)
                progress(reached[0])

        doc.setProgressCallBack(on_progress)
    if count_pages:
        doc.build(story, canvasmaker=_counting_canvas(fonts))
    else:
        doc.build(story)
    return out.getvalue()

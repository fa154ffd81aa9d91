"""Chinese text set line by line, as official documents are: our own flowable, not Paragraph.

reportlab's Paragraph has three traps for Chinese text, each of which would spoil a record:

- it collapses whitespace, and counts the ideographic space U+3000 as whitespace, so the
  indents and gaps that officials type with 全角空格 vanish;
- with ``wordWrap="CJK"`` it lets a closing mark such as the final "。" hang into the right margin,
  outside the type area that GB/T 9704 fixes;
- its CJK wrap knows nothing of Latin words and numbers inside Chinese text, and breaks a phone
  number or a document number anywhere.

So this module breaks lines itself (``break_lines``, a pure function the tests check on its own):
every character is kept, no line starts with a closing mark or ends with an opening one (the
previous character moves down with it: 避头尾 by pushing, never by hanging), Latin words,
numbers, dates, document numbers (文号) and the names the caller gives stay whole when they fit on
a line (``unbreakable_spans``), and full lines are justified to the type area by spacing the
characters. Each character is drawn in its role's font or, failing that, the first
fallback font that has it (``fonts.FontSet.for_char``); a character no font has stops generation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from reportlab.lib.colors import Color, black
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from lianzheng.documents.fonts import FontSet

# Marks that may not begin a line (行首禁则) and that may not end one (行尾禁则).
CANNOT_START = frozenset("。，、；：？！）》」』〕］｝】〉”’…—·%‰℃,.;:?!)]}>％")
CANNOT_END = frozenset("（《「『〔［｛【〈“‘([{<")


@dataclass(frozen=True)
class TextStyle:
    """How a block of text is set. Sizes in points; ``first_indent`` in characters (em)."""

    role: str = "fangsong"
    size: float = 16
    leading: float = 28.95
    first_indent: float = 2
    align: str = "justify"  # justify | left | center | right
    color: Color = black
    left_indent: float = 0
    right_indent: float = 0
    space_before: float = 0
    space_after: float = 0
    keep_with_next: bool = False
    horizontal_scale: float = 1.0  # below 1 narrows the characters (长体), as big marks are set
    balance: bool = False  # lines of near-equal length, broken where the meaning allows (titles)


@dataclass(frozen=True)
class Glyph:
    char: str
    font: str
    width: float


@dataclass
class Line:
    glyphs: list[Glyph]
    full: bool  # a full line is justified; the last line of a paragraph is not
    indent: float = 0

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)


def clean_text(text: str) -> str:
    """User text as it will be set: carriage returns and tabs tamed, other control characters
    dropped (they draw nothing and no font has them); everything else kept as typed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return "".join(
        c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    )


def shape(runs: list[tuple[str, str | None]], style: TextStyle, fonts: FontSet) -> list[Glyph]:
    """Characters with the font each is drawn in and its width at the style's size."""
    glyphs = []
    for text, role in runs:
        for char in text:
            face = fonts.for_char(role or style.role, char)
            width = stringWidth(char, face.name, style.size) * style.horizontal_scale
            glyphs.append(Glyph(char, face.name, width))
    return glyphs


def _latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-_./@:#+")


# What is read as one thing and must not be cut at a line's end: a document number (文号: the
# issuer's short name, the year in 〔〕, the serial and 号), an article cited (第八条（一）), a
# date or time (2026年12月5日, 上午9时30分), a number with its separators or percent sign.
UNBREAKABLE = re.compile(
    r"[\u4e00-\u9fff]{0,6}〔\d{4}〕第?\d+号"
    r"|第[一二三四五六七八九十百零]+条(?:（[一二三四五六七八九十]+）)?"
    r"|(?:[上下]午)?(?:\d+[年月日时分秒])+"
    r"|\d+(?:[.:：,/\-]\d+)*(?:\s?[%％‰])?"
)


def unbreakable_spans(text: str, words: Iterable[str] = ()) -> list[tuple[int, int]]:
    """The (start, end) spans of ``text`` no line may break inside: every occurrence of
    ``words`` (people's names, the case number) and everything ``UNBREAKABLE`` matches.
    Overlapping spans are merged."""
    spans = [m.span() for m in UNBREAKABLE.finditer(text) if m.end() - m.start() > 1]
    for word in {w for w in words if len(w) > 1}:
        spans += [(m.start(), m.start() + len(word)) for m in re.finditer(re.escape(word), text)]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _inside(n: int, spans: Sequence[tuple[int, int]]) -> list[int]:
    """For each break position, the start of the span it would cut, or -1."""
    inside = [-1] * (n + 1)
    for a, b in spans:
        for i in range(a + 1, b):
            inside[i] = a
    return inside


def break_lines(
    chars: str,
    widths: list[float],
    width: float,
    first_width: float | None = None,
    keep: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Where the lines of one paragraph start and end, as (start, end) index pairs.

    Greedy filling, then at each break: closing marks that would start the next line stay on
    this one if squeezing the line's full-width punctuation by at most half its width makes room
    (标点挤压, at most three marks: the line is then drawn with tighter spacing, never beyond the
    width); otherwise they pull the character before them down too. An opening mark that would
    end this line goes down with what it opens; a Latin word or number, or a span of ``keep``
    (a name, a date, a 文号: ``unbreakable_spans``), is not cut if it can move down whole and
    fits on a line. Every line is at least one character, so any input terminates, however
    narrow the width.
    """
    if len(chars) != len(widths):
        raise ValueError("one width per character")
    inside = _inside(len(chars), [(a, b) for a, b in keep if sum(widths[a:b]) <= width + 1e-6])
    lines: list[tuple[int, int]] = []
    start, n = 0, len(chars)
    limit = width if first_width is None else first_width
    while start < n:
        used, end = 0.0, start
        while end < n and (end == start or used + widths[end] <= limit + 1e-6):
            used += widths[end]
            end += 1
        if end < n and chars[end] in CANNOT_START:
            run = end
            while run < n and run - end < 3 and chars[run] in CANNOT_START:
                run += 1
            over = used + sum(widths[end:run]) - limit
            if over <= squeezable(chars, widths, start, run) + 1e-6:
                end = run
        if end < n:
            brk = end
            while True:  # each step moves the break back; none passes start + 1
                moved = _adjust_break(chars, start, brk, inside)
                if moved == brk:
                    break
                brk = moved
            end = brk
        lines.append((start, end))
        start = end
        limit = width
    return lines


# Where a title may break without cutting a word, found without a dictionary: around book-title
# marks and punctuation, after the names of organs, and before 的 + the kind of document.
_BREAK_AFTER = frozenset("》」”），、；：局厅委部院办府组司处署站所")
_BREAK_BEFORE = frozenset("《「“（")
_KINDS = ("通知", "决定", "意见", "报告", "请示", "批复", "函", "办法", "规定", "方案", "通报")
UNBALANCED_BREAK = 4.0  # cost of a break inside a word, in (characters of length difference)²


def _good_title_break(chars: str, i: int) -> bool:
    if chars[i - 1] in _BREAK_AFTER or chars[i] in _BREAK_BEFORE:
        return True
    return chars[i] == "的" and chars[i + 1 :].startswith(_KINDS)


def balance_lines(
    chars: str, widths: list[float], width: float, keep: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Title lines: as few as ``break_lines`` needs, as even in length as the text allows.

    GB/T 9704 7.3.1 asks that a title broken over lines keep words whole and its lines balanced
    (梯形或菱形), not run full and leave a stub. Among the breaks that keep the marks' rules, we
    choose those that minimise the squared spread of line lengths (in characters) plus a cost for
    each break that is not at a good place (``_good_title_break``).
    """
    greedy = break_lines(chars, widths, width, keep=keep)
    count = len(greedy)
    if count < 2:
        return greedy
    n = len(chars)
    em = max(widths) or 1.0
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    mean = prefix[n] / count

    inside = _inside(n, [(a, b) for a, b in keep if prefix[b] - prefix[a] <= width + 1e-6])

    def allowed(i: int) -> bool:
        return _adjust_break(chars, 0, i, inside) == i

    def cost(a: int, b: int) -> float | None:
        used = prefix[b] - prefix[a]
        if used > width + 1e-6:
            return None
        return ((used - mean) / em) ** 2 + (
            0 if b == n or _good_title_break(chars, b) else UNBALANCED_BREAK
        )

    # best[k][i]: the cheapest k lines covering chars[:i], and where the last of them starts.
    inf = float("inf")
    best = [[(inf, -1)] * (n + 1) for _ in range(count + 1)]
    best[0][0] = (0.0, -1)
    for k in range(1, count + 1):
        for i in range(1, n + 1):
            if i < n and not allowed(i):
                continue
            for j in range(k - 1, i):
                if best[k - 1][j][0] == inf:
                    continue
                c = cost(j, i)
                if c is not None and best[k - 1][j][0] + c < best[k][i][0]:
                    best[k][i] = (best[k - 1][j][0] + c, j)
    if best[count][n][0] == inf:
        return greedy
    spans, end = [], n
    for k in range(count, 0, -1):
        start = best[k][end][1]
        spans.append((start, end))
        end = start
    return spans[::-1]


FULL_WIDTH_MARKS = frozenset("。，、；：？！（）《》「」『』〔〕【】“”‘’")


def squeezable(chars: str, widths: list[float], start: int, end: int) -> float:
    """How much a line may be tightened: half the width of each full-width mark in it."""
    return sum(widths[i] / 2 for i in range(start, end) if chars[i] in FULL_WIDTH_MARKS)


def _adjust_break(chars: str, start: int, brk: int, inside: Sequence[int] = ()) -> int:
    """One step back from a bad break, or the break itself when it is good (or cannot move)."""
    if brk <= start + 1:
        return brk
    if chars[brk] in CANNOT_START or chars[brk - 1] in CANNOT_END:
        return brk - 1
    if inside and inside[brk] > start:
        return inside[brk]
    if _latin(chars[brk - 1]) and _latin(chars[brk]):
        word = brk
        while word > start and _latin(chars[word - 1]):
            word -= 1
        return word if word > start else brk
    return brk


class CJKParagraph(Flowable):
    """One paragraph of Chinese text, set by ``break_lines`` and drawn line by line. ``keep``:
    words no line may cut (the names of the people the document is about)."""

    def __init__(
        self,
        runs: list[tuple[str, str | None]] | str,
        style: TextStyle,
        fonts: FontSet,
        *,
        keep: Iterable[str] = (),
        _lines: list[Line] | None = None,
    ):
        super().__init__()
        if isinstance(runs, str):
            runs = [(runs, None)]
        self.runs = [(clean_text(text).replace("\n", " "), role) for text, role in runs]
        self.style = style
        self.fonts = fonts
        self.keepWithNext = style.keep_with_next
        self.keep = tuple(keep)
        self._glyphs = shape(self.runs, style, fonts) if _lines is None else []
        self._lines = _lines
        self._width = None

    # -- layout ---------------------------------------------------------------------------------

    def _layout(self, avail_width: float) -> list[Line]:
        st = self.style
        width = avail_width - st.left_indent - st.right_indent
        indent = st.first_indent * st.size
        chars = "".join(g.char for g in self._glyphs)
        widths = [g.width for g in self._glyphs]
        keep = unbreakable_spans(chars, self.keep)
        if st.balance and not indent:
            spans = balance_lines(chars, widths, width, keep)
        else:
            spans = break_lines(chars, widths, width, width - indent, keep)
        lines = [Line(self._glyphs[a:b], full=b < len(chars)) for a, b in spans]
        if lines:
            lines[0].indent = indent
        return lines

    def wrap(self, availWidth, availHeight):
        if self._lines is None or self._width != availWidth:
            if self._glyphs or self._lines is None:
                self._lines = self._layout(availWidth)
            self._width = availWidth
        self.width = availWidth
        self.height = max(1, len(self._lines)) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fit = int((availHeight + 1e-6) // self.style.leading)
        if fit < 1 or fit >= len(self._lines):
            return []
        head, tail = self._lines[:fit], self._lines[fit:]
        first = CJKParagraph([], replace(self.style, space_after=0), self.fonts, _lines=head)
        rest = CJKParagraph([], replace(self.style, space_before=0), self.fonts, _lines=tail)
        first.keepWithNext = False
        for part in (first, rest):
            part._width = availWidth
        return [first, rest]

    def getSpaceBefore(self):
        return self.style.space_before

    def getSpaceAfter(self):
        return self.style.space_after

    @property
    def text(self) -> str:
        """The paragraph's characters, every one kept (the tests compare it with the input)."""
        if self._glyphs:
            return "".join(g.char for g in self._glyphs)
        return "".join(line.text for line in self._lines or [])

    # -- drawing ---------------------------------------------------------------------------------

    def draw(self):
        st = self.style
        canvas = self.canv
        inner = self.width - st.left_indent - st.right_indent
        top = self.height
        for number, line in enumerate(self._lines):
            used = sum(g.width for g in line.glyphs)
            x = st.left_indent + line.indent
            space = 0.0
            room = inner - line.indent - used
            if room < 0 and len(line.glyphs) > 1:
                space = room / (len(line.glyphs) - 1)  # a squeezed line (标点挤压)
                room = 0.0
            elif st.align == "justify" and line.full and len(line.glyphs) > 1:
                space = room / (len(line.glyphs) - 1)
            elif st.align == "center":
                x += room / 2
            elif st.align == "right":
                x += room
            # The glyph box centred in the line: ideographs sit about 0.38 em above the baseline.
            baseline = top - (number + 0.5) * st.leading - 0.38 * st.size
            text = canvas.beginText(x, baseline)
            text.setFillColor(st.color)
            if st.horizontal_scale != 1:
                # Tz scales the character spacing too, so the spacing is given unscaled.
                text.setHorizScale(st.horizontal_scale * 100)
                space /= st.horizontal_scale
            text.setCharSpace(space)
            for font, chunk in _runs_by_font(line.glyphs):
                text.setFont(font, st.size)
                text.textOut(chunk)
            canvas.drawText(text)


def _runs_by_font(glyphs: list[Glyph]) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for g in glyphs:
        if runs and runs[-1][0] == g.font:
            runs[-1] = (g.font, runs[-1][1] + g.char)
        else:
            runs.append((g.font, g.char))
    return runs


def paragraphs(
    text: str, style: TextStyle, fonts: FontSet, keep: Iterable[str] = ()
) -> list[CJKParagraph]:
    """Multi-line user text as paragraphs: one per non-empty line, each indented."""
    return [
        CJKParagraph(line, style, fonts, keep=keep)
        for line in clean_text(text).split("\n")
        if line.strip()
    ]


class Rule(Flowable):
    """A horizontal rule across the available width (the red separator, the 版记 rules)."""

    def __init__(self, thickness: float, color: Color = black, *, space_before=0, space_after=0):
        super().__init__()
        self.thickness = thickness
        self.color = color
        self.spaceBefore = space_before
        self.spaceAfter = space_after

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self.thickness
        return self.width, self.height

    def draw(self):
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        y = self.thickness / 2
        self.canv.line(0, y, self.width, y)


class CutLine(Flowable):
    """A dashed line across the width with a label in its middle (「✂（沿此线剪下）」): where a
    slip such as the 送达回执 is cut from the page."""

    def __init__(self, label: str, fonts: FontSet, *, size: float = 12, space_after: float = 0):
        super().__init__()
        self.glyphs = shape([(label, "song")], TextStyle(size=size), fonts)
        self.size = size
        self.spaceAfter = space_after

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self.size * 1.5
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        label = sum(g.width for g in self.glyphs)
        gap = self.size / 2
        middle = self.height / 2
        left = (self.width - label) / 2
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setLineWidth(0.6)
        canvas.line(0, middle, left - gap, middle)
        canvas.line(left + label + gap, middle, self.width, middle)
        canvas.restoreState()
        text = canvas.beginText(left, middle - 0.38 * self.size)
        for font, chunk in _runs_by_font(self.glyphs):
            text.setFont(font, self.size)
            text.textOut(chunk)
        canvas.drawText(text)

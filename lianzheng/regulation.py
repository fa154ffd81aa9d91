"""The regulation as plain data: read from the issued text, and written back out as text.

The regulation page stores the same structure as a StreamField; both convert to these dataclasses,
so the seed import, the public page, the PDF and the word-for-word test share one shape and one
text rendering. Nothing here imports Django models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SEED_PATH = Path(__file__).resolve().parent / "data" / "regulation_2021_81.txt"

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """一 … 九十九, as article (第十二条) and clause (（十一）) numbers are written."""
    if not 0 < n < 100:
        raise ValueError(f"article and clause numbers run from 1 to 99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    prefix = "" if tens == 1 else CHINESE_DIGITS[tens]
    return prefix + "十" + (CHINESE_DIGITS[ones] if ones else "")


def parse_chinese_number(text: str) -> int:
    """The inverse of chinese_number, for the numbers the regulation uses."""
    for n in range(1, 100):
        if chinese_number(n) == text:
            return n
    raise ValueError(f"not a Chinese number from 一 to 九十九: {text!r}")


def article_label(number: int) -> str:
    return f"第{chinese_number(number)}条"


def clause_label(number: int) -> str:
    return f"（{chinese_number(number)}）"


def article_anchor(article: int, clause: int | None = None) -> str:
    """Stable fragment ids (``article-6-3``) that the rules table and case pages link to."""
    return f"article-{article}" if clause is None else f"article-{article}-{clause}"


@dataclass(frozen=True)
class Clause:
    number: int
    paragraphs: tuple[str, ...]

    @property
    def label(self) -> str:
        return clause_label(self.number)


@dataclass(frozen=True)
class Article:
    number: int
    title: str = ""
    paragraphs: tuple[str, ...] = ()
    clauses: tuple[Clause, ...] = ()
    closing: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return article_label(self.number)

    @property
    def anchor(self) -> str:
        return article_anchor(self.number)


@dataclass(frozen=True)
class Regulation:
    document_number: str
    issuing_organ: str
    notice_title: str
    main_recipients: str
    notice_body: tuple[str, ...]
    notice_signatory: str
    issue_date: date
    title_lines: tuple[str, ...]
    articles: tuple[Article, ...] = field(default_factory=tuple)
    cc_list: str = ""
    printing_office: str = ""
    printing_date: date | None = None

    @property
    def title(self) -> str:
        return "".join(self.title_lines)


class SeedFormatError(ValueError):
    """The text does not have the shape of an issued regulation; the message says where."""


_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ARTICLE = re.compile(r"^第([一二三四五六七八九十]+)条\s*(.*)$")
_CLAUSE = re.compile(r"^（([一二三四五六七八九十]+)）(.*)$")


def _parse_date(text: str) -> date:
    match = _DATE.search(text)
    if not match:
        raise SeedFormatError(f"expected a date like 2021年10月19日 in {text!r}")
    return date(*(int(g) for g in match.groups()))


def _is_title(rest: str) -> bool:
    # Article titles are short headings without closing punctuation; article text ends with 。
    return bool(rest) and len(rest) <= 30 and rest[-1] not in "。；：，"


def parse_regulation(text: str) -> Regulation:
    """Read an issued regulation in the layout of the seed: notice, title, articles, 版记."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    try:
        document_number, issuing_organ, notice_title, recipients = lines[:4]
    except ValueError as exc:
        raise SeedFormatError("the text ends before the issuing notice is complete") from exc
    if not recipients.endswith("："):
        raise SeedFormatError(f"expected the 主送 line ending with ：, got {recipients!r}")
    pos = 4
    notice_body = []
    while pos < len(lines) and lines[pos] != issuing_organ:
        notice_body.append(lines[pos])
        pos += 1
    if pos + 1 >= len(lines):
        raise SeedFormatError("the issuing notice has no signature and date")
    signatory = lines[pos]
    issue_date = _parse_date(lines[pos + 1])
    pos += 2
    title_lines = []
    while pos < len(lines) and not _ARTICLE.match(lines[pos]):
        title_lines.append(lines[pos])
        pos += 1

    articles: list[Article] = []
    current: dict | None = None

    def finish() -> None:
        if current is None:
            return
        clauses = tuple(Clause(n, tuple(ps)) for n, ps in current["clauses"])
        articles.append(
            Article(
                number=current["number"],
                title=current["title"],
                paragraphs=tuple(current["paragraphs"]),
                clauses=clauses,
                closing=tuple(current["closing"]),
            )
        )

    cc_list = printing_office = ""
    printing_date = None
    for line in lines[pos:]:
        if line.startswith("抄送："):
            finish()
            current = None
            cc_list = line.removeprefix("抄送：")
            continue
        if line.endswith("印制"):
            finish()
            current = None
            printing_date = _parse_date(line)
            printing_office = _DATE.split(line)[0].strip()
            continue
        if current is None and (cc_list or printing_office):
            raise SeedFormatError(f"text after the 版记: {line!r}")
        article = _ARTICLE.match(line)
        if article:
            finish()
            number = parse_chinese_number(article.group(1))
            rest = article.group(2).strip()
            current = {
                "number": number,
                "title": "",
                "paragraphs": [],
                "clauses": [],
                "closing": [],
            }
            if _is_title(rest):
                current["title"] = rest
            elif rest:
                current["paragraphs"].append(rest)
            continue
        if current is None:
            raise SeedFormatError(f"text outside any article: {line!r}")
        clause = _CLAUSE.match(line)
        if clause:
            current["clauses"].append((parse_chinese_number(clause.group(1)), [clause.group(2)]))
        elif current["clauses"]:
            # A paragraph after a clause continues it (第六条（二）) until the next clause; the
            # paragraphs after the last clause of an article are its closing 款 (第四条).
            current["clauses"][-1][1].append(line)
        else:
            current["paragraphs"].append(line)
    finish()

    # Paragraphs that trail the last clause belong to the article, not the clause; 第六条（二）
    # shows a clause may own several paragraphs only when another clause follows them.
    fixed = []
    for art in articles:
        if art.clauses and len(art.clauses[-1].paragraphs) > 1 and not art.closing:
            last = art.clauses[-1]
            art = Article(
                number=art.number,
                title=art.title,
                paragraphs=art.paragraphs,
                clauses=(*art.clauses[:-1], Clause(last.number, last.paragraphs[:1])),
                closing=last.paragraphs[1:],
            )
        fixed.append(art)

    if not fixed:
        raise SeedFormatError("no articles (第一条 …) found")
    expected = list(range(1, len(fixed) + 1))
    if [a.number for a in fixed] != expected:
        raise SeedFormatError("articles are not numbered 第一条, 第二条, … in order")
    return Regulation(
        document_number=document_number,
        issuing_organ=issuing_organ,
        notice_title=notice_title,
        main_recipients=recipients.removesuffix("："),
        notice_body=tuple(notice_body),
        notice_signatory=signatory,
        issue_date=issue_date,
        title_lines=tuple(title_lines),
        articles=tuple(fixed),
        cc_list=cc_list,
        printing_office=printing_office,
        printing_date=printing_date,
    )


def load_seed() -> Regulation:
    """The bureau's regulation 阿州住建党组〔2021〕81号, as shipped with the add-on."""
    return parse_regulation(SEED_PATH.read_text(encoding="utf-8"))


def format_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def regulation_lines(reg: Regulation) -> list[str]:
    """The regulation as the lines of an issued document, one paragraph a line.

    The word-for-word test compares these with the seed's non-empty lines, so whatever stores the
    regulation (the page, a revision) can prove it still holds the issued text.
    """
    lines = [
        reg.document_number,
        reg.issuing_organ,
        reg.notice_title,
        f"{reg.main_recipients}：",
        *reg.notice_body,
        reg.notice_signatory,
        format_date(reg.issue_date),
        *reg.title_lines,
    ]
    for art in reg.articles:
        head = art.title or (art.paragraphs[0] if art.paragraphs else "")
        lines.append(f"{art.label}  {head}")
        lines.extend(art.paragraphs if art.title else art.paragraphs[1:])
        for clause in art.clauses:
            lines.append(f"{clause.label}{clause.paragraphs[0]}")
            lines.extend(clause.paragraphs[1:])
        lines.extend(art.closing)
    if reg.cc_list:
        lines.append(f"抄送：{reg.cc_list}")
    if reg.printing_office or reg.printing_date:
        date_text = format_date(reg.printing_date) if reg.printing_date else ""
        lines.append(f"{reg.printing_office}    {date_text}印制")
    return lines


def normalized_lines(text: str) -> list[str]:
    """Non-empty lines with the surrounding blanks removed: the unit of word-for-word comparison."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Passage:
    """One paragraph of an article as a reader cites it: 第六条（三） with its anchor."""

    label: str
    anchor: str
    text: str


def article_passages(articles) -> list[Passage]:
    """Every paragraph of the articles, in order, each labelled with its article and clause:
    what the public search shows and links to (the title of an article counts as a paragraph)."""
    passages = []
    for article in articles:
        label, anchor = article.label, article.anchor
        if article.title:
            passages.append(Passage(label, anchor, article.title))
        passages += [Passage(label, anchor, text) for text in article.paragraphs]
        for clause in article.clauses:
            clause_anchor = article_anchor(article.number, clause.number)
            passages += [
                Passage(label + clause.label, clause_anchor, text) for text in clause.paragraphs
            ]
        passages += [Passage(label, anchor, text) for text in article.closing]
    return passages

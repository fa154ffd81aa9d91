"""Index text and query terms for Chinese: characters and overlapping pairs (bigrams).

Why bigrams rather than a segmenter (jieba): a segmenter must cut the query and the text the same
way to match, and it cuts names and the regulation's terms (诫勉, 约谈主体) unpredictably; every
two-character word is exactly one bigram, longer words are all their bigrams, and a name of two or
three characters is one or two. Single characters are indexed too, so that a one-character query
(a surname, 王) finds what contains it. No Django here: pure functions, tested without a database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# CJK unified ideographs (with extension A and B…, and the compatibility block).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_SENTENCE_END = "。；！？\n"

# Queries longer than this are cut: nobody searches a paragraph, and every pair is a term.
MAX_QUERY_CHARS = 60


def normalize(text: str) -> str:
    """Full-width digits and letters as ASCII (２０２６ → 2026), lower case, NFKC."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _runs(text: str):
    """(is_cjk, run) for each run of CJK characters or of letters and digits, in order."""
    for match in _RUN.finditer(normalize(text)):
        cjk, word = match.groups()
        yield (True, cjk) if cjk else (False, word)


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> list[str]:
    """Every word the index holds for ``text``, each once: CJK characters and their pairs,
    Latin words and numbers whole."""
    tokens: dict[str, None] = {}
    for is_cjk, run in _runs(text):
        if is_cjk:
            tokens.update(dict.fromkeys(run))
            tokens.update(dict.fromkeys(_bigrams(run)))
        else:
            tokens[run] = None
    return list(tokens)


def index_text(text: str) -> str:
    """``index_tokens`` joined by spaces: what the search field writes into the index."""
    return " ".join(index_tokens(text))


def query_terms(query: str) -> list[str]:
    """The index words a query asks for, all of which must be present: the pairs of each CJK
    run (a lone character stands for itself), Latin words and numbers whole. Empty when the
    query has nothing searchable (punctuation only)."""
    terms: dict[str, None] = {}
    for is_cjk, run in _runs((query or "")[:MAX_QUERY_CHARS]):
        if is_cjk and len(run) > 1:
            terms.update(dict.fromkeys(_bigrams(run)))
        else:
            terms[run] = None
    return list(terms)


def query_text(query: str) -> str:
    """``query_terms`` joined by spaces, to hand to the search backend with operator "and"."""
    return " ".join(query_terms(query))


def query_parts(query: str) -> list[str]:
    """The runs of the query as they must appear in a text (normalised): what a passage must
    contain to be shown as a match, and what is highlighted."""
    return [run for _is_cjk, run in _runs((query or "")[:MAX_QUERY_CHARS])]


def contains_all(text: str, query: str) -> bool:
    """Whether ``text`` contains every part of the query as it stands (not only its pairs):
    the check that keeps 「书面通知」 from matching a text with 书面 and 通知 apart."""
    parts = query_parts(query)
    haystack = normalize(text)
    return bool(parts) and all(part in haystack for part in parts)


@dataclass(frozen=True)
class Segment:
    text: str
    match: bool


def sentences(text: str) -> list[str]:
    """The text cut after 。；！？ (each sentence keeps its closing mark)."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            if text[start : i + 1].strip():
                out.append(text[start : i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def best_sentence(text: str, query: str) -> str:
    """The first sentence that contains every part of the query, else the first containing
    any part, else the text's first sentence."""
    parts = query_parts(query)
    candidates = sentences(text) or [text]
    for sentence in candidates:
        if parts and all(p in normalize(sentence) for p in parts):
            return sentence
    for sentence in candidates:
        if any(p in normalize(sentence) for p in parts):
            return sentence
    return candidates[0]


def highlight(text: str, query: str) -> list[Segment]:
    """``text`` cut into segments, the occurrences of the query's parts marked. Matching is on
    the normalised text, which NFKC keeps the same length for the characters we index (CJK,
    ASCII, full-width forms); where it would not, nothing is marked rather than the wrong
    characters."""
    parts = sorted(set(query_parts(query)), key=len, reverse=True)
    folded = normalize(text)
    if not parts or len(folded) != len(text):
        return [Segment(text, False)] if text else []
    marked = [False] * len(text)
    for part in parts:
        start = folded.find(part)
        while start != -1:
            for i in range(start, start + len(part)):
                marked[i] = True
            start = folded.find(part, start + len(part))
    segments: list[Segment] = []
    for ch, is_marked in zip(text, marked, strict=True):
        if segments and segments[-1].match == is_marked:
            segments[-1] = Segment(segments[-1].text + ch, is_marked)
        else:
            segments.append(Segment(ch, is_marked))
    return segments

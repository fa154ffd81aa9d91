"""The public search of the published regulations: which pages the index finds, and in them the
paragraphs that contain the query, each with its article's anchor and its sentence marked."""

from __future__ import annotations

from dataclasses import dataclass

from lianzheng.models import RegulationPage
from lianzheng.regulation import article_passages
from lianzheng.search.text import Segment, best_sentence, contains_all, highlight, query_terms


@dataclass(frozen=True)
class RegulationHit:
    page: RegulationPage
    label: str  # 第六条（三）, or "" for the page as a whole
    anchor: str
    sentence: tuple[Segment, ...]


def regulation_search(query: str, pages=None) -> list[RegulationHit]:
    """Hits in the live, public regulation pages, in the order of the text.

    The index (Wagtail's search, in character pairs) picks the pages; the paragraphs are then
    kept only if they contain the query as typed, so that 「书面通知」 does not show a paragraph
    with 书面 and 通知 apart. A query that names an article (第六条) finds that article's first
    paragraph; a page found by its title alone is shown as a whole.
    """
    if not query_terms(query):
        return []
    pages = RegulationPage.objects.live().public() if pages is None else pages
    hits: list[RegulationHit] = []
    for page in pages.search(query, order_by_relevance=False):
        passages = article_passages(page.as_regulation().articles)
        found = [p for p in passages if contains_all(p.text, query)]
        if not found:
            seen: set[str] = set()
            for passage in passages:
                if passage.label not in seen and contains_all(passage.label, query):
                    seen.add(passage.label)
                    found.append(passage)
        if found:
            # One hit per anchor: an article's title and its first paragraph are one place.
            anchors: set[str] = set()
            found = [p for p in found if not (p.anchor in anchors or anchors.add(p.anchor))]
            hits += [
                RegulationHit(
                    page, p.label, p.anchor, tuple(highlight(best_sentence(p.text, query), query))
                )
                for p in found
            ]
        else:
            hits.append(RegulationHit(page, "", "", tuple(highlight(page.title, query))))
    return hits

"""The public search (/search/?query=…): the published regulations' paragraphs that contain the
query, each linking to its article's anchor with the matching sentence marked."""

from __future__ import annotations

from django.template.response import TemplateResponse

from lianzheng.search.text import MAX_QUERY_CHARS, query_terms
from lianzheng.selectors.search import regulation_search


def public_search(request):
    """Anyone may search what is published; a query of punctuation only, or none, shows the
    empty form rather than every page. Only live, public pages are searched."""
    query = request.GET.get("query", "").strip()[:MAX_QUERY_CHARS]
    searchable = bool(query_terms(query))
    hits = regulation_search(query) if searchable else []
    return TemplateResponse(
        request,
        "lianzheng/search.html",
        {"query": query, "searched": bool(query), "searchable": searchable, "hits": hits},
    )

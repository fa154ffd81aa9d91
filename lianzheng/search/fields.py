"""An index field that writes characters and pairs: ``CJKSearchField`` (and its autocomplete
twin), used by the pages and the cases in place of Wagtail's ``SearchField``.

With the database backends (the default) the field writes ``index_text`` of its value. With
Elasticsearch or OpenSearch, whose Chinese analyzer (smartcn, IK) cuts words itself, set
``LIANZHENG_SEARCH_BIGRAMS = False`` and the field writes the text as it stands (README, search).
"""

from __future__ import annotations

from django.conf import settings
from wagtail.search import index

from lianzheng.search.text import index_text


def flatten(value) -> str:
    """A field's value as one text: a StreamField's searchable content is a list of strings."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(flatten(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(flatten(item) for item in value.values())
    return str(value)


def bigrams_enabled() -> bool:
    return getattr(settings, "LIANZHENG_SEARCH_BIGRAMS", True)


class CJKFieldMixin:
    def get_value(self, obj):
        text = flatten(super().get_value(obj))
        return index_text(text) if bigrams_enabled() else text


class CJKSearchField(CJKFieldMixin, index.SearchField):
    pass


class CJKAutocompleteField(CJKFieldMixin, index.AutocompleteField):
    pass


def page_search_fields(page_class, *fields):
    """``page_class.search_fields`` (kept whole, as Wagtail's check asks) with the title once
    more in characters and pairs, then ``fields``: a Chinese title is otherwise one word."""
    return [
        *page_class.search_fields,
        CJKSearchField("title", boost=2),
        CJKAutocompleteField("title"),
        *fields,
    ]

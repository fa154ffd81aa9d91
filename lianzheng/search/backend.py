"""The site's search backend: Wagtail's database backend (SQLite FTS5 or PostgreSQL full text),
asked in bigrams.

The index holds characters and pairs (``lianzheng.search.fields``); a query is turned into the
same pairs, all required, before Wagtail compiles it. So the admin's page search, the page
chooser and our own views all find 「书面通知」 in a sentence, with no change to their code.

``indexed_ids`` serves the case listing: the ids of the indexed objects that match, straight from
the index tables, so that the listing can put them in its own ``pk IN (…)`` (with the number and
the confidential report) and keep its own order and filters. It goes from the few matching index
entries to the cases, never joining every case to the index by a cast key, so a search costs the
same at 100,000 cases as at 10,000.

That costs in proportion to what is found: a word in every case's purpose reads 100,000 entries
(74 ms on SQLite before anything is sorted). For such a query the listing walks the cases in its
own order instead and asks of each whether its own entry holds the terms (``entry_holds``), so
the first page stops after a few dozen cases; ``indexed_count_exceeds`` tells the two apart for
the price of reading the first matches (bench/README.md, "Case search").
"""

from __future__ import annotations

from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BooleanField, Expression, F, IntegerField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from wagtail.search.backends import database
from wagtail.search.query import And, Not, Or, Phrase, PlainText

from lianzheng.search.text import query_terms, query_text


def cjk_query(query):
    """A query as the index holds text: a string, or Wagtail's parsed query (the admin's page
    search parses before it asks), with each plain text or phrase turned into its pairs, all
    required."""
    if isinstance(query, str):
        return query_text(query)
    if isinstance(query, (PlainText, Phrase)):
        return PlainText(query_text(query.query_string), operator="and")
    if isinstance(query, (And, Or)):
        return type(query)([cjk_query(sub) for sub in query.subqueries])
    if isinstance(query, Not):
        return Not(cjk_query(query.subquery))
    return query


class CJKQueryMixin:
    """Ask the index for the query's characters and pairs, all of them (operator "and")."""

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        if isinstance(query, str):
            kwargs["operator"] = "and"
        query = cjk_query(query)
        if isinstance(query, PlainText) and not query.query_string:
            query = ""
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


@cache
def _cjk_class(base: type) -> type:
    return type(f"CJK{base.__name__}", (CJKQueryMixin, base), {})


def SearchBackend(params):
    """The database backend Wagtail picks for the default database, with bigram queries."""
    base = type(database.SearchBackend(dict(params)))
    return _cjk_class(base)(params)


def _fts_query(terms: list[str]) -> str:
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _pg_query(terms: list[str]) -> str:
    return " & ".join("'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms)


def _pg_entries(content_type_id: int, terms: list[str]):
    """PostgreSQL: the index entries of a content type whose tsvector holds every term."""
    from django.contrib.postgres.search import SearchQuery
    from wagtail.search.models import IndexEntry

    return IndexEntry.objects.filter(
        content_type_id=content_type_id,
        body=SearchQuery(_pg_query(terms), search_type="raw"),
    )


def _fts_matches(content_type_id: int, terms: list[str]) -> tuple[str, list]:
    """SQLite: the SQL (and its parameters) of the ids of a content type's index entries that
    hold every term, from the full-text matches to their entries. With the content type beside
    the match, SQLite walked every entry of the type (its index on content_type) and looked each
    up in the matches: 11 ms at 100,000 cases for a word in none. The unary + keeps the content
    type a check on the few rows found, not the way in."""
    from wagtail.search.models import IndexEntry

    table = IndexEntry._meta.db_table
    fts = f"{table}_fts"
    return (
        f"SELECT f.rowid FROM {fts} f JOIN {table} e ON e.id = f.rowid "
        f"WHERE {fts} MATCH %s AND +e.content_type_id = %s",
        [_fts_query(terms), content_type_id],
    )


def indexed_ids(model, query: str):
    """A subquery of the primary keys of ``model``'s indexed objects that contain every
    character pair of ``query`` (an empty queryset when the query has nothing searchable)."""
    from wagtail.search.models import IndexEntry

    terms = query_terms(query)
    content_type = ContentType.objects.get_for_model(model)
    if not terms:
        return IndexEntry.objects.none().values_list("pk", flat=True)
    if connection.vendor == "postgresql":
        entries = _pg_entries(content_type.pk, terms)
    elif connection.vendor == "sqlite":
        entries = IndexEntry.objects.filter(pk__in=RawSQL(*_fts_matches(content_type.pk, terms)))
    else:  # pragma: no cover - the add-on runs on SQLite and PostgreSQL
        raise NotImplementedError(connection.vendor)
    return entries.order_by().values_list(Cast("object_id", IntegerField()), flat=True)


def indexed_count_exceeds(model, query: str, limit: int) -> bool:
    """Whether more than ``limit`` of ``model``'s indexed objects match ``query``: counted up to
    ``limit`` + 1 and no further, so it costs the same for a word in every case as for one in
    ``limit`` of them."""

    terms = query_terms(query)
    if not terms:
        return False
    content_type = ContentType.objects.get_for_model(model)
    if connection.vendor == "postgresql":
        entries = _pg_entries(content_type.pk, terms)
        return entries.order_by()[: limit + 1].count() > limit
    # SQLite: straight from the full-text matches, cut at the limit (``indexed_ids``' pk IN
    # would read every match before counting).
    sql, params = _fts_matches(content_type.pk, terms)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s)", [*params, limit + 1])
        return cursor.fetchone()[0] > limit


def entry_holds(model, query: str):
    """A condition on one object at a time, ``queryset.filter(entry_holds(TalkCase, q))``: its
    own index entry (found by its key, through the index's unique (content type, object id))
    holds every term of ``query``. What an ordered walk of the cases asks of each case it reads,
    for a few microseconds, where a full-text lookup per case cost SQLite 88 µs.

    On SQLite the entry's text (our space-separated tokens, lianzheng.search.text) is searched
    for each term between spaces, which is what its full-text index matches. On PostgreSQL the
    entry's tsvector is matched as ``indexed_ids`` matches it, in an EXISTS that PostgreSQL may
    not turn into a join or a hashed set (``OFFSET 0``): either would read every match first,
    which is what the walk is for avoiding (350 ms for a word in all 100,000 cases)."""
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Concat, StrIndex
    from wagtail.search.models import IndexEntry

    terms = query_terms(query)
    content_type = ContentType.objects.get_for_model(model)
    if not terms:
        return Value(False, output_field=BooleanField())
    if connection.vendor == "postgresql":
        return _PgEntryHolds(F("pk"), content_type.pk, _pg_query(terms))
    entries = IndexEntry.objects.filter(
        content_type_id=content_type.pk,
        object_id=Cast(OuterRef("pk"), CharField()),
    )
    spaced = Concat(Value(" "), F("body"), Value(" "), output_field=CharField())
    for number, term in enumerate(terms):
        entries = entries.alias(**{f"at_{number}": StrIndex(spaced, Value(f" {term} "))}).filter(
            **{f"at_{number}__gt": 0}
        )
    return Exists(entries)


class _PgEntryHolds(Expression):
    """``EXISTS (… OFFSET 0)`` over the object's own index entry, on PostgreSQL: the object's
    key is compiled by Django (so the condition follows the table wherever Django aliases it,
    in a subquery say), the content type and the query are parameters."""

    output_field = BooleanField()

    def __init__(self, key, content_type_id: int, tsquery: str):
        super().__init__()
        self.key, self.content_type_id, self.tsquery = key, content_type_id, tsquery

    def get_source_expressions(self):
        return [self.key]

    def set_source_expressions(self, expressions):
        (self.key,) = expressions

    def as_sql(self, compiler, connection):
        from wagtail.search.models import IndexEntry

        key_sql, key_params = compiler.compile(self.key)
        table = connection.ops.quote_name(IndexEntry._meta.db_table)
        return (
            f"EXISTS (SELECT 1 FROM {table} e WHERE e.content_type_id = %s "
            f"AND e.object_id = ({key_sql})::text AND e.body @@ to_tsquery(%s) OFFSET 0)",
            [self.content_type_id, *key_params, self.tsquery],
        )


def index_incomplete() -> bool:
    """Whether some case or live regulation page has no index entry (so ``update_index`` is due):
    two counts, cheap enough to ask on every set-up."""
    from wagtail.search.models import IndexEntry

    from lianzheng.models import RegulationPage, TalkCase

    for model in (TalkCase, RegulationPage):
        content_type = ContentType.objects.get_for_model(model)
        if IndexEntry.objects.filter(content_type_id=content_type.pk).count() < (
            model.objects.count()
        ):
            return True
    return False

"""Benchmark the case listing, the case page and the case forms on 100,000 cases.

    .venv/bin/python bench/bench_listing.py --db sqlite
    .venv/bin/python bench/bench_listing.py --db postgres

Loads the bench database first if it is not loaded yet (bench/load_cases.py; --reload forces
it), then, with Django's test Client signed in as a superuser and as an office user, measures
each page over --runs runs after one warm-up request: median and p95 wall time, the query count
(CaptureQueriesContext) and the time spent in the database. Side by side, in the same process:
Wagtail's plain snippet listing of the same model, registered under /admin/bench-plain-*/ by a
bench-only urlconf (the application's urls are not touched).

It then checks that the query count does not grow with the rows shown (20 vs 100 rows a page vs
a single row), EXPLAINs every listing query (PostgreSQL: EXPLAIN without ANALYZE, flagging Seq
Scans and unbounded full index scans on lianzheng_talkcase, _casesubject and _person; SQLite:
EXPLAIN QUERY PLAN), and measures the recommended code changes by monkeypatching them in this
process only (and, on PostgreSQL, candidate indexes inside a transaction that is rolled back).

The table is printed and written to bench/results/listing-<db>.md (git-ignored). Speed targets
are reported, not asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import types
from dataclasses import dataclass, field, replace
from datetime import datetime

import load_cases

LIST = "/admin/snippets/lianzheng/talkcase/"
PLAIN_COLUMNS_PREFIX = "bench-plain-columns"
PLAIN_FIELDS_PREFIX = "bench-plain-fields"
OURS_100_PREFIX = "bench-ours-100"
PLAIN_COLUMNS_100_PREFIX = "bench-plain-columns-100"
PLAIN_FIELDS_100_PREFIX = "bench-plain-fields-100"
WATCHED = ("lianzheng_talkcase", "lianzheng_casesubject", "lianzheng_person")
TARGET_MS = 100
SLOW_SECONDS, SLOW_RUNS = 1.0, 3  # pages slower than a second are measured three times
OPTION_LIMIT = 200  # more <option>s than this on a form means a select of people


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    url: str
    user: str
    status: int = 0
    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    db_times: list[float] = field(default_factory=list)
    gc_times: list[float] = field(default_factory=list)
    captured: list[dict] = field(default_factory=list)
    size: int = 0
    options: int = 0
    rows: int | None = None
    total: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else math.nan

    @property
    def p95(self) -> float:
        if not self.times:
            return math.nan
        ordered = sorted(self.times)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]

    @property
    def db_median(self) -> float:
        return statistics.median(self.db_times) if self.db_times else math.nan

    @property
    def query_text(self) -> str:
        if not self.queries:
            return "–"
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high} ⚠"

    @property
    def ok(self) -> bool:
        return self.status == 200


GC = {"total": 0.0, "start": 0.0}  # seconds spent in Python's garbage collector


def _gc_callback(phase: str, info: dict) -> None:
    if phase == "start":
        GC["start"] = time.perf_counter()
    else:
        GC["total"] += time.perf_counter() - GC["start"]


gc.callbacks.append(_gc_callback)


class ExecuteTimer:
    """A connection.execute_wrapper timing every cursor.execute() with perf_counter (Django's
    captured "time" is rounded to the millisecond), less any garbage collection that happened
    to run inside it."""

    def __init__(self):
        self.executed: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start, collected = time.perf_counter(), GC["total"]
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start - (GC["total"] - collected)
            self.executed.append((sql, elapsed * 1000))

    @property
    def total(self) -> float:
        return sum(ms for _sql, ms in self.executed)

    def align(self, captured: list[dict]) -> list[dict]:
        """The captured queries with their durations. COMMIT, ROLLBACK and (on PostgreSQL)
        BEGIN are logged by Django without passing through execute wrappers: 0 ms here."""
        result, executed = [], iter(self.executed)
        pending = next(executed, None)
        for query in captured:
            sql = query["sql"]
            if sql in ("BEGIN", "COMMIT", "ROLLBACK") and (pending is None or pending[0] != sql):
                result.append({"sql": sql, "ms": 0.0})
                continue
            result.append({"sql": sql, "ms": pending[1] if pending else math.nan})
            pending = next(executed, None)
        return result


def measure(client, user: str, label: str, url: str, runs: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(label=label, url=url, user=user)
    start = time.perf_counter()
    client.get(url)  # warm-up: templates, translations, caches
    if time.perf_counter() - start > SLOW_SECONDS:
        runs = min(runs, SLOW_RUNS)
    for _ in range(runs):
        timer = ExecuteTimer()
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
            start, collected = time.perf_counter(), GC["total"]
            response = client.get(url)
            elapsed = time.perf_counter() - start
        result.times.append(elapsed * 1000)
        result.gc_times.append((GC["total"] - collected) * 1000)
        result.queries.append(len(ctx.captured_queries))
        result.db_times.append(timer.total)
        result.captured = timer.align(ctx.captured_queries)
        result.status = response.status_code
        content = response.content
        result.size = len(content)
        result.options = content.count(b"<option")
        result.rows = _listing_rows(response)
        result.total = _items_count(response)
    return result


def _listing_rows(response) -> int | None:
    context = getattr(response, "context_data", None) or {}
    items = context.get("object_list") if isinstance(context, dict) else None
    return len(items) if items is not None else None


def _items_count(response) -> int | None:
    context = getattr(response, "context_data", None) or {}
    return context.get("items_count") if isinstance(context, dict) else None


# -- the bench-only viewsets and urlconf ------------------------------------------------------

PLAIN_COLUMNS = [
    "number",
    "talk_type",
    "subject_names",
    "subject_units",
    "state",
    "scheduled_at",
    "lead_name",
]
PLAIN_FIELDS = ["number", "talk_type", "state", "scheduled_at", "year"]


def install_bench_urls() -> None:
    """Wagtail's plain SnippetViewSet for TalkCase (model fields, and the same columns as
    strings), and our viewset at 100 rows a page, under /admin/bench-*/ in a bench-only
    ROOT_URLCONF that includes the site's own urls unchanged."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path
    from wagtail.snippets.views.snippets import SnippetViewSet

    import lianzheng_site.urls as site_urls
    from lianzheng.models import TalkCase
    from lianzheng.viewsets import CasePermissionPolicy, TalkCaseViewSet

    def plain(prefix: str, columns: list[str], per_page: int):
        class PlainTalkCaseViewSet(SnippetViewSet):
            # Only the permission policy is ours, so that the office user may open it too:
            # Wagtail's model permissions would give him a 403 (he has no view_talkcase).
            model = TalkCase
            permission_policy = CasePermissionPolicy(TalkCase)
            url_prefix = prefix
            url_namespace = prefix.replace("-", "_")
            list_display = columns
            list_filter = ["state", "talk_type", "year"]
            search_fields = ["number", "subjects__person__name"]
            search_backend_name = None
            list_per_page = per_page
            inspect_view_enabled = True
            copy_view_enabled = False

        return PlainTalkCaseViewSet()

    class Ours100(TalkCaseViewSet):
        url_prefix = OURS_100_PREFIX
        url_namespace = OURS_100_PREFIX.replace("-", "_")
        list_per_page = 100

    viewsets = [
        plain(PLAIN_COLUMNS_PREFIX, PLAIN_COLUMNS, 20),
        plain(PLAIN_FIELDS_PREFIX, PLAIN_FIELDS, 20),
        plain(PLAIN_COLUMNS_100_PREFIX, PLAIN_COLUMNS, 100),
        plain(PLAIN_FIELDS_100_PREFIX, PLAIN_FIELDS, 100),
        Ours100(),
    ]
    module = types.ModuleType("lianzheng_bench_urls")
    module.urlpatterns = [
        path(
            f"admin/{viewset.url_prefix}/",
            include((viewset.get_urlpatterns(), viewset.url_namespace), viewset.url_namespace),
        )
        for viewset in viewsets
    ] + list(site_urls.urlpatterns)
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()


# -- what to open -----------------------------------------------------------------------------


@dataclass
class Samples:
    cases: dict[str, int]
    collective: int
    item: int
    search_name: str
    search_people: int
    search_cases: int
    unit_id: int
    unit_name: str
    county: str
    one_number: str


def pick_samples() -> Samples:
    from django.db.models import Count

    from lianzheng.models import CaseSubject, Person, RectificationItem, TalkCase

    year = max(load_cases.YEARS)
    recent = TalkCase.objects.filter(year=year).order_by("-sequence")
    cases = {}
    for state in (
        "draft",
        "submitted",
        "approved",
        "declined",
        "notified",
        "postponement_requested",
        "absent",
        "held",
        "rectifying",
    ):
        cases[state] = recent.filter(state=state).values_list("pk", flat=True).first()
    collective = (
        recent.filter(state="rectifying", rectification_items__isnull=False)
        .annotate(n=Count("subjects", distinct=True))
        .filter(n=2)
        .values_list("pk", flat=True)
        .first()
    )
    item = RectificationItem.objects.filter(case_id=collective).values_list("pk", flat=True)[0]
    # A subject of a recent case whose (three-character) name few people share.
    subjects = list(CaseSubject.objects.filter(case__year=year).select_related("person")[:200])
    chosen = subjects[0].person
    for subject in subjects:
        if len(subject.person.name) == 3:
            if Person.objects.filter(name__contains=subject.person.name).count() <= 3:
                chosen = subject.person
                break
    name, unit = chosen.name, chosen.unit
    people = Person.objects.filter(name__contains=name).count()
    search_cases = TalkCase.objects.filter(subjects__person__name__contains=name).distinct()
    number = TalkCase.objects.get(pk=collective).number
    return Samples(
        cases=cases,
        collective=collective,
        item=item,
        search_name=name,
        search_people=people,
        search_cases=search_cases.count(),
        unit_id=unit.pk,
        unit_name=unit.name,
        county="wenchuan",
        one_number=number[number.index("〔") :],
    )


@dataclass
class Listing:
    label: str
    ours: str  # query string for our listing
    plain: str | None  # the same for Wagtail's plain listing, None where it has no such filter


def listings(s: Samples) -> list[Listing]:
    from urllib.parse import quote

    name, number = quote(s.search_name), quote(s.one_number)
    return [
        Listing("default page", "", ""),
        Listing("?state=notified", "?state=notified", "?state=notified"),
        Listing("?talk_type=warning&year=2025", *["?talk_type=warning&year=2025"] * 2),
        Listing(f"?q={s.search_name} (subject name)", f"?q={name}", f"?q={name}"),
        Listing(f"?q={s.one_number} (case number)", f"?q={number}", f"?q={number}"),
        Listing("?overdue=on", "?overdue=on", None),
        Listing("?state=closed (60% of cases)", "?state=closed", "?state=closed"),
        Listing(f"?unit={s.unit_id} (subject's unit)", f"?unit={s.unit_id}", None),
        Listing(f"?county={s.county}", f"?county={s.county}", None),
        Listing("?mine=on", "?mine=on", None),
    ]


def form_urls(s: Samples) -> list[tuple[str, str]]:
    from urllib.parse import quote

    from django.urls import reverse

    from lianzheng.models import Person

    # The chooser the forms' AdminSnippetChooser(Person) opens, wherever it is registered.
    chooser_viewset = Person.snippet_viewset.chooser_viewset
    chooser = reverse(chooser_viewset.get_url_name("choose"))
    chooser_results = reverse(chooser_viewset.get_url_name("choose_results"))
    c = s.cases
    base = LIST
    transitions = [
        ("submit", "draft"),
        ("withdraw", "draft"),
        ("consent", "submitted"),
        ("decline", "submitted"),
        ("revise", "declined"),
        ("notify", "approved"),
        ("request_postponement", "notified"),
        ("record_absence", "notified"),
        ("hold", "notified"),
        ("approve_postponement", "postponement_requested"),
        ("reject_postponement", "postponement_requested"),
        ("reschedule", "absent"),
        ("start_rectification", "held"),
        ("escalate", "held"),
        ("close", "rectifying"),
    ]
    urls = [
        ("add a case", f"{base}add/"),
        ("edit (draft)", f"{base}edit/{c['draft']}/"),
        ("edit (approved)", f"{base}edit/{c['approved']}/"),
    ]
    urls += [
        (f"transition {name} ({state})", f"{base}{c[state]}/transition/{name}/")
        for name, state in transitions
    ]
    urls += [
        ("add a subject (draft)", f"{base}{c['draft']}/subjects/add/"),
        ("add a participant (approved)", f"{base}{c['approved']}/participants/add/"),
        ("shorter notice (approved)", f"{base}{c['approved']}/short-notice/"),
        ("add an item (rectifying)", f"{base}{s.collective}/items/add/"),
        ("record a check (rectifying)", f"{base}{s.collective}/items/{s.item}/check/"),
        ("person chooser", chooser),
        (f"person chooser ?q={s.search_name}", f"{chooser_results}?q={quote(s.search_name)}"),
        (f"person chooser ?q={s.search_name[0]}", f"{chooser_results}?q={quote(s.search_name[0])}"),
    ]
    return urls


# -- EXPLAIN ----------------------------------------------------------------------------------


@dataclass
class Plan:
    label: str
    kind: str
    ms: float
    sql: str
    text: str
    flags: list[str]
    jit: bool = False

    @property
    def flag_text(self) -> str:
        flags = [f"**{f}**" if _watched(f) else f for f in self.flags]
        if self.jit:
            flags.append("JIT compiled (cost above jit_above_cost)")
        return "; ".join(flags) or "—"


_BLOCKING = {"Sort", "Incremental Sort", "Hash", "Materialize", "Unique", "SetOp", "WindowAgg"}


def _walk_pg(node: dict, limited: bool, flags: list[str]) -> None:
    """Seq Scans on lianzheng tables, and index scans without an index condition that no
    LIMIT stops early (they read the whole table as well)."""
    kind = node.get("Node Type", "")
    if kind == "Limit":
        limited = True
    elif kind in _BLOCKING or (kind == "Aggregate" and node.get("Strategy") != "Sorted"):
        limited = False
    relation = node.get("Relation Name", "")
    if relation.startswith("lianzheng_"):
        rows = node.get("Plan Rows", 0)
        if kind == "Seq Scan":
            flags.append(f"Seq Scan on {relation} (~{rows:,} rows)")
        elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            if not limited:
                flags.append(f"full {kind} on {relation} (~{rows:,} rows)")
    for child in node.get("Plans", []):
        nested = child.get("Parent Relationship") in ("SubPlan", "InitPlan")
        # A merge join stops reading one input once the other is exhausted.
        child_limited = limited or kind == "Merge Join"
        _walk_pg(child, False if nested or kind == "Hash" else child_limited, flags)


def _sqlite_aliases(sql: str) -> dict[str, str]:
    aliases = {}
    for table, alias in re.findall(r'"(lianzheng_\w+)"\s+(?:AS\s+)?([A-Z]\d+)\b', sql):
        aliases[alias] = table
    for table in re.findall(r'"(lianzheng_\w+)"', sql):
        aliases.setdefault(table, table)
    return aliases


def query_kind(sql: str) -> str:
    if sql.startswith("SELECT COUNT(*)"):
        return "count"
    if re.search(r'FROM "lianzheng_talkcase"', sql) and " LIMIT " in sql:
        return "page"
    if re.search(r'"case_id" IN \(', sql):
        return "prefetch"
    return "other"


def explain(label: str, sql: str, ms: float = math.nan) -> Plan:
    from django.db import connection

    kind = query_kind(sql)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql)
            text = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            data = cursor.fetchone()[0]
            if isinstance(data, str):
                data = json.loads(data)
            flags: list[str] = []
            _walk_pg(data[0]["Plan"], False, flags)
            return Plan(label, kind, ms, sql, text, flags, jit="JIT:" in text)
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        rows = cursor.fetchall()
    aliases = _sqlite_aliases(sql)
    flags = []
    for row in rows:
        match = re.match(r"SCAN (\w+)", row[-1])
        if match and aliases.get(match.group(1), match.group(1)).startswith("lianzheng_"):
            how = row[-1][match.end() :].strip()
            flags.append(f"SCAN {aliases.get(match.group(1))}" + (f" {how}" if how else ""))
    return Plan(label, kind, ms, sql, "\n".join(row[-1] for row in rows), flags)


def explain_listing(result: Result) -> list[Plan]:
    """EXPLAIN the queries of a listing request that read the case, subject or person table,
    except single-row fetches by primary key."""
    plans = []
    for n, query in enumerate(result.captured, start=1):
        sql = query["sql"]
        if not any(f'"{table}"' in sql for table in WATCHED):
            continue
        if re.search(r'WHERE "lianzheng_\w+"\."id" = \d+ LIMIT 21$', sql):
            continue
        plans.append(explain(f"{result.user} · {result.label} · query {n}", sql, query["ms"]))
    return plans


def normalise(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\(\?(, \?)*\)", "(…)", sql)


def repeated_queries(result: Result, at_least: int = 2) -> list[tuple[int, str]]:
    counts: dict[str, int] = {}
    for query in result.captured:
        key = normalise(query["sql"])
        counts[key] = counts.get(key, 0) + 1
    return sorted(((n, sql) for sql, n in counts.items() if n >= at_least), reverse=True)


def _grown(small: Result, large: Result) -> list[tuple[int, str]]:
    """Queries the larger page ran more often than the smaller one (an N+1)."""

    def count(result):
        counts: dict[str, int] = {}
        for query in result.captured:
            key = _from_clause(query["sql"])
            counts[key] = counts.get(key, 0) + 1
        return counts

    before, after = count(small), count(large)
    return sorted(
        ((n - before.get(sql, 0), sql) for sql, n in after.items() if n > before.get(sql, 0)),
        reverse=True,
    )


def _from_clause(sql: str) -> str:
    """The query from its FROM on, which tells the queries of a page apart."""
    sql = normalise(sql)
    at = sql.find(" FROM ")
    return sql[at + 1 :] if at >= 0 else sql


# -- the recommended changes, measured by monkeypatching -------------------------------------


def case_listing_with_subquery(queryset=None):
    """A: selectors.case_listing with the next open item's deadline as a correlated subquery
    instead of Min() over a LEFT JOIN, which makes the database group the whole (filtered)
    table before ORDER BY … LIMIT and the paginator's COUNT group it again."""
    from django.db.models import OuterRef, Prefetch, Subquery

    from lianzheng.choices import CaseRole, RectificationStatus
    from lianzheng.models import CaseParticipant, CaseSubject, RectificationItem, TalkCase

    queryset = TalkCase.objects.all() if queryset is None else queryset
    next_open = (
        RectificationItem.objects.filter(case=OuterRef("pk"))
        .exclude(status=RectificationStatus.VERIFIED)
        .order_by("deadline")
        .values("deadline")[:1]
    )
    return queryset.prefetch_related(
        Prefetch("subjects", queryset=CaseSubject.objects.select_related("person__unit")),
        Prefetch(
            "participants",
            queryset=CaseParticipant.objects.filter(role=CaseRole.LEAD).select_related("person"),
            to_attr="lead_participants",
        ),
    ).annotate(next_item_deadline=Subquery(next_open))


def case_listing_with_prefetch(queryset=None):
    """A2: selectors.case_listing without an annotation: the page's open rectification items
    are prefetched (one query for the page, ordered by deadline) and read by next_deadline."""
    from django.db.models import Prefetch

    from lianzheng.choices import CaseRole, RectificationStatus
    from lianzheng.models import CaseParticipant, CaseSubject, RectificationItem, TalkCase

    queryset = TalkCase.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(
        Prefetch("subjects", queryset=CaseSubject.objects.select_related("person__unit")),
        Prefetch(
            "participants",
            queryset=CaseParticipant.objects.filter(role=CaseRole.LEAD).select_related("person"),
            to_attr="lead_participants",
        ),
        Prefetch(
            "rectification_items",
            queryset=RectificationItem.objects.exclude(status=RectificationStatus.VERIFIED)
            .only("case_id", "deadline")
            .order_by("deadline"),
            to_attr="open_items",
        ),
    )


def next_deadline_from_prefetch(case, calendar, today=None):
    """A2's selectors.next_deadline: the earliest prefetched open item, no query per row."""
    from lianzheng.selectors.cases import next_deadline

    if case.state == "rectifying" and hasattr(case, "open_items"):
        items = case.open_items
        return (items[0].deadline, "整改期限 rectification") if items else None
    return next_deadline(case, calendar, today)


def _cases_of_people(people):
    """Cases whose subjects are among ``people`` (a Person queryset), read through
    casesubject's person_id index and the case's primary key."""
    from lianzheng.models import CaseSubject

    return CaseSubject.objects.filter(person_id__in=people.values("pk")).values("case_id")


def search_by_subject_ids(self, queryset):
    """C: CaseIndexView.search_queryset without ``number LIKE … OR EXISTS(…)``, which tests
    every case: a case number (〔2025〕123) is looked up by (year, sequence), other digits
    by number only, anything else by the subjects' names through casesubject.person_id."""
    from lianzheng.models import Person

    if not self.is_searching:
        return queryset
    query = self.search_query.strip()
    number = re.search(r"(\d{4})\s*〕\s*(\d+)", query)
    if number:
        return queryset.filter(year=int(number[1]), sequence=int(number[2]))
    if any(ch.isdigit() for ch in query):
        return queryset.filter(number__icontains=query)
    return queryset.filter(pk__in=_cases_of_people(Person.objects.filter(name__icontains=query)))


def case_explain_with_one_facts(*, case, user):
    """D: workflow.case_explain building the case's facts once and replacing only
    ``transition`` for each transition, instead of one case_facts() (≈12 queries) each."""
    from lianzheng.services import workflow

    original = workflow.case_facts
    cache = {}

    def facts_once(case_, *, user, transition, calendar=None, **kwargs):
        if "base" not in cache:
            cache["base"] = original(
                case_, user=user, transition=transition, calendar=calendar, **kwargs
            )
        return replace(cache["base"], transition=transition)

    workflow.case_facts = facts_once
    try:
        return workflow.case_explain(case=case, user=user)
    finally:
        workflow.case_facts = original


def next_deadline_using_annotation(case, calendar, today=None):
    """E: selectors.next_deadline trusting the listing's annotation when it is there, even
    when it is None (all items verified), instead of querying again for that row."""
    from lianzheng.selectors.cases import next_deadline

    if case.state == "rectifying" and hasattr(case, "next_item_deadline"):
        deadline = case.next_item_deadline
        return (deadline, "整改期限 rectification") if deadline else None
    return next_deadline(case, calendar, today)


def filter_unit_by_ids(self, queryset, name, value):
    """F: CaseFilterSet.filter_unit as ``pk IN (cases of the unit's people)``."""
    from lianzheng.models import Person

    if not value:
        return queryset
    return queryset.filter(pk__in=_cases_of_people(Person.objects.filter(unit=value)))


def filter_county_by_ids(self, queryset, name, value):
    """F: CaseFilterSet.filter_county as ``pk IN (cases of the county's people)``."""
    from lianzheng.models import Person

    if not value:
        return queryset
    return queryset.filter(pk__in=_cases_of_people(Person.objects.filter(unit__county=value)))


def notices_due_bounded(calendar=None, today=None):
    """G: selectors.notices_due reading only consented cases whose talk is near enough (in
    SQL), at most PANEL_ROWS, instead of every consented case with a planned talk."""
    from datetime import datetime, time

    from django.utils import timezone

    from lianzheng.models import TalkCase
    from lianzheng.rules.table import NOTICE
    from lianzheng.selectors.calendar import load_calendar
    from lianzheng.selectors.cases import case_listing

    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    horizon = calendar.add_working_days(today, NOTICE.working_days + 1)
    candidates = case_listing(
        TalkCase.objects.filter(
            state="approved",
            scheduled_at__lt=timezone.make_aware(datetime.combine(horizon, time.min)),
        )
    ).order_by("scheduled_at")[: PANEL_ROWS * 3]
    due = []
    for case in candidates:
        talk = timezone.localtime(case.scheduled_at).date()
        last = NOTICE.last_day(calendar, talk)
        if last <= today:
            due.append((case, last, last < today))
    return sorted(due, key=lambda row: row[1])[:PANEL_ROWS]


PANEL_ROWS = 10

FIXES = {
    "A2": "`selectors.case_listing`: no annotation; `Prefetch('rectification_items', "
    "queryset=RectificationItem.objects.exclude(status=VERIFIED).order_by('deadline'), "
    "to_attr='open_items')`, and `selectors.next_deadline` takes `case.open_items[0]` when "
    "the attribute is there (one query per page, whatever the filter)",
    "A": "(smaller alternative to A2) `selectors.case_listing`: `next_item_deadline=Subquery("
    "RectificationItem.objects.filter(case=OuterRef('pk')).exclude(status=VERIFIED)"
    ".order_by('deadline').values('deadline')[:1])` instead of `Min(…)`; needs E and B",
    "B": "`CaseFilterSet.state = MultipleChoiceFilter(…, distinct=False)`: a filter on the "
    "case's own column cannot duplicate rows, and DISTINCT over every column sorts them all",
    "C": "`CaseIndexView.search_queryset`, no OR: a case number `〔YYYY〕N` → `filter(year=, "
    "sequence=)` (unique index); other digits → `number__icontains` only; otherwise "
    "`pk__in=CaseSubject.objects.filter(person_id__in=Person.objects.filter(name__icontains=q)"
    ".values('pk')).values('case_id')`",
    "D": "`workflow.case_explain`: `base = case_facts(…)` once, `replace(base, "
    "transition=name)` per transition",
    "E": "(with A) `selectors.next_deadline`: use `next_item_deadline` whenever the attribute "
    "is there, even None; today a rectifying case whose items are all verified costs a query "
    "per row",
    "F": "`CaseFilterSet.filter_unit/filter_county`: `pk__in=` the cases of `Person.objects."
    "filter(unit=…)` / `(unit__county=…)` instead of `Exists(CaseSubject…)`",
    "H": "`workdays._package_probe`: `@functools.lru_cache(maxsize=None)` (the official "
    "calendar is static data): every load_calendar() rebuilds each year it touches with two "
    "chinese_calendar calls per day, each scanning the package's holiday table",
    "G": f"dashboard panels: at most {PANEL_ROWS} rows each, in SQL (`[:{PANEL_ROWS}]` on "
    "awaiting_consent, overdue_cases, rectification_checks_due; notices_due reads only "
    "consented cases whose talk is within R6.3's working days + 1), with a link to the "
    "filtered listing for the rest",
}
LISTING_FIXES = ("A2", "B", "C", "F", "H")


MISSING = object()


@contextlib.contextmanager
def patched(*fixes: str):
    """Apply the recommended changes in this process, and undo them afterwards."""
    from lianzheng import panels, selectors, viewsets, workdays
    from lianzheng.views import cases as case_views
    from lianzheng.viewsets import CaseFilterSet

    saved = [
        (workdays, "_package_probe"),
        (panels, "awaiting_consent"),
        (panels, "overdue_cases"),
        (panels, "rectification_checks_due"),
        (panels, "notices_due"),
        (case_views, "case_listing"),
        (selectors, "case_listing"),
        (case_views.CaseIndexView, "search_queryset"),
        (case_views, "case_explain"),
        (case_views, "next_deadline"),
        (viewsets, "next_deadline"),
        (CaseFilterSet, "filter_unit"),
        (CaseFilterSet, "filter_county"),
    ]
    # The application is being edited: a name that has moved is reported, not patched.
    originals = [(owner, name, owner.__dict__.get(name, MISSING)) for owner, name in saved]
    for owner, name, value in originals:
        if value is MISSING:
            print(f"  ! {getattr(owner, '__name__', owner)}.{name} not found", file=sys.stderr)
    distinct = CaseFilterSet.base_filters["state"].distinct
    try:
        if "A" in fixes:
            case_views.case_listing = selectors.case_listing = case_listing_with_subquery
        if "A2" in fixes:
            case_views.case_listing = selectors.case_listing = case_listing_with_prefetch
            case_views.next_deadline = next_deadline_from_prefetch
            viewsets.next_deadline = next_deadline_from_prefetch
        if "H" in fixes:
            workdays._package_probe = functools.lru_cache(maxsize=None)(workdays._package_probe)
        if "G" in fixes:
            awaiting, overdue, checks = (
                panels.awaiting_consent,
                panels.overdue_cases,
                panels.rectification_checks_due,
            )
            panels.awaiting_consent = lambda: awaiting()[:PANEL_ROWS]
            panels.overdue_cases = lambda calendar=None: overdue(calendar)[:PANEL_ROWS]
            panels.rectification_checks_due = lambda *a, **k: checks(*a, **k)[:PANEL_ROWS]
            panels.notices_due = notices_due_bounded
        if "B" in fixes:
            CaseFilterSet.base_filters["state"].distinct = False
        if "C" in fixes:
            case_views.CaseIndexView.search_queryset = search_by_subject_ids
        if "D" in fixes:
            case_views.case_explain = case_explain_with_one_facts
        if "E" in fixes:
            case_views.next_deadline = next_deadline_using_annotation
            viewsets.next_deadline = next_deadline_using_annotation
        if "F" in fixes:
            CaseFilterSet.filter_unit = filter_unit_by_ids
            CaseFilterSet.filter_county = filter_county_by_ids
        yield
    finally:
        for owner, name, value in originals:
            if value is not MISSING:
                setattr(owner, name, value)
            elif name in owner.__dict__:
                delattr(owner, name)
        CaseFilterSet.base_filters["state"].distinct = distinct


# Candidate indexes and settings, applied inside a transaction that is rolled back (both
# databases have transactional DDL): (name, SQL, the pages it concerns).
STATE_ORDER_INDEX = (
    "index talkcase (state, year, sequence)",
    [
        "CREATE INDEX bench_talkcase_state_order ON lianzheng_talkcase (state, year, sequence)",
        "ANALYZE lianzheng_talkcase",
    ],
    ("closed", "notified"),
)
TRGM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
PG_VARIANTS = [
    ("as is", [], ("closed", "notified", "overdue", "name", "two", "digits", "unit")),
    ("SET LOCAL jit = off", ["SET LOCAL jit = off"], ("overdue", "name", "digits", "unit")),
    STATE_ORDER_INDEX,
    (
        "index talkcase (state, scheduled_at)",
        [
            "CREATE INDEX bench_talkcase_state_scheduled ON lianzheng_talkcase "
            "(state, scheduled_at)",
            "ANALYZE lianzheng_talkcase",
        ],
        ("overdue",),
    ),
    (
        "trigram index on UPPER(person.name)",
        [
            TRGM,
            "CREATE INDEX bench_person_name_trgm ON lianzheng_person "
            "USING gin (UPPER(name) gin_trgm_ops)",
            "ANALYZE lianzheng_person",
        ],
        ("name", "two"),
    ),
    (
        "trigram index on UPPER(talkcase.number)",
        [
            TRGM,
            "CREATE INDEX bench_talkcase_number_trgm ON lianzheng_talkcase "
            "USING gin (UPPER(number) gin_trgm_ops)",
            "ANALYZE lianzheng_talkcase",
        ],
        ("digits",),
    ),
    (
        "index casesubject (person_id, case_id)",
        [
            "CREATE INDEX bench_casesubject_person_case ON lianzheng_casesubject "
            "(person_id, case_id)",
            "ANALYZE lianzheng_casesubject",
        ],
        ("unit",),
    ),
]
SQLITE_VARIANTS = [
    ("as is", [], ("closed", "notified", "overdue", "unit", "digits")),
    STATE_ORDER_INDEX,
    ("ANALYZE (statistics for the planner)", ["ANALYZE"], ("closed", "overdue", "unit")),
]


# -- the run ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, db: str, runs: int, out):
        self.db = db
        self.runs = runs
        self.out = out
        self.lines: list[str] = []
        self.plans: list[Plan] = []

    def say(self, text: str = "", *, md_only: bool = False) -> None:
        if not md_only:
            print(text, file=self.out)
            self.out.flush()
        self.lines.append(text)

    def table(self, *headings: str) -> None:
        self.say("| " + " | ".join(headings) + " |")
        self.say("|" + "---|" * len(headings))

    def row(self, *cells) -> None:
        self.say("| " + " | ".join(str(c) for c in cells) + " |")

    def progress(self, text: str) -> None:
        print(f"  … {text}", file=sys.stderr)

    def clients(self):
        from django.contrib.auth import get_user_model
        from django.test import Client

        users = {}
        for label, username in (("admin", "bench_admin"), ("office", "bench_office")):
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            users[label] = client
        return users

    def run(self) -> None:
        from django.db import connection

        from lianzheng.models import CaseSubject, Person, TalkCase

        install_bench_urls()
        self.s = s = pick_samples()
        self.users = self.clients()
        history = TalkCase.history.model.objects.count()
        self.say(f"# Case listing benchmark — {self.db}")
        self.say()
        self.say(self.environment(connection))
        self.say()
        self.say(
            f"Data: {TalkCase.objects.count():,} cases, {CaseSubject.objects.count():,} subjects, "
            f"{Person.objects.count():,} people, {history:,} case history rows. "
            f"{self.runs} runs per measurement after one warm-up request ({SLOW_RUNS} for pages "
            f"slower than {SLOW_SECONDS:.0f} s); times in ms as "
            "median / p95; q = queries per request; db = ms inside cursor.execute(), "
            "garbage collection excluded (median)."
        )
        self.say(
            f"Search term {s.search_name!r} ({s.search_people} person, {s.search_cases} cases); "
            f"unit {s.unit_name}; one-row listing ?q={s.one_number}; case page: case "
            f"{s.collective} (rectifying, two subjects, items)."
        )
        self.say()
        self.listing_table()
        self.constancy("as is")
        self.pages()
        self.explains()
        self.fixes()
        with patched(*LISTING_FIXES):
            self.constancy("with the listing changes " + "+".join(LISTING_FIXES))
        self.index_experiment()
        self.appendix()

    def environment(self, connection) -> str:
        import django
        import wagtail

        def git(*args):
            return subprocess.run(
                ["git", "-C", str(load_cases.ROOT), *args],
                capture_output=True,
                text=True,
                check=False,
            ).stdout

        try:
            head = git("rev-parse", "--short", "HEAD").strip()
            dirty = [
                line[3:]
                for line in git("status", "--porcelain", "--", "lianzheng", "site").splitlines()
                if line.strip()
            ]
        except OSError:
            head, dirty = "?", []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                server = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            import sqlite3

            server = f"SQLite {sqlite3.sqlite_version}"
        return (
            f"Run {datetime.now():%Y-%m-%d %H:%M}; {server}, Django {django.get_version()}, "
            f"Wagtail {wagtail.__version__}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs; code at {head}"
            + (f" with uncommitted changes to {', '.join(dirty)}" if dirty else "")
            + "; settings lianzheng_site.settings.test (DEBUG off), one persistent connection."
        )

    # -- listings, ours and Wagtail's plain one

    def listing_table(self) -> None:
        self.results: dict[tuple[str, str, str], Result] = {}
        self.say("## Listing: ours vs Wagtail's plain snippet listing")
        self.say()
        self.say(
            "*plain (columns)*: `SnippetViewSet(model=TalkCase, list_display=['number', "
            "'talk_type', 'subject_names', 'subject_units', 'state', 'scheduled_at', "
            "'lead_name'])`, our columns as strings without our prefetching; *plain (fields)*: "
            "`list_display=['number', 'talk_type', 'state', 'scheduled_at', 'year']`, model "
            "fields only, Wagtail's cheapest listing. Both: `list_filter=['state', 'talk_type', "
            "'year']`, `search_fields=['number', 'subjects__person__name']`, 20 a page, our "
            "permission policy. ratio = ours / plain (medians); goal ≤ 1.0."
        )
        self.say()
        self.table(
            "listing",
            "user",
            "matches",
            "ours ms",
            "q",
            "db",
            "plain (columns) ms",
            "q",
            "ratio",
            "plain (fields) ms",
            "q",
            "ratio",
        )
        for user, client in self.users.items():
            for listing in listings(self.s):
                label = listing.label
                self.progress(f"{user} listing {label}")
                ours = measure(client, user, label, LIST + listing.ours, self.runs)
                self.results["ours", user, label] = ours
                cells = [label, user, _total(ours), _ms(ours), ours.query_text, _db(ours)]
                for prefix in (PLAIN_COLUMNS_PREFIX, PLAIN_FIELDS_PREFIX):
                    if listing.plain is None:
                        cells += ["n/a", "", ""]
                        continue
                    url = f"/admin/{prefix}/{listing.plain}"
                    plain = measure(client, user, label, url, self.runs)
                    self.results[prefix, user, label] = plain
                    cells += [_ms(plain), plain.query_text, _ratio(ours, plain)]
                self.row(*cells)
        self.say()

    def constancy(self, title: str) -> None:
        s = self.s
        client = self.users["admin"]
        self.say(f"## Does the query count grow with the rows shown? ({title})")
        self.say()
        self.table("listing", "1 row", "20 rows", "100 rows", "constant?")
        grown: list[tuple[int, str]] = []
        for name, prefix20, prefix100 in (
            ("ours", LIST.strip("/").removeprefix("admin/"), OURS_100_PREFIX),
            ("plain (columns)", PLAIN_COLUMNS_PREFIX, PLAIN_COLUMNS_100_PREFIX),
            ("plain (fields)", PLAIN_FIELDS_PREFIX, PLAIN_FIELDS_100_PREFIX),
        ):
            self.progress(f"rows {name}")
            pages = [
                measure(client, "admin", name, f"/admin/{prefix20}/?q={s.one_number}", 1),
                measure(client, "admin", name, f"/admin/{prefix20}/", 1),
                measure(client, "admin", name, f"/admin/{prefix100}/", 1),
            ]
            counts = [page.queries[0] for page in pages]
            cells = [f"{p.queries[0]} q ({p.rows} rows, {p.median:.0f} ms)" for p in pages]
            self.row(name, *cells, "yes" if len(set(counts)) == 1 else "**no**")
            if name == "ours":
                grown = _grown(pages[1], pages[2])
        self.say()
        for n, sql in grown[:3]:
            self.say(f"- ours, {n} more with 100 rows: `{_short(sql, 200)}`")
        if grown:
            self.say()

    # -- the case page and every form

    def pages(self) -> None:
        s = self.s
        self.page_results: dict[tuple[str, str], Result] = {}
        self.say(f"## The case page and every form (target < {TARGET_MS} ms)")
        self.say()
        self.say(
            "options = `<option>` elements in the page (a select of all people would have "
            f"about 20,000; flagged above {OPTION_LIMIT}). People are picked with Wagtail's "
            "snippet chooser, measured at the end."
        )
        self.say()
        self.table("page", "user", "status", "ms", "q", "db", "options", "KB", "")
        pages = [
            ("case page (rectifying, collective)", f"{LIST}inspect/{s.collective}/"),
            ("case page (notified)", f"{LIST}inspect/{s.cases['notified']}/"),
            ("case page (draft)", f"{LIST}inspect/{s.cases['draft']}/"),
            ("plain inspect view", f"/admin/{PLAIN_FIELDS_PREFIX}/inspect/{s.collective}/"),
            *form_urls(s),
            ("dashboard (/admin/, with the case panels)", "/admin/"),
        ]
        for user, client in self.users.items():
            for label, url in pages:
                self.progress(f"{user} {label}")
                result = measure(client, user, label, url, self.runs)
                self.page_results[user, label] = result
                flags = []
                if not result.ok:
                    flags.append(f"HTTP {result.status}")
                elif result.median >= TARGET_MS:
                    flags.append(f"⚠ ≥ {TARGET_MS} ms")
                if result.options > OPTION_LIMIT:
                    flags.append("⚠ select of people?")
                self.row(
                    label,
                    user,
                    result.status,
                    _ms(result),
                    result.query_text,
                    _db(result),
                    result.options,
                    f"{result.size / 1024:.0f}",
                    " ".join(flags),
                )
        self.say()
        for (user, label), page in self.page_results.items():
            if page.ok and page.median >= TARGET_MS:
                slowest = sorted(page.captured, key=lambda q: -q["ms"])[:3]
                self.say(
                    f"Over {TARGET_MS} ms: {label} ({user}), {page.median:.0f} ms of which "
                    f"{page.db_median:.0f} ms in the database and "
                    f"{statistics.median(page.gc_times):.0f} ms in Python's garbage collector; "
                    f"{page.size / 1024:.0f} KB of HTML; slowest queries: "
                    + "; ".join(f"{q['ms']:.0f} ms `{_short(q['sql'], 160)}`" for q in slowest)
                )
                self.say()
        for label in ("case page (rectifying, collective)", "case page (notified)"):
            page = self.page_results["admin", label]
            repeated = repeated_queries(page)
            if not repeated:
                continue
            self.say(
                f"Repeated queries on the {label} (admin, {len(page.captured)} queries; the same "
                "SQL with other literals):"
            )
            self.say()
            for n, sql in repeated[:10]:
                self.say(f"- {n}× `{_short(_from_clause(sql), 150)}`")
            self.say()

    # -- EXPLAIN

    def explains(self) -> None:
        from django.db import connection

        pg = connection.vendor == "postgresql"
        self.say(
            "## EXPLAIN of the listing queries"
            + (" (PostgreSQL, without ANALYZE)" if pg else " (SQLite, EXPLAIN QUERY PLAN)")
        )
        self.say()
        if pg:
            self.say(
                "Flagged: every Seq Scan of a lianzheng table, and index scans without an index "
                "condition that no LIMIT stops early (they read the whole table too); bold: "
                + ", ".join(WATCHED)
                + ". The COUNT(*) of the unfiltered listing reads every row by nature "
                "(Wagtail's paginator; the plain listing does the same)."
            )
        else:
            self.say(
                "Flagged: every SCAN of a lianzheng table (whole table, or whole index; with "
                "ORDER BY … LIMIT SQLite may stop early); bold: " + ", ".join(WATCHED) + "."
            )
        self.say()
        self.table("listing", "user", "query", "ms", "flags")
        measured = [self.results["ours", "admin", listing.label] for listing in listings(self.s)]
        # The office user's queries are the admin's, but for his own cases.
        measured.append(self.results["ours", "office", "?mine=on"])
        measured += [
            page
            for (user, label), page in self.page_results.items()
            if user == "admin" and label.startswith("person chooser")
        ]
        for result in measured:
            for plan in explain_listing(result):
                plan.label = "as is · " + plan.label
                self.plans.append(plan)
                self.row(result.label, result.user, plan.kind, f"{plan.ms:.1f}", plan.flag_text)
        self.say()

    # -- the recommended changes

    def fixes(self) -> None:
        s = self.s
        self.say("## Recommended changes, measured by monkeypatching them in this process")
        self.say()
        for key, text in FIXES.items():
            self.say(f"- **{key}** {text}")
        self.say()
        self.say(f"### The listing with {'+'.join(LISTING_FIXES)}")
        self.say()
        self.table(
            "listing",
            "user",
            "before ms",
            "q",
            "after ms",
            "q",
            "db",
            "plain (columns) ms",
            "ratio",
            "plain (fields) ms",
            "ratio",
        )
        self.fixed: dict[tuple[str, str], Result] = {}
        for user, client in self.users.items():
            for listing in listings(s):
                label = listing.label
                self.progress(f"{user} fixed {label}")
                before = self.results["ours", user, label]
                with patched(*LISTING_FIXES):
                    after = measure(client, user, label, LIST + listing.ours, self.runs)
                self.fixed[user, label] = after
                cells = [label, user, _ms(before), before.query_text, _ms(after)]
                cells += [after.query_text, _db(after)]
                for prefix in (PLAIN_COLUMNS_PREFIX, PLAIN_FIELDS_PREFIX):
                    plain = self.results.get((prefix, user, label))
                    cells += [_ms(plain), _ratio(after, plain)] if plain else ["n/a", ""]
                self.row(*cells)
        self.say()
        self.say("### What each change does (admin; the office user for the dashboard)")
        self.say()
        self.table("page", "changes", "ms", "q", "db")
        by_label = {listing.label: listing for listing in listings(s)}

        def find(start: str) -> str:
            return next(label for label in by_label if label.startswith(start))

        url = {label: LIST + listing.ours for label, listing in by_label.items()}
        url["100 rows a page"] = f"/admin/{OURS_100_PREFIX}/"
        url["case page (rectifying, collective)"] = f"{LIST}inspect/{s.collective}/"
        url["case page (notified)"] = f"{LIST}inspect/{s.cases['notified']}/"
        url["transition hold (notified)"] = f"{LIST}{s.cases['notified']}/transition/hold/"
        url["transition notify (approved)"] = f"{LIST}{s.cases['approved']}/transition/notify/"
        url["dashboard"] = "/admin/"
        experiments = [
            ("default page", [(), ("A",), ("A2",)]),
            ("100 rows a page", [(), ("A",), ("A", "E"), ("A2",)]),
            (find("?state=closed"), [(), ("A",), ("A", "B"), ("A2",), ("A2", "B")]),
            (find("?state=notified"), [("A2",), ("A2", "B")]),
            (find(f"?q={s.search_name}"), [("A2",), ("A2", "C")]),
            (find(f"?q={s.one_number}"), [("A2",), ("A2", "C")]),
            (find("?unit="), [("A2",), ("A2", "F")]),
            (find("?county="), [("A2",), ("A2", "F")]),
            (find("?overdue"), [("A2",), ("A2", "H")]),
            ("case page (rectifying, collective)", [(), ("D",), ("D", "H")]),
            ("case page (notified)", [(), ("D",), ("D", "H")]),
            ("transition hold (notified)", [(), ("D",)]),
            ("transition notify (approved)", [(), ("D",), ("D", "H")]),
            ("dashboard", [(), ("G",), ("A2", "G", "H")]),
        ]
        for label, sets in experiments:
            user = "office" if label == "dashboard" else "admin"
            for fixes in sets:
                self.progress(f"{label} with {fixes}")
                with patched(*fixes):
                    result = measure(self.users[user], user, label, url[label], self.runs)
                changes = "+".join(fixes) or "as is"
                self.row(label, changes, _ms(result), result.query_text, _db(result))
        self.say()
        self.say(f"### EXPLAIN with {'+'.join(LISTING_FIXES)}")
        self.say()
        self.table("listing", "user", "query", "ms", "flags")
        for (user, label), after in self.fixed.items():
            if user != "admin" and label != "?mine=on":
                continue
            for plan in explain_listing(after):
                plan.label = "with changes · " + plan.label
                self.plans.append(plan)
                self.row(label, user, plan.kind, f"{plan.ms:.1f}", plan.flag_text)
        self.say()

    def index_experiment(self) -> None:
        from urllib.parse import quote

        from django.db import connection, transaction

        s = self.s
        client = self.users["admin"]
        pg = connection.vendor == "postgresql"
        self.say(
            "## Candidate indexes and settings (inside a transaction that is rolled back), with "
            + "+".join(LISTING_FIXES)
        )
        self.say()
        self.table("variant", "page", "ms", "q", "db", "flags")
        digits = s.one_number.strip("〔〕号").split("〕")[-1]
        pages = {
            "closed": ("?state=closed", "?state=closed"),
            "notified": ("?state=notified", "?state=notified"),
            "overdue": ("?overdue=on", "?overdue=on"),
            "name": (f"?q={s.search_name}", f"?q={quote(s.search_name)}"),
            "two": (f"?q={s.search_name[:2]} (two characters)", f"?q={quote(s.search_name[:2])}"),
            "digits": (f"?q={digits} (digits of a number)", f"?q={digits}"),
            "unit": (f"?unit={s.unit_id}", f"?unit={s.unit_id}"),
        }
        for name, statements, keys in PG_VARIANTS if pg else SQLITE_VARIANTS:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
                for key in keys:
                    label, query = pages[key]
                    self.progress(f"{name} {label}")
                    with patched(*LISTING_FIXES):
                        result = measure(client, "admin", label, LIST + query, self.runs)
                    flags = []
                    for plan in explain_listing(result):
                        flags += plan.flags + (["JIT"] if plan.jit else [])
                        if name != "as is":
                            plan.label = f"{name} · " + plan.label
                            self.plans.append(plan)
                    flag_text = "; ".join(dict.fromkeys(flags)) or "—"
                    self.row(name, label, _ms(result), result.query_text, _db(result), flag_text)
                transaction.set_rollback(True)
        self.say()

    def appendix(self) -> None:
        """Every plan in the Markdown file; on stdout only those of the listings as they are
        (the COUNT and the page query behind each filter and search)."""
        self.say("## Appendix: query plans")
        self.say()
        self.say("(stdout shows the plans of the listing as it is; the file has all of them)")
        self.say()
        for plan in self.plans:
            md_only = not (plan.label.startswith("as is") and plan.kind in ("count", "page"))
            self.say(f"### {plan.label} ({plan.kind}, {plan.ms:.1f} ms)", md_only=md_only)
            self.say(md_only=md_only)
            self.say("```sql", md_only=md_only)
            self.say(_short(plan.sql, 1500), md_only=md_only)
            self.say("```", md_only=md_only)
            self.say(md_only=md_only)
            self.say("```", md_only=md_only)
            self.say(plan.text, md_only=md_only)
            self.say("```", md_only=md_only)
            self.say(md_only=md_only)


def _ms(result: Result | None) -> str:
    if result is None:
        return "n/a"
    if not result.ok:
        return f"HTTP {result.status}"
    return f"{result.median:.0f} / {result.p95:.0f}"


def _db(result: Result) -> str:
    return f"{result.db_median:.0f}"


def _total(result: Result) -> str:
    return "" if result.total is None else f"{result.total:,}"


def _ratio(ours: Result, plain: Result | None) -> str:
    if plain is None or not plain.ok or not ours.ok:
        return ""
    ratio = ours.median / plain.median
    return f"{ratio:.2f}" + (" ⚠" if ratio > 1.0 else "")


def _watched(flag: str) -> bool:
    return any(re.search(rf"\b{table}\b", flag) for table in WATCHED)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--reload", action="store_true", help="load the bench database again")
    args = parser.parse_args(argv)

    load_cases.configure(args.db)
    if args.reload or not load_cases.is_loaded(args.db):
        load_cases.load(args.db, out=sys.stderr)
    started = time.perf_counter()
    bench = Bench(args.db, args.runs, sys.stdout)
    bench.run()
    path = load_cases.RESULTS / f"listing-{args.db}.md"
    path.write_text("\n".join(bench.lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {path} in {time.perf_counter() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()

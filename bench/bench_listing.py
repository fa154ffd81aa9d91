"""Benchmark the case listing, the case page and the case forms on 100,000 cases.

    .venv/bin/python bench/bench_listing.py --db sqlite
    .venv/bin/python bench/bench_listing.py --db postgres [--pg-name lianzheng_bench]
    .venv/bin/python bench/bench_listing.py --quick        # 600 cases: what the test suite runs

Loads the bench database first if it is not loaded yet (bench/load_cases.py; --reload forces
it), then, with Django's test Client signed in as a superuser and as an office user, measures
each page over --runs runs after one warm-up request: median and p95 wall time, the query count
(CaptureQueriesContext) and the time spent in the database. Side by side, in the same process:
Wagtail's plain snippet listing of the same model, registered under /admin/bench-plain-*/ by a
bench-only urlconf (the application's urls are not touched).

It then checks that the query count does not grow with the rows shown (20 vs 100 rows a page vs
a single row), EXPLAINs every listing query (PostgreSQL: EXPLAIN without ANALYZE, flagging Seq
Scans and unbounded full index scans on lianzheng_talkcase, _casesubject and _person; SQLite:
EXPLAIN QUERY PLAN). (The code changes it recommended once, measured by monkeypatching, are in
the application now; bench_scale.py compares 10,000 cases with 100,000.)

The table is printed and written to bench/results/listing-<db>.md (git-ignored). Speed targets
are reported, not asserted.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import load_cases

LIST = "/admin/snippets/lianzheng/talkcase/"
PLAIN_COLUMNS_PREFIX = "bench-plain-columns"
PLAIN_FIELDS_PREFIX = "bench-plain-fields"
OURS_100_PREFIX = "bench-ours-100"
PLAIN_COLUMNS_100_PREFIX = "bench-plain-columns-100"
PLAIN_FIELDS_100_PREFIX = "bench-plain-fields-100"
WATCHED = ("lianzheng_talkcase", "lianzheng_casesubject", "lianzheng_person")
TARGET_MS = 100
# --quick: enough cases for every state, year and sample the bench picks
QUICK_CASES, QUICK_PEOPLE = 600, 300
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
    parser.add_argument(
        "--pg-name", help="the PostgreSQL database to load and measure (default lianzheng_bench)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_CASES} cases, one run each: that the bench still works",
    )
    parser.add_argument("--out", type=Path, default=load_cases.RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        load_cases.use_size(QUICK_CASES, QUICK_PEOPLE)
        args.runs = 1
    if args.pg_name:
        load_cases.use_pg_name(args.pg_name)

    load_cases.configure(args.db)
    if args.reload or not load_cases.is_loaded(args.db):
        load_cases.load(args.db, out=sys.stderr)
    started = time.perf_counter()
    bench = Bench(args.db, args.runs, sys.stdout)
    bench.run()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"listing-{args.db}.md"
    path.write_text("\n".join(bench.lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {path} in {time.perf_counter() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()

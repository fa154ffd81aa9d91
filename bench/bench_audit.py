"""Benchmark of the audit trail: (a) one audited case transition against a bare django-fsm-2
transition plus save of the same model; (b) hash-chain verification over many history rows.

    .venv/bin/python bench/bench_audit.py --db sqlite|postgres [--rows 1000000] [--transitions 300]
    .venv/bin/python bench/bench_audit.py --quick    # tiny, what the test suite runs

The bench makes its own database and removes it afterwards (``--keep`` keeps it): the file
bench/results/audit.sqlite3, or the PostgreSQL database ``lianzheng_bench_audit`` (or
``--pg-name``) on 127.0.0.1:5432 (user postgres, trust), dropped and created. It migrates,
runs ``setup_all()``, builds the officers as the tests do (tests/workflow_helpers.build_cast)
and then:

(a) prepares identical cases in state ``submitted`` (one made by the services, the others
    bulk-cloned from it with its subjects, participants and grounds), and times, alternating
    case by case, ``case_transition(transition="consent")`` by the principal head against the
    bare path: load the case, django-fsm's own state change without conditions (the
    transition's signals included), the same consent fields, ``save_without_historical_record()``
    in a transaction. Then where the audited path spends its time (timing wrappers, queries per
    part) and a cProfile of it.
(b) bulk-creates history rows (HistoricalTalkCase, HistoricalPerson, HistoricalUnit, 2:1:1,
    interleaved in blocks) through the chained ``bulk_create``, times
    ``chain.verify_reference()`` (the definition) end to end, the fetch alone, the canonical
    serialisation + SHA-256 over rows held in memory, and ``verification.verify()``
    (lianzheng/audit/fast.py) in one process and over the CPUs, with the verdicts compared,
    also on a row altered and a row deleted behind the application's back.

About 9 minutes per database on 2 CPUs (a: 1.5 min; b: 2.5 min of inserts, then the
verifications, each run twice and the best kept: ``--repeat``). The machine may be shared:
the report records the load average, and (a) interleaves what it compares.
The report is printed and written to bench/results/audit-<db>.md (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import os
import platform
import pstats
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SQLITE_PATH = RESULTS / "audit.sqlite3"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "lianzheng_bench_audit"
GOAL_RATIO = 1.5
GOAL_ROWS_PER_S = 150_000
WARMUP = 10
BREAKDOWN_CASES = 60
PROFILE_CASES = 60
BLOCK = 1_000  # history rows per interleaving block: 500 case, 250 person, 250 unit rows
TX_ROWS = 20_000  # history rows per transaction
SUPPORT = None  # bench/_audit_support.py, imported once Django is set up
REPEAT = 2  # runs per verification; the best is reported
RUNS: dict[int, list[float]] = {}
LOADS: dict[int, list[float]] = {}  # 1-minute load average after each run


# -- the bench database ------------------------------------------------------------------------


def database_url(db: str) -> str:
    return f"sqlite:///{SQLITE_PATH}" if db == "sqlite" else f"{PG_SERVER}/{PG_NAME}"


def _pg_admin():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def drop_database(db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    with _pg_admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [PG_NAME],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')


def create_database(db: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    drop_database(db)
    if db == "postgres":
        with _pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{PG_NAME}"')


def configure(db: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianzheng_site.settings.test"
    os.environ["DATABASE_URL"] = database_url(db)
    import django

    django.setup()


# -- report ------------------------------------------------------------------------------------


class Report:
    def __init__(self, db: str):
        self.db = db
        self.header: list[str] = []
        self.summary: list[str] = []
        self.lines: list[str] = []
        self.appendix: list[str] = []
        self.started = time.perf_counter()
        self.loads: list[str] = []

    def mark_load(self, when: str) -> None:
        self.loads.append(f"{when} {os.getloadavg()[0]:.2f}")

    def log(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f}s] {message}", flush=True)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, header: list[str], rows: list[list], appendix: bool = False) -> None:
        out = self.appendix if appendix else self.lines
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for row in rows:
            out.append("| " + " | ".join(str(c) for c in row) + " |")
        out.append("")

    def text(self) -> str:
        body = "\n".join(self.header)
        if self.loads:
            body += (
                f"- load average (1 min, {os.cpu_count()} CPUs; the machine is shared, other "
                f"sessions' tests may run): {', '.join(self.loads)}\n"
            )
        if self.summary:
            body += "\n## Summary\n\n" + "\n".join(self.summary) + "\n\n"
        body += "\n".join(self.lines)
        if self.appendix:
            body += "\n## Appendix\n\n" + "\n".join(self.appendix)
        return body + "\n"


def _ms(value: float) -> str:
    return f"{value:.2f}"


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def environment(db: str) -> list[str]:
    import sqlite3

    import django
    import simple_history
    import wagtail
    from django.db import connection

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SHOW synchronous_commit")
            server += f" (synchronous_commit={cursor.fetchone()[0]})"
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = cursor.fetchone()[0]
        server = f"SQLite {sqlite3.sqlite_version} (journal_mode={journal}, synchronous={sync})"
    from importlib.metadata import version

    return [
        f"- database: {server}, `{connection.settings_dict['NAME']}`",
        f"- Python {platform.python_version()}, Django {django.get_version()}, Wagtail "
        f"{wagtail.__version__}, django-fsm-2 {version('django-fsm-2')}, django-simple-history "
        f"{simple_history.__version__}",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), settings `lianzheng_site.settings.test` "
        "(DEBUG off), one connection, no concurrent load from the bench",
    ]


# -- (a) audited against bare transitions ------------------------------------------------------


class Cases:
    """Cases in state ``submitted``, identical to one the services made (new_case + submit)."""

    def __init__(self, cast):
        from django.utils import timezone

        from lianzheng.models import CaseSequence
        from lianzheng.services.workflow import case_transition
        from tests.workflow_helpers import new_case

        self.cast = cast
        template = new_case(cast)
        self.template = case_transition(case=template, transition="submit", user=cast.clerk.user)
        self.year = timezone.localdate().year
        self.next_sequence = CaseSequence.objects.get(year=self.year).last + 1

    def make(self, count: int) -> list[int]:
        from django.db import transaction

        from lianzheng.models import (
            CaseGround,
            CaseParticipant,
            CaseSequence,
            CaseSubject,
            TalkCase,
        )
        from lianzheng.models.cases import CASE_NUMBER_FORMAT, state_write_allowed

        t = self.template
        base = {
            f.attname: getattr(t, f.attname)
            for f in TalkCase._meta.concrete_fields
            if not f.primary_key and f.attname not in ("created_at", "updated_at")
        }
        subjects = list(t.subjects.all())
        participants = list(t.participants.all())
        grounds = list(t.case_grounds.all())
        cases = []
        for sequence in range(self.next_sequence, self.next_sequence + count):
            values = {
                **base,
                "sequence": sequence,
                "number": CASE_NUMBER_FORMAT.format(year=self.year, sequence=sequence),
            }
            cases.append(TalkCase(**values))
        self.next_sequence += count
        with transaction.atomic(), state_write_allowed():
            TalkCase.objects.bulk_create(cases, batch_size=500)
            CaseSubject.objects.bulk_create(
                [
                    CaseSubject(case_id=c.pk, person_id=s.person_id, sort_order=s.sort_order)
                    for c in cases
                    for s in subjects
                ],
                batch_size=500,
            )
            CaseParticipant.objects.bulk_create(
                [
                    CaseParticipant(case_id=c.pk, person_id=p.person_id, role=p.role)
                    for c in cases
                    for p in participants
                ],
                batch_size=500,
            )
            CaseGround.objects.bulk_create(
                [CaseGround(case_id=c.pk, ground_id=g.ground_id) for c in cases for g in grounds],
                batch_size=500,
            )
            CaseSequence.objects.filter(year=self.year).update(last=self.next_sequence - 1)
        return [c.pk for c in cases]


def audited_transition(pk: int, user) -> None:
    from lianzheng.models import TalkCase
    from lianzheng.services.workflow import case_transition

    case_transition(case=TalkCase(pk=pk), transition="consent", user=user, comment="同意")


def bare_transition(pk: int, actor_id: int) -> None:
    """django-fsm-2's own transition (has_transition, its signals, set_state) without the
    conditions, the same consent fields, and a save without a history row, in a transaction."""
    from django.db import transaction
    from django.utils import timezone
    from django_fsm import TransitionNotAllowed, post_transition, pre_transition

    from lianzheng.models import TalkCase
    from lianzheng.models.cases import state_write_allowed

    meta = TalkCase.consent._django_fsm
    field = meta.field
    with transaction.atomic(), state_write_allowed():
        case = TalkCase.objects.get(pk=pk)
        source = field.get_state(case)
        if not meta.has_transition(source):
            raise TransitionNotAllowed(f"consent from {source}")
        target = meta.next_state(source)
        signal = {
            "sender": TalkCase,
            "instance": case,
            "name": "consent",
            "field": field,
            "source": source,
            "target": target,
            "method_args": (),
            "method_kwargs": {},
        }
        pre_transition.send(**signal)
        field.set_state(case, target)
        post_transition.send(**signal)
        case.consented_by_id = actor_id
        case.consented_at = timezone.now()
        case.consent_comment = "同意"
        case.save_without_historical_record()


def timed_pairs(audited_pks, bare_pks, user, actor_id):
    """Alternate audited and bare transitions (which goes first alternates too)."""
    audited, bare = [], []
    gc.collect()
    for i, (a, b) in enumerate(zip(audited_pks, bare_pks, strict=True)):
        steps = [("a", a), ("b", b)] if i % 2 == 0 else [("b", b), ("a", a)]
        for kind, pk in steps:
            started = time.perf_counter()
            if kind == "a":
                audited_transition(pk, user)
            else:
                bare_transition(pk, actor_id)
            (audited if kind == "a" else bare).append(time.perf_counter() - started)
    return audited, bare


def instrument(sections):
    """Timing wrappers around the parts of both paths; returns an undo function."""
    from django.db import connections
    from django_tasks.backends.immediate import ImmediateBackend
    from simple_history.models import HistoricalRecords

    from lianzheng import history
    from lianzheng.models import ChainHead, TalkCase
    from lianzheng.models.cases import TalkCaseQuerySet
    from lianzheng.selectors import facts
    from lianzheng.services import workflow
    from lianzheng.workflow.step import Step

    state_field = TalkCase._meta.get_field("state")
    targets = [
        (Step, "may_ask", "permission (step.may_ask)"),
        (TalkCaseQuerySet, "get", "load the case (audited: select_for_update)"),
        (workflow, "case_facts", "facts: case_facts() (without the two below)"),
        (facts, "load_calendar", "facts: load_calendar()"),
        (facts, "actor_facts", "facts: actor_facts()"),
        (Step, "judge", "rules: judged once, by the service"),
        (workflow, "can_proceed", "FSM: can_proceed()"),
        (state_field, "change_state", "FSM: change_state (signals, set_state, the step)"),
        (TalkCase, "save", "case save: UPDATE + savepoint"),
        (ImmediateBackend, "enqueue", "Wagtail reference index (post_save task)"),
        (HistoricalRecords, "create_historical_record", "history row: build + INSERT + savepoint"),
        (history, "link", "chain: link() hash + head UPDATE"),
        (ChainHead, "locked", "chain: ChainHead.locked()"),
        (workflow, "log", "Wagtail log entry (wagtail.log_actions.log())"),
        (connections["default"], "commit", "COMMIT"),
    ]
    undo = []
    for owner, name, label in targets:
        own = vars(owner).get(name, _MISSING)
        current = getattr(owner, name)  # a plain function, or a bound (class)method
        setattr(owner, name, sections.wrap(label, current))
        undo.append((owner, name, own))

    def restore():
        for owner, name, own in reversed(undo):
            if own is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, own)

    return restore


_MISSING = object()
REST = "the rest (service body; bare: fsm + field sets)"


def _instrumented(pks, run):
    """Run ``run(pk)`` for each case under the wrappers; the sections, query counts and the
    statements of the first run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sections = SUPPORT.Sections()
    restore = instrument(sections)
    totals, counts, first_sql = [], [], []
    try:
        with connection.execute_wrapper(sections.count_queries):
            for pk in pks:
                with CaptureQueriesContext(connection) as ctx:
                    sections.enter(REST)
                    started = time.perf_counter()
                    try:
                        run(pk)
                    finally:
                        sections.exit()
                    totals.append(time.perf_counter() - started)
                counts.append(len(ctx.captured_queries))
                if not first_sql:
                    first_sql = [q["sql"] for q in ctx.captured_queries]
    finally:
        restore()
    return sections, totals, counts, first_sql


def breakdown(report: Report, audited_pks, bare_pks, user, actor_id) -> tuple[int, int]:
    """Exclusive time and queries per part, audited and bare side by side."""
    a_sec, a_tot, a_cnt, a_sql = _instrumented(audited_pks, lambda pk: audited_transition(pk, user))
    b_sec, b_tot, b_cnt, b_sql = _instrumented(bare_pks, lambda pk: bare_transition(pk, actor_id))
    na, nb = len(audited_pks), len(bare_pks)
    whole_a, whole_b = sum(a_tot) / na * 1000, sum(b_tot) / nb * 1000
    names = sorted(set(a_sec.order) | set(b_sec.order), key=lambda k: (-a_sec.time.get(k, 0), k))
    rows = []
    for name in names:
        ams = a_sec.time.get(name, 0) / na * 1000
        bms = b_sec.time.get(name, 0) / nb * 1000
        rows.append(
            [
                name,
                _ms(ams) if name in a_sec.time else "",
                f"{100 * ams / whole_a:.0f}%" if name in a_sec.time else "",
                f"{a_sec.queries.get(name, 0) / na:.0f}" if name in a_sec.time else "",
                _ms(bms) if name in b_sec.time else "",
                f"{b_sec.queries.get(name, 0) / nb:.0f}" if name in b_sec.time else "",
            ]
        )
    rows.append(
        [
            "**total (instrumented)**",
            _ms(whole_a),
            "100%",
            f"{sum(a_cnt) / na:.0f}",
            _ms(whole_b),
            f"{sum(b_cnt) / nb:.0f}",
        ]
    )
    report.add(
        f"### Where the time goes ({na} audited and {nb} bare transitions, timing wrappers)",
        "",
        "Exclusive time per part (a wrapped function's own time, without the wrapped functions "
        "it calls, so the parts add up to the total); queries per part counted with an execute "
        "wrapper (BEGIN, SAVEPOINT and RELEASE included; COMMIT is not a query), the totals with "
        "CaptureQueriesContext. The wrappers and the capture add some overhead, so the totals "
        "are above the uninstrumented medians.",
        "",
    )
    report.table(
        ["part", "audited ms", "share", "queries", "bare ms", "queries"],
        rows,
    )
    for label, sql in (("audited", a_sql), ("bare", b_sql)):
        report.appendix.append(
            f"### The {len(sql)} statements of one {label} transition ({report.db})\n"
        )
        report.appendix.append("```sql")
        report.appendix.extend(f"{i + 1:2d}. {q[:200]}" for i, q in enumerate(sql))
        report.appendix.append("```\n")
    return round(sum(a_cnt) / na), round(sum(b_cnt) / nb)


def profile_audited(report: Report, pks: list[int], user) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for pk in pks:
        audited_transition(pk, user)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(28)
        text = out.getvalue()
        text = text[text.find("   ncalls") :] if "   ncalls" in text else text
        report.appendix.append(
            f"### cProfile of {len(pks)} audited transitions, by {order} ({report.db})\n"
        )
        report.appendix.append("```")
        report.appendix.append(text.rstrip())
        report.appendix.append("```\n")


def part_a(report: Report, cast, n: int) -> dict:
    report.log("(a) preparing cases in state 'submitted'")
    cases = Cases(cast)
    principal = cast.principal.user
    actor_id = cast.principal.pk
    total = 2 * (WARMUP + n) + 2 * BREAKDOWN_CASES + PROFILE_CASES
    pks = cases.make(total)
    take = iter(pks)

    def next_n(k):
        return [next(take) for _ in range(k)]

    report.log(f"(a) {total} cases ready; warm-up, then {n} audited and {n} bare transitions")
    timed_pairs(next_n(WARMUP), next_n(WARMUP), principal, actor_id)
    audited, bare = timed_pairs(next_n(n), next_n(n), principal, actor_id)
    a, b = SUPPORT.summary(audited), SUPPORT.summary(bare)
    report.log(f"(a) audited {a['median']:.2f} ms, bare {b['median']:.2f} ms (medians)")
    report.log("(a) breakdown, queries, cProfile")
    details = Report(report.db)
    audited_q, bare_q = breakdown(
        details, next_n(BREAKDOWN_CASES), next_n(BREAKDOWN_CASES), principal, actor_id
    )
    profile_audited(details, next_n(PROFILE_CASES), principal)

    ratio_median = a["median"] / b["median"]
    ratio_p95 = a["p95"] / b["p95"]
    report.add(
        "## (a) One audited transition against a bare django-fsm-2 transition + save",
        "",
        f"`consent` by the principal head on a warning talk in state `submitted` (one subject, "
        f"three participants, one ground), {n} of each, alternating, after {WARMUP} warm-up "
        "pairs; each timed from the call to the commit. Audited: "
        '`case_transition(case=…, transition="consent", user=principal, comment="同意")`. '
        "Bare: in a transaction, `TalkCase.objects.get()`, django-fsm's change of state without "
        "conditions (has_transition, pre/post_transition signals, set_state), the same three "
        "consent fields, `save_without_historical_record()`. Both saves run Wagtail's "
        "reference-index update for TalkCase (a post_save task, run immediately).",
        "",
    )
    report.table(
        ["path", "n", "median ms", "p95 ms", "mean ms", "min ms", "queries / transition"],
        [
            [
                "audited (case_transition)",
                n,
                _ms(a["median"]),
                _ms(a["p95"]),
                _ms(a["mean"]),
                _ms(a["min"]),
                audited_q,
            ],
            [
                "bare (fsm + save)",
                n,
                _ms(b["median"]),
                _ms(b["p95"]),
                _ms(b["mean"]),
                _ms(b["min"]),
                bare_q,
            ],
            [
                "**ratio audited / bare**",
                "",
                f"**{ratio_median:.2f}x**",
                f"{ratio_p95:.2f}x",
                f"{a['mean'] / b['mean']:.2f}x",
                "",
                f"{audited_q / max(bare_q, 1):.1f}x",
            ],
        ],
    )
    verdict = "meets" if ratio_median <= GOAL_RATIO else "misses"
    report.add(f"Goal: at most {GOAL_RATIO}x — the median ratio {verdict} it.", "")
    report.lines.extend(details.lines)
    report.appendix.extend(details.appendix)

    return {"ratio": ratio_median, "audited": a, "bare": b}


# -- (b) the chain: insert and verification ----------------------------------------------------


class HistoryRows:
    """History rows as simple-history writes them, for three models, varied row by row."""

    def __init__(self, cast, template_case):
        from django.utils import timezone

        from lianzheng.history import user_display
        from lianzheng.models import Person, TalkCase, Unit

        self.user_id = cast.clerk.user.pk
        self.user_display = user_display(cast.clerk.user)
        self.start = timezone.now() - timedelta(days=400)
        self.count = 0
        self.specs = []
        for model, instance, share in (
            (TalkCase, template_case, BLOCK // 2),
            (Person, cast.staff, BLOCK // 4),
            (Unit, cast.section_a, BLOCK // 4),
        ):
            base = {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}
            self.specs.append((model.history.model, base, share, model._meta.model_name))

    def block(self):
        """One block: (history model, rows) per model, 500 case, 250 person, 250 unit rows."""
        states = ("draft", "submitted", "approved", "notified", "held", "rectifying", "closed")
        out = []
        for hmodel, base, share, name in self.specs:
            rows = []
            for _ in range(share):
                k = self.count
                self.count += 1
                when = self.start + timedelta(seconds=30 * k, microseconds=k % 1000)
                values = dict(base)
                if name == "talkcase":
                    values.update(
                        id=1 + k % 50_000,
                        state=states[k % len(states)],
                        preparation_note=f"谈话提纲：一、情况通报；二、听取说明（第{k}稿）",
                        updated_at=when,
                        scheduled_at=when + timedelta(days=7) if k % 3 else None,
                    )
                elif name == "person":
                    values.update(id=1 + k % 20_000, name=f"冯科员{k % 997}", post=f"科员{k % 7}")
                else:
                    values.update(name=f"测试一科{k % 101}", sort_order=k % 50)
                rows.append(
                    hmodel(
                        **values,
                        history_date=when,
                        history_type="~",
                        history_change_reason="修改 / edited",
                        history_user_id=self.user_id,
                        history_user_display=self.user_display,
                        history_articles="R6.1 R6.3" if k % 5 == 0 else "",
                    )
                )
            out.append((hmodel, rows))
        return out


def insert_history(report: Report, cast, template, rows: int, budget: float) -> dict:
    from django.db import transaction

    from lianzheng.audit import chain

    maker = HistoryRows(cast, template)
    link_time = [0.0]
    original_link = chain.link

    def timed_link(objs):
        started = time.perf_counter()
        try:
            return original_link(objs)
        finally:
            link_time[0] += time.perf_counter() - started

    chain.link = timed_link
    build = written = 0.0
    done = 0
    started = time.perf_counter()
    try:
        while done < rows:
            with transaction.atomic():
                for _ in range(min(TX_ROWS, rows - done) // BLOCK or 1):
                    t0 = time.perf_counter()
                    blocks = maker.block()
                    build += time.perf_counter() - t0
                    for hmodel, objs in blocks:
                        hmodel.objects.bulk_create(objs, batch_size=500)
                        done += len(objs)
            elapsed = time.perf_counter() - started
            if done % 100_000 < TX_ROWS:
                report.log(f"(b) {done:,} history rows inserted ({done / elapsed:,.0f} rows/s)")
            if elapsed > budget and done < rows:
                report.log(f"(b) insert budget of {budget:.0f}s spent at {done:,} rows; stopping")
                break
    finally:
        chain.link = original_link
    written = time.perf_counter() - started
    return {"rows": done, "seconds": written, "build": build, "link": link_time[0]}


def fetch_only(fast_path: bool, chunk: int = 5000) -> tuple[int, float]:
    """The streams merged as a verification reads them, without hashing: the reference's
    (the ORM's values_list), or the fast path's (raw cursor, in one transaction as it runs)."""
    import heapq
    from operator import itemgetter

    from django.db import connection, transaction

    from lianzheng.audit import chain, fast

    started = time.perf_counter()
    with transaction.atomic():
        if fast_path:
            judges = [fast.FastJudge(m, connection) for m in chain.chained_models()]
            streams = [fast._raw_stream(j.model, j, None, None, chunk) for j in judges]
        else:
            streams = chain.reference_streams(None, None, chunk)
        count = sum(1 for _ in heapq.merge(*streams, key=itemgetter(0)))
    return count, time.perf_counter() - started


def timed_verify(func, *args, **kwargs):
    """Best of REPEAT runs (the machine is shared: the fastest run is the least disturbed)."""
    runs, loads = [], []
    for _ in range(REPEAT):
        gc.collect()
        started = time.perf_counter()
        verdict = func(*args, **kwargs)
        runs.append(time.perf_counter() - started)
        loads.append(os.getloadavg()[0])
    RUNS[id(verdict)] = runs
    LOADS[id(verdict)] = loads
    return verdict, min(runs)


def _runs(verdict) -> str:
    return " / ".join(f"{r:.1f}" for r in RUNS.get(id(verdict), []))


def _loads(verdict) -> str:
    return " / ".join(f"{x:.1f}" for x in LOADS.get(id(verdict), []))


def _sample(sample: int):
    """The first ``sample`` rows of the chain, as values_list rows (Django's conversion) and as
    raw cursor rows of the fast path, each with its judge."""
    import heapq

    from django.db import connection

    from lianzheng.audit import chain, fast

    def first(streams):
        merged = heapq.merge(*streams, key=lambda item: item[0])
        out = []
        for item in merged:
            out.append((item[1], item[2]))
            if len(out) >= sample:
                break
        for stream in streams:
            stream.close()
        return out

    from django.db import transaction

    with transaction.atomic():
        django_rows = first(chain.reference_streams(None, None, 5000))
        judges = [fast.FastJudge(m, connection) for m in chain.chained_models()]
        raw_rows = first([fast._raw_stream(j.model, j, None, None, 5000) for j in judges])
    return django_rows, raw_rows


def cpu_ceiling(report: Report, sample: int) -> list[list]:
    """Serialisation + SHA-256 over rows already in memory, by several methods."""
    import hashlib
    import json

    from django.db import connection

    from lianzheng.audit import chain, fast

    django_rows, raw_rows = _sample(sample)
    n = len(django_rows)
    out = []

    def run(label, func):
        gc.collect()
        started = time.perf_counter()
        func()
        spent = time.perf_counter() - started
        out.append([label, f"{n:,}", f"{spent:.2f}", _rate(n, spent), f"{spent / n * 1e6:.1f}"])

    def reference():
        for judge, row in django_rows:
            judge.holds(row)

    run("reference: ReferenceJudge.holds (TableShape.canonical, values_list rows)", reference)
    sha256 = hashlib.sha256

    def fast_path():
        for judge, row in raw_rows:
            judge.holds(row)

    run("fast: FastJudge.holds (RowEncoder.canonical, raw cursor rows)", fast_path)
    shapes = [chain.shape_of(judge.model) for judge, _row in raw_rows]
    encoders = {
        (s.model, version): fast.RowEncoder(s.model, connection, version).canonical
        for s in set(shapes)
        for version in (1, 2)
    }
    mismatches = sum(
        1
        for shape, (_judge, row), (_fast, raw) in zip(shapes, django_rows, raw_rows, strict=True)
        if encoders[shape.model, 2 if raw[4] == 2 else 1](raw) != shape.text(row)
    )
    extra = ("history_id", "chain_seq", "chain_encoding")
    normalised = [
        (
            shape.label,
            dict(
                zip(
                    (*shape.columns, *extra),
                    map(chain.normalise, (*row[chain.PREFIX :], row[3], row[0], row[4])),
                    strict=True,
                )
            ),
            row[1],
        )
        for shape, (_judge, row) in zip(shapes, django_rows, strict=True)
    ]

    def json_only():
        for label, body, prev in normalised:
            canonical = json.dumps(
                [2, label, body], sort_keys=True, ensure_ascii=False, separators=(",", ":")
            )
            sha256(f"{prev}\n{canonical}".encode()).hexdigest()

    run("json.dumps(sort_keys) + sha256 of already-normalised dicts", json_only)
    strings = [
        f"{row[1]}\n{shape.text(row)}".encode()
        for shape, (_judge, row) in zip(shapes, django_rows, strict=True)
    ]

    def sha_only():
        for data in strings:
            sha256(data).hexdigest()

    run("sha256 alone over the canonical bytes", sha_only)
    size = sum(len(x) for x in strings) / n
    report.cpu_note = (
        f"RowEncoder.canonical and TableShape.canonical gave byte-identical strings on "
        f"{n - mismatches:,} of {n:,} rows ({mismatches} differ). Mean canonical row: "
        f"{size:,.0f} bytes."
    )
    return out


def profile_verify(report: Report, rows: int) -> None:
    from lianzheng.audit import chain, verification

    for label, func in (
        ("chain.verify_reference()", lambda: chain.verify_reference(1, rows)),
        ("verification.verify(), one process", lambda: verification.verify(1, rows)),
    ):
        profiler = cProfile.Profile()
        profiler.enable()
        func()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(16)
        text = out.getvalue()
        text = text[text.find("   ncalls") :] if "   ncalls" in text else text
        report.appendix.append(
            f"### cProfile of {label} over the first {rows:,} rows, by tottime ({report.db})\n"
        )
        report.appendix.extend(["```", text.rstrip(), "```", ""])


def chain_head_seq() -> int:
    from lianzheng.models import ChainHead

    return ChainHead.current().seq


def tamper_check() -> list[list]:
    """Alter a row and remove another behind the application's back; the fast paths must name
    the same broken link as the reference. (The bench database only; done last.)"""
    from django.db import connection

    from lianzheng.audit import chain, guards, verification
    from lianzheng.models import Person, TalkCase

    htc, hp = TalkCase.history.model, Person.history.model
    after = min(5_000, chain_head_seq() // 3)
    altered = htc.objects.order_by("chain_seq").filter(chain_seq__gt=after).first()
    removed = hp.objects.order_by("chain_seq").filter(chain_seq__gt=altered.chain_seq + 50).first()
    tables = [htc._meta.db_table, hp._meta.db_table]
    guards.uninstall(connection, tables)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{htc._meta.db_table}" SET history_change_reason = '
                "history_change_reason || '。' WHERE history_id = %s",
                [altered.history_id],
            )
            cursor.execute(
                f'DELETE FROM "{hp._meta.db_table}" WHERE history_id = %s', [removed.history_id]
            )
    finally:
        guards.install(connection, tables)

    def say(verdict):
        b = verdict.broken
        return f"{b.seq} {b.table} — {b.reason}" if b else "ok"

    out = []
    end = removed.chain_seq + 10
    ref = chain.verify_reference(None, end)
    fast = verification.verify(None, end)
    whole = verification.verify(workers=os.cpu_count() or 1)
    same = ref == fast and ref.broken == whole.broken and ref.checked == whole.checked
    out.append(
        [
            "one character appended to a HistoricalTalkCase row",
            say(ref),
            say(fast),
            say(whole),
            "same" if same else "**DIFFERENT**",
        ]
    )
    start, prev = altered.chain_seq + 1, altered.chain_hash
    ref = chain.verify_reference(start, end, expect_prev=prev)
    fast = verification.verify(start, end, expect_prev=prev)
    out.append(
        [
            "a HistoricalPerson row deleted (walked from after the altered row)",
            say(ref),
            say(fast),
            "",
            "same" if ref == fast else "**DIFFERENT**",
        ]
    )
    return out


def part_b(report: Report, cast, template, rows: int, budget: float, sample: int):
    from django.db import connection

    from lianzheng.audit import chain, verification

    report.log(f"(b) inserting {rows:,} history rows through the chained bulk_create")
    ins = insert_history(report, cast, template, rows, budget)
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load (hint bits, visibility map, statistics), so
        # that the first timed read does not pay for it alone.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            for model in chain.chained_models():
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
            cursor.execute("CHECKPOINT")
        report.log("(b) VACUUM ANALYZE, CHECKPOINT")
    fetches = []
    for fast_path, label in ((False, "the reference's ORM"), (True, "the fast path's raw cursor")):
        fetched, fetch_s = fetch_only(fast_path)
        fetches.append((label, fetched, fetch_s, f"{os.getloadavg()[0]:.1f}"))
        report.log(f"(b) fetch only, {label}: {fetched:,} rows in {fetch_s:.1f}s")
    report.log("(b) chain.verify_reference() (the definition)")
    ref, ref_s = timed_verify(chain.verify_reference)
    assert ref.ok, ref
    total = ref.checked
    report.log(f"(b) reference: {total:,} rows in {ref_s:.1f}s = {total / ref_s:,.0f} rows/s")

    variants = []

    def measure(label, func, *args, **kwargs):
        verdict, seconds = timed_verify(func, *args, **kwargs)
        variants.append((label, verdict, seconds))
        report.log(f"(b) {label}: {seconds:.1f}s = {verdict.checked / seconds:,.0f} rows/s")
        return verdict, seconds

    single, single_s = measure(
        "verify(): raw cursor (datetimes formatted in SQL; PostgreSQL: binary protocol), "
        "RowEncoder, one read-only snapshot",
        verification.verify,
    )
    fallbacks = single.by_reference
    workers = os.cpu_count() or 1
    _par, par_s = measure(
        f"**verification.verify(workers={workers}): the same over {workers} processes "
        "(`lianzheng_audit verify`)**",
        verification.verify,
        workers=workers,
    )

    report.log(f"(b) CPU ceiling over {min(sample, total):,} rows in memory")
    ceiling = cpu_ceiling(report, sample)
    profile_verify(report, min(100_000, total))
    report.log("(b) tampering check")
    tamper = tamper_check()

    share = {}
    for model in chain.chained_models():
        count = model.objects.count()
        if count:
            share[model._meta.label_lower] = count
    report.add(
        "## (b) The hash chain: insert and verification",
        "",
        f"History rows bulk-created through `Model.history.model.objects.bulk_create(rows, "
        f"batch_size=500)` (ChainedQuerySet: link() then INSERT), {TX_ROWS:,} rows per "
        f"transaction, in blocks of {BLOCK // 2} HistoricalTalkCase, {BLOCK // 4} HistoricalPerson "
        f"and {BLOCK // 4} HistoricalUnit rows so that the tables interleave in the chain. "
        "Rows in the chain per table: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(share.items(), key=lambda kv: -kv[1]))
        + ".",
        "",
    )
    report.table(
        ["insert", "rows", "seconds", "rows/s", "of which link()", "building instances"],
        [
            [
                "chained bulk_create",
                f"{ins['rows']:,}",
                f"{ins['seconds']:.1f}",
                _rate(ins["rows"], ins["seconds"]),
                f"{ins['link']:.1f}s ({100 * ins['link'] / ins['seconds']:.0f}%)",
                f"{ins['build']:.1f}s",
            ]
        ],
    )
    if ins["rows"] < rows:
        report.add(
            f"The insert stopped at the time budget ({budget:.0f}s) after {ins['rows']:,} of "
            f"{rows:,} rows; at {ins['rows'] / ins['seconds']:,.0f} rows/s the full "
            f"{rows:,} would take about {rows / (ins['rows'] / ins['seconds']) / 60:.0f} min. "
            "Verification below is over the rows inserted (its cost grows linearly with rows).",
            "",
        )
    vrows = [
        [
            "chain.verify_reference() (the definition)",
            f"{total:,}",
            _runs(ref),
            _rate(total, ref_s),
            f"{total / ref_s / GOAL_ROWS_PER_S:.2f}",
            _loads(ref),
            "ok" if ref.ok else "BROKEN",
        ],
        *(
            [
                f"fetch + merge only, {label} (no hashing)",
                f"{fetched:,}",
                f"{fetch_s:.1f}",
                _rate(fetched, fetch_s),
                f"{fetched / fetch_s / GOAL_ROWS_PER_S:.2f}",
                load,
                "",
            ]
            for label, fetched, fetch_s, load in fetches
        ),
    ]
    for label, verdict, seconds in variants:
        same = (verdict.ok, verdict.checked, verdict.head_hash) == (
            ref.ok,
            ref.checked,
            ref.head_hash,
        )
        vrows.append(
            [
                label,
                f"{verdict.checked:,}",
                _runs(verdict),
                _rate(verdict.checked, seconds),
                f"{verdict.checked / seconds / GOAL_ROWS_PER_S:.2f}",
                _loads(verdict),
                ("ok, same verdict" if same else "**DIFFERENT VERDICT**"),
            ]
        )
    report.add(f"### Verification, end to end (goal {GOAL_ROWS_PER_S:,} rows/s)", "")
    report.table(
        [
            "verification",
            "rows",
            "seconds (each run)",
            "rows/s (best run)",
            "of goal",
            "load after each run",
            "verdict",
        ],
        vrows,
    )
    report.add(
        f"In the one-process run, {fallbacks} row(s) were not confirmed by the fast "
        "serialisation and were judged by the reference.",
        "",
        f"### Serialisation + SHA-256 alone, rows already in memory (the CPU ceiling, one "
        f"process; the first {min(sample, total):,} rows of the chain)",
        "",
    )
    report.table(["method", "rows", "seconds", "rows/s", "µs/row"], ceiling)
    report.add(
        report.cpu_note,
        "",
        "### Tampering: the fast paths name the same broken link as the reference",
        "",
    )
    report.table(
        ["tampering", "verify_reference()", "verify()", f"verify(workers={workers})", ""], tamper
    )
    return {
        "insert": ins,
        "reference": total / ref_s,
        "parallel": total / par_s,
        "single": total / single_s,
        "rows": total,
    }


# -- main --------------------------------------------------------------------------------------


def main(argv=None) -> None:
    global PG_NAME
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000, help="history rows for (b)")
    parser.add_argument("--transitions", type=int, default=300, help="timed transitions (a)")
    parser.add_argument(
        "--insert-budget",
        type=float,
        default=600,
        help="seconds after which (b) stops inserting and verifies what it has",
    )
    parser.add_argument(
        "--cpu-sample", type=int, default=250_000, help="rows held in memory for the CPU ceiling"
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of each verification (best reported)"
    )
    parser.add_argument("--skip-a", action="store_true", help="only the chain (b)")
    parser.add_argument("--skip-b", action="store_true", help="only the transitions (a)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--pg-name",
        default=PG_NAME,
        help="the PostgreSQL database to drop, create and use (default %(default)s)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one run each: that the bench still works"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the report is written")
    args = parser.parse_args(argv)
    PG_NAME = args.pg_name
    if args.quick:
        global WARMUP, BREAKDOWN_CASES, PROFILE_CASES, BLOCK, TX_ROWS, SQLITE_PATH
        args.transitions, args.rows, args.cpu_sample, args.repeat = 10, 4_000, 2_000, 1
        WARMUP, BREAKDOWN_CASES, PROFILE_CASES, BLOCK, TX_ROWS = 2, 4, 4, 100, 2_000
        SQLITE_PATH = RESULTS / "audit-quick.sqlite3"

    report = Report(args.db)
    create_database(args.db)
    configure(args.db)
    from django.core.management import call_command
    from django.db import connections

    global SUPPORT, REPEAT
    REPEAT = max(1, args.repeat)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _audit_support as support

    SUPPORT = support

    from lianzheng.services.setup import setup_all
    from tests.workflow_helpers import build_cast

    try:
        call_command("migrate", verbosity=0, interactive=False)
        setup_all()
        cast = build_cast()
        report.log(f"{args.db}: migrated, setup_all(), officers built")
        report.header.extend(
            [
                f"# Audit trail benchmark — {args.db}",
                "",
                f"`.venv/bin/python bench/bench_audit.py --db {args.db} --rows {args.rows} "
                f"--transitions {args.transitions}` — {time.strftime('%Y-%m-%d %H:%M')}",
                "",
                *environment(args.db),
                "",
            ]
        )
        summary_lines = report.summary
        report.mark_load("start")
        if not args.skip_a:
            a = part_a(report, cast, args.transitions)
            report.mark_load("after (a)")
            summary_lines.append(
                f"- (a) audited/bare median ratio **{a['ratio']:.2f}x** (goal ≤ {GOAL_RATIO}x): "
                f"{a['audited']['median']:.2f} ms against {a['bare']['median']:.2f} ms"
            )
        if not args.skip_b:
            from lianzheng.models import TalkCase

            template = TalkCase.objects.order_by("pk").first() or Cases(cast).template
            b = part_b(report, cast, template, args.rows, args.insert_budget, args.cpu_sample)
            report.mark_load("after (b)")
            summary_lines.append(
                f"- (b) verify_reference() **{b['reference']:,.0f} rows/s**; verify() "
                f"**{b['parallel']:,.0f} rows/s** over {os.cpu_count()} processes "
                f"({b['single']:,.0f} rows/s in one); goal ≥ {GOAL_ROWS_PER_S:,}; over "
                f"{b['rows']:,} rows; chained insert "
                f"{b['insert']['rows'] / b['insert']['seconds']:,.0f} rows/s"
            )
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(args.db)
    text = report.text()
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"audit-{args.db}.md"
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {out} in {time.perf_counter() - report.started:.0f}s")


if __name__ == "__main__":
    main()

"""Benchmark of signed checkpoints and evidence packages (issue 16).

    .venv/bin/python bench/bench_checkpoints.py --db sqlite|postgres [--rows 1000000]
    .venv/bin/python bench/bench_checkpoints.py --quick    # tiny, what the test suite runs

Builds its own database as bench/bench_audit.py does (bench/results/checkpoints.sqlite3, or the
PostgreSQL database ``lianzheng_bench_checkpoints``; removed afterwards unless ``--keep``), bulk-
inserts ``--rows`` chained history rows through bench_audit's HistoryRows, then measures:

- a full ``verify`` (one process and one per CPU), held against the newest checkpoint as the
  command does (goal ≥ 150,000 rows/s);
- the first checkpoint over every row: time (its verification of the whole chain included, and
  without it) and size (the signed statement, the exported JSON, the row in the database);
- ``--added`` (10,000) more rows, then the incremental verification from the checkpoint (goal:
  under 1 s at 1,000,000 rows on SQLite) and the next checkpoint, made from the frontier;
- an inclusion proof: the tree read from the database, the first proof and the next ones, and
  a proof's size;
- the evidence package of a case with ``--documents`` (20) generated documents.

Each timing is the best of ``--repeat`` runs; the report records the load average. Written to
bench/results/checkpoints-<db>.md (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_audit  # noqa: E402  (bench/ is not a package; its helpers are shared)

GOAL_FULL = 150_000
GOAL_INCREMENTAL_S = 1.0


def best(func, repeat: int):
    """(result, best seconds, load after the best run) of ``repeat`` runs."""
    best_s, result, load = None, None, 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        spent = time.perf_counter() - started
        if best_s is None or spent < best_s:
            best_s, load = spent, os.getloadavg()[0]
    return result, best_s, load


def case_with_documents(cast, count: int):
    """A held case with ``count`` generated documents (new versions of its notice and record,
    as an office that regenerates them would have)."""
    from datetime import timedelta

    from lianzheng.choices import CaseState, DocumentKind
    from lianzheng.models import DocumentSettings
    from lianzheng.services import documents
    from lianzheng.services.documents import document_generate
    from tests.workflow_helpers import advance, new_case

    settings = DocumentSettings.load()
    settings.contact_phone = "0000-1234567"
    settings._change_reason = "bench"
    settings.save()
    case = advance(cast, new_case(cast), CaseState.HELD)
    person = case.subjects.first().person
    kinds = (DocumentKind.NOTICE, DocumentKind.RECORD)
    # Regenerated versions, not a double click: the services' repeat guard (15 s) would hand
    # back the version just made.
    documents.REPEAT_WINDOW = timedelta(0)
    for i in range(count):
        document_generate(user=cast.clerk.user, kind=kinds[i % 2], case=case, person=person)
    return case


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--added", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--insert-budget", type=float, default=900)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--pg-name", default="lianzheng_bench_checkpoints")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=bench_audit.RESULTS)
    args = parser.parse_args(argv)
    bench_audit.PG_NAME = args.pg_name
    bench_audit.SQLITE_PATH = bench_audit.RESULTS / "checkpoints.sqlite3"
    if args.quick:
        args.rows, args.added, args.documents, args.repeat = 4_000, 1_000, 2, 1
        bench_audit.BLOCK, bench_audit.TX_ROWS = 100, 2_000
        bench_audit.SQLITE_PATH = bench_audit.RESULTS / "checkpoints-quick.sqlite3"

    report = bench_audit.Report(args.db)
    bench_audit.create_database(args.db)
    bench_audit.configure(args.db)
    from django.core.management import call_command
    from django.db import connections

    from lianzheng.audit import checkpoints, guards, merkle, verification
    from lianzheng.models import Checkpoint, TalkCase
    from lianzheng.services.evidence import package_case
    from lianzheng.services.setup import setup_all
    from tests.workflow_helpers import build_cast

    try:
        call_command("migrate", verbosity=0, interactive=False)
        setup_all()
        cast = build_cast()
        template = TalkCase.objects.order_by("pk").first() or bench_audit.Cases(cast).template
        report.header.extend(
            [
                f"# Checkpoints and evidence packages — {args.db}",
                "",
                f"`.venv/bin/python bench/bench_checkpoints.py --db {args.db} --rows {args.rows} "
                f"--added {args.added} --documents {args.documents}` — "
                f"{time.strftime('%Y-%m-%d %H:%M')}",
                "",
                *bench_audit.environment(args.db),
                "",
            ]
        )
        # The bench deletes its checkpoints between runs: lift their append-only guard here.
        guards.uninstall(connections["default"], ["lianzheng_checkpoint"])
        report.mark_load("start")
        report.log(f"inserting {args.rows:,} chained history rows")
        bench_audit.insert_history(report, cast, template, args.rows, args.insert_budget)
        rows = checkpoints.ChainHead.current().seq
        report.log(f"{rows:,} rows in the chain")
        report.mark_load("after the insert")

        # -- the first checkpoint, over every row --------------------------------------------
        def first_checkpoint():
            Checkpoint.objects.all().delete()
            return checkpoints.make_checkpoint(made_by="bench")

        made, first_s, first_load = best(first_checkpoint, args.repeat)

        def signing_only():
            Checkpoint.objects.all().delete()
            return checkpoints.make_checkpoint(made_by="bench", verify=_holds)

        made, sign_s, sign_load = best(signing_only, args.repeat)
        statement = len(made.statement.encode())
        exported = len(checkpoints.json_bytes(made))
        stored = len(bytes(made.entries)) + len(json.dumps(made.frontier)) + exported
        report.log(f"first checkpoint: {first_s:.2f}s ({sign_s:.2f}s without the verify)")

        # -- full verify, held against the checkpoint ----------------------------------------
        workers = os.cpu_count() or 1
        full1, full1_s, full1_load = best(
            lambda: checkpoints.verify_full(lambda: verification.verify(workers=1)),
            args.repeat,
        )
        assert full1.ok, full1
        fulln, fulln_s, fulln_load = best(
            lambda: checkpoints.verify_full(lambda: verification.verify(workers=workers)),
            args.repeat,
        )
        assert fulln.ok, fulln
        report.log(f"full verify: {rows / full1_s:,.0f} rows/s, {rows / fulln_s:,.0f} ({workers})")

        # -- rows added since: incremental verification and the next checkpoint ---------------
        bench_audit.insert_history(report, cast, template, args.added, args.insert_budget)
        added = checkpoints.ChainHead.current().seq - made.tree_size
        inc, inc_s, inc_load = best(checkpoints.verify_incremental, args.repeat)
        assert inc.ok and inc.checked == added, inc
        report.log(f"incremental verify: {added:,} rows in {inc_s:.3f}s")

        def next_checkpoint():
            Checkpoint.objects.filter(tree_size__gt=made.tree_size).delete()
            return checkpoints.make_checkpoint(made_by="bench")

        second, next_s, next_load = best(next_checkpoint, args.repeat)
        report.log(f"next checkpoint: {next_s:.3f}s")

        # -- inclusion proofs ----------------------------------------------------------------
        started = time.perf_counter()
        tree = checkpoints.tree_upto(second.tree_size)
        tree_s = time.perf_counter() - started
        started = time.perf_counter()
        proof = tree.inclusion_proof(second.tree_size // 3)
        proof_first_s = time.perf_counter() - started
        started = time.perf_counter()
        count = 200
        for i in range(count):
            tree.inclusion_proof((i * 7919) % second.tree_size)
        proof_next_s = (time.perf_counter() - started) / count
        index = second.tree_size // 3
        assert merkle.verify_inclusion(
            index,
            second.tree_size,
            merkle.leaf_hash(tree.entries[index]),
            proof,
            bytes.fromhex(second.root),
        )
        started = time.perf_counter()
        for _ in range(count):
            merkle.verify_inclusion(
                index,
                second.tree_size,
                merkle.leaf_hash(tree.entries[index]),
                proof,
                bytes.fromhex(second.root),
            )
        check_s = (time.perf_counter() - started) / count
        proof_bytes = len(json.dumps([p.hex() for p in proof]))
        del tree
        report.log(f"proof: {len(proof)} hashes, tree read in {tree_s:.2f}s")

        # -- the evidence package of a case with N documents ---------------------------------
        case = case_with_documents(cast, args.documents)
        checkpoints.make_checkpoint(made_by="bench")  # covers the case: no signing in the timing
        package, package_s, package_load = best(lambda: package_case(case), args.repeat)
        report.log(f"package: {package.documents} documents, {package_s:.2f}s")
        report.mark_load("end")

        report.summary.extend(
            [
                f"- full verify held against the newest checkpoint: **{rows / fulln_s:,.0f} "
                f"rows/s** over {workers} processes, {rows / full1_s:,.0f} rows/s in one "
                f"(goal ≥ {GOAL_FULL:,}); {rows:,} rows",
                f"- incremental verify of {added:,} new rows on a {made.tree_size:,}-row chain: "
                f"**{inc_s * 1000:,.0f} ms** (goal < {GOAL_INCREMENTAL_S:.0f} s)",
                f"- first checkpoint at {made.tree_size:,} rows: **{first_s:.2f} s** with the "
                f"full verification it starts with, {sign_s:.2f} s for the tree and signature; "
                f"next checkpoint after {added:,} rows: **{next_s * 1000:,.0f} ms**",
                f"- checkpoint size: signed statement {statement} bytes, exported JSON "
                f"{exported:,} bytes, stored row {stored / 1e6:,.1f} MB (32 bytes a row added: "
                "the copy of the chain hashes that names a rewritten row)",
                f"- inclusion proof at {second.tree_size:,} rows: {len(proof)} hashes, "
                f"{proof_bytes:,} bytes as JSON hex; the tree read from the database in "
                f"{tree_s:.2f} s, first proof {proof_first_s * 1000:,.0f} ms, next ones "
                f"{proof_next_s * 1000:.2f} ms each; checking one {check_s * 1e6:,.0f} µs",
                f"- evidence package of a case with {package.documents} documents and "
                f"{package.rows} history rows: **{package_s:.2f} s**, {len(package.data):,} bytes",
            ]
        )
        report.table(
            ["measure", "seconds (best)", "load after"],
            [
                ["first checkpoint (verify + sign)", f"{first_s:.3f}", f"{first_load:.2f}"],
                ["first checkpoint (sign only)", f"{sign_s:.3f}", f"{sign_load:.2f}"],
                ["full verify, 1 process", f"{full1_s:.3f}", f"{full1_load:.2f}"],
                [f"full verify, {workers} processes", f"{fulln_s:.3f}", f"{fulln_load:.2f}"],
                ["incremental verify", f"{inc_s:.3f}", f"{inc_load:.2f}"],
                ["next checkpoint", f"{next_s:.3f}", f"{next_load:.2f}"],
                ["package", f"{package_s:.3f}", f"{package_load:.2f}"],
            ],
        )
    finally:
        connections.close_all()
        if not args.keep:
            bench_audit.drop_database(args.db)
    text = report.text()
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"checkpoints-{args.db}.md"
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {out} in {time.perf_counter() - report.started:.0f}s")


def _holds(start=None, end=None, **kwargs):
    """A verification that passes, to time the tree and signature alone."""
    from lianzheng.audit.chain import Verdict

    return Verdict(0, start, end, "", None)


if __name__ == "__main__":
    main()

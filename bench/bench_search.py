"""Case search at 10,000 and 100,000 cases, side by side in one run (issue 17).

    .venv/bin/python bench/bench_search.py --db sqlite
    .venv/bin/python bench/bench_search.py --db postgres
    .venv/bin/python bench/bench_search.py --quick          # 150 and 600 cases: the test suite

The bench databases are bench/load_cases.py's (bench-<n>-<people>.sqlite3 or
lianzheng_bench_<n>_<people>, the same as bench_scale.py's), loaded when missing, the cases'
search index included. For each query two timings: the search alone
(``selectors.cases.case_search``: the first page of 20 and the count, what the listing asks) and
the whole listing page ``?q=`` as the superuser sees it (Django's test client, settings
lianzheng_site.settings.test). Every size is measured, then the other, then again in the other
order; the better median of the two passes is reported with the number of cases found. The
queries are picked at each size by the same rule (a name few people share, its given name, the
unit of that person, words of the purpose, the problems and the rectification items, a word in no
case, digits, part of a number, a whole number).

Goals (issue 17): under 100 ms at 100,000 cases on PostgreSQL and SQLite, and no longer at
100,000 than at 10,000. Reported, not asserted; written to bench/results/search-<db>.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import quote

import load_cases

GOAL_MS = 100
GROWTH_GOAL = 1.25
QUICK = (150, 600)


def queries(samples) -> list[tuple[str, str]]:
    """(label, query) at the current size."""
    from lianzheng.models import TalkCase

    number = TalkCase.objects.get(pk=samples.collective).number
    digits = number[number.index("〕") + 1 : number.index("号")]
    return [
        ("a name few people share", samples.search_name),
        ("its given name (2 characters)", samples.search_name[1:]),
        ("that person's unit", samples.unit_name),
        ("a word of every purpose (端正思想)", "端正思想"),
        ("a word of the problems (群众反映)", "群众反映"),
        ("a word of the items (整改台账)", "整改台账"),
        ("a word in no case (航天飞机)", "航天飞机"),
        ("digits of a number", digits),
        ("part of a number (〔year〕N号)", number[number.index("〔") :]),
        ("a whole number", number),
    ]


def time_selector(query: str, runs: int) -> tuple[float, int]:
    """Median ms of the search as the listing asks it (the first page in the listing's order
    and the count, capped as the listing caps it), and the count found (uncapped, once)."""
    from lianzheng.models import TalkCase
    from lianzheng.selectors.cases import case_search
    from lianzheng.views.cases import CaseIndexView
    from lianzheng.viewsets import TalkCaseViewSet

    cap = CaseIndexView.SEARCH_COUNT_CAP

    def once():
        found = case_search(TalkCase.objects.all(), query)
        list(found.order_by(*TalkCaseViewSet.ordering)[:20])
        return found.order_by()[: cap + 1].count()

    once()  # warm-up
    found = case_search(TalkCase.objects.all(), query).count()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), found


def measure_size(db: str, size: int, runs: int, out) -> dict:
    from bench_listing import LIST, measure, pick_samples
    from django.contrib.auth import get_user_model
    from django.test import Client

    load_cases.open_size(db, size, out=out)
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench_admin"))
    results = {}
    for label, query in queries(pick_samples()):
        print(f"  … {size:,} cases: {label}: {query}", file=sys.stderr)
        selector_ms, found = time_selector(query, runs)
        page = measure(client, "admin", label, f"{LIST}?q={quote(query)}", runs)
        results[label] = {"query": query, "found": found, "selector": selector_ms, "page": page}
    return results


def better(first: dict, second: dict) -> dict:
    merged = {}
    for label, a in first.items():
        b = second[label]
        merged[label] = {
            **a,
            "selector": min(a["selector"], b["selector"]),
            "page": min(a["page"], b["page"], key=lambda r: r.median),
        }
    return merged


def report(db: str, small: int, large: int, a: dict, b: dict, runs: int, load0) -> list[str]:
    load = os.getloadavg()
    lines = [
        f"# Case search — {db}: {small:,} against {large:,} cases",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average at the start "
        f"{load0[0]:.2f}, at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {runs} runs after "
        "a warm-up, the better median of two passes (small-large, then large-small).",
        "",
        f"| query | {small:,}: found | search ms | page ms | {large:,}: found | search ms | "
        "page ms | growth (search, page) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    worst_page, worst_search, growths = 0.0, 0.0, []
    for label in a:
        sa, sb = a[label], b[label]
        gs = sb["selector"] / max(sa["selector"], 1e-9)
        gp = sb["page"].median / max(sa["page"].median, 1e-9)
        growths.append((gs, gp, label))
        worst_page = max(worst_page, sb["page"].median)
        worst_search = max(worst_search, sb["selector"])
        flag = " ⚠" if max(gs, gp) > GROWTH_GOAL else ""
        over = " ⚠" if sb["page"].median > GOAL_MS else ""
        lines.append(
            f"| {label}: `{sb['query']}` | {sa['found']:,} | {sa['selector']:.1f} | "
            f"{sa['page'].median:.1f} | {sb['found']:,} | {sb['selector']:.1f} | "
            f"{sb['page'].median:.1f}{over} | {gs:.2f}×, {gp:.2f}×{flag} |"
        )
    lines += [
        "",
        f"- Slowest at {large:,} cases: the search **{worst_search:.1f} ms**, the page "
        f"**{worst_page:.1f} ms** (goal < {GOAL_MS} ms).",
        "- Growth from the small to the large size: search "
        f"{min(g[0] for g in growths):.2f}–{max(g[0] for g in growths):.2f}×, page "
        f"{min(g[1] for g in growths):.2f}–{max(g[1] for g in growths):.2f}× "
        f"(goal ≤ {GROWTH_GOAL}×; a query that finds ten times as many cases counts ten times "
        "as many).",
    ]
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load_cases.two_sizes_arguments(parser, QUICK)
    args = parser.parse_args(argv)
    load0 = os.getloadavg()
    started = time.perf_counter()
    smalls, larges = load_cases.alternate(args, measure_size, QUICK)
    lines = report(
        args.db,
        args.small,
        args.large,
        better(*smalls),
        better(*larges),
        args.runs,
        load0,
    )
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"search-{args.db}.md"
    path.write_text(text, encoding="utf-8")
    print(f"written to {path} in {time.perf_counter() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()

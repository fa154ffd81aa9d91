"""Does the admin stay as fast at 100,000 cases as at 10,000? The case page, the dashboard and
the case listing with each of its filters, at two sizes side by side in one run.

    .venv/bin/python bench/bench_scale.py --db sqlite
    .venv/bin/python bench/bench_scale.py --db postgres
    .venv/bin/python bench/bench_scale.py --quick          # 150 and 600 cases: the test suite

Each size is its own bench database (bench/load_cases.py: bench-<n>-<people>.sqlite3 or
lianzheng_bench_<n>_<people>, loaded when missing and kept); the process measures every page at
one size, then at the other, then again in the other order, and reports the better median of the two
passes (the machine may be shared: the load average is recorded). With Django's test client,
signed in as the bench's superuser and its office user; settings lianzheng_site.settings.test.

Goals of issue #14: the case page under 60 ms on PostgreSQL at 100,000 cases; the dashboard as
fast at 100,000 cases as at 10,000; the unit and county filters growing no more than the other
filters. Reported, not asserted. Written to bench/results/scale-<db>.md (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import quote

import load_cases

CASE_PAGE_GOAL_MS = 60
GROWTH_GOAL = 1.25  # "as fast": within a quarter
QUICK = (150, 600)


def clients():
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {}
    for label, username in (("admin", "bench_admin"), ("office", "bench_office")):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        users[label] = client
    return users


def pages(samples) -> list[tuple[str, str, str]]:
    """(label, user, url) of what is measured at each size."""
    from bench_listing import LIST

    s = samples
    return [
        ("case page (rectifying, collective)", "admin", f"{LIST}inspect/{s.collective}/"),
        ("case page (notified)", "admin", f"{LIST}inspect/{s.cases['notified']}/"),
        ("case page (rectifying, collective)", "office", f"{LIST}inspect/{s.collective}/"),
        ("dashboard", "office", "/admin/"),
        ("dashboard", "admin", "/admin/"),
        ("listing: default", "admin", LIST),
        ("listing: ?state=notified", "admin", LIST + "?state=notified"),
        ("listing: ?talk_type=warning", "admin", LIST + "?talk_type=warning"),
        ("listing: ?year=", "admin", LIST + f"?year={max(load_cases.YEARS)}"),
        ("listing: ?unit=", "admin", LIST + f"?unit={s.unit_id}"),
        ("listing: ?county=", "admin", LIST + f"?county={s.county}"),
        ("listing: ?q= (a name)", "admin", LIST + f"?q={quote(s.search_name)}"),
        ("listing: ?q= (a number)", "admin", LIST + f"?q={quote(s.one_number)}"),
    ]


def measure_size(db: str, size: int, runs: int, out) -> dict:
    from bench_listing import measure, pick_samples

    load_cases.open_size(db, size, out=out)
    users = clients()
    results = {}
    for label, user, url in pages(pick_samples()):
        print(f"  … {size:,} cases: {label} ({user})", file=sys.stderr)
        results[label, user] = measure(users[user], user, label, url, runs)
    return results


def better(first: dict, second: dict) -> dict:
    return {key: min(first[key], second[key], key=lambda r: r.median) for key in first}


def report(db: str, small: int, large: int, a: dict, b: dict, runs: int) -> list[str]:
    load = os.getloadavg()
    lines = [
        f"# Scale benchmark — {db}: {small:,} against {large:,} cases",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {runs} runs per page after a warm-up, the "
        "better median of two passes (small-large, then large-small).",
        "",
        f"| page | user | {small:,}: ms | q | {large:,}: ms | q | growth |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    growth = {}
    for key in a:
        label, user = key
        ratio = b[key].median / a[key].median
        growth[key] = ratio
        flag = ""
        if label.startswith(("dashboard", "listing: ?unit", "listing: ?county")):
            flag = " ⚠" if ratio > GROWTH_GOAL else ""
        lines.append(
            f"| {label} | {user} | {a[key].median:.1f} | {a[key].query_text} | "
            f"{b[key].median:.1f} | {b[key].query_text} | {ratio:.2f}×{flag} |"
        )
    case_page = b["case page (rectifying, collective)", "admin"]
    others = [
        r
        for (label, _u), r in growth.items()
        if label.startswith("listing:")
        and "?unit" not in label
        and "?county" not in label
        and "(a name)" not in label
    ]
    lines += [
        "",
        f"- Case page at {large:,} cases: **{case_page.median:.1f} ms**, "
        f"{case_page.query_text} queries (goal < {CASE_PAGE_GOAL_MS} ms on PostgreSQL).",
        "- Dashboard growth: "
        + ", ".join(f"{u} **{growth['dashboard', u]:.2f}×**" for u in ("office", "admin"))
        + f" (goal ≤ {GROWTH_GOAL}×).",
        f"- Unit filter **{growth['listing: ?unit=', 'admin']:.2f}×**, county filter "
        f"**{growth['listing: ?county=', 'admin']:.2f}×**; the other filters "
        f"{min(others):.2f}–{max(others):.2f}×.",
    ]
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    load_cases.two_sizes_arguments(parser, QUICK)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    smalls, larges = load_cases.alternate(args, measure_size, QUICK)
    lines = report(
        args.db,
        args.small,
        args.large,
        better(*smalls),
        better(*larges),
        args.runs,
    )
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"scale-{args.db}.md"
    path.write_text(text, encoding="utf-8")
    print(f"written to {path} in {time.perf_counter() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()

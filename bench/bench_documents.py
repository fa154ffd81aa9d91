"""Benchmark document generation: a two-page notice, a 50-page integrity file, 1,000 notices.

    .venv/bin/python bench/bench_documents.py [--notices 1000] [--runs 5]
    .venv/bin/python bench/bench_documents.py --quick      # tiny, what the test suite runs

The builders take plain data (lianzheng/documents/context.py), so the bench feeds them realistic
synthetic data directly and measures typesetting and PDF writing alone — no database. Fonts are
loaded once before timing (as a worker process would) and that load is reported separately.
For each case: wall time (median of --runs, and for the 1,000 notices the total and per-notice
time), the pages produced, and the peak memory — Python allocations by tracemalloc, in a run of
its own after the timed ones (tracing slows the work several times, so it never runs while the
clock does), and the process's maximum resident set size. Figures are printed and written to
bench/results/documents.md (git-ignored). Targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianzheng_site.settings.dev")

import django  # noqa: E402

django.setup()

from lianzheng.documents import case_documents as docs  # noqa: E402
from lianzheng.documents.fonts import load_fonts  # noqa: E402
from lianzheng.selectors import documents as ctx  # noqa: E402
from lianzheng.services.documents import _page_count  # noqa: E402

CONTENT = (
    "就你分管工作中存在的工作推诿拖延、群众反映办事效率低等问题进行廉政约谈，"
    "请你如实说明有关情况，分析原因，提出整改措施。"
)


def header(n: int) -> ctx.CaseHeader:
    return ctx.CaseHeader(
        number=f"阿州住建廉约〔2026〕{n}号",
        talk_type="警示约谈",
        talk_type_code="warning",
        regulation_title="《阿坝州住房和城乡建设局廉政约谈制度（试行）》",
        grounds=("（五）工作作风不实，群众反映强烈的",),
        problems="工作推诿拖延，群众反映办事效率低。" * 3,
        purpose="提醒约谈对象端正思想认识，认真整改工作中存在的问题。",
        state="已办结",
    )


SUBJECT = ctx.PersonLine("欧阳建国", "汶川县住房和城乡建设局", "副局长")


def notice(n: int, long: bool = True) -> ctx.NoticeData:
    return ctx.NoticeData(
        case=header(n),
        subject=SUBJECT,
        interviewers="王局长、孙主任、周专干",
        scheduled="2026年12月3日（星期四）上午9时30分",
        place="局机关三楼会议室",
        # Two paragraphs of content give the usual two-page notice; ``long`` makes it four.
        content="\n".join([CONTENT] * (14 if long else 2)),
        written_on="2026年11月27日",
        contact="局办公室 郑干事",
        contact_phone="0837-2822222",
        short_notice=False,
        phone_notified="",
    )


def record(n: int) -> ctx.RecordData:
    people = (
        ctx.PersonLine("王局长", "局领导", "局长"),
        ctx.PersonLine("孙主任", "办公室", "主任"),
        ctx.PersonLine("周专干", "办公室", "纪检专干"),
    )
    text = "谈话人通报了有关情况，指出存在的问题，约谈对象作了说明。" * 4
    return ctx.RecordData(
        case=header(n),
        subject=SUBJECT,
        held_at="2026年12月3日（星期四）上午9时30分",
        held_on="2026年12月3日",
        place="局机关三楼会议室",
        interviewers=people,
        lead="王局长",
        recorded_by=people[1],
        sections=(
            ("约谈内容", text),
            ("原因分析", "原因在于思想重视不够、制度执行不严。" * 3),
            ("整改防范措施", "加强学习，建立台账，按期整改。" * 3),
            ("约谈对象陈述", "本人如实陈述：对存在的问题认识不足，今后认真整改。" * 3),
        ),
        commitment="",
        new_post="",
    )


def integrity_file(cases: int) -> ctx.IntegrityFileData:
    items = tuple(
        ctx.ItemLine(
            f"整改事项{i}：建立办事台账并公开办理时限",
            "2027年1月15日",
            "约谈对象本人",
            "已核实完成",
            (ctx.CheckLine("2027年1月10日", "台账已建立并公开。", "已核实完成", "孙主任"),),
        )
        for i in range(1, 3)
    )
    filed = tuple(
        ctx.FiledCase(
            case=header(n),
            proposed_on="2026年3月1日",
            held="2026年3月9日（星期一）上午9时",
            interviewers=("王局长", "孙主任", "周专干"),
            record=record(n),
            items=items,
            escalation="",
            closed_on="2026年4月1日",
        )
        for n in range(1, cases + 1)
    )
    return ctx.IntegrityFileData(SUBJECT, "副处级", "县（市）主要负责人", filed, "2026年11月27日")


def measure(label: str, work, runs: int) -> dict:
    """``runs`` timed runs, then one more under tracemalloc for the peak of Python memory."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    work()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "label": label,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "peak_py_mb": peak / 2**20,
        "result": result,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=50, help="pages of the integrity file")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one run: that the bench still works"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if args.quick:
        args.notices, args.runs, args.pages = 3, 1, 3

    start = time.perf_counter()
    fonts = load_fonts()
    font_load = time.perf_counter() - start

    rows = []
    two = measure(
        "notice (two pages)",
        lambda: docs.render(docs.notice_story(notice(1, long=False), fonts), "notice", fonts),
        args.runs,
    )
    rows.append((two, _page_count(two["result"]), len(two["result"])))

    # Find the number of cases that makes a file of --pages pages.
    cases = 1
    while (
        _page_count(
            docs.render(docs.integrity_file_story(integrity_file(cases), fonts), "f", fonts)
        )
        < args.pages
    ):
        cases += 3
    big = measure(
        f"integrity file ({cases} cases)",
        lambda: docs.render(docs.integrity_file_story(integrity_file(cases), fonts), "file", fonts),
        max(1, args.runs // 2),
    )
    rows.append((big, _page_count(big["result"]), len(big["result"])))

    def thousand():
        pages = 0
        for n in range(args.notices):
            pdf = docs.render(docs.notice_story(notice(n, long=False), fonts), "notice", fonts)
            pages += _page_count(pdf)
        return pages

    many = measure(f"{args.notices} notices in one process", thousand, 1)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    load = os.getloadavg()
    lines = [
        "# Document generation",
        "",
        f"Font load (once per process): {font_load * 1000:.0f} ms. "
        f"Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
        f"{os.cpu_count()} CPUs.",
        "",
        "| document | pages | size | median | peak Python memory |",
        "|---|---|---|---|---|",
    ]
    for row, pages, size in rows:
        lines.append(
            f"| {row['label']} | {pages} | {size / 1024:.0f} KiB | {row['median_s'] * 1000:.0f} ms "
            f"| {row['peak_py_mb']:.1f} MiB |"
        )
    lines.append(
        f"| {many['label']} | {many['result']} | — | {many['median_s']:.1f} s in all, "
        f"{many['median_s'] / args.notices * 1000:.1f} ms each | {many['peak_py_mb']:.1f} MiB |"
    )
    lines += ["", f"Peak resident set size of the process: {rss_mb:.0f} MiB."]
    report = "\n".join(lines)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "documents.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

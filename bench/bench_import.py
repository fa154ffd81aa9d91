"""Benchmark spreadsheet import: 5,000 people previewed, then imported, on SQLite.

    .venv/bin/python bench/bench_import.py [--people 5000]
    .venv/bin/python bench/bench_import.py --quick      # 50 people, what the test suite runs

A fresh SQLite database (migrated, with the install profile's units) in a temporary folder; an
XLSX of N people spread over the units, as the office would fill the template. Timed: reading
and previewing (a dry run of every row), importing (every row saved with its history row and
chain link), and previewing the same file again (every row unchanged). Goal (issue 18): 5,000
people previewed and imported in under 30 s. Printed and written to bench/results/import.md.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FOLDER = Path(tempfile.mkdtemp(prefix="lianzheng-bench-import-"))
os.environ["DATABASE_URL"] = f"sqlite:///{FOLDER / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianzheng_site.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from lianzheng.models import Person, Unit  # noqa: E402
from lianzheng.services.setup import setup_all  # noqa: E402
from lianzheng.services.spreadsheet_import import import_apply, import_preview  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def workbook(count: int) -> bytes:
    units = list(Unit.objects.order_by("pk").values_list("name", flat=True))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员")
    sheet.append(["姓名", "单位", "职务", "职级", "人员类别"])
    for n in range(count):
        name = SURNAMES[n % 20] + GIVEN[(n // 20) % 20] + GIVEN[(n // 400) % 20] + str(n // 8000)
        sheet.append([name, units[n % len(units)], "科员", "科员", "局机关干部职工"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    count = 50 if args.quick else args.people
    call_command("migrate", verbosity=0)
    setup_all()
    content = workbook(count)
    kwargs = {"user": None, "sheet": "people", "filename": "人员.xlsx", "content": content}
    preview, t_preview = timed("preview", lambda: import_preview(**kwargs))
    assert preview.counts["new"] == count, preview.counts
    _done, t_import = timed("import (preview again + save)", lambda: import_apply(**kwargs))
    assert Person.objects.count() >= count
    again, t_again = timed(
        "preview of the same file (all unchanged)", lambda: import_preview(**kwargs)
    )
    assert again.counts["skip"] == count, again.counts
    load = Path("/proc/loadavg").read_text().split()[:3]
    lines = [
        f"# Spreadsheet import: {count} people on SQLite",
        "",
        f"Load average at the end: {' '.join(load)}; file {len(content) // 1024} KB.",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| preview (read, dry run of every row) | {t_preview:.2f} |",
        f"| import (every row checked, then saved with its history row) | {t_import:.2f} |",
        f"| preview + import, as the office does it | {t_preview + t_import:.2f} |",
        f"| preview of the same file again (every row unchanged) | {t_again:.2f} |",
        "",
        "Goal (issue 18): 5,000 people previewed and imported in under 30 s.",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "import.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

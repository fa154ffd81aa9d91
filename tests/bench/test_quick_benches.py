"""Every bench runs in its quick mode, on tiny data, as part of the suite: a bench that no longer
fits the code (a renamed function, a changed dataclass) fails here, not months later on the day
it is needed. The full runs are on demand (bench/README.md) and their figures are not asserted:
this checks that each bench runs to its end and writes its report.

Each bench runs in a process of its own, on its own database (under bench/results/, or its own
PostgreSQL database), never the test database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# One process runs them all, one after another: the listing and scale benches share a database.
pytestmark = pytest.mark.xdist_group("benches")


def run_bench(script: str, out: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick", "--out", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


def test_the_documents_bench(tmp_path):
    run_bench("bench_documents.py", tmp_path)
    report = (tmp_path / "documents.md").read_text(encoding="utf-8")
    assert "notice (two pages)" in report and "integrity file" in report


# The others read and write databases of their own; on one database pass of CI is enough for
# the SQLite ones (the PostgreSQL pass runs the load bench, which needs PostgreSQL).


@pytest.mark.sqlite
def test_the_audit_bench(tmp_path):
    run_bench("bench_audit.py", tmp_path, "--db", "sqlite")
    report = (tmp_path / "audit-sqlite.md").read_text(encoding="utf-8")
    assert "audited/bare median ratio" in report and "verify()" in report


@pytest.mark.sqlite
def test_the_listing_bench(tmp_path):
    run_bench("bench_listing.py", tmp_path, "--db", "sqlite")
    report = (tmp_path / "listing-sqlite.md").read_text(encoding="utf-8")
    assert "case page (rectifying, collective)" in report and "EXPLAIN" in report


@pytest.mark.sqlite
def test_the_scale_bench(tmp_path):
    run_bench("bench_scale.py", tmp_path, "--db", "sqlite")
    report = (tmp_path / "scale-sqlite.md").read_text(encoding="utf-8")
    assert "Dashboard growth" in report and "Unit filter" in report


@pytest.mark.sqlite
def test_the_search_bench(tmp_path):
    run_bench("bench_search.py", tmp_path, "--db", "sqlite")
    report = (tmp_path / "search-sqlite.md").read_text(encoding="utf-8")
    # The index is built with the load: the name the bench picks is found.
    row = next(line for line in report.splitlines() if "a name few people share" in line)
    assert row.split("|")[2].strip() not in ("", "0"), report


@pytest.mark.postgres
def test_the_load_bench(tmp_path):
    run_bench("bench_load.py", tmp_path, "--no-verify")
    report = (tmp_path / "load.md").read_text(encoding="utf-8")
    assert "p95" in report


@pytest.mark.sqlite
def test_the_checkpoints_bench(tmp_path):
    run_bench("bench_checkpoints.py", tmp_path, "--db", "sqlite")
    report = (tmp_path / "checkpoints-sqlite.md").read_text(encoding="utf-8")
    assert "incremental verify of 1,000 new rows" in report and "evidence package" in report


@pytest.mark.sqlite
def test_the_import_bench(tmp_path):
    run_bench("bench_import.py", tmp_path)
    report = (tmp_path / "import.md").read_text(encoding="utf-8")
    assert "preview + import, as the office does it" in report


@pytest.mark.sqlite
def test_the_office_bench(tmp_path):
    run_bench("bench_office.py", tmp_path)
    report = (tmp_path / "office.md").read_text(encoding="utf-8")
    assert "| sign in | 4 |" in report and "- errors: 0;" in report

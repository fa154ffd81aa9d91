"""The site's PostgreSQL connections: no JIT compilation for its short queries."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_on_postgresql_the_site_connects_without_jit():
    env = {**os.environ, "DATABASE_URL": "postgres://lianzheng@127.0.0.1:5432/lianzheng"}
    printed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "shell",
            "-c",
            "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    assert "-c jit=off" in printed.stdout


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_runs_the_sites_queries_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.sqlite
@pytest.mark.django_db
def test_on_sqlite_requests_wait_for_the_writer_instead_of_failing():
    """Issue 18: BEGIN IMMEDIATE (a read-then-write transaction queues at its start, where
    SQLite's busy timeout applies), WAL journal (reads go on beside the writer)."""
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL

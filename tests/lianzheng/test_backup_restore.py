"""The backup and restore commands of README.md, run exactly as written (issue 8, part 4).

Cases in several states, with history, generated documents and evidence, are committed to the
test database; the README's dump block backs it up while this process holds it open, its
restore block restores into a new database and a new media folder and runs the checks it
documents. Django is then pointed at the restored copy: the chain verifies, every row is the
original's, every case is in the listing and opens, every document and evidence file downloads
with its recorded SHA-256, and on PostgreSQL the append-only triggers are back and refuse.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lianzheng.audit import guards
from lianzheng.choices import CaseState, CheckResult, DocumentKind, TalkType
from lianzheng.models import GeneratedDocument, RectificationCheck, TalkCase
from lianzheng.services.documents import document_generate
from lianzheng.services.rectification import rectification_check_record
from lianzheng.services.workflow import case_transition
from lianzheng.views.documents import person_url
from tests.lianzheng.views.test_cases import text, url
from tests.snapshot_helpers import files, rows
from tests.workflow_helpers import advance, new_case

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

pytestmark = pytest.mark.django_db(transaction=True)


def readme_block(name: str) -> str:
    """The shell block README.md marks ``<!-- backup-test: name -->``."""
    found = re.search(
        rf"<!-- backup-test: {re.escape(name)} -->\n```sh\n(.*?)\n```", README.read_text(), re.S
    )
    assert found, f"README.md has no block {name}"
    return found.group(1)


def run_block(name: str, env: dict) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block(name)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "lianzheng_site.settings.dev", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def build_cases(cast, media: Path) -> list[TalkCase]:
    """A case in each of several states, their documents, an integrity file and evidence."""
    office = cast.clerk.user
    cases = [new_case(cast, TalkType.ROUTINE)]
    for state in (CaseState.SUBMITTED, CaseState.NOTIFIED, CaseState.HELD):
        cases.append(advance(cast, new_case(cast), state))
    rectifying = advance(cast, new_case(cast, TalkType.ADMONITION), CaseState.RECTIFYING)
    closed = case_transition(
        case=advance(cast, new_case(cast, TalkType.ROUTINE, [cast.staff2]), CaseState.HELD),
        transition="close",
        user=office,
    )
    withdrawn = case_transition(
        case=new_case(cast, subjects=[cast.staff2]),
        transition="withdraw",
        user=office,
        reason="重复立案。",
    )
    cases += [rectifying, closed, withdrawn]
    for case, kinds in (
        (cases[2], [DocumentKind.NOTICE]),
        (cases[3], [DocumentKind.NOTICE, DocumentKind.RECORD, DocumentKind.RECORD]),
        (rectifying, [DocumentKind.RECTIFICATION_NOTICE]),
    ):
        for kind in kinds:
            person = None if kind == DocumentKind.RECTIFICATION_NOTICE else cast.staff
            # A second version at once would be a double click (REPEAT_WINDOW): made by
            # another officer, it is a version of its own, as the backup must keep.
            maker = (
                office
                if kind != DocumentKind.RECORD or not case.documents.filter(kind=kind).exists()
                else cast.office_head.user
            )
            document_generate(user=maker, kind=kind, case=case, person=person)
    document_generate(user=office, kind=DocumentKind.INTEGRITY_FILE, person=cast.staff)
    rectification_check_record(
        item=rectifying.rectification_items.get(),
        user=office,
        finding="台账已建立。",
        result=CheckResult.IN_PROGRESS,
        checked_on=timezone.localdate(),
        evidence=SimpleUploadedFile("台账照片.pdf", b"%PDF-1.4 evidence " * 100),
    )
    return cases


@contextmanager
def pointed_at(name: str):
    """Django's connection on another database of the same server (or another SQLite file),
    and back to the test database after."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def kept_rows() -> dict:
    # The restore's own checks record a verification, which joins the chain (its history row,
    # the head moved past it: the documented `verify --since-head` checks the kept head is
    # still in it); everything else must be the original's.
    found = rows()
    for table in (
        "lianzheng_chainverification",
        "lianzheng_historicalchainverification",
        "lianzheng_chainhead",
    ):
        found.pop(table)
    return found


def assert_restored_copy_works(client, cast, cases, original_rows, original_files, media):
    assert kept_rows() == original_rows
    assert files(media) == original_files
    call_command("lianzheng_audit", "verify", "--workers", "1")
    client.force_login(cast.clerk.user)
    listing = text(client.get(url("list")))
    for case in cases:
        assert str(case) in listing
        page = client.get(url("inspect", case.pk))
        assert page.status_code == 200 and str(case) in text(page)
    documents = list(GeneratedDocument.objects.all())
    assert len(documents) == 6
    for document in documents:
        if document.case_id:
            address = url("document", document.case_id, document.pk)
        else:
            address = person_url("document", document.person_id, document.pk)
        response = client.get(address)
        assert response.status_code == 200, address
        assert hashlib.sha256(response.content).hexdigest() == document.sha256
        assert response["X-Content-SHA256"] == document.sha256
    check = RectificationCheck.objects.exclude(evidence="").get()
    evidence = client.get(url("evidence", check.item.case_id, check.pk))
    assert hashlib.sha256(evidence.content).hexdigest() == check.evidence_sha256


@pytest.fixture
def built(cast, settings, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    cases = build_cases(cast, media)
    return cases, kept_rows(), files(media), media


@pytest.mark.sqlite
def test_sqlite_backup_and_restore_as_documented(client, cast, built, settings, tmp_path):
    cases, original_rows, original_files, media = built
    live = connection.settings_dict["NAME"]
    backup, restored = tmp_path / "backup", tmp_path / "restored.sqlite3"
    restored_media = tmp_path / "restored-media"
    run_block(
        "sqlite-dump",
        {
            "BACKUP": str(backup),
            "MEDIA_ROOT": str(media),
            "SQLITE_DB": live,
            "DATABASE_URL": f"sqlite:///{live}",
        },
    )
    output = run_block(
        "sqlite-restore",
        {
            "BACKUP": str(backup),
            "MEDIA_ROOT": str(restored_media),
            "SQLITE_DB": str(restored),
            "DATABASE_URL": f"sqlite:///{restored}",
        },
    )
    assert "OK: " in output and "recorded files match" in output
    settings.MEDIA_ROOT = str(restored_media)
    with pointed_at(str(restored)):
        assert_restored_copy_works(
            client, cast, cases, original_rows, original_files, restored_media
        )


def _psql(sql: str) -> None:
    db = connection.settings_dict
    server = ["-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], "-d", "postgres"]
    subprocess.run(["psql", "-q", *server, "-c", sql], check=True, capture_output=True)


@pytest.mark.postgres
def test_postgres_client_tools_can_dump_this_server():
    """pg_dump refuses a server newer than itself; the installed client must be at least the
    server's major version (it may be newer)."""
    out = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True)
    client_major = int(re.search(r"(\d+)\.", out.stdout).group(1))
    assert client_major >= connection.pg_version // 10000


@pytest.mark.postgres
def test_postgres_backup_and_restore_as_documented(client, cast, built, settings, tmp_path):
    cases, original_rows, original_files, media = built
    db = connection.settings_dict
    restore_db = f"{db['NAME']}_restored"
    backup, restored_media = tmp_path / "backup", tmp_path / "restored-media"
    pg = {
        "PGHOST": db["HOST"],
        "PGPORT": str(db["PORT"]),
        "PGUSER": db["USER"],
        "PG_OWNER": db["USER"],
        "BACKUP": str(backup),
    }
    _psql(f'DROP DATABASE IF EXISTS "{restore_db}"')
    try:
        run_block(
            "postgres-dump",
            {
                **pg,
                "PG_DB": db["NAME"],
                "MEDIA_ROOT": str(media),
                "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            },
        )
        output = run_block(
            "postgres-restore",
            {**pg, "RESTORE_DB": restore_db, "MEDIA_ROOT": str(restored_media)},
        )
        assert "OK: " in output and "recorded files match" in output
        settings.MEDIA_ROOT = str(restored_media)
        with pointed_at(restore_db):
            assert_restored_copy_works(
                client, cast, cases, original_rows, original_files, restored_media
            )
            # The append-only triggers came back with their tables, enabled ALWAYS.
            assert all(guards.installed().values())
            history = TalkCase.history.model._meta.db_table
            for sql in (
                f"UPDATE {history} SET history_change_reason = 'rewritten'",
                f"DELETE FROM {history}",
                f"TRUNCATE {history}",
            ):
                with pytest.raises(DatabaseError), transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute(sql)
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)')

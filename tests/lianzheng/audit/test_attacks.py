"""The audit trail tried as an attacker with write access to the database would try it (#16).

Each test does what a forger would do, by raw SQL where the application would never go, and
asserts either that the database refuses it or that plain ``lianzheng_audit verify`` (or
``files``) names what was changed. A forger who may drop the triggers and rewrites every row
after his change, and the head, is beyond what the database alone can show: a head kept
outside (``verify --since-head``) or a signed checkpoint names that.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry

from lianzheng.audit import chain, guards, verification
from lianzheng.choices import CaseState, DocumentKind
from lianzheng.models import (
    ChainHead,
    ChainVerification,
    ConfidentialAccess,
    DocumentSettings,
    Unit,
)
from lianzheng.services.audit import record_verification
from lianzheng.services.documents import document_generate
from tests.lianzheng.audit.test_chain import judged_row, rehash_from, tamper
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def refused(statement: str, params=(), match="append-only"):
    """The database refuses ``statement``; the refusal rolls back to a savepoint."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        sql(statement, params)


def without_guards(tables, work):
    """What a forger with the owner's rights does: triggers dropped, the work, triggers back.
    (PostgreSQL alters no table with foreign-key checks still pending in the transaction.)"""
    if connection.vendor == "postgresql":
        sql("SET CONSTRAINTS ALL IMMEDIATE")
    guards.uninstall(connection, tables)
    try:
        work()
    finally:
        guards.install(connection, tables)


def verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as failed:
        call_command("lianzheng_audit", "verify", stdout=io.StringIO())
    return str(failed.value)


def forged_copy(model, history_id, **changes) -> tuple[list[str], list]:
    """The row's columns and values with ``changes``, and its own hash recomputed to match
    them: what a forger writes back."""
    shape = chain.shape_of(model)
    row = judged_row(model, history_id)
    for column, value in changes.items():
        row[chain.PREFIX + shape.columns.index(column)] = value
    digest = chain.link_hash(row[1], shape.text(row))
    columns = ["chain_seq", "chain_prev", "chain_hash", "history_id", "chain_encoding"]
    columns += list(shape.columns)
    row[2] = digest
    return columns, row


def insert_sql(verb: str, table: str, columns: list[str], suffix: str = "") -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f'{verb} INTO "{table}" ({names}) VALUES ({marks}){suffix}'


# -- SQLite: REPLACE and UPSERT over a history row, a record or the head ------------------------


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("verb", "suffix"),
    [
        ("INSERT OR REPLACE", ""),
        ("REPLACE", ""),
        ("INSERT", ' ON CONFLICT("history_id") DO UPDATE SET "history_change_reason" = "x"'),
    ],
    ids=["insert or replace", "replace", "upsert"],
)
def test_sqlite_refuses_a_history_row_replaced_with_a_recomputed_hash(cast, verb, suffix):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    target = case.history.get(history_transition="submit")
    model = type(target)
    columns, forged = forged_copy(model, target.history_id, history_change_reason="伪造的理由")
    # In place (its own sequence number): refused as a replacement, and as not at the head.
    refused(insert_sql(verb, model._meta.db_table, columns, suffix), forged, "append-only|head")
    assert model.objects.get(pk=target.pk).history_change_reason != "伪造的理由"
    # A fresh sequence number at the head does not help: the id is taken.
    head = ChainHead.current()
    forged[0], forged[1] = head.seq + 1, head.hash
    refused(insert_sql(verb, model._meta.db_table, columns, suffix), forged)
    assert verification.verify().ok


@pytest.mark.sqlite
def test_sqlite_refuses_the_head_replaced(cast):
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    head = ChainHead.current()
    for verb in ("INSERT OR REPLACE", "REPLACE"):
        refused(
            f'{verb} INTO "lianzheng_chainhead" (id, seq, hash) VALUES (1, %s, %s)',
            [head.seq + 5, "f" * 64],
            match="only moves forward",
        )
    refused(
        'INSERT INTO "lianzheng_chainhead" (id, seq, hash) VALUES (1, %s, %s) '
        "ON CONFLICT(id) DO UPDATE SET hash = excluded.hash",
        [head.seq, "f" * 64],
        match="only moves forward",
    )
    assert (ChainHead.current().seq, ChainHead.current().hash) == (head.seq, head.hash)


@pytest.mark.sqlite
def test_sqlite_refuses_a_record_replaced(cast):
    case = new_case(cast)
    view = ConfidentialAccess.objects.create(
        case=case, user_id=cast.clerk.user.pk, user_display="某人", purpose="case page"
    )
    refused(
        'INSERT OR REPLACE INTO "lianzheng_confidentialaccess" '
        "(id, case_id, user_id, user_display, viewed_at, purpose) VALUES (%s, %s, %s, %s, %s, %s)",
        [view.pk, case.pk, 0, "无人", view.viewed_at, ""],
    )
    view.refresh_from_db()
    assert view.user_display == "某人"


@pytest.mark.sqlite
def test_sqlite_a_head_stepped_by_hand_is_named_by_verify(cast):
    """SQLite's head trigger cannot look into the history tables, so it lets the head step one
    row forward with any hash; the head then points past the last row, and verify says so."""
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    sql('UPDATE "lianzheng_chainhead" SET seq = seq + 1, hash = %s', ["e" * 64])
    verify_fails("BROKEN at sequence .*: head .*the recorded head does not match")


def test_with_triggers_dropped_a_replaced_row_is_named(cast):
    """Without the triggers the REPLACE goes through; the row's own hash recomputed, the next
    row no longer points at it. With every later hash and the head recomputed too, only a head
    kept outside names it (and, with #16's checkpoints, the signed tree)."""
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    kept = ChainHead.current()
    target = case.history.get(history_transition="submit")
    model = type(target)
    table = model._meta.db_table
    columns, forged = forged_copy(model, target.history_id, history_change_reason="伪造的理由")
    verb = "INSERT OR REPLACE" if connection.vendor == "sqlite" else "INSERT"

    def replace():
        if connection.vendor != "sqlite":
            sql(f'DELETE FROM "{table}" WHERE history_id = %s', [target.history_id])
        sql(insert_sql(verb, table, columns), forged)

    without_guards(None, replace)
    message = verify_fails(f"BROKEN at sequence {target.chain_seq + 1}:")
    assert "does not point at the previous row's hash" in message
    rehash_from(target.chain_seq + 1)
    assert verification.verify().ok  # the chain alone is consistent again...
    verdict = verification.verify_since_head(kept.seq, kept.hash)
    assert not verdict.ok and verdict.broken.table == "kept head"  # ...a kept head is not


# -- PostgreSQL: the application's role and the head --------------------------------------------


@pytest.fixture
def app_role(db):
    """A role like production's application role, with ``lianzheng_audit grants --apply``
    applied; created inside the test's transaction, so it is gone after it (roles belong to the
    server: the name carries the test database's)."""
    name = f"{connection.settings_dict['NAME']}_app"[-60:].lower()
    sql(f"CREATE ROLE {name} NOLOGIN")
    out = io.StringIO()
    call_command("lianzheng_audit", "grants", "--apply", "--app-role", name, stdout=out)
    assert "OK" in out.getvalue()
    return name


def as_role(role: str, statement: str, params=()):
    with transaction.atomic():
        sql(f"SET LOCAL ROLE {role}")
        sql(statement, params)


def refused_for(role: str, statement: str, params=(), match="permission denied"):
    with pytest.raises(DatabaseError, match=match):
        as_role(role, statement, params)


@pytest.mark.postgres
def test_postgres_the_application_role_cannot_set_the_head(cast, app_role):
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    head = ChainHead.current()
    for statement, params in (
        ("UPDATE lianzheng_chainhead SET hash = %s", ["f" * 64]),
        ("UPDATE lianzheng_chainhead SET seq = seq + 1000000", []),
        ("DELETE FROM lianzheng_chainhead", []),
        ("TRUNCATE lianzheng_chainhead", []),
    ):
        refused_for(app_role, statement, params)
    # The tables' owner, who may, is refused by the head's trigger.
    for statement, params in (
        ("UPDATE lianzheng_chainhead SET hash = %s", ["f" * 64]),
        ("UPDATE lianzheng_chainhead SET seq = seq + 1000000", []),
        ("UPDATE lianzheng_chainhead SET seq = seq + 1, hash = %s", ["f" * 64]),
    ):
        refused(statement, params, match="only moves forward")
    assert (ChainHead.current().seq, ChainHead.current().hash) == (head.seq, head.hash)


@pytest.mark.postgres
def test_postgres_the_application_role_still_appends_and_moves_the_head(profile, app_role):
    unit = Unit.objects.get(code="aba-housing")
    with transaction.atomic():
        sql(f"SET LOCAL ROLE {app_role}")
        unit.name = "阿坝县住房和城乡建设局（应用角色改）"
        unit.save()
    row = unit.history.first()
    head = ChainHead.current()
    assert (head.seq, head.hash) == (row.chain_seq, row.chain_hash)
    assert verification.verify().ok


@pytest.mark.postgres
def test_postgres_a_row_that_does_not_extend_the_head_is_refused(cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    target = case.history.get(history_transition="submit")
    model = type(target)
    head = ChainHead.current()
    columns, forged = forged_copy(model, target.history_id, history_change_reason="插入")
    forged[3] = None  # a new row
    columns, forged = columns[:3] + columns[4:], forged[:3] + forged[4:]
    for seq, prev in ((head.seq + 2, head.hash), (head.seq + 1, "f" * 64), (None, "")):
        forged[0], forged[1] = seq, prev
        refused(insert_sql("INSERT", model._meta.db_table, columns), forged, match="at its head")


@pytest.mark.postgres
def test_postgres_sign_in_and_wagtail_logs_are_append_only_for_the_application(profile, app_role):
    now = timezone.now()
    log = AccessLog.objects.create(username="zhang", attempt_time=now, ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="zhang", attempt_time=now, ip_address="10.0.0.1")
    tables = [m._meta.db_table for m in (AccessLog, AccessFailureLog, ModelLogEntry, PageLogEntry)]
    tables += guards.guarded_tables()
    for table in tables:
        refused_for(app_role, f'DELETE FROM "{table}"')
        refused_for(app_role, f'TRUNCATE "{table}"')
    refused_for(app_role, 'UPDATE "axes_accesslog" SET username = %s', ["other"])
    as_role(app_role, 'UPDATE "axes_accesslog" SET logout_time = %s', [now])  # axes' sign-out
    as_role(app_role, 'SELECT 1 FROM "lianzheng_chainhead" FOR UPDATE')  # link()'s lock
    assert AccessLog.objects.filter(pk=log.pk, logout_time=now).exists()


# -- both databases: records beside the chain ---------------------------------------------------


def test_a_deleted_confidential_access_row_is_named_by_verify(cast):
    case = new_case(cast)
    view = ConfidentialAccess.objects.create(
        case=case, user_id=cast.clerk.user.pk, user_display="纪检监察员", purpose="case page"
    )
    kept = view.history.get()
    assert kept.chain_encoding == chain.ENCODING and verification.verify().ok
    refused('DELETE FROM "lianzheng_confidentialaccess" WHERE id = %s', [view.pk])
    without_guards(
        ["lianzheng_confidentialaccess"],
        lambda: sql('DELETE FROM "lianzheng_confidentialaccess" WHERE id = %s', [view.pk]),
    )
    message = verify_fails(
        f"BROKEN at sequence {kept.chain_seq}: lianzheng.confidentialaccess id={view.pk} "
        f"history_id={kept.history_id}: was deleted"
    )
    assert "its history row remains" in message
    # Its history row deleted too: the chain has a gap there.
    without_guards(
        [kept._meta.db_table],
        lambda: sql(
            f'DELETE FROM "{kept._meta.db_table}" WHERE history_id = %s', [kept.history_id]
        ),
    )
    verdict = verification.verify()
    assert verdict.broken.seq in (kept.chain_seq, ChainHead.current().seq)


def test_an_altered_verification_record_is_named_by_verify(profile):
    record = record_verification(verification.verify(), user=None)
    assert record.history.get().chain_seq == ChainHead.current().seq
    without_guards(
        ["lianzheng_chainverification"],
        lambda: sql('UPDATE "lianzheng_chainverification" SET ok = %s', [False]),
    )
    verify_fails(f"lianzheng.chainverification id={record.pk} .*differs from its history row in ok")
    assert ChainVerification.objects.filter(ok=False, pk__gt=record.pk).exists()


@pytest.fixture
def notified_with_notice(cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    document_settings = DocumentSettings.load()
    document_settings.contact_phone = "0837-2822123"
    document_settings.save()
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    return document_generate(
        user=cast.clerk.user, kind=DocumentKind.NOTICE, case=case, person=cast.staff
    )


def test_a_forged_document_row_and_file_are_named_by_files_and_verify(notified_with_notice):
    document = notified_with_notice
    out = io.StringIO()
    call_command("lianzheng_audit", "files", stdout=out)
    assert "OK: 1 recorded files" in out.getvalue()
    forged = b"%PDF-1.4 forged notice"
    digest = hashlib.sha256(forged).hexdigest()
    with default_storage.open(document.file.name, "wb") as handle:
        handle.write(forged)
    without_guards(
        ["lianzheng_generateddocument"],
        lambda: sql(
            'UPDATE "lianzheng_generateddocument" SET sha256 = %s, size = %s WHERE id = %s',
            [digest, len(forged), document.pk],
        ),
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="not as their history"):
        call_command("lianzheng_audit", "files", stdout=io.StringIO(), stderr=err)
    report = err.getvalue()
    assert f"lianzheng.generateddocument id={document.pk}" in report
    assert "differs from its history row in sha256, size" in report
    assert f"ALTERED: document {document.pk}" in report
    kept = document.history.get()
    verify_fails(f"BROKEN at sequence {kept.chain_seq}: lianzheng.generateddocument")


def test_a_swapped_history_id_is_named_by_verify(cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    first, second = case.history.order_by("chain_seq")[:2]
    model, table = type(first), first._meta.db_table

    def swap():
        spare = model.objects.order_by("-history_id").first().history_id + 1000
        for old, new in (
            (first.history_id, spare),
            (second.history_id, first.history_id),
            (spare, second.history_id),
        ):
            sql(f'UPDATE "{table}" SET history_id = %s WHERE history_id = %s', [new, old])

    without_guards([table], swap)
    verdict = verification.verify()
    assert (verdict.broken.seq, verdict.broken.history_id) == (first.chain_seq, second.history_id)
    assert "altered" in verdict.broken.reason
    verify_fails(f"BROKEN at sequence {first.chain_seq}: lianzheng.historicaltalkcase")


def test_null_and_empty_text_are_told_apart(cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    target = case.history.get(history_transition="submit")
    value = target.history_change_reason
    tamper(type(target), target.history_id, history_change_reason=None if value == "" else "")
    verify_fails(f"BROKEN at sequence {target.chain_seq}:")


def test_a_version_1_row_keeps_verifying_and_cannot_be_downgraded(cast):
    """Rows hashed before version 2 (``chain_encoding`` NULL) verify by version 1; a version 2
    row whose recorded version is set back breaks its hash."""
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    head = ChainHead.current()
    last = next(m for m in chain.chained_models() if m.objects.filter(chain_seq=head.seq).exists())
    row = last.objects.get(chain_seq=head.seq)
    tamper(last, row.history_id, chain_encoding=None)
    broken = verification.verify().broken
    assert (broken.seq, broken.history_id) == (head.seq, row.history_id)
    assert "altered" in broken.reason
    shape = chain.shape_of(last)
    values = judged_row(last, row.history_id)
    v1 = chain.link_hash(row.chain_prev, shape.canonical(values[chain.PREFIX :]))
    tamper(last, row.history_id, chain_hash=v1)
    guards.uninstall_head_guard(connection)
    try:
        ChainHead.objects.filter(pk=1).update(hash=v1)
    finally:
        guards.install_head_guard(connection)
    verdict = verification.verify()
    assert verdict.ok and verdict.by_reference == 0  # the fast encoder reads version 1 too
    assert verification.verify_reference().ok


def test_an_untouched_trail_with_every_kind_of_record_verifies(notified_with_notice, cast):
    ConfidentialAccess.objects.create(
        case=notified_with_notice.case, user_id=1, user_display="甲", purpose="case page"
    )
    record_verification(verification.verify(), user=None)
    out = io.StringIO()
    call_command("lianzheng_audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK:")
    assert all(guards.installed().values())
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainHead.objects.create(pk=2)

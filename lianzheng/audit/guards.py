"""Append-only at the database: triggers that refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) on every history table and audit log, whoever asks; and on the chain's head, which
must be updated as rows are linked, a trigger that lets it only move forward. A head moved back
(a hand edit, a stray script) would hand out sequence numbers already used in other history
tables, whose unique constraints are per table: the chain would fork without an error.

On PostgreSQL the triggers are ours and set ENABLE ALWAYS, so neither a session's
``session_replication_role = replica`` nor a library switch turns them off; only the table's
owner can drop them, which is why production runs the application under a role that may only
SELECT and INSERT there (see ``production_grants_sql``).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection as default_connection

FUNCTION = "lianzheng_history_append_only"
MESSAGE = "lianzheng: history is append-only"
# Logs that are append-only besides the history tables.
LOG_MODELS = (
    "lianzheng.ConfidentialAccess",
    "lianzheng.ChainVerification",
    "lianzheng.GeneratedDocument",  # a generated document is a record, never rewritten
    "lianzheng.Reminder",  # who was reminded of what: evidence, never rewritten
)


def guarded_tables() -> list[str]:
    from lianzheng.audit.chain import chained_models

    tables = [m._meta.db_table for m in chained_models()]
    tables += [apps.get_model(label)._meta.db_table for label in LOG_MODELS]
    # simple-history's own tables for many-to-many history rows are history too.
    tables += sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label == "lianzheng"
        and m._meta.db_table.startswith("lianzheng_historical")
        and m._meta.db_table not in tables
    )
    return tables


def _sqlite_statements(table: str) -> list[str]:
    return [
        f'CREATE TRIGGER IF NOT EXISTS "lz_no_update_{table}" BEFORE UPDATE ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f'CREATE TRIGGER IF NOT EXISTS "lz_no_delete_{table}" BEFORE DELETE ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ]


def _postgres_function() -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END $$"
    )


def _postgres_statements(table: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS lz_append_only ON "{table}"',
        f'DROP TRIGGER IF EXISTS lz_no_truncate ON "{table}"',
        f'CREATE TRIGGER lz_append_only BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
        f'CREATE TRIGGER lz_no_truncate BEFORE TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
        f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER lz_append_only',
        f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER lz_no_truncate',
    ]


HEAD_TABLE = "lianzheng_chainhead"
HEAD_FUNCTION = "lianzheng_chain_head_forward"
HEAD_MESSAGE = "lianzheng: the chain head only moves forward"
HEAD_TRIGGERS = ("lz_head_forward", "lz_head_kept")


def _head_sqlite_statements() -> list[str]:
    return [
        f'CREATE TRIGGER IF NOT EXISTS "lz_head_forward" BEFORE UPDATE ON "{HEAD_TABLE}" '
        f"WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); "
        "END",
        f'CREATE TRIGGER IF NOT EXISTS "lz_head_kept" BEFORE DELETE ON "{HEAD_TABLE}" '
        f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
    ]


def _head_postgres_statements() -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {HEAD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP = 'UPDATE' AND NEW.seq >= OLD.seq AND NEW.id = OLD.id THEN RETURN NEW; "
        f"END IF; RAISE EXCEPTION '{HEAD_MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END $$",
        f'DROP TRIGGER IF EXISTS lz_head_forward ON "{HEAD_TABLE}"',
        f'DROP TRIGGER IF EXISTS lz_head_kept ON "{HEAD_TABLE}"',
        f'CREATE TRIGGER lz_head_forward BEFORE UPDATE OR DELETE ON "{HEAD_TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION {HEAD_FUNCTION}()",
        f'CREATE TRIGGER lz_head_kept BEFORE TRUNCATE ON "{HEAD_TABLE}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {HEAD_FUNCTION}()",
        f'ALTER TABLE "{HEAD_TABLE}" ENABLE ALWAYS TRIGGER lz_head_forward',
        f'ALTER TABLE "{HEAD_TABLE}" ENABLE ALWAYS TRIGGER lz_head_kept',
    ]


def install_head_guard(connection=None) -> None:
    """The head may move forward only (idempotent; skipped until the head's table exists)."""
    connection = connection or default_connection
    if HEAD_TABLE not in connection.introspection.table_names():
        return
    statements = (
        _head_postgres_statements()
        if connection.vendor == "postgresql"
        else _head_sqlite_statements()
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall_head_guard(connection=None) -> None:
    connection = connection or default_connection
    if HEAD_TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for name in HEAD_TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS {name} ON "{HEAD_TABLE}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def install(connection=None, tables: list[str] | None = None) -> None:
    """Install (idempotently) on the guarded tables that exist, and, when no tables are named,
    the head's guard too. A migration that creates a guarded table runs this again; tables of
    later migrations are skipped until then, so the earlier migrations still run on a fresh
    database."""
    connection = connection or default_connection
    if tables is None:
        install_head_guard(connection)
    tables = guarded_tables() if tables is None else tables
    existing = set(connection.introspection.table_names())
    tables = [table for table in tables if table in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_postgres_function())
            for table in tables:
                for sql in _postgres_statements(table):
                    cursor.execute(sql)
        elif connection.vendor == "sqlite":
            for table in tables:
                for sql in _sqlite_statements(table):
                    cursor.execute(sql)
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(f"no append-only triggers for {connection.vendor}")


def uninstall(connection=None, tables: list[str] | None = None) -> None:
    """Drop the triggers (all of them, the head's included, when no tables are named): for
    migrations' reverse, and for tests that flush the database or tamper with history on
    purpose. Production never calls this."""
    connection = connection or default_connection
    if tables is None:
        uninstall_head_guard(connection)
    tables = guarded_tables() if tables is None else tables
    existing = set(connection.introspection.table_names())
    tables = [table for table in tables if table in existing]
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS lz_append_only ON "{table}"')
                cursor.execute(f'DROP TRIGGER IF EXISTS lz_no_truncate ON "{table}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "lz_no_update_{table}"')
                cursor.execute(f'DROP TRIGGER IF EXISTS "lz_no_delete_{table}"')


def installed(connection=None) -> dict[str, bool]:
    """For each guarded table, whether its triggers are in place (and always enabled)."""
    connection = connection or default_connection
    result = {}
    with connection.cursor() as cursor:
        for table in guarded_tables():
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE c.relname = %s AND t.tgname IN ('lz_append_only', 'lz_no_truncate') "
                    "AND t.tgenabled = 'A'",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                    "AND name IN (%s, %s)",
                    [table, f"lz_no_update_{table}", f"lz_no_delete_{table}"],
                )
            result[table] = cursor.fetchone()[0] == 2
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = %s AND t.tgname = ANY(%s) AND t.tgenabled = 'A'",
                [HEAD_TABLE, list(HEAD_TRIGGERS)],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND name IN (%s, %s)",
                [HEAD_TABLE, *HEAD_TRIGGERS],
            )
        result[HEAD_TABLE] = cursor.fetchone()[0] == len(HEAD_TRIGGERS)
    return result


def production_grants_sql(app_role: str = "lianzheng_app", owner_role: str = "lianzheng_owner"):
    """The recommended PostgreSQL set-up: migrations run as the owner; the application's role
    may only read and append to history, so it cannot drop the triggers or rewrite a row."""
    tables = guarded_tables()
    lines = [
        "-- Run as a superuser once; then run migrations as the owner role and the site as",
        f"-- {app_role}. Re-run after migrations that add history tables.",
        f"CREATE ROLE {owner_role} LOGIN;",
        f"CREATE ROLE {app_role} LOGIN;",
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO "
        f"{app_role}', current_database()); END $$;",
        f"-- The tables belong to {owner_role} (it runs the migrations): only it could drop the",
        "-- triggers, and the application never connects as it.",
        f"GRANT USAGE ON SCHEMA public TO {app_role};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role};",
    ]
    for table in tables:
        lines.append(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {app_role};')
    lines.append("-- The chain head is updated as rows are linked, never removed.")
    lines.append(f'REVOKE DELETE, TRUNCATE ON "{HEAD_TABLE}" FROM {app_role};')
    return "\n".join(lines) + "\n"

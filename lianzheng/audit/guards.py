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

from lianzheng.audit.chain import chained_models
from lianzheng.audit.triggers import (
    FUNCTION,
    HEAD_TABLE,
    HEAD_TRIGGERS,
    MESSAGE,
    append_only_v1,
    head_forward_v1,
    remove_append_only_v1,
    remove_head_forward_v1,
)

__all__ = ["FUNCTION", "HEAD_TABLE", "MESSAGE", "guarded_tables", "install", "uninstall"]

# Logs that are append-only besides the history tables.
LOG_MODELS = (
    "lianzheng.ConfidentialAccess",
    "lianzheng.ChainVerification",
    "lianzheng.GeneratedDocument",  # a generated document is a record, never rewritten
    "lianzheng.Reminder",  # who was reminded of what: evidence, never rewritten
    "lianzheng.ApiCall",  # who read what through the case API
)


def guarded_tables() -> list[str]:
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


def install_head_guard(connection=None) -> None:
    """The head may move forward only (idempotent; skipped until the head's table exists)."""
    head_forward_v1(connection or default_connection)


def uninstall_head_guard(connection=None) -> None:
    remove_head_forward_v1(connection or default_connection)


def install(connection=None, tables: list[str] | None = None) -> None:
    """Install (idempotently) the newest guards on the guarded tables that exist and, when no
    tables are named, the head's guard too: what tests re-install after tampering on purpose,
    and what ``installed`` checks. Migrations call the versioned functions of
    ``lianzheng.audit.triggers`` themselves."""
    connection = connection or default_connection
    if tables is None:
        install_head_guard(connection)
    append_only_v1(connection, guarded_tables() if tables is None else tables)


def uninstall(connection=None, tables: list[str] | None = None) -> None:
    """Drop the triggers (all of them, the head's included, when no tables are named): for
    tests that flush the database or tamper with history on purpose. Production never calls
    this."""
    connection = connection or default_connection
    if tables is None:
        uninstall_head_guard(connection)
    remove_append_only_v1(connection, guarded_tables() if tables is None else tables)


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

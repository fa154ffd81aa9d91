"""Append-only at the database: triggers that refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) on every history table and audit log, whoever asks, and on SQLite an INSERT that
would replace a row (``INSERT OR REPLACE`` deletes without firing DELETE triggers); and on the
chain's head, triggers that move it as history rows are appended and refuse any other change
(``lianzheng.audit.triggers.head_follows_v1``). A head moved back (a hand edit, a stray script)
would hand out sequence numbers already used in other history tables, whose unique constraints
are per table: the chain would fork without an error; a head set forward by hand would let a
forger who rewrote rows make it agree with them.

On PostgreSQL the triggers are ours and set ENABLE ALWAYS, so neither a session's
``session_replication_role = replica`` nor a library switch turns them off; only the table's
owner can drop them, which is why production runs the application under a role that may only
SELECT and INSERT there (see ``production_grants_sql``).
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import connection as default_connection
from django.db import transaction

from lianzheng.audit.chain import chained_models
from lianzheng.audit.triggers import (
    FUNCTION,
    HEAD_TABLE,
    HEAD_TRIGGERS_V2,
    MESSAGE,
    append_only_v1,
    head_follows_v1,
    no_replace_v1,
    remove_append_only_v1,
    remove_head_follows_v1,
    remove_head_forward_v1,
    remove_no_replace_v1,
)

__all__ = ["FUNCTION", "HEAD_TABLE", "MESSAGE", "guarded_tables", "install", "uninstall"]

# Logs that are append-only besides the history tables.
LOG_MODELS = (
    "lianzheng.ConfidentialAccess",
    "lianzheng.ChainVerification",
    "lianzheng.GeneratedDocument",  # a generated document is a record, never rewritten
    "lianzheng.Reminder",  # who was reminded of what: evidence, never rewritten
    # Signed checkpoints: emptying the table would leave `verify` nothing to hold the chain to.
    "lianzheng.Checkpoint",
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


def chained_tables() -> list[str]:
    return [m._meta.db_table for m in chained_models()]


def install_head_guard(connection=None) -> None:
    """The head moves only as rows are appended (idempotent; skipped until the head's table
    exists)."""
    head_follows_v1(connection or default_connection, chained_tables())


def uninstall_head_guard(connection=None) -> None:
    """Drop the head's own triggers; the chained tables keep theirs (a row must still extend
    the head, and moves it)."""
    connection = connection or default_connection
    remove_head_follows_v1(connection, [])
    remove_head_forward_v1(connection)


def install(connection=None, tables: list[str] | None = None) -> None:
    """Install (idempotently) the newest guards on the guarded tables that exist and, when no
    tables are named, the head's guard too: what tests re-install after tampering on purpose,
    and what ``installed`` checks. Migrations call the versioned functions of
    ``lianzheng.audit.triggers`` themselves."""
    connection = connection or default_connection
    everything = tables is None
    tables = guarded_tables() if everything else tables
    append_only_v1(connection, tables)
    no_replace_v1(connection, tables)
    chained = set(chained_tables())
    head_follows_v1(connection, [t for t in tables if t in chained], head=everything)


def uninstall(connection=None, tables: list[str] | None = None) -> None:
    """Drop the triggers (all of them, the head's included, when no tables are named): for
    tests that flush the database or tamper with history on purpose. Production never calls
    this."""
    connection = connection or default_connection
    everything = tables is None
    tables = guarded_tables() if tables is None else tables
    chained = set(chained_tables())
    remove_head_follows_v1(connection, [t for t in tables if t in chained], head=everything)
    if everything:
        remove_head_forward_v1(connection)
    remove_no_replace_v1(connection, tables)
    remove_append_only_v1(connection, tables)


def installed(connection=None) -> dict[str, bool]:
    """For each guarded table, whether its triggers are in place (and always enabled), and
    the same for the head's."""
    connection = connection or default_connection
    chained = set(chained_tables())
    result = {}
    with connection.cursor() as cursor:
        for table in guarded_tables():
            if connection.vendor == "postgresql":
                names = ["lz_append_only", "lz_no_truncate"]
                names += ["lz_chain_append"] if table in chained else []
            else:
                names = [f"lz_no_{verb}_{table}" for verb in ("update", "delete", "replace")]
                if table in chained:
                    names += [f"lz_chain_append_{table}", f"lz_chain_moves_head_{table}"]
            result[table] = _count_triggers(connection, cursor, table, names) == len(names)
        names = list(HEAD_TRIGGERS_V2[connection.vendor])
        result[HEAD_TABLE] = _count_triggers(connection, cursor, HEAD_TABLE, names) == len(names)
    return result


def _count_triggers(connection, cursor, table: str, names: list[str]) -> int:
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = %s AND t.tgname = ANY(%s) AND t.tgenabled = 'A'",
            [table, names],
        )
    else:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            f"AND name IN ({', '.join(['%s'] * len(names))})",
            [table, *names],
        )
    return cursor.fetchone()[0]


# Other apps' logs that README promises are kept: append-only for the application's role, with
# the columns the app still writes after the insert. django-axes records the sign-out time in
# the sign-in's row; it would also delete a user's oldest failures past
# AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT, which the settings set beyond reach. Wagtail never
# changes a log entry (a deletion is logged as a new entry).
FOREIGN_LOGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("axes.AccessLog", ("logout_time",)),
    ("axes.AccessFailureLog", ()),
    ("wagtailcore.ModelLogEntry", ()),
    ("wagtailcore.PageLogEntry", ()),
)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class GrantsRefused(Exception):
    """``lianzheng_audit grants`` cannot be applied as asked (not PostgreSQL, a role name that
    is not plain, a role that does not exist); the message says which, and nothing was
    granted or revoked."""


def _role(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise GrantsRefused(f"not a plain role name: {name!r} (lower case letters, digits, _)")
    return name


def grant_statements(app_role: str = "lianzheng_app") -> list[str]:
    """The GRANT and REVOKE statements that leave the application's role able to read and
    append, and nothing more, on every append-only table; on the chain head it may only lock
    the row (``SELECT … FOR UPDATE`` needs an UPDATE privilege, here on the key column alone,
    which the head's trigger refuses to change): the head is moved by the append trigger's
    SECURITY DEFINER function (lianzheng.audit.triggers.head_follows_v1)."""
    role = _role(app_role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for table in guarded_tables():
        statements.append(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {role}')
    for label, columns in FOREIGN_LOGS:
        try:
            table = apps.get_model(label)._meta.db_table
        except LookupError:
            continue
        statements.append(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {role}')
        if columns:
            listed = ", ".join(f'"{c}"' for c in columns)
            statements.append(f'GRANT UPDATE ({listed}) ON "{table}" TO {role}')
    statements += [
        f'REVOKE UPDATE, DELETE, TRUNCATE ON "{HEAD_TABLE}" FROM {role}',
        f'GRANT UPDATE ("id") ON "{HEAD_TABLE}" TO {role}',
    ]
    return statements


def production_grants_sql(app_role: str = "lianzheng_app", owner_role: str = "lianzheng_owner"):
    """The recommended PostgreSQL set-up: migrations run as the owner; the application's role
    may only read and append to history and the logs, so it cannot drop the triggers, rewrite
    or delete a row, or set the chain's head."""
    app, owner = _role(app_role), _role(owner_role)
    lines = [
        "-- Run as a superuser once; then run migrations as the owner role and the site as",
        f"-- {app}. Re-run the GRANT/REVOKE part after migrations that add tables",
        f"-- (manage.py lianzheng_audit grants --apply --app-role {app}, as the owner).",
        f"CREATE ROLE {owner} LOGIN;",
        f"CREATE ROLE {app} LOGIN;",
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO "
        f"{app}', current_database()); END $$;",
        f"-- The tables belong to {owner} (it runs the migrations): only it could drop the",
        "-- triggers, and the application never connects as it.",
    ]
    lines += [f"{statement};" for statement in grant_statements(app)]
    return "\n".join(lines) + "\n"


def apply_grants(app_role: str, connection=None) -> list[str]:
    """Run ``grant_statements`` in one transaction, as the connected role (the tables' owner
    or a superuser); returns what ran. PostgreSQL only: SQLite has no roles."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        raise GrantsRefused("grants apply to PostgreSQL only: SQLite has no roles")
    statements = grant_statements(app_role)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            raise GrantsRefused(
                f"no role {app_role!r}: create it first (the CREATE ROLE lines of "
                "'lianzheng_audit grants')"
            )
        for statement in statements:
            cursor.execute(statement)
    return statements

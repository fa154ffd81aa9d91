"""The SQL of the append-only guards, by version: what migrations install.

A migration calls the version of its day with the tables it names, so that installing the
guards on a fresh database years later does what it did then. These functions never change:
a stronger guard is a new version (``append_only_v2``) installed by a new migration, and
``lianzheng.audit.guards`` (what the running site checks and re-installs) uses the newest.
"""

from __future__ import annotations

FUNCTION = "lianzheng_history_append_only"
MESSAGE = "lianzheng: history is append-only"
HEAD_TABLE = "lianzheng_chainhead"
HEAD_FUNCTION = "lianzheng_chain_head_forward"
HEAD_MESSAGE = "lianzheng: the chain head only moves forward"
HEAD_TRIGGERS = ("lz_head_forward", "lz_head_kept")


def _existing(connection, tables) -> list[str]:
    present = set(connection.introspection.table_names())
    return [table for table in tables if table in present]


def append_only_v1(connection, tables) -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL, enabled ALWAYS) on ``tables``."""
    tables = _existing(connection, tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END $$"
            )
            for table in tables:
                for sql in (
                    f'DROP TRIGGER IF EXISTS lz_append_only ON "{table}"',
                    f'DROP TRIGGER IF EXISTS lz_no_truncate ON "{table}"',
                    f'CREATE TRIGGER lz_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                    f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
                    f'CREATE TRIGGER lz_no_truncate BEFORE TRUNCATE ON "{table}" '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
                    f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER lz_append_only',
                    f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER lz_no_truncate',
                ):
                    cursor.execute(sql)
        elif connection.vendor == "sqlite":
            for table in tables:
                for verb in ("update", "delete"):
                    cursor.execute(
                        f'CREATE TRIGGER IF NOT EXISTS "lz_no_{verb}_{table}" BEFORE '
                        f"{verb.upper()} ON \"{table}\" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                    )
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(f"no append-only triggers for {connection.vendor}")


def remove_append_only_v1(connection, tables) -> None:
    tables = _existing(connection, tables)
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS lz_append_only ON "{table}"')
                cursor.execute(f'DROP TRIGGER IF EXISTS lz_no_truncate ON "{table}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "lz_no_update_{table}"')
                cursor.execute(f'DROP TRIGGER IF EXISTS "lz_no_delete_{table}"')


def head_forward_v1(connection) -> None:
    """The chain head may only move forward and is never removed."""
    if not _existing(connection, [HEAD_TABLE]):
        return
    if connection.vendor == "postgresql":
        statements = [
            f"CREATE OR REPLACE FUNCTION {HEAD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN IF TG_OP = 'UPDATE' AND NEW.seq >= OLD.seq AND NEW.id = OLD.id THEN "
            f"RETURN NEW; END IF; RAISE EXCEPTION '{HEAD_MESSAGE} (% on %)', TG_OP, "
            "TG_TABLE_NAME; END $$",
            f'DROP TRIGGER IF EXISTS lz_head_forward ON "{HEAD_TABLE}"',
            f'DROP TRIGGER IF EXISTS lz_head_kept ON "{HEAD_TABLE}"',
            f'CREATE TRIGGER lz_head_forward BEFORE UPDATE OR DELETE ON "{HEAD_TABLE}" '
            f"FOR EACH ROW EXECUTE FUNCTION {HEAD_FUNCTION}()",
            f'CREATE TRIGGER lz_head_kept BEFORE TRUNCATE ON "{HEAD_TABLE}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {HEAD_FUNCTION}()",
            f'ALTER TABLE "{HEAD_TABLE}" ENABLE ALWAYS TRIGGER lz_head_forward',
            f'ALTER TABLE "{HEAD_TABLE}" ENABLE ALWAYS TRIGGER lz_head_kept',
        ]
    else:
        statements = [
            f'CREATE TRIGGER IF NOT EXISTS "lz_head_forward" BEFORE UPDATE ON "{HEAD_TABLE}" '
            "WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id BEGIN "
            f"SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
            f'CREATE TRIGGER IF NOT EXISTS "lz_head_kept" BEFORE DELETE ON "{HEAD_TABLE}" '
            f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
        ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove_head_forward_v1(connection) -> None:
    if not _existing(connection, [HEAD_TABLE]):
        return
    with connection.cursor() as cursor:
        for name in HEAD_TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS {name} ON "{HEAD_TABLE}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')

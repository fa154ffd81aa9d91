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


# -- version 2 (migration 0015): no insert over an existing row, and a head that follows the rows

REPLACE_MESSAGE = "lianzheng: history is append-only (an insert may not replace a row)"
APPEND_FUNCTION = "lianzheng_chain_append"
APPEND_MESSAGE = "lianzheng: a history row joins the chain at its head"
HEAD_FUNCTION_V2 = "lianzheng_chain_head_moves"
HEAD_MESSAGE_V2 = "lianzheng: the chain head only moves forward, one appended row at a time"
HEAD_TRIGGERS_V2 = {
    "postgresql": ("lz_head_moves", "lz_head_kept"),
    "sqlite": ("lz_head_moves", "lz_head_kept", "lz_head_once"),
}
GENESIS_HASH = "0" * 64


def _sqlite_unique_keys(cursor, table: str) -> list[tuple[list[str], str | None]]:
    """Each key an INSERT OR REPLACE could replace a row by: the primary key and every unique
    index, with a partial index's WHERE clause."""
    cursor.execute(f'PRAGMA table_info("{table}")')
    info = cursor.fetchall()
    keys = [([row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]], None)]
    cursor.execute(f'PRAGMA index_list("{table}")')
    for _seq, name, unique, _origin, partial in cursor.fetchall():
        if not unique:
            continue
        cursor.execute(f'PRAGMA index_info("{name}")')
        columns = [row[2] for row in cursor.fetchall()]
        where = None
        if partial:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name]
            )
            sql = cursor.fetchone()[0]
            where = sql[sql.upper().rindex(" WHERE ") + len(" WHERE ") :]
        if columns and None not in columns:
            keys.append((columns, where))
    return [(cols, where) for cols, where in keys if cols]


def no_replace_v1(connection, tables) -> None:
    """SQLite: refuse an INSERT that would replace a row (``INSERT OR REPLACE``, ``REPLACE``, or
    an UPSERT's insert), which deletes the old row without firing DELETE triggers unless the
    writer's own connection enabled recursive triggers. A BEFORE INSERT trigger refuses the
    insert when a row with the same primary key or unique key (and, for a partial unique index,
    when the new row falls under it) already exists. PostgreSQL has no REPLACE, and its
    ``ON CONFLICT DO UPDATE`` fires the UPDATE triggers that refuse it already."""
    if connection.vendor != "sqlite":
        return
    tables = _existing(connection, tables)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'PRAGMA table_info("{table}")')
            all_columns = [row[1] for row in cursor.fetchall()]
            tests = []
            for columns, where in _sqlite_unique_keys(cursor, table):
                match = " AND ".join(f'"{c}" = NEW."{c}"' for c in columns)
                if where is None:
                    tests.append(f'EXISTS (SELECT 1 FROM "{table}" WHERE {match})')
                else:
                    new_row = ", ".join(f'NEW."{c}" AS "{c}"' for c in all_columns)
                    tests.append(
                        f'(EXISTS (SELECT 1 FROM "{table}" WHERE {match} AND ({where})) '
                        f"AND EXISTS (SELECT 1 FROM (SELECT {new_row}) WHERE ({where})))"
                    )
            cursor.execute(f'DROP TRIGGER IF EXISTS "lz_no_replace_{table}"')
            cursor.execute(
                f'CREATE TRIGGER "lz_no_replace_{table}" BEFORE INSERT ON "{table}" '
                f"WHEN {' OR '.join(tests)} BEGIN SELECT RAISE(ABORT, '{REPLACE_MESSAGE}'); END"
            )


def remove_no_replace_v1(connection, tables) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in _existing(connection, tables):
            cursor.execute(f'DROP TRIGGER IF EXISTS "lz_no_replace_{table}"')


def head_follows_v1(connection, chained_tables, *, head: bool = True) -> None:
    """The head moves only as history rows are appended, and each appended row must extend it.

    Every chained table gets a BEFORE INSERT trigger: the new row's sequence number must be the
    head's plus one and its back-pointer the head's hash, and the head then becomes the new
    row's (sequence, hash). The application no longer writes the head; it reads it under a
    lock, links its rows, and the database moves the head as they are inserted.

    PostgreSQL: the trigger's function is SECURITY DEFINER, owned by the role that runs the
    migrations (the tables' owner), so ``lianzheng_audit grants`` can take UPDATE on the head
    away from the application's role altogether; and the head's own trigger refuses every
    UPDATE not made from inside that function (``pg_trigger_depth()`` is 1 for a statement of
    the session's own), and every INSERT but the first, empty head. So even the owner cannot set
    the head by hand while the triggers stand. A trigger that computes the head, rather than a
    function the application calls to move it, was chosen because it cannot be forgotten or
    called out of turn: whoever appends a row moves the head, and nobody else can.

    SQLite: an AFTER INSERT trigger on each chained table moves the head. The head's trigger
    cannot look into the history tables (a trigger naming a table makes SQLite refuse to
    rebuild that table, which Django does to alter a column), so it lets an UPDATE only step
    the head one row forward; a step made by hand leaves the head pointing past the last row,
    and every later row must extend that false head, which ``verify`` reports. ``head=False``
    installs the tables' triggers only."""
    chained_tables = _existing(connection, chained_tables)
    if not _existing(connection, [HEAD_TABLE]):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0].replace('"', '""')
            head_table = f'"{schema}"."{HEAD_TABLE}"'
            statements = [
                f"CREATE OR REPLACE FUNCTION {APPEND_FUNCTION}() RETURNS trigger "
                "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ "
                f"BEGIN UPDATE {head_table} SET seq = NEW.chain_seq, hash = NEW.chain_hash "
                "WHERE id = 1 AND seq = NEW.chain_seq - 1 AND hash = NEW.chain_prev; "
                f"IF NOT FOUND THEN RAISE EXCEPTION '{APPEND_MESSAGE} (sequence % on %)', "
                "NEW.chain_seq, TG_TABLE_NAME; END IF; RETURN NEW; END $$",
            ]
            if head:
                statements += [
                    f"CREATE OR REPLACE FUNCTION {HEAD_FUNCTION_V2}() RETURNS trigger "
                    "LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$ BEGIN "
                    f"IF TG_OP = 'INSERT' AND NEW.id = 1 AND NEW.seq = 0 "
                    f"AND NEW.hash = '{GENESIS_HASH}' THEN RETURN NEW; END IF; "
                    "IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND NEW.id = OLD.id "
                    "AND NEW.seq = OLD.seq + 1 THEN RETURN NEW; END IF; "
                    f"RAISE EXCEPTION '{HEAD_MESSAGE_V2} (% on %)', TG_OP, TG_TABLE_NAME; "
                    "END $$",
                    f'DROP TRIGGER IF EXISTS lz_head_forward ON "{HEAD_TABLE}"',
                    f'DROP TRIGGER IF EXISTS lz_head_moves ON "{HEAD_TABLE}"',
                    f'DROP TRIGGER IF EXISTS lz_head_kept ON "{HEAD_TABLE}"',
                    f"CREATE TRIGGER lz_head_moves BEFORE INSERT OR UPDATE OR DELETE ON "
                    f'"{HEAD_TABLE}" FOR EACH ROW EXECUTE FUNCTION {HEAD_FUNCTION_V2}()',
                    f'CREATE TRIGGER lz_head_kept BEFORE TRUNCATE ON "{HEAD_TABLE}" '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {HEAD_FUNCTION_V2}()",
                    f'ALTER TABLE "{HEAD_TABLE}" ENABLE ALWAYS TRIGGER lz_head_moves',
                    f'ALTER TABLE "{HEAD_TABLE}" ENABLE ALWAYS TRIGGER lz_head_kept',
                ]
            for table in chained_tables:
                statements += [
                    f'DROP TRIGGER IF EXISTS lz_chain_append ON "{table}"',
                    f'CREATE TRIGGER lz_chain_append BEFORE INSERT ON "{table}" '
                    f"FOR EACH ROW EXECUTE FUNCTION {APPEND_FUNCTION}()",
                    f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER lz_chain_append',
                ]
        else:
            statements = []
            if head:
                statements += [
                    'DROP TRIGGER IF EXISTS "lz_head_forward"',
                    'DROP TRIGGER IF EXISTS "lz_head_moves"',
                    'DROP TRIGGER IF EXISTS "lz_head_once"',
                    f'CREATE TRIGGER "lz_head_moves" BEFORE UPDATE ON "{HEAD_TABLE}" '
                    "WHEN NOT (NEW.id = OLD.id AND NEW.seq = OLD.seq + 1) BEGIN "
                    f"SELECT RAISE(ABORT, '{HEAD_MESSAGE_V2}'); END",
                    f'CREATE TRIGGER IF NOT EXISTS "lz_head_kept" BEFORE DELETE ON "{HEAD_TABLE}" '
                    f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
                    f'CREATE TRIGGER "lz_head_once" BEFORE INSERT ON "{HEAD_TABLE}" '
                    f'WHEN EXISTS (SELECT 1 FROM "{HEAD_TABLE}") OR NOT (NEW.id = 1 '
                    f"AND NEW.seq = 0 AND NEW.hash = '{GENESIS_HASH}') BEGIN "
                    f"SELECT RAISE(ABORT, '{HEAD_MESSAGE_V2}'); END",
                ]
            for table in chained_tables:
                statements += [
                    f'DROP TRIGGER IF EXISTS "lz_chain_append_{table}"',
                    f'DROP TRIGGER IF EXISTS "lz_chain_moves_head_{table}"',
                    f'CREATE TRIGGER "lz_chain_append_{table}" BEFORE INSERT ON "{table}" '
                    f'WHEN NOT EXISTS (SELECT 1 FROM "{HEAD_TABLE}" WHERE id = 1 '
                    "AND seq + 1 = NEW.chain_seq AND hash = NEW.chain_prev) BEGIN "
                    f"SELECT RAISE(ABORT, '{APPEND_MESSAGE}'); END",
                    f'CREATE TRIGGER "lz_chain_moves_head_{table}" AFTER INSERT ON "{table}" '
                    f'BEGIN UPDATE "{HEAD_TABLE}" SET seq = NEW.chain_seq, hash = NEW.chain_hash '
                    "WHERE id = 1; END",
                ]
        for sql in statements:
            cursor.execute(sql)


def remove_head_follows_v1(connection, chained_tables, *, head: bool = True) -> None:
    """Drop what ``head_follows_v1`` installed (on the head too unless ``head=False``)."""
    with connection.cursor() as cursor:
        for table in _existing(connection, chained_tables):
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS lz_chain_append ON "{table}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "lz_chain_append_{table}"')
                cursor.execute(f'DROP TRIGGER IF EXISTS "lz_chain_moves_head_{table}"')
        if head and _existing(connection, [HEAD_TABLE]):
            for name in HEAD_TRIGGERS_V2[connection.vendor]:
                if connection.vendor == "postgresql":
                    cursor.execute(f'DROP TRIGGER IF EXISTS {name} ON "{HEAD_TABLE}"')
                else:
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')

"""Chain verification at the speed auditors need: the same verdicts as the definition
(``chain.verify_reference``), several times faster.

Three things make the difference, measured in bench/bench_audit.py:

- rows come straight from the database cursor, datetimes already formatted by the database
  (no Django conversion per value; on PostgreSQL a server-side cursor in the binary protocol);
- each table's serialisation is planned once (``RowEncoder``): a JSON template with the keys
  already sorted, filled by json's own C encoder;
- with ``workers`` > 1 and enough rows, consecutive ranges of sequence numbers are checked in
  as many processes: each row's hash covers its stored back-pointer, so a range holds or not
  on its own, and joining two ranges is one comparison.

Nothing here decides on its own that a row was altered: a row whose hash the fast encoder
cannot reproduce is read again through the ORM and judged by ``TableShape.canonical``, and
anything a range cannot judge alone is walked again in one process. The walk itself is
``chain.walk``, the reference's own loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
from operator import itemgetter

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from lianzheng.audit import chain
from lianzheng.audit.encoding import ADDED_COLUMNS, ADDED_COLUMNS_V2, GENESIS, normalise
from lianzheng.audit.models import ChainHead
from lianzheng.audit.workers import start_worker

UTC = dt.UTC
_ENCODE_STR = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SCALARS = (
    models.IntegerField,
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
    models.TimeField,
)
_CURSOR_NAMES = itertools.count(1)


def _target(field):
    while isinstance(field, models.ForeignKey):  # a key to a key (a page's page_ptr) included
        field = field.target_field
    return field


def _picker(positions: list[int]):
    """A C itemgetter that always returns a tuple (None when there is nothing to pick)."""
    if not positions:
        return None
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    return itemgetter(*positions)


def _nullable_str(value) -> str:
    return "null" if value is None else _ENCODE_STR(value)


def _generic(value) -> str:
    return _DUMPS(normalise(value))


def _scalar_encoder(default):
    """json's C encoder, made once (``json.dumps`` builds one per call)."""
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has _json
        return json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=default, check_circular=False
        ).encode
    encoder = make(None, default, _ENCODE_STR, None, ":", ",", False, False, True)
    return lambda values: encoder(values, 0)[0]


class _Int:
    """What ``RowEncoder`` plans for the chain's own integer columns that version 2 covers."""

    null = False


_INT_COLUMNS = {"history_id": 3, "chain_seq": 0, "chain_encoding": 4}


class RowEncoder:
    """``TableShape.canonical`` (``version`` 1) or ``TableShape.canonical_v2`` for one table,
    planned once, over raw cursor rows ``(chain_seq, chain_prev, chain_hash, history_id,
    chain_encoding, *hashed columns)``.

    The JSON text is a template with the keys in sorted order, filled with each column's
    fragment: non-null text through json's C string encoder; integers, booleans, dates and
    datetimes in one call of json's C encoder on all of them, split at its commas (none of
    these fragments holds one); nullable text and anything else one function each. The plan is
    optimistic: a value it does not expect raises or gives another text, the hash then does not
    match, and the caller asks the definition.
    """

    def __init__(self, model, connection, version: int = 1):
        shape = chain.shape_of(model)
        self.naive_utc = connection.vendor == "sqlite" and connection.timezone_name == "UTC"
        entries = [
            (name, field, i + chain.PREFIX)
            for i, (name, field) in enumerate(zip(shape.columns, shape.fields, strict=True))
        ]
        if version == 2:
            entries += [(name, _Int(), pos) for name, pos in _INT_COLUMNS.items()]
        entries.sort(key=itemgetter(0))
        groups: dict[str, list[tuple[int, int]]] = {"str": [], "scalar": [], "call": []}
        calls = []
        for slot, (_name, field, pos) in enumerate(entries):
            target = field if isinstance(field, _Int) else _target(field)
            if isinstance(target, models.CharField | models.TextField):
                if field.null:
                    groups["call"].append((slot, pos))
                    calls.append((pos, _nullable_str))
                else:
                    groups["str"].append((slot, pos))
            elif isinstance(target, (*_SCALARS, _Int)):
                groups["scalar"].append((slot, pos))
            else:
                groups["call"].append((slot, pos))
                calls.append((pos, _generic))
        parts = []
        strings = _picker([pos for _slot, pos in groups["str"]])
        if strings is not None:
            parts.append(lambda row: map(_ENCODE_STR, strings(row)))
        scalars = _picker([pos for _slot, pos in groups["scalar"]])
        if scalars is not None:
            encode = _scalar_encoder(self._default)
            parts.append(lambda row: encode(scalars(row))[1:-1].split(","))
        if calls:
            funcs = tuple(calls)
            parts.append(lambda row: [func(row[pos]) for pos, func in funcs])
        slots = [slot for kind in ("str", "scalar", "call") for slot, _pos in groups[kind]]
        where = {slot: k for k, slot in enumerate(slots)}
        arrange = itemgetter(*(where[slot] for slot in range(len(entries))))
        label = json.dumps(shape.label, ensure_ascii=False).replace("%", "%%")
        keys = ",".join(json.dumps(name).replace("%", "%%") + ":%s" for name, _f, _p in entries)
        marker = "2," if version == 2 else ""
        template = "[" + marker + label + ",{" + keys + "}]"
        if len(parts) == 3:  # the usual shape: one expression, no list to extend
            first, second, third = parts
            self.canonical = lambda row: (
                template % arrange((*first(row), *second(row), *third(row)))
            )
        else:

            def canonical(row) -> str:
                values: list = []
                for part in parts:
                    values.extend(part(row))
                return template % arrange(values)

            self.canonical = canonical
        added_columns = (ADDED_COLUMNS if version == 1 else ADDED_COLUMNS_V2).get(shape.label, ())
        added = [(json.dumps(name), pos) for name, _f, pos in entries if name in added_columns]
        if added:
            self.canonical = self._without_empty_added(
                self.canonical, added, empty=("",) if version == 1 else ()
            )

    @staticmethod
    def _without_empty_added(full, added, empty=("",)):
        """``ADDED_COLUMNS`` (``ADDED_COLUMNS_V2``): an added column that holds no value (NULL
        or, for version 1, "") is left out of the text. Keys are unique and values
        JSON-escaped, so the key's fragment occurs once."""

        def canonical(row) -> str:
            text = full(row)
            for key, pos in added:
                value = row[pos]
                if value is None or value in empty:
                    fragment = f"{key}:{'null' if value is None else chr(34) * 2}"
                    if f",{fragment}" in text:
                        text = text.replace(f",{fragment}", "", 1)
                    else:
                        text = text.replace(f"{fragment},", "", 1)
            return text

        return canonical

    def _default(self, value):
        """json's hook for the scalar group: what ``_normalise`` makes of a date or time."""
        kind = type(value)
        if kind is dt.datetime:
            if value.tzinfo is not None:
                return value.astimezone(UTC).isoformat(timespec="microseconds")
            if self.naive_utc:  # SQLite: Django stores UTC without an offset
                return value.isoformat(timespec="microseconds") + "+00:00"
        elif kind is dt.date or kind is dt.time:
            return value.isoformat()
        raise TypeError(f"not planned: {kind.__name__}")


class FastJudge:
    """Judges a raw row by its table's ``RowEncoder``; a row it cannot confirm is read again
    through the ORM and judged by the definition (``chain.ReferenceJudge``), so the fast path
    never calls a row altered that the reference would accept."""

    def __init__(self, model, connection):
        self.model = model
        self.label = chain.shape_of(model).label
        self._v1 = RowEncoder(model, connection, 1).canonical
        self._v2 = RowEncoder(model, connection, 2).canonical
        self._reference = chain.ReferenceJudge(model)
        self._columns = chain.shape_of(model).columns
        self.by_reference = 0

    def holds(self, row) -> bool:
        try:
            canonical = self._v2(row) if row[4] == 2 else self._v1(row)
            digest = hashlib.sha256(f"{row[1]}\n{canonical}".encode()).hexdigest()
            if digest == row[2]:
                return True
        except Exception:
            pass
        self.by_reference += 1
        values = self.model._default_manager.filter(pk=row[3]).values_list(*self._columns).first()
        return values is not None and self._reference.holds((*row[:5], *values))


def _datetime_sql(connection, column: str) -> str:
    """A DateTimeField column as the ISO text ``_normalise`` gives (UTC, microseconds),
    computed by the database; anything unexpected is passed through unchanged (its hash then
    fails and the definition reads the row)."""
    if not settings.USE_TZ:
        return column
    if connection.vendor == "postgresql":
        # Schema-qualified, so that no function earlier on a search_path can stand in for it.
        return (
            f"pg_catalog.to_char({column} AT TIME ZONE 'UTC', "
            """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
        )
    if connection.vendor == "sqlite" and connection.timezone_name == "UTC":
        # Django stores str(naive UTC datetime): 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        head = f"substr({column}, 1, 10) || 'T' || substr({column}, 12)"
        return (
            f"CASE length({column}) WHEN 26 THEN {head} || '+00:00' "
            f"WHEN 19 THEN {head} || '.000000+00:00' ELSE {column} END"
        )
    return column


def _raw_stream(model, judge: FastJudge, start, end, chunk):
    """The table's rows in chain order straight from the cursor, in the reference's order
    (``ORDER BY chain_seq``, so rows without a number where the ORM puts them too). On
    PostgreSQL a named cursor in the binary protocol, whose integers and booleans load faster
    than their text."""
    shape = chain.shape_of(model)
    connection = connections[model._default_manager.db]
    qn = connection.ops.quote_name
    columns = [qn(name) for name in chain.ROW_PREFIX]
    for field in shape.fields:
        column = qn(field.column)
        if isinstance(_target(field), models.DateTimeField):
            column = _datetime_sql(connection, column)
        columns.append(column)
    where, params = [], []
    if start is not None:
        where.append(f"{qn('chain_seq')} >= %s")
        params.append(start)
    if end is not None:
        where.append(f"{qn('chain_seq')} <= %s")
        params.append(end)
    sql = f"SELECT {', '.join(columns)} FROM {qn(model._meta.db_table)}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {qn('chain_seq')} ASC"
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        cursor = connection.connection.cursor(
            f"lianzheng_verify_{next(_CURSOR_NAMES)}",
            binary=True,
            scrollable=False,
            withhold=not connection.in_atomic_block,
        )
    else:
        cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                seq = row[0]
                yield (-1 if seq is None else seq), judge, row
    finally:
        cursor.close()


def _walk(start, end, expect_prev, chunk) -> tuple[chain.Walk, int]:
    """One process's walk over [start, end], read in one snapshot where the database offers
    one: on PostgreSQL a REPEATABLE READ READ ONLY transaction unless the caller holds one
    (its cursors are then also declared without WITH HOLD, which would copy each table's
    whole result before the first row); SQLite's open statements share one read already."""
    connection = connections[DEFAULT_DB_ALIAS]

    def run():
        judges = [FastJudge(m, connection) for m in chain.chained_models()]
        streams = [_raw_stream(j.model, j, start, end, chunk) for j in judges]
        result = chain.walk(streams, start, expect_prev)
        return result, sum(j.by_reference for j in judges)

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return run()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return run()


def _single(start, end, expect_prev, chunk) -> chain.Verdict:
    result, by_reference = _walk(start, end, expect_prev, chunk)
    return chain.walk_verdict(result, end, by_reference)


# Below this many rows per process, starting the workers (a fresh interpreter each, Django
# set up: about 2 s) costs more than it saves.
PARALLEL_MIN_ROWS = 100_000


def verify(start=None, end=None, *, expect_prev=None, chunk=5000, workers=1) -> chain.Verdict:
    """``verification.verify``: see there. Stays in one process where workers cannot help or could
    not see what this process sees: inside a transaction (its rows are not committed), with an
    in-memory database, or for fewer than PARALLEL_MIN_ROWS rows a worker."""
    if workers <= 1 or not _workers_see_the_database():
        return _single(start, end, expect_prev, chunk)
    return _parallel(start, end, expect_prev, chunk, workers)


def _workers_see_the_database() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _range_worker(bounds):
    """A worker's walk over one range (its task, unpickled once start_worker set up Django)."""
    start, end, chunk = bounds
    try:
        return _walk(start, end, None, chunk)
    finally:
        connections.close_all()


def _parallel(start, end, expect_prev, chunk, workers) -> chain.Verdict:
    """Ranges of [start, end] (end: the head as read first) checked in ``workers``
    processes, joined here in order. The first range that does not hold cleanly (a break, a
    short range, a first row not pointing at the hash before it) and everything after it are
    walked again in this process from the hash before it, as ``verify_reference`` would walk
    them; so is the tail after the head read first (rows added since), up to the head then.
    Rows up to the head read first were committed with it, and history is append-only, so
    every worker's snapshot holds them all."""
    low = start if start is not None else 1
    high = end if end is not None else ChainHead.current().seq
    unplaced = start is None and end is None and _any_unplaced()
    if unplaced or high - low + 1 < workers * max(chunk, PARALLEL_MIN_ROWS):
        return _single(start, end, expect_prev, chunk)
    size = -(-(high - low + 1) // workers)
    ranges = [(s, min(s + size - 1, high), chunk) for s in range(low, high + 1, size)]
    databases = {DEFAULT_DB_ALIAS: dict(connections[DEFAULT_DB_ALIAS].settings_dict)}
    with multiprocessing.get_context("spawn").Pool(
        len(ranges),
        initializer=start_worker,
        initargs=(settings.SETTINGS_MODULE, databases),
    ) as pool:
        results = pool.map(_range_worker, ranges)

    checked, first, last, by_reference = 0, None, None, 0
    prev = expect_prev if expect_prev is not None else (GENESIS if low == 1 else None)
    for (r_start, r_end, _chunk), (result, fallbacks) in zip(ranges, results, strict=True):
        holds = (
            result.broken is None
            and (result.first, result.last, result.checked) == (r_start, r_end, r_end - r_start + 1)
            and (prev is None or result.first_prev == prev)
        )
        if not holds:
            if first is None:  # nothing before it held: walk as asked
                return _single(start, end, expect_prev, chunk)
            return _joined(checked, first, last, by_reference, _single(r_start, end, prev, chunk))
        checked += result.checked
        first = first if first is not None else result.first
        last, prev = result.last, result.prev
        by_reference += fallbacks
    if end is not None:
        return chain.Verdict(checked, first, last, prev or GENESIS, None, by_reference)
    return _joined(checked, first, last, by_reference, _single(high + 1, None, prev, chunk))


def _joined(checked, first, last, by_reference, rest: chain.Verdict) -> chain.Verdict:
    """The verdict on ranges that held, followed by the verdict on the rest of the walk."""
    return chain.Verdict(
        checked + rest.checked,
        first if first is not None else rest.first_seq,
        rest.last_seq if rest.last_seq is not None else last,
        rest.head_hash,
        rest.broken,
        by_reference + rest.by_reference,
    )


def _any_unplaced() -> bool:
    """Rows without a sequence number: only a walk over whole tables meets them."""
    return any(
        m._default_manager.filter(chain_seq__isnull=True).exists() for m in chain.chained_models()
    )

"""Helpers for bench/bench_audit.py: timing sections, statistics, and the proposed faster chain
verification (measured by the bench against ``lianzheng.audit.chain.verify``).

Import only after ``django.setup()``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import os
import statistics
import time
from collections import defaultdict
from operator import itemgetter

from django.db import connection, models, transaction

from lianzheng.audit import chain

# -- statistics --------------------------------------------------------------------------------


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 (nearest rank), mean and min of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered) * 1000,
        "p95": p95 * 1000,
        "mean": statistics.fmean(ordered) * 1000,
        "min": ordered[0] * 1000,
    }


# -- timing sections: exclusive time and queries per named part of a call tree ----------------


class Sections:
    """Wrap functions under a name; each call's time and queries are charged to the innermost
    wrapped function running (exclusive), so the parts add up to the whole."""

    def __init__(self):
        self.time: dict[str, float] = defaultdict(float)
        self.queries: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self.order: list[str] = []
        self._stack: list[list] = []
        self.executed = 0

    def count_queries(self, execute, sql, params, many, context):
        self.executed += 1
        return execute(sql, params, many, context)

    def enter(self, name: str) -> None:
        if name not in self.time:
            self.order.append(name)
        self._stack.append([name, time.perf_counter(), 0.0, self.executed, 0])

    def exit(self) -> None:
        name, started, child_time, started_q, child_q = self._stack.pop()
        spent = time.perf_counter() - started
        queries = self.executed - started_q
        self.time[name] += spent - child_time
        self.queries[name] += queries - child_q
        self.calls[name] += 1
        if self._stack:
            self._stack[-1][2] += spent
            self._stack[-1][4] += queries

    def wrap(self, name: str, func):
        sections = self

        def timed(*args, **kwargs):
            sections.enter(name)
            try:
                return func(*args, **kwargs)
            finally:
                sections.exit()

        timed.__wrapped__ = func
        for attr in ("_django_fsm", "__name__", "__doc__"):
            if hasattr(func, attr):
                setattr(timed, attr, getattr(func, attr))
        return timed


# -- the proposed verification -----------------------------------------------------------------

UTC = dt.UTC
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_STR = json.encoder.encode_basestring  # ensure_ascii=False, as json.dumps uses it
FALLBACKS = [0]  # rows the fast path could not confirm and the reference had to judge


def _picker(positions: list[int]):
    """A C itemgetter that always returns a tuple (None when there is nothing to pick)."""
    if not positions:
        return None
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    return itemgetter(*positions)


def _target(field):
    while isinstance(field, models.ForeignKey):  # a key to a key (a page's page_ptr) included
        field = field.target_field
    return field


class RowEncoder:
    """``TableShape.canonical`` for one table, planned once.

    The JSON text is a template with the keys already in sorted order (no ``sort_keys``, no
    dict per row), filled with each column's JSON fragment:

    - non-null text columns: the C ``encode_basestring`` json itself uses, mapped over them;
    - integers, booleans, dates and datetimes, nullable or not: one call of json's C encoder on
      the list of them, split at its commas (none of these fragments can contain one).
      Datetimes arrive as ISO text already (``_raw_stream`` formats them in SQL); datetime
      objects (values_list rows) go through a small ``default``;
    - nullable text: one small function each; anything else: ``_normalise`` and ``json``.

    The plan is optimistic: a row it does not fit (an unexpected type or format) raises or
    yields another string, its hash then does not match, and the caller asks the reference
    code, which reads that row again through the ORM.
    """

    def __init__(self, model, connection, offset: int = 4):
        shape = chain.shape_of(model)
        self.shape = shape
        self.model = model
        self.label = shape.label
        self.naive_utc = connection.vendor == "sqlite" and connection.timezone_name == "UTC"
        columns = shape.columns
        order = sorted(range(len(columns)), key=columns.__getitem__)
        groups: dict[str, list[tuple[int, int]]] = {"str": [], "scalar": [], "call": []}
        calls = []
        for slot, i in enumerate(order):
            field, pos = shape.fields[i], i + offset
            target = _target(field)
            if isinstance(target, models.CharField | models.TextField):
                if field.null:
                    groups["call"].append((slot, pos))
                    calls.append((pos, _nullable_str))
                else:
                    groups["str"].append((slot, pos))
            elif isinstance(target, _SCALARS):
                groups["scalar"].append((slot, pos))
            else:
                groups["call"].append((slot, pos))
                calls.append((pos, _generic))
        parts = []
        pick = _picker([pos for _slot, pos in groups["str"]])
        if pick is not None:
            parts.append(lambda row: map(_ENCODE_STR, pick(row)))
        scalars = _picker([pos for _slot, pos in groups["scalar"]])
        if scalars is not None:
            encode = _scalar_encoder(self._default)
            parts.append(lambda row: encode(scalars(row))[1:-1].split(","))
        if calls:
            funcs = tuple(calls)
            parts.append(lambda row: [func(row[pos]) for pos, func in funcs])
        self.parts = tuple(parts)
        slots = [slot for kind in ("str", "scalar", "call") for slot, _pos in groups[kind]]
        where = {slot: k for k, slot in enumerate(slots)}
        self.arrange = itemgetter(*(where[slot] for slot in range(len(order))))
        label = json.dumps(shape.label, ensure_ascii=False).replace("%", "%%")
        keys = ",".join(json.dumps(columns[i]).replace("%", "%%") + ":%s" for i in order)
        self.template = template = "[" + label + ",{" + keys + "}]"
        arrange = self.arrange
        if len(parts) == 3:  # the usual shape: one expression, no list to extend
            first, second, third = parts
            self.canonical = lambda row: (
                template % arrange((*first(row), *second(row), *third(row)))
            )

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

    def canonical(self, row) -> str:
        values: list = []
        extend = values.extend
        for part in self.parts:
            extend(part(row))
        return self.template % self.arrange(values)

    def reference(self, seq: int) -> str:
        """The reference serialisation of the row at ``seq``, read again through the ORM."""
        values = (
            self.model._default_manager.filter(chain_seq=seq).values_list(*self.shape.columns).get()
        )
        return self.shape.canonical(values)


def _generic(value):
    return _DUMPS(chain._normalise(value))


_SCALARS = (
    models.IntegerField,
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
    models.TimeField,
)


def _nullable_str(value):
    return "null" if value is None else _ENCODE_STR(value)


def _scalar_encoder(default):
    """json's C encoder, made once (``json.dumps`` builds one per call)."""
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has _json
        return json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=default, check_circular=False
        ).encode
    encoder = make(None, default, _ENCODE_STR, None, ":", ",", False, False, True)
    return lambda values: encoder(values, 0)[0]


def cached_columns_patch():
    """The one-line fix: ``TableShape.columns`` is a property rebuilt on every canonical() call;
    computed once per shape it stops costing a 40-item generator per row."""
    cache: dict[int, tuple] = {}
    original = chain.TableShape.columns

    def columns(self):
        found = cache.get(id(self))
        if found is None:
            found = cache[id(self)] = original.fget(self)
        return found

    return property(columns)


def _datetime_sql(connection, column: str) -> str:
    """A DateTimeField column as the ISO text ``_normalise`` gives (UTC, microseconds), computed
    by the database; anything unexpected is passed through unchanged (its hash then fails and
    the reference reads the row)."""
    from django.conf import settings

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


def _raw_stream(model, start, end, chunk):
    """The table's rows in chain order, straight from the cursor, with datetimes formatted by
    the database (no per-row conversion in Python). On PostgreSQL a server-side cursor in the
    binary protocol: psycopg loads binary integers and booleans faster than their text."""
    from django.db import connections

    shape = chain.shape_of(model)
    connection = connections[model._default_manager.db]
    qn = connection.ops.quote_name
    columns = [qn(name) for name in ("chain_seq", "chain_prev", "chain_hash", "history_id")]
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
    encoder = RowEncoder(model, connection, offset=4)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        _CURSORS[0] += 1
        cursor = connection.connection.cursor(
            f"lianzheng_verify_{_CURSORS[0]}",
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
                yield (-1 if seq is None else seq), encoder, row
    finally:
        cursor.close()


_CURSORS = [0]


def verify_fast(
    start: int | None = None,
    end: int | None = None,
    *,
    expect_prev: str | None = None,
    chunk: int = 5000,
    snapshot: bool = True,
) -> chain.Verdict:
    """``chain.verify`` with the per-row work cut down (same verdicts, same hashes).

    Differences: rows come straight from the cursor (``_raw_stream``) and are serialised by
    ``RowEncoder``; no star-unpacking of every row; a C key for the merge; the reference
    ``TableShape.canonical`` is asked before a row is called altered (so a row the fast path
    cannot encode is never reported broken by mistake); and, with ``snapshot``,
    one read-only transaction around the walk (on PostgreSQL REPEATABLE READ: every table read
    from the same snapshot, and Django's server-side cursors are then declared without
    WITH HOLD, which in autocommit materialises each table's whole result before the first
    row).
    """
    if not snapshot:
        return _verify_fast(start, end, expect_prev, chunk)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _verify_fast(start, end, expect_prev, chunk)


def _verify_fast(start, end, expect_prev, chunk) -> chain.Verdict:
    from lianzheng.models.audit import ChainHead

    BrokenLink, Verdict = chain.BrokenLink, chain.Verdict
    streams = [_raw_stream(m, start, end, chunk) for m in chain.chained_models()]
    merged = heapq.merge(*streams, key=itemgetter(0))
    expected_seq = start if start is not None else 1
    prev = (
        expect_prev if expect_prev is not None else (chain.GENESIS if expected_seq == 1 else None)
    )
    checked = 0
    first = last = None
    sha256 = hashlib.sha256
    for _key, fast, row in merged:
        seq, chain_prev, chain_hash = row[0], row[1], row[2]
        if seq is None:
            return Verdict(
                checked,
                first,
                last,
                prev or "",
                BrokenLink(
                    0,
                    fast.label,
                    row[3],
                    "row has no place in the chain (written around the application)",
                ),
            )
        if seq != expected_seq:
            return Verdict(
                checked,
                first,
                last,
                prev or "",
                BrokenLink(
                    expected_seq,
                    fast.label,
                    row[3],
                    f"sequence jumps from {expected_seq - 1} to {seq}: a row was removed",
                ),
            )
        if prev is not None and chain_prev != prev:
            return Verdict(
                checked,
                first,
                last,
                prev,
                BrokenLink(seq, fast.label, row[3], "does not point at the previous row's hash"),
            )
        try:
            holds = (
                sha256(f"{chain_prev}\n{fast.canonical(row)}".encode()).hexdigest() == chain_hash
            )
        except Exception:
            holds = False
        if not holds:
            # Before calling a row altered, ask the reference serialisation: the fast path can
            # never report a row broken that verify() would accept.
            FALLBACKS[0] += 1
            if chain.link_hash(chain_prev, fast.reference(seq)) != chain_hash:
                return Verdict(
                    checked,
                    first,
                    last,
                    prev or "",
                    BrokenLink(
                        seq,
                        fast.label,
                        row[3],
                        "content no longer matches its hash: the row was altered",
                    ),
                )
        prev = chain_hash
        if first is None:
            first = seq
        last = seq
        checked += 1
        expected_seq += 1
    if end is None:
        head = ChainHead.current()
        if head.seq != expected_seq - 1 or (prev is not None and head.hash != prev):
            return Verdict(
                checked,
                first,
                last,
                prev or chain.GENESIS,
                BrokenLink(head.seq, "head", 0, "the recorded head does not match the last row"),
            )
    return Verdict(checked, first, last, prev or chain.GENESIS, None)


# -- the proposal's second half: the walk split over processes ---------------------------------


def _first_row(seq: int):
    for model in chain.chained_models():
        found = (
            model._default_manager.filter(chain_seq=seq)
            .values_list("chain_prev", "history_id")
            .first()
        )
        if found:
            return model._meta.label_lower, found[1], found[0]
    return None


def _range_worker(bounds):
    start, end, chunk = bounds
    verdict = verify_fast(start, end, chunk=chunk)
    first = _first_row(start) if start > 1 else None
    connection.close()
    return verdict, first


def verify_parallel(workers: int | None = None, *, chunk: int = 5000) -> chain.Verdict:
    """``verify_fast()`` in ``workers`` processes over consecutive ranges of sequence numbers.

    Each row's hash covers its stored back-pointer, so a range can be checked on its own; what
    joins two ranges is one comparison (the first row of a range points at the last hash of the
    one before), done here. The head is read first and the ranges end there: every row up to it
    was committed with it and history is append-only, so each worker's own snapshot holds them
    all; rows added since are walked afterwards from the last hash, up to the head as it is
    then, as verify() would. Whatever a range cannot judge alone (a range with no row at all, a
    range that stops short of the head, rows without a sequence number) is walked again in one
    process, so the verdict is verify()'s.
    """
    import multiprocessing

    from django.db import connections

    from lianzheng.models.audit import ChainHead

    workers = workers or os.cpu_count() or 1
    if workers == 1 or connection.in_atomic_block:  # forking needs the connection closed
        return verify_fast()
    head = ChainHead.current()
    total = head.seq
    unplaced = any(
        model._default_manager.filter(chain_seq__isnull=True).exists()
        for model in chain.chained_models()
    )
    if total < workers * chunk or unplaced:
        return verify_fast()
    size = -(-total // workers)
    ranges = [(s, min(s + size - 1, total), chunk) for s in range(1, total + 1, size)]
    connections.close_all()  # each forked worker opens its own connection
    with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
        results = pool.map(_range_worker, ranges)
    if any(verdict.checked == 0 for verdict, _first in results):
        return verify_fast()
    checked, first, last, prev = 0, None, None, chain.GENESIS
    for (start, end, _chunk), (verdict, first_row) in zip(ranges, results, strict=True):
        if verdict.ok and verdict.last_seq != end:
            return verify_fast()  # rows missing at the end of a range: say it as verify() does
        if first_row is not None and first_row[2] != prev:
            label, history_id, _pointer = first_row
            broken = chain.BrokenLink(
                start, label, history_id, "does not point at the previous row's hash"
            )
            return chain.Verdict(checked, first, last, prev, broken)
        if not verdict.ok:
            return chain.Verdict(
                checked + verdict.checked,
                first if first is not None else verdict.first_seq,
                verdict.last_seq,
                verdict.head_hash,
                verdict.broken,
            )
        checked += verdict.checked
        first = first if first is not None else verdict.first_seq
        last, prev = verdict.last_seq, verdict.head_hash
    tail = verify_fast(total + 1, None, expect_prev=prev, chunk=chunk)
    return chain.Verdict(
        checked + tail.checked,
        first,
        tail.last_seq if tail.last_seq is not None else last,
        tail.head_hash,
        tail.broken,
    )

"""One hash chain over every history row of the add-on.

Each history row carries a global sequence number, the previous row's hash and its own hash:
sha256(previous hash, newline, the row's canonical serialization). Rows are linked while a
lock on the chain head is held, so concurrent writers cannot fork the chain; a row changed
behind the application's back no longer matches its hash, and every later row still points at
the old one. ``verify`` walks the chain in sequence and names the first broken link.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from operator import itemgetter

from django.apps import apps
from django.db import models, transaction

from lianzheng.audit.encoding import (
    ADDED_COLUMNS,
    GENESIS,
    canonical_v1,
    canonical_v2,
    link_hash,
    normalise,
)
from lianzheng.audit.models import ChainHead

__all__ = ["ADDED_COLUMNS", "GENESIS", "link_hash", "normalise"]

CHAIN_FIELDS = ("chain_seq", "chain_prev", "chain_hash", "chain_encoding")
# The encoding new rows are linked with (lianzheng.audit.encoding).
ENCODING = 2
# A row as the judges read it: these, then its hashed columns (TableShape.row_columns); PREFIX
# is where the hashed columns start.
ROW_PREFIX = ("chain_seq", "chain_prev", "chain_hash", "history_id", "chain_encoding")
PREFIX = len(ROW_PREFIX)


@dataclass(frozen=True)
class TableShape:
    """What of a history table is hashed. ``columns`` are the row's own content: every
    concrete column but the chain's and ``history_id``, which is what version 1 covers;
    version 2 covers them and ``history_id``, ``chain_seq`` and ``chain_encoding`` too.

    ``canonical`` (version 1) and ``canonical_v2`` are the definition of a row's
    serialisation: what ``link`` hashes, and what verification falls back on for any row its
    faster encoder cannot confirm."""

    label: str
    model: type
    fields: tuple[models.Field, ...]
    columns: tuple[str, ...]

    @property
    def row_columns(self) -> tuple[str, ...]:
        """The columns of a row as the judges read it (``ROW_PREFIX``, then the hashed ones)."""
        return (*ROW_PREFIX, *self.columns)

    def canonical(self, values: Iterable) -> str:
        return canonical_v1(self.label, self.columns, values)

    def canonical_v2(self, values: Iterable, *, history_id, seq, encoding=2) -> str:
        return canonical_v2(
            self.label,
            (*self.columns, "history_id", "chain_seq", "chain_encoding"),
            (*values, history_id, seq, encoding),
        )

    def text(self, row) -> str:
        """The canonical text of a judge's row, in the version it records."""
        if row[4] is None or row[4] == 1:
            return self.canonical(row[PREFIX:])
        if row[4] == 2:
            return self.canonical_v2(row[PREFIX:], history_id=row[3], seq=row[0])
        raise ValueError(f"unknown encoding {row[4]!r}")

    def values_of(self, instance) -> list:
        out = []
        for field in self.fields:
            value = getattr(instance, field.attname)
            if value is not None and not isinstance(field, models.ForeignKey):
                value = field.to_python(value)
            out.append(value)
        return out


_SHAPES: dict[type, TableShape] = {}


def shape_of(model) -> TableShape:
    shape = _SHAPES.get(model)
    if shape is None:
        fields = tuple(
            f
            for f in model._meta.concrete_fields
            if f.attname not in CHAIN_FIELDS and f.attname != "history_id"
        )
        shape = TableShape(
            label=model._meta.label_lower,
            model=model,
            fields=fields,
            columns=tuple(f.attname for f in fields),
        )
        _SHAPES[model] = shape
    return shape


def chained_models() -> list[type]:
    """Every history model that carries the chain columns (``chain_linked``, set by
    lianzheng.history.HistoryExtras)."""
    return sorted(
        (m for m in apps.get_models() if getattr(m, "chain_linked", False)),
        key=lambda m: m._meta.db_table,
    )


def _allocate_ids(connection, model, count: int) -> Iterator[int]:
    """``count`` new history ids for ``model``'s table, before the rows are inserted: version 2
    hashes the id, so it must be known first. PostgreSQL hands them out from the table's own
    sequence. SQLite has one writer at a time (a history row follows its live row's write, which
    took the database's write lock), so the next ids are those after the largest; were one
    taken meanwhile, the insert would fail on the key, never fork the chain."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return iter([row[0] for row in cursor.fetchall()])
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT max({qn(column)}) FROM {qn(table)}")
        start = (cursor.fetchone()[0] or 0) + 1
        return iter(range(start, start + count))


def link(rows: list) -> None:
    """Give ``rows`` (unsaved history instances) their id and their place in the chain, hashed
    by the newest encoding, under the head's lock.

    Must run inside the transaction that inserts them, so that the lock is held until the rows
    are committed (or all is rolled back). The head itself is moved by the database as the rows
    are inserted (``lianzheng.audit.triggers.head_follows_v1``), and it refuses a row that does
    not extend it: rows must be inserted in the order given.
    """
    if not rows:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("history rows are linked inside a transaction")
    head = ChainHead.locked()
    wanted: dict[type, int] = {}
    for row in rows:
        if row.pk is None:
            wanted[type(row)] = wanted.get(type(row), 0) + 1
    ids = {model: _allocate_ids(connection, model, n) for model, n in wanted.items()}
    seq, prev = head.seq, head.hash
    for row in rows:
        seq += 1
        shape = shape_of(type(row))
        if row.pk is None:
            row.pk = next(ids[type(row)])
        row.chain_seq = seq
        row.chain_prev = prev
        row.chain_encoding = ENCODING
        row.chain_hash = link_hash(
            prev, shape.canonical_v2(shape.values_of(row), history_id=row.pk, seq=seq)
        )
        prev = row.chain_hash


# -- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    table: str
    history_id: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    first_seq: int | None
    last_seq: int | None
    head_hash: str
    broken: BrokenLink | None
    # Rows the fast encoder could not confirm, judged by the reference serialisation instead.
    by_reference: int = dataclass_field(default=0, compare=False)

    @property
    def ok(self) -> bool:
        return self.broken is None


class ReferenceJudge:
    """Judges a row by the definition: ``TableShape.text`` of the values Django reads, in the
    encoding the row records.

    Rows come as ``(chain_seq, chain_prev, chain_hash, history_id, chain_encoding,
    *TableShape.columns)``."""

    def __init__(self, model):
        shape = shape_of(model)
        self.label = shape.label
        self._text = shape.text

    def holds(self, row) -> bool:
        return link_hash(row[1], self._text(row)) == row[2]


def _stream(model, start: int | None, end: int | None, chunk: int) -> Iterator[tuple]:
    shape = shape_of(model)
    judge = ReferenceJudge(model)
    qs = model._default_manager.order_by("chain_seq")
    if start is not None:
        qs = qs.filter(chain_seq__gte=start)
    if end is not None:
        qs = qs.filter(chain_seq__lte=end)
    for row in qs.values_list(*shape.row_columns).iterator(chunk_size=chunk):
        yield (-1 if row[0] is None else row[0]), judge, row


def reference_streams(start: int | None, end: int | None, chunk: int) -> list[Iterator[tuple]]:
    """Every history table's rows in chain order, read by the ORM and judged by the
    definition; each item is ``(sort key, judge, row)``."""
    return [_stream(m, start, end, chunk) for m in chained_models()]


@dataclass(frozen=True)
class Walk:
    """Where a walk over part of the chain stopped: rows checked, the first and last sequence
    numbers, the next sequence number expected, the last hash, the first broken link if any,
    and the back-pointer of the first row walked (which joins this part to the one before)."""

    checked: int
    first: int | None
    last: int | None
    next_seq: int
    prev: str | None
    broken: BrokenLink | None
    first_prev: str | None


def walk(streams, start: int | None, expect_prev: str | None) -> Walk:
    """Merge the tables' streams in sequence and stop at the first link that does not hold:
    a row outside the chain, a gap in the sequence, a row that does not point at its
    predecessor's hash, or a row whose hash does not match its content (as each stream's
    judge says). The one loop both the reference and the fast verification run."""
    merged = heapq.merge(*streams, key=itemgetter(0))
    expected_seq = start if start is not None else 1
    prev = expect_prev if expect_prev is not None else (GENESIS if expected_seq == 1 else None)
    checked = 0
    first = last = first_prev = None
    for _key, judge, row in merged:
        seq, chain_prev, chain_hash, history_id = row[0], row[1], row[2], row[3]
        broken = None
        if seq is None:
            broken = BrokenLink(
                0,
                judge.label,
                history_id,
                "row has no place in the chain (written around the application)",
            )
        elif seq != expected_seq:
            broken = BrokenLink(
                expected_seq,
                judge.label,
                history_id,
                f"sequence jumps from {expected_seq - 1} to {seq}: a row was removed",
            )
        elif prev is not None and chain_prev != prev:
            broken = BrokenLink(
                seq, judge.label, history_id, "does not point at the previous row's hash"
            )
        elif not judge.holds(row):
            broken = BrokenLink(
                seq,
                judge.label,
                history_id,
                "content no longer matches its hash: the row was altered",
            )
        if broken is not None:
            return Walk(checked, first, last, expected_seq, prev, broken, first_prev)
        prev = chain_hash
        if first is None:
            first, first_prev = seq, chain_prev
        last = seq
        checked += 1
        expected_seq += 1
    return Walk(checked, first, last, expected_seq, prev, None, first_prev)


def walk_verdict(result: Walk, end: int | None, by_reference: int = 0) -> Verdict:
    """The verdict on a walk; when it went up to the head (``end`` None), the recorded head
    must also be the last row walked."""
    checked, first, last, prev = result.checked, result.first, result.last, result.prev
    if result.broken is not None:
        return Verdict(checked, first, last, prev or "", result.broken, by_reference)
    if end is None:
        head = ChainHead.current()
        if head.seq != result.next_seq - 1 or (prev is not None and head.hash != prev):
            return Verdict(
                checked,
                first,
                last,
                prev or GENESIS,
                BrokenLink(head.seq, "head", 0, "the recorded head does not match the last row"),
                by_reference,
            )
    return Verdict(checked, first, last, prev or GENESIS, None, by_reference)


def verify_reference(
    start: int | None = None,
    end: int | None = None,
    *,
    expect_prev: str | None = None,
    chunk: int = 5000,
) -> Verdict:
    """The chain checked by the definition alone: rows read through the ORM and serialised
    by ``TableShape.canonical``. Slow (about 30,000 rows/s); ``verify`` gives the same verdicts
    faster and is what the command and the admin use."""
    return walk_verdict(walk(reference_streams(start, end, chunk), start, expect_prev), end)

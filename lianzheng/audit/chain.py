"""One hash chain over every history row of the add-on.

Each history row carries a global sequence number, the previous row's hash and its own hash:
sha256(previous hash, newline, the row's canonical serialization). Rows are linked while a
lock on the chain head is held, so concurrent writers cannot fork the chain; a row changed
behind the application's back no longer matches its hash, and every later row still points at
the old one. ``verify`` walks the chain in sequence and names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import models, transaction

GENESIS = "0" * 64
CHAIN_FIELDS = ("chain_seq", "chain_prev", "chain_hash")
UTC = dt.UTC


def _normalise(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("history rows must carry aware datetimes")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | float):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


# Columns added to a history table after it joined the chain. Rows written before a column
# existed were hashed without it, so such a column is hashed only when it holds a value: old rows
# keep their hashes, a value written into one later breaks its link, and a new row's value (or
# its removal) is covered like any other. Add a column here in the migration's commit; never
# remove one.
ADDED_COLUMNS: dict[str, frozenset[str]] = {
    "lianzheng.historicalrectificationitem": frozenset({"working_days", "set_on"}),
    "lianzheng.historicalrectificationcheck": frozenset(
        {"evidence", "evidence_name", "evidence_sha256"}
    ),
}


@dataclass(frozen=True)
class TableShape:
    """What of a history table is hashed: every concrete column but the chain's own and the
    history_id (assigned by the database after the hash is computed)."""

    label: str
    model: type
    fields: tuple[models.Field, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.attname for f in self.fields)

    def canonical(self, values: Iterable) -> str:
        body = dict(zip(self.columns, (_normalise(v) for v in values), strict=True))
        for column in ADDED_COLUMNS.get(self.label, ()):
            if body.get(column) in (None, ""):
                body.pop(column, None)
        return json.dumps(
            [self.label, body], sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )

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
        shape = TableShape(label=model._meta.label_lower, model=model, fields=fields)
        _SHAPES[model] = shape
    return shape


def link_hash(prev: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev}\n{canonical}".encode()).hexdigest()


def chained_models() -> list[type]:
    """Every history model that carries the chain columns (HistoryExtras)."""
    from lianzheng.history import HistoryExtras

    return sorted(
        (m for m in apps.get_models() if issubclass(m, HistoryExtras)),
        key=lambda m: m._meta.db_table,
    )


def link(rows: list) -> None:
    """Give ``rows`` (unsaved history instances) their place in the chain, under the head's lock.

    Must run inside the transaction that inserts them, so that the lock is held until the rows
    are committed (or all is rolled back, head included).
    """
    from lianzheng.models.audit import ChainHead

    if not rows:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("history rows are linked inside a transaction")
    head = ChainHead.locked()
    seq, prev = head.seq, head.hash
    for row in rows:
        seq += 1
        shape = shape_of(type(row))
        row.chain_seq = seq
        row.chain_prev = prev
        row.chain_hash = link_hash(prev, shape.canonical(shape.values_of(row)))
        prev = row.chain_hash
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])


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

    @property
    def ok(self) -> bool:
        return self.broken is None


def _stream(model, start: int | None, end: int | None, chunk: int) -> Iterator[tuple]:
    shape = shape_of(model)
    qs = model._default_manager.order_by("chain_seq")
    if start is not None:
        qs = qs.filter(chain_seq__gte=start)
    if end is not None:
        qs = qs.filter(chain_seq__lte=end)
    columns = ("chain_seq", "chain_prev", "chain_hash", "history_id", *shape.columns)
    for row in qs.values_list(*columns).iterator(chunk_size=chunk):
        yield row[0], shape, row


def verify(
    start: int | None = None,
    end: int | None = None,
    *,
    expect_prev: str | None = None,
    chunk: int = 5000,
) -> Verdict:
    """Walk the chain from ``start`` (or the beginning) to ``end`` (or the head) and report the
    first link that does not hold: a gap in the sequence, a row whose hash does not match its
    content, or a row that does not point at its predecessor's hash."""
    from lianzheng.models.audit import ChainHead

    streams = [_stream(m, start, end, chunk) for m in chained_models()]
    merged = heapq.merge(*streams, key=lambda item: item[0] if item[0] is not None else -1)
    expected_seq = start if start is not None else 1
    prev = expect_prev if expect_prev is not None else (GENESIS if expected_seq == 1 else None)
    checked = 0
    first = last = None
    for seq, shape, row in merged:
        _seq, chain_prev, chain_hash, history_id, *values = row
        where = (shape.label, history_id)
        if seq is None:
            return Verdict(
                checked,
                first,
                last,
                prev or "",
                BrokenLink(
                    0, *where, "row has no place in the chain (written around the application)"
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
                    shape.label,
                    history_id,
                    f"sequence jumps from {expected_seq - 1} to {seq}: a row was removed",
                ),
            )
        if prev is not None and chain_prev != prev:
            return Verdict(
                checked,
                first,
                last,
                prev,
                BrokenLink(seq, *where, "does not point at the previous row's hash"),
            )
        recomputed = link_hash(chain_prev, shape.canonical(values))
        if recomputed != chain_hash:
            return Verdict(
                checked,
                first,
                last,
                prev or "",
                BrokenLink(seq, *where, "content no longer matches its hash: the row was altered"),
            )
        prev = chain_hash
        first = seq if first is None else first
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
                prev or GENESIS,
                BrokenLink(head.seq, "head", 0, "the recorded head does not match the last row"),
            )
    return Verdict(checked, first, last, prev or GENESIS, None)


def verify_since_head(seq: int, hash_: str, **kwargs) -> Verdict:
    """Check a head an auditor kept outside the system: the row at ``seq`` must still have
    ``hash_`` and the chain must hold from the beginning up to it and from it to the head."""
    before = verify(1, seq, **kwargs)
    if not before.ok:
        return before
    if before.last_seq != seq or before.head_hash != hash_:
        return Verdict(
            before.checked,
            before.first_seq,
            before.last_seq,
            before.head_hash,
            BrokenLink(
                seq, "kept head", 0, "the chain up to the kept head no longer ends in its hash"
            ),
        )
    after = verify(seq + 1, None, expect_prev=hash_, **kwargs)
    return Verdict(
        before.checked + after.checked,
        before.first_seq,
        after.last_seq or seq,
        after.head_hash if after.last_seq else hash_,
        after.broken,
    )

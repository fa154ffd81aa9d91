"""How a history row becomes the text its hash covers: versioned, and never changed in place.

A link's hash is sha256(previous hash, newline, canonical text of the row). Each row records the
version of the text its hash covers in its ``chain_encoding`` column (NULL: version 1, the rows
hashed before the column existed), and every version's function stays here unchanged, because
rows hashed by it stay in the chain for ever and migrations link existing rows with it.

Version 1 is JSON ``[table label, {column: value, ...}]`` with sorted keys, values normalised
(datetimes as UTC ISO text with microseconds, dates as ISO text, other types as text), over
every column but the chain's own and ``history_id``; a column added later (``ADDED_COLUMNS``)
is left out when NULL or empty. It therefore does not cover the row's id (swapping ids between
two rows went unnoticed) and does not tell NULL from "" in an added column.

Version 2 (``canonical_v2``, every row linked since migration 0015) is JSON
``[2, table label, {column: value, ...}]`` over every column of the row but ``chain_prev``
(which the link hash covers already) and ``chain_hash`` (the hash itself): ``history_id``,
``chain_seq`` and ``chain_encoding`` included, NULL written as null and "" as "". The leading 2
keeps a version 2 text from ever equalling a version 1 text, so a row's recorded version cannot
be changed without breaking its hash.

Pure Python, no Django: the offline verifier is assembled from this file's source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal

GENESIS = "0" * 64
UTC = dt.UTC

# Columns added to a history table after it joined the chain. Rows written before a column
# existed were hashed without it, so such a column is hashed only when it holds a value: old rows
# keep their hashes, a value written into one later breaks its link, and a new row's value (or
# its removal) is covered like any other. Add a column here in the migration's commit; never
# remove one.
ADDED_COLUMNS: dict[str, frozenset[str]] = {
    "lianzheng.historicalrectificationitem": frozenset({"working_days", "set_on", "subject_id"}),
    "lianzheng.historicalrectificationcheck": frozenset(
        {"evidence", "evidence_name", "evidence_sha256"}
    ),
    # 0013: delegation as its own act, a notice's delivery, a postponement's receipt and scan.
    "lianzheng.historicaltalkcase": frozenset({"delegated_to_id", "delegation_form"}),
    "lianzheng.historicalnotice": frozenset(
        {"delivery_method", "delivered_at", "delivery_signed_by", "delivery_recorded_by_id"}
    ),
    "lianzheng.historicalpostponement": frozenset(
        {"received_on", "request_form", "scan", "scan_name", "scan_sha256"}
    ),
}


# Columns that are never part of a row's canonical text, by version.
V1_EXCLUDED = frozenset({"chain_seq", "chain_prev", "chain_hash", "chain_encoding", "history_id"})
V2_EXCLUDED = frozenset({"chain_prev", "chain_hash"})

# Columns added to a history table after version 2 began. A row hashed before the column existed
# was hashed without it, so such a column is left out of the text when it is NULL, and only then
# (an empty string is a value): a column added later must be nullable and NULL in the rows that
# existed before it, or it needs a new version of the encoding. None so far.
ADDED_COLUMNS_V2: dict[str, frozenset[str]] = {}


def normalise(value):
    """A column's value as version 1 writes it into the JSON text."""
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


def canonical_v1(label: str, columns: Iterable[str], values: Iterable) -> str:
    """Version 1 of a row's canonical text: its table's label and its columns' values."""
    body = dict(zip(columns, (normalise(v) for v in values), strict=True))
    for column in ADDED_COLUMNS.get(label, ()):
        if body.get(column) in (None, ""):
            body.pop(column, None)
    return json.dumps([label, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link_hash(prev: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev}\n{canonical}".encode()).hexdigest()


def canonical_v2(label: str, columns: Iterable[str], values: Iterable) -> str:
    """Version 2 of a row's canonical text: a version marker, its table's label and every
    column's value (``columns`` are all of the row's but ``V2_EXCLUDED``)."""
    body = dict(zip(columns, (normalise(v) for v in values), strict=True))
    for column in ADDED_COLUMNS_V2.get(label, ()):
        if body.get(column) is None:
            body.pop(column, None)
    return json.dumps([2, label, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_row(label: str, row: dict) -> str:
    """The canonical text of a row given as ``{column: value}`` with all of its columns (as an
    export holds it), in the version its ``chain_encoding`` names."""
    version = row.get("chain_encoding") or 1
    if version == 1:
        columns = [c for c in row if c not in V1_EXCLUDED]
        return canonical_v1(label, columns, [row[c] for c in columns])
    if version == 2:
        columns = [c for c in row if c not in V2_EXCLUDED]
        return canonical_v2(label, columns, [row[c] for c in columns])
    raise ValueError(f"unknown canonical encoding version {version!r}")

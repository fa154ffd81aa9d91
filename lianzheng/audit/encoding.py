"""How a history row becomes the text its hash covers: versioned, and never changed in place.

A link's hash is sha256(previous hash, newline, canonical text of the row). The canonical text of
version 1 is JSON: ``[table label, {column: value, ...}]`` with sorted keys, values normalised
(datetimes as UTC ISO text with microseconds, dates as ISO text, other types as text). Rows
already in the chain were hashed this way, and migrations link existing rows with exactly this
function, so it must never change: a later encoding gets a new function (``canonical_v2``) and a
way to tell which rows use it. Pure Python, no Django: the offline verifier can read it too.
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

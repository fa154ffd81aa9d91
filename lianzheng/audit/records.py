"""Records that never change, checked against their history rows in the chain.

The confidential-access log, the verification records, the reminder log and the generated
documents are written once and never changed: the database refuses UPDATE and DELETE on them
(lianzheng.audit.guards), and each row's creation wrote a history row into the hash chain. The
chain proves the history rows; this module proves the live rows by them. A live row deleted,
altered (a document's file name and SHA-256 changed together), or added without its history
row is named, with the sequence number of the history row it should match.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps

# The append-only records kept beside their history, by model label.
RECORD_MODELS = (
    "lianzheng.ConfidentialAccess",
    "lianzheng.ChainVerification",
    "lianzheng.GeneratedDocument",
    "lianzheng.Reminder",
)


@dataclass(frozen=True)
class RecordProblem:
    label: str  # the live model's label, e.g. lianzheng.confidentialaccess
    pk: int
    seq: int  # the chain sequence of its history row (0 when it has none)
    history_id: int
    reason: str

    def __str__(self) -> str:
        where = f" (history row {self.history_id} at sequence {self.seq})" if self.seq else ""
        return f"{self.label} id={self.pk}{where}: {self.reason}"


def _columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def problems_of(model) -> list[RecordProblem]:
    """Each live row of ``model`` against the newest history row of its id, in id order."""
    label = model._meta.label_lower
    columns = _columns(model)
    pk = model._meta.pk.attname
    history = model.history.model
    newest = {}
    for row in history.objects.order_by("chain_seq").values_list(
        "history_id", "chain_seq", "history_type", *columns
    ):
        newest[row[3 + columns.index(pk)]] = row
    live = {row[columns.index(pk)]: row for row in model._default_manager.values_list(*columns)}
    found = []
    for key in sorted(set(newest) | set(live)):
        kept, row = newest.get(key), live.get(key)
        if kept is None:
            found.append(
                RecordProblem(
                    label, key, 0, 0, "has no history row: written around the application"
                )
            )
            continue
        history_id, seq, kind, values = kept[0], kept[1] or 0, kept[2], kept[3:]
        if row is None:
            if kind != "-":
                found.append(
                    RecordProblem(
                        label, key, seq, history_id, "was deleted: its history row remains"
                    )
                )
            continue
        changed = [c for c, a, b in zip(columns, values, row, strict=True) if a != b]
        if changed:
            found.append(
                RecordProblem(
                    label,
                    key,
                    seq,
                    history_id,
                    f"differs from its history row in {', '.join(changed)}: the row was altered",
                )
            )
    return found


def record_problems() -> list[RecordProblem]:
    """Every append-only record that does not match its history row, model by model."""
    found = []
    for label in RECORD_MODELS:
        found += problems_of(apps.get_model(label))
    return found

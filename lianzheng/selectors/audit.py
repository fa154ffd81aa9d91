"""Reads of the audit trail: the global log across every history table, version comparison,
and the chain's status. Kept apart from the case selectors; nothing here writes."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from lianzheng.audit.chain import chained_models
from lianzheng.choices import CaseState
from lianzheng.models import ChainHead, ChainVerification, TalkCase
from lianzheng.selectors.changes import field_display

CASE_LINKED = {
    "historicaltalkcase": "id",
    "historicalcasesubject": "case_id",
    "historicalcaseparticipant": "case_id",
    "historicalcaseground": "case_id",
    "historicalnotice": "case_id",
    "historicalpostponement": "case_id",
    "historicaltalkrecord": "case_id",
    "historicalrectificationitem": "case_id",
    "historicalescalation": "case_id",
    "historicalconfidentialreport": "case_id",
    # Filtering the log by case left out the case's documents, checks and reminders.
    "historicalgenerateddocument": "case_id",
    "historicalreminder": "case_id",
    "historicalrectificationcheck": "item__case_id",
}


def _case_of(row, field: str):
    """The case a history row belongs to, following ``item__case_id`` through the item."""
    value = row
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


@dataclass(frozen=True)
class LogFilters:
    user_id: int | None = None
    since: date | None = None
    until: date | None = None
    case_id: int | None = None
    transition: str = ""
    model: str = ""  # a history model's model_name


def model_choices() -> list[tuple[str, str]]:
    return [(m._meta.model_name, str(m.instance_type._meta.verbose_name)) for m in chained_models()]


def _filtered(model, f: LogFilters, before_seq: int | None):
    qs = model.objects.all()
    if f.user_id:
        qs = qs.filter(history_user_id=f.user_id)
    if f.since:
        qs = qs.filter(history_date__gte=timezone.make_aware(datetime.combine(f.since, time.min)))
    if f.until:
        qs = qs.filter(history_date__lte=timezone.make_aware(datetime.combine(f.until, time.max)))
    if f.transition:
        qs = qs.filter(history_transition=f.transition)
    if f.case_id:
        field = CASE_LINKED.get(model._meta.model_name)
        if field is None:
            return model.objects.none()
        qs = qs.filter(**{field: f.case_id})
    if before_seq:
        qs = qs.filter(chain_seq__lt=before_seq)
    return qs.order_by("-chain_seq")


def audit_log(f: LogFilters, *, limit: int = 50, before_seq: int | None = None) -> list[dict]:
    """The newest ``limit`` history rows matching the filters, across every table, newest
    first; page further back with ``before_seq`` (the last row's sequence number)."""
    models_ = [m for m in chained_models() if not f.model or m._meta.model_name == f.model]
    if f.transition:
        models_ = [m for m in models_ if m._meta.model_name == "historicaltalkcase"]
    streams = []
    for model in models_:
        rows = list(_filtered(model, f, before_seq)[:limit])
        streams.append([(-r.chain_seq, model, r) for r in rows])
    merged = heapq.merge(*streams, key=lambda t: t[0])
    entries = []
    for _neg, model, row in merged:
        entries.append(_entry(model, row))
        if len(entries) == limit:
            break
    return entries


def _entry(model, row) -> dict:
    case_field = CASE_LINKED.get(model._meta.model_name)
    return {
        "seq": row.chain_seq,
        "when": row.history_date,
        "user_id": row.history_user_id,
        "who": row.history_user_display,
        "model": str(model.instance_type._meta.verbose_name),
        "object": str(row.instance) if row.history_type != "-" else f"#{row.pk}",
        "type": {"+": "新增 added", "~": "修改 changed", "-": "删除 removed"}[row.history_type],
        "transition": row.history_transition,
        "from": CaseState(row.history_state_from).label if row.history_state_from else "",
        "to": CaseState(row.history_state_to).label if row.history_state_to else "",
        "reason": row.history_change_reason or "",
        "articles": row.history_articles,
        "case_id": _case_of(row, case_field) if case_field else None,
        "hash": row.chain_hash,
    }


def case_versions(case: TalkCase):
    return list(case.history.order_by("chain_seq"))


def compare_versions(case: TalkCase, a_id: int, b_id: int) -> list[dict]:
    """Field by field, in the fields' Chinese labels: what version A and version B say."""
    a = case.history.get(history_id=a_id)
    b = case.history.get(history_id=b_id)
    rows = []
    for field in TalkCase._meta.concrete_fields:
        if field.attname in ("id",):
            continue
        show = field_display(field)
        old, new = getattr(a, field.attname), getattr(b, field.attname)
        rows.append(
            {
                "label": str(field.verbose_name),
                "a": show(old),
                "b": show(new),
                "changed": old != new,
            }
        )
    return rows


def chain_status() -> dict:
    head = ChainHead.current()
    last = ChainVerification.objects.first()
    return {"head": head, "last": last}

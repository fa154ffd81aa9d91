"""Reads of the audit trail: the global log across every history table, version comparison,
and the chain's status. Kept apart from the case selectors; nothing here writes."""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from lianzheng.audit.chain import chained_models
from lianzheng.choices import CaseState
from lianzheng.models import (
    CaseGround,
    CaseParticipant,
    CaseSubject,
    ChainHead,
    ChainVerification,
    Escalation,
    Notice,
    Postponement,
    RectificationCheck,
    RectificationItem,
    TalkCase,
    TalkRecord,
)
from lianzheng.selectors.changes import (
    FieldChange,
    Related,
    field_label,
    history_type_label,
    in_reader_language,
    m2m_snapshots,
    row_changes,
    row_key,
)

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
    # Who was shown the confidential report (the showing, never the report's content).
    "historicalconfidentialaccess": "case_id",
    "historicalrectificationcheck": "item__case_id",
}
# History whose values the log does not show: the confidential report's are shown to three
# offices only, each showing logged (第七条（四）), and the log is read by the auditor too.
WITHHELD = frozenset({"historicalconfidentialreport"})


def _case_link(model, field: str):
    """The foreign key a row reaches its case through (a check: its item), if not directly."""
    if "__" not in field:
        return None
    return model._meta.get_field(field.split("__", 1)[0])


def _case_of(model, row, field: str, related: Related):
    """The case a history row belongs to, following ``item__case_id`` through the item."""
    link = _case_link(model, field)
    if link is None:
        return getattr(row, field)
    target = related.get(link.related_model, getattr(row, link.attname))
    return getattr(target, field.split("__", 1)[1], None) if target is not None else None


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
    # The same object's row before each one, found by the database in the same query.
    before = model.objects.filter(id=OuterRef("id"), chain_seq__lt=OuterRef("chain_seq"))
    qs = qs.annotate(
        previous_history_id=Subquery(before.order_by("-chain_seq").values("history_id")[:1])
    )
    return qs.order_by("-chain_seq")


def audit_log(f: LogFilters, *, limit: int = 50, before_seq: int | None = None) -> list[dict]:
    """The newest ``limit`` history rows matching the filters, across every table, newest
    first; page further back with ``before_seq`` (the last row's sequence number).

    Each entry names its object (a removed participant by his name and part, from the row that
    recorded the removal) and carries ``changes``, the fields that differ from the object's
    row before, in words. The rows before and the objects named are read once per table for
    all the entries, however many an export holds."""
    models_ = [m for m in chained_models() if not f.model or m._meta.model_name == f.model]
    if f.transition:
        models_ = [m for m in models_ if m._meta.model_name == "historicaltalkcase"]
    streams = []
    for model in models_:
        rows = list(_filtered(model, f, before_seq)[:limit])
        streams.append([(-r.chain_seq, model, r) for r in rows])
    merged = heapq.merge(*streams, key=lambda t: t[0])
    picked = [(model, row) for _neg, model, row in itertools.islice(merged, limit)]
    previous = _previous_rows(picked)
    m2m = m2m_snapshots([*(row for _m, row in picked), *previous.values()])
    related = Related()
    changes, instances = {}, {}
    for model, row in picked:
        instances[row_key(row)] = row.instance
        related.want_name(instances[row_key(row)])
        link = _case_link(model, CASE_LINKED.get(model._meta.model_name, ""))
        if link is not None:
            related.want(link.related_model, getattr(row, link.attname), named=False)
        if model._meta.model_name in WITHHELD:
            continue
        before = previous.get((type(row), row.previous_history_id))
        changes[row_key(row)] = row_changes(row, before, m2m=m2m)
        related.want_changes(changes[row_key(row)])
    related.load()
    return [
        _entry(model, row, instances[row_key(row)], related, changes.get(row_key(row)))
        for model, row in picked
    ]


def _previous_rows(picked) -> dict[tuple[type, int], object]:
    """The rows before the picked ones (by ``row_key``), those not picked themselves read once
    per table."""
    found = {row_key(row): row for _model, row in picked}
    wanted = defaultdict(set)
    for model, row in picked:
        if (model, row.previous_history_id) not in found and row.previous_history_id:
            wanted[model].add(row.previous_history_id)
    for model, ids in wanted.items():
        found.update({(model, pk): row for pk, row in model.objects.in_bulk(ids).items()})
    return found


def _entry(model, row, instance, related: Related, changes) -> dict:
    case_field = CASE_LINKED.get(model._meta.model_name)
    return {
        "seq": row.chain_seq,
        "when": row.history_date,
        "user_id": row.history_user_id,
        "who": row.history_user_display,
        "model": str(model.instance_type._meta.verbose_name),
        "object": related.name(instance),
        "history_type": row.history_type,
        "type": history_type_label(row.history_type),
        "transition": row.history_transition,
        "from": CaseState(row.history_state_from).label if row.history_state_from else "",
        "to": CaseState(row.history_state_to).label if row.history_state_to else "",
        "reason": in_reader_language(row.history_change_reason or ""),
        "articles": row.history_articles,
        "case_id": _case_of(model, row, case_field, related) if case_field else None,
        "hash": row.chain_hash,
        # None: what the row holds is not shown here (the confidential report: 第七条（四）).
        "changes": related.changes_text(changes) if changes is not None else None,
    }


def case_versions(case: TalkCase):
    return list(case.history.order_by("chain_seq"))


def compare_versions(case: TalkCase, a, b) -> list[dict]:
    """Field by field, in the fields' Chinese labels: what version A and version B (two of the
    case's history rows) say."""
    fields = [f for f in TalkCase._meta.concrete_fields if f.attname != "id"]
    values = [FieldChange(f, getattr(a, f.attname), getattr(b, f.attname)) for f in fields]
    related = Related(case)
    related.want_changes(values)
    related.load()
    return [
        {
            "label": field_label(v.field),
            "a": related.text(v.field, v.old),
            "b": related.text(v.field, v.new),
            "changed": v.old != v.new,
        }
        for v in values
    ]


# The parts of a case a comparison of two versions covers; the confidential report is not
# among them (第七条（四）: shown to three offices only, each showing logged).
COMPARED_PARTS = (
    CaseSubject,
    CaseParticipant,
    CaseGround,
    Notice,
    Postponement,
    TalkRecord,
    RectificationItem,
    RectificationCheck,
    Escalation,
)


@dataclass(frozen=True)
class PartDifference:
    """One part that differs between two versions: ``kind`` "+" (in B, not in A), "-" (in A,
    not in B) or "~" (in both, changed: ``changes`` are (label, in A, in B))."""

    kind: str
    sentence: str
    changes: tuple[tuple[str, str, str], ...] = ()


def _as_of(rows, seq: int) -> dict:
    """Each object as its last row up to ``seq`` in the chain has it, unless that row removed it."""
    state = {}
    for row in rows:
        if row.chain_seq > seq:
            break
        if row.history_type == "-":
            state.pop(row.id, None)
        else:
            state[row.id] = row
    return state


def compare_parts(case: TalkCase, a, b) -> list[PartDifference]:
    """What differs among the case's subjects, participants, grounds, notices, postponements,
    records, rectification items and checks and its escalation between two versions: each
    part as it stood at each version's place in the audit chain. A part added is named as it
    is in B, one removed as it was in A (from its history: it is gone), each with the reasons
    recorded between the two. ``a`` and ``b`` are two of the case's history rows."""
    low, high = sorted((a.chain_seq, b.chain_seq))
    related = Related(case)
    pairs = []
    for model in COMPARED_PARTS:
        history = model.history.model.objects
        if model is RectificationCheck:
            items = RectificationItem.history.filter(case_id=case.pk).values("id")
            rows = history.filter(item_id__in=items)
        else:
            rows = history.filter(case_id=case.pk)
        rows = list(rows.filter(chain_seq__lte=high).order_by("chain_seq"))
        in_a, in_b = _as_of(rows, a.chain_seq), _as_of(rows, b.chain_seq)
        for row in {row.id: row for row in rows}.values():  # each part as last recorded
            related.know(row.instance)
        reasons = defaultdict(list)
        for row in rows:
            reason = row.history_change_reason or ""
            if low < row.chain_seq and reason and reason not in reasons[row.id]:
                reasons[row.id].append(reason)
        for pk in dict.fromkeys(row.id for row in rows):
            if pk in in_a or pk in in_b:
                pairs.append((in_a.get(pk), in_b.get(pk), "；".join(reasons[pk])))
    m2m = m2m_snapshots(row for pair in pairs for row in pair[:2])
    found = []
    for old, new, reason in pairs:
        if old is None or new is None:
            kind, row, changes = ("+", new, []) if old is None else ("-", old, [])
        else:
            kind, row, changes = "~", new, row_changes(new, old, m2m=m2m)
            if not changes:
                continue
        instance = row.instance
        related.want_name(instance)
        related.want_changes(changes)
        found.append((kind, instance, reason, changes))
    related.load()
    return [
        PartDifference(
            kind=kind,
            sentence=related.part_sentence(kind, instance, reason),
            changes=related.changes_text(changes),
        )
        for kind, instance, reason, changes in found
    ]


def chain_status() -> dict:
    head = ChainHead.current()
    last = ChainVerification.objects.first()
    return {"head": head, "last": last}

"""People: the person behind a login, who should take part in a case (第六条（二）), and a
person's integrity file (个人廉政档案, 第九条) as the admin and the person himself read it.

The integrity file lists every case the person was the subject of, oldest first, with its talk,
commitment, rectification items and escalation, and the documents generated for him. Like the
documents, it never reads the confidential report (R7.4), so the same entries can be shown to
the person himself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from lianzheng.choices import CaseRole, CaseState, DocumentKind
from lianzheng.models import (
    CaseSubject,
    GeneratedDocument,
    Person,
    RectificationItem,
    RoleAssignment,
    TalkCase,
    TalkRecord,
)
from lianzheng.rules.table import required_participants
from lianzheng.selectors.facts import person_facts


def suggested_participants(case: TalkCase, on: date | None = None) -> list[tuple[Person, str]]:
    """Who fills each part R6.2 requires of this case (``required_participants``), from today's
    role assignments: for the lead, someone who meets every lead requirement (one per subject
    of a collective talk), in the rule's order of preference; never a subject (R7.1)."""
    subjects = [s.person for s in case.subjects.select_related("person__unit")]
    subject_ids = {p.pk for p in subjects}
    needs = required_participants(
        case.talk_type, [person_facts(p) for p in subjects], case.delegated_by_id is not None
    )
    substitutes = {s.case_role: s.person for s in case.substitutions.select_related("person")}
    holders: dict[tuple[str, int | None], list[Person]] = {}
    for ra in (
        RoleAssignment.objects.current(on)
        .filter(role__in={role for need in needs for role in need.roles})
        .select_related("person")
        .order_by("-valid_from", "pk")
    ):
        if ra.person_id in subject_ids:
            continue
        holders.setdefault((ra.role, None), []).append(ra.person)
        if ra.unit_id:
            holders.setdefault((ra.role, ra.unit_id), []).append(ra.person)

    def candidates(need) -> list[Person]:
        found = []
        for role in need.roles:
            found += [p for p in holders.get((role, need.section), []) if p not in found]
        return found

    result: list[tuple[Person, str]] = []
    leads = [need for need in needs if need.case_role == CaseRole.LEAD]
    if leads:
        everyone = [set(p.pk for p in candidates(need)) for need in leads]
        lead = next((p for p in candidates(leads[0]) if all(p.pk in s for s in everyone)), None)
        if lead is not None:
            result.append((lead, CaseRole.LEAD))
    for need in needs:
        if need.case_role == CaseRole.LEAD:
            continue
        taken = {p.pk for p, _role in result}
        person = substitutes.get(need.case_role) or next(
            (p for p in candidates(need) if p.pk not in taken), None
        )
        if person is not None:
            result.append((person, need.case_role))
    return result


def substitutes_needed(case: TalkCase, on: date | None = None) -> list[tuple[str, Person]]:
    """The parts R6.2 requires that only a subject of this case holds, with no substitute
    designated yet (R7.1): (the part, in words, and the subject). The case page says so, so
    that the clerk asks the principal head to designate one before consent is asked."""
    subjects = {s.person_id: s.person for s in case.subjects.select_related("person__unit")}
    needs = required_participants(
        case.talk_type,
        [person_facts(p) for p in subjects.values()],
        case.delegated_by_id is not None,
    )
    designated = set(case.substitutions.values_list("case_role", flat=True))
    wanted = [n for n in needs if n.case_role != CaseRole.LEAD and n.case_role not in designated]
    holders: dict[str, set[int]] = {}
    for role, person_id in (
        RoleAssignment.objects.current(on)
        .filter(role__in={role for need in wanted for role in need.roles})
        .values_list("role", "person_id")
    ):
        holders.setdefault(role, set()).add(person_id)
    found = []
    for need in wanted:
        held_by = set().union(*(holders.get(role, set()) for role in need.roles))
        if held_by and held_by <= set(subjects):
            found.append((need.zh, subjects[min(held_by)]))
    return found


# -- the integrity file --------------------------------------------------------------------------

NOT_FILED = (CaseState.DRAFT, CaseState.WITHDRAWN, CaseState.DECLINED)


@dataclass
class FileEntry:
    """One case in the file: what happened to the person in it, in order."""

    case: object
    record: TalkRecord | None
    items: list[RectificationItem]
    escalation: object | None
    documents: list[GeneratedDocument] = field(default_factory=list)

    @property
    def commitment(self) -> str:
        return self.record.commitment if self.record else ""

    @property
    def open_items(self) -> int:
        return sum(1 for item in self.items if item.status != "verified")

    @property
    def overdue_items(self) -> int:
        return sum(1 for item in self.items if item.overdue)


def own_items(items, subject: CaseSubject) -> list[RectificationItem]:
    """The subject's own rectification items (R9.1: in a collective talk each item is one
    subject's); an item set before items named their subject is shown to each."""
    return [item for item in items if item.subject_id in (subject.pk, None)]


def integrity_file(person: Person, *, include_unfiled: bool = False) -> list[FileEntry]:
    """The person's cases, oldest first. Proposals never approved or withdrawn are not part of
    the file (nothing was said to the person); staff may ask for them with include_unfiled."""
    subjects = (
        CaseSubject.objects.filter(person=person)
        .select_related("case", "case__escalation")
        .prefetch_related(
            Prefetch(
                "case__rectification_items",
                queryset=RectificationItem.objects.prefetch_related("checks").order_by(
                    "deadline", "pk"
                ),
            ),
        )
        .order_by("case__created_at", "case__pk")
    )
    if not include_unfiled:
        subjects = subjects.exclude(case__state__in=NOT_FILED)
    subjects = list(subjects)
    records = {
        r.subject_id: r
        for r in TalkRecord.objects.filter(subject__in=subjects).prefetch_related(
            "interviewers_present"
        )
    }
    documents: dict[int, list[GeneratedDocument]] = {}
    for document in GeneratedDocument.objects.filter(
        person=person, case_id__in=[s.case_id for s in subjects]
    ).order_by("kind", "-version"):
        documents.setdefault(document.case_id, []).append(document)
    entries = []
    for subject in subjects:
        case = subject.case
        entries.append(
            FileEntry(
                case=case,
                record=records.get(subject.pk),
                items=own_items(case.rectification_items.all(), subject),
                escalation=getattr(case, "escalation", None),
                documents=documents.get(case.pk, []),
            )
        )
    return entries


def integrity_file_versions(person: Person) -> list[GeneratedDocument]:
    """The PDF versions of the person's file, newest first."""
    return list(
        GeneratedDocument.objects.filter(
            person=person, kind=DocumentKind.INTEGRITY_FILE, case__isnull=True
        ).order_by("-version")
    )

"""A person's integrity file (个人廉政档案, 第九条) as the admin and the person himself read it.

Every case the person was the subject of, oldest first, with its talk, commitment, rectification
items and escalation, and the documents generated for him. Like the documents, it never reads the
confidential report (R7.4), so the same entries can be shown to the person himself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from lianzheng.choices import CaseState, DocumentKind
from lianzheng.models import (
    CaseSubject,
    GeneratedDocument,
    Person,
    RectificationItem,
    TalkRecord,
)

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
                items=list(case.rectification_items.all()),
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

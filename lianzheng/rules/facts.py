"""What the rules look at: a case, as it would be after a transition, in plain data.

The transition service builds these from the database and the submitted form; the rules never
touch the ORM, so each check is a pure function of its facts and can be tested without a
database, and the same checks explain a refused button before anyone presses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lianzheng.workdays import WorkdayCalendar

# The facts that cost a query to know, by the name a rule gives in ``Rule.reads``, with the
# CaseFacts fields each fills. Everything else on CaseFacts comes with the case's own row.
FACT_GROUPS: dict[str, tuple[str, ...]] = {
    "actor": ("actor",),
    "proposer": ("proposer_roles",),
    "calendar": ("calendar",),
    "subjects": ("subjects",),
    "participants": ("participants", "substitutes"),
    "notices": ("notices",),
    "postponement": ("postponement",),
    "grounds": ("ground_numbers", "grounds_needing_justification"),
    "regulation": ("regulation_effective_date",),
    "appointment": (
        "appointment_effective_date",
        "appointment_person_id",
        "appointment_kind",
        "appointment_rank",
    ),
    "records": ("records",),
    "items": ("items",),
}


class FactNotLoaded(RuntimeError):
    """A rule used a fact its entry does not declare in ``reads``."""


class _NotLoaded:
    """What stands for a group of facts the service did not load, because no rule of the
    transition declares that it reads them. Any use of it raises FactNotLoaded, so a rule
    that reads more than it declares fails loudly instead of judging an empty tuple."""

    def _refuse(self, *args, **kwargs):
        raise FactNotLoaded(
            "a rule read facts its entry does not declare (Rule.reads); declare them"
        )

    __bool__ = __len__ = __iter__ = __contains__ = __getitem__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _refuse

    def __getattr__(self, name: str):
        if name.startswith("__"):  # protocol probes (copy, pickle) get the usual answer
            raise AttributeError(name)
        self._refuse()

    def __repr__(self) -> str:
        return "NOT_LOADED"


NOT_LOADED = _NotLoaded()


@dataclass(frozen=True)
class ActorFacts:
    """The user asking for the transition and the offices he holds (RoleAssignment)."""

    user_id: int | None = None
    person_id: int | None = None
    name: str = ""
    roles: frozenset[str] = frozenset()
    sections: frozenset[int] = frozenset()
    is_superuser: bool = False


@dataclass(frozen=True)
class PersonFacts:
    person_id: int
    name: str
    category: str
    rank: str
    unit_id: int | None = None
    unit_name: str = ""
    unit_is_section: bool = True


@dataclass(frozen=True)
class ParticipantFacts:
    person_id: int
    name: str
    case_role: str
    roles: frozenset[str] = frozenset()
    sections: frozenset[int] = frozenset()


@dataclass(frozen=True)
class NoticeFacts:
    subject_person_id: int
    written_on: date | None
    scheduled_at: datetime | None
    place: str = ""
    content: str = ""
    interviewers: str = ""
    # Its delivery (送达), once recorded (R6.3): how, when, signed for by whom.
    delivery_method: str = ""
    delivered_at: datetime | None = None
    delivery_signed_by: str = ""
    notice_id: int | None = None


@dataclass(frozen=True)
class RecordFacts:
    subject_person_id: int
    interviewers_present: tuple[int, ...] = ()
    record_text: str = ""
    statement: str = ""
    report: str = ""
    requirements: str = ""
    problems: str = ""
    explanation: str = ""
    measures: str = ""
    commitment: str = ""


@dataclass(frozen=True)
class ItemFacts:
    description: str
    deadline: date | None
    responsible: str
    status: str
    # Whose item it is (R9.1): one of the case's subjects, by person; None on items set before
    # this was kept.
    subject_person_id: int | None = None


@dataclass(frozen=True)
class PostponementFacts:
    application: str
    decision: str
    decided_by_roles: frozenset[str] = frozenset()
    decided_by_lead: bool = False
    new_scheduled_at: datetime | None = None


@dataclass(frozen=True)
class CaseFacts:
    """Everything any rule of the table may ask about one case and one request."""

    transition: str
    actor: ActorFacts
    today: date
    now: datetime
    calendar: WorkdayCalendar
    talk_type: str
    state: str
    purpose: str = ""
    ground_numbers: tuple[int, ...] = ()
    grounds_needing_justification: tuple[int, ...] = ()
    other_justification: str = ""
    special_trigger: str = ""
    source: str = ""
    problems: str = ""
    preparation_note: str = ""
    scheduled_at: datetime | None = None
    place: str = ""
    regulation_effective_date: date | None = None
    regulation_revision_id: int | None = None
    appointment_effective_date: date | None = None
    appointment_person_id: int | None = None
    appointment_kind: str = ""
    appointment_rank: str = ""
    delegated_by_principal: bool = False
    consented_by_principal: bool = False
    consented_at: datetime | None = None
    # 第六条（一）'s 约谈主体: a leader proposing directly, or the office on what it learned.
    origin: str = ""
    proposed_by_id: int | None = None
    proposer_roles: frozenset[str] = frozenset()
    short_notice_reason: str = ""
    short_notice_approved_by_principal: bool = False
    subjects: tuple[PersonFacts, ...] = ()
    participants: tuple[ParticipantFacts, ...] = ()
    # The principal head's designated substitutes in this case (R7.1): (case role, person id).
    substitutes: tuple[tuple[str, int], ...] = ()
    notices: tuple[NoticeFacts, ...] = ()
    postponement: PostponementFacts | None = None
    records: tuple[RecordFacts, ...] = ()
    items: tuple[ItemFacts, ...] = ()
    escalation_ground: str = ""
    escalation_detail: str = ""
    reason: str = ""
    proposal: Mapping[str, Any] = field(default_factory=dict)

    def participants_in(self, *case_roles: str) -> tuple[ParticipantFacts, ...]:
        return tuple(p for p in self.participants if p.case_role in case_roles)

    @property
    def lead(self) -> ParticipantFacts | None:
        leads = self.participants_in("lead")
        return leads[0] if len(leads) == 1 else None

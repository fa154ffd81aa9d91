"""Who may ask for what, by role (group membership); the rules then decide whether it is allowed.

Kept apart from the rules on purpose: a permission says "this kind of user may ask", a rule says
"the regulation allows it for this case now". An auditor may ask for nothing.
"""

from __future__ import annotations

from lianzheng.choices import CaseState, Role
from lianzheng.roles import ROLE_BY_CODE
from lianzheng.rules.table import CONFIDENTIAL_READERS

OFFICE = frozenset({Role.OFFICE, Role.OFFICE_HEAD})
LEADERS = frozenset(
    {
        Role.PRINCIPAL_HEAD,
        Role.DEPUTY_HEAD_PERSONNEL,
        Role.DEPUTY_HEAD_DISCIPLINE,
        Role.LEADER_IN_CHARGE,
    }
)
ATTENDEES = frozenset({Role.DISCIPLINE_OFFICER, Role.PERSONNEL_OFFICER})
CASE_STAFF = OFFICE | LEADERS | ATTENDEES
# 第六条（一）: a case is proposed by the 约谈主体 (the leaders) or on the office's information.
PROPOSERS = OFFICE | LEADERS

# Who may ask for the case's acts that are not steps of its workflow (each step declares its
# own askers in lianzheng.workflow.steps).
ACTION_ROLES: dict[str, frozenset[str]] = {
    "create": PROPOSERS,
    "update": PROPOSERS,
    "rectification": OFFICE,
    # Generating the case's documents and integrity files. The office issues notices (R6.3) and
    # keeps the files (第九条); the officers who attend talks keep records.
    "document": OFFICE | ATTENDEES,
    # A case's evidence package (案卷): the office, which keeps the files (第九条), and the
    # auditors and discipline officers, who check them.
    "package": OFFICE
    | frozenset(
        {Role.AUDITOR, Role.DISCIPLINE_OFFICER, Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD}
    ),
}


def user_roles(user) -> frozenset[str]:
    """The roles whose Wagtail group the user belongs to, looked up once per user object
    (a request's user), as Django caches model permissions."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_lianzheng_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(spec.role for spec in ROLE_BY_CODE.values() if spec.group_name in names)
        user._lianzheng_roles = cached
    return cached


def user_holds_one_of(user, roles: frozenset[str]) -> bool:
    """An active user in one of ``roles``' groups (a superuser in all of them)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & roles)


def user_can_ask(user, action: str) -> bool:
    return user_holds_one_of(user, ACTION_ROLES[action])


# Who may open cases at all: everyone who works them, and the auditors, who read everything.
VIEWERS = CASE_STAFF | {Role.AUDITOR}

_CONTENT = {
    "talk_type",
    "purpose",
    "origin",
    "proposed_by",
    "source",
    "source_detail",
    "special_trigger",
    "appointment",
    "other_justification",
    "problems",
    "preparation_note",
    "subjects",
    "participants",
    "grounds",
    "confidential",
    "scheduled_at",
    "place",
}

# The per-state permission map (as Plone's workflows have): what may still be edited in each
# state. The schedule is planned freely until the notice goes out; after that only a
# postponement moves it. A closed, escalated or withdrawn case is read-only for everyone.
EDITABLE_FIELDS: dict[str, frozenset[str]] = {
    CaseState.DRAFT: frozenset(_CONTENT),
    CaseState.DECLINED: frozenset(_CONTENT),
    CaseState.SUBMITTED: frozenset(
        {"preparation_note", "participants", "confidential", "scheduled_at", "place"}
    ),
    CaseState.APPROVED: frozenset(
        {"preparation_note", "participants", "confidential", "scheduled_at", "place"}
    ),
    CaseState.NOTIFIED: frozenset({"preparation_note", "confidential"}),
    CaseState.POSTPONEMENT_REQUESTED: frozenset({"preparation_note", "confidential"}),
    CaseState.ABSENT: frozenset({"preparation_note", "confidential"}),
}


def user_can_view_cases(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(user_roles(user) & VIEWERS)


def editable_fields(user, case) -> frozenset[str]:
    """What this user may edit on this case now: nothing for auditors or in a final state. The
    confidential report is for R7.4's three offices to enter and amend, and for nobody else."""
    allowed = EDITABLE_FIELDS.get(case.state, frozenset())
    fields = allowed if user_can_ask(user, "update") else frozenset()
    # R7.4's three (the rules table's, whose check refuses anyone else in the service).
    if user_holds_one_of(user, CONFIDENTIAL_READERS):
        return fields | (allowed & {"confidential"})
    return fields - {"confidential"}


def user_can_edit_case(user, case) -> bool:
    """Whether the case's edit form opens for this user: its content is the case editors'
    (the confidential report has its own form, for R7.4's three)."""
    return bool(editable_fields(user, case) - {"confidential"})

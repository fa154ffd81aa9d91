"""Who may ask for what, by role (group membership); the rules then decide whether it is allowed.

Kept apart from the rules on purpose: a permission says "this kind of user may ask", a rule says
"the regulation allows it for this case now". An auditor may ask for nothing.
"""

from __future__ import annotations

from lianzheng.choices import Role
from lianzheng.roles import ROLE_BY_CODE

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

TRANSITION_ROLES: dict[str, frozenset[str]] = {
    "create": PROPOSERS,
    "update": PROPOSERS,
    "submit": PROPOSERS,
    "revise": PROPOSERS,
    "withdraw": PROPOSERS,
    # Anyone on the case's staff may ask; R6.1 lets only the principal head decide.
    "consent": CASE_STAFF,
    "decline": CASE_STAFF,
    "approve_short_notice": CASE_STAFF,
    "notify": OFFICE,
    "request_postponement": OFFICE,
    # R8.1 narrows these to the lead interviewer or the principal head.
    "approve_postponement": LEADERS,
    "reject_postponement": LEADERS,
    "record_absence": OFFICE,
    "reschedule": OFFICE,
    "hold": OFFICE | ATTENDEES | LEADERS,
    "start_rectification": OFFICE,
    "rectification": OFFICE,
    "close": OFFICE,
    # R10.1 narrows this to the principal head and the deputy head for discipline.
    "escalate": LEADERS,
}


def user_roles(user) -> frozenset[str]:
    """The roles whose Wagtail group the user belongs to."""
    if user is None or not user.is_authenticated:
        return frozenset()
    names = set(user.groups.values_list("name", flat=True))
    return frozenset(spec.role for spec in ROLE_BY_CODE.values() if spec.group_name in names)


def user_can_ask(user, action: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & TRANSITION_ROLES[action])

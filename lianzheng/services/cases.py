"""Creating and editing a case's content. Its state is the workflow service's alone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from lianzheng import clock
from lianzheng.choices import Act, CaseRole, CaseState, ProposalOrigin, TalkType
from lianzheng.history import user_display
from lianzheng.models import (
    CaseGround,
    CaseParticipant,
    CaseSubject,
    ConfidentialAccess,
    ConfidentialReport,
    Ground,
    Person,
    TalkCase,
)
from lianzheng.permissions import EDITABLE_FIELDS, LEADERS, user_can_ask, user_holds_one_of
from lianzheng.refusals import NOT_PERMITTED, TransitionRefused, full_clean_or_refuse, input_problem
from lianzheng.rules.table import REGULATION_IN_FORCE, RULES
from lianzheng.selectors.facts import person_for_user, regulation_in_force
from lianzheng.services.confidential import confidential_refusals


def _refuse_a_talk_before_the_regulation(regulation, scheduled_at) -> None:
    """R12.1 when the date is saved, not first at the notice."""
    if scheduled_at is None:
        return
    refusal = REGULATION_IN_FORCE.refusal(
        regulation.effective_date, timezone.localtime(scheduled_at).date()
    )
    if refusal is not None:
        raise TransitionRefused([refusal])


def _set_subjects(case: TalkCase, people: Sequence[Person], user, reason: str = "") -> None:
    wanted = [p.pk for p in people]
    if len(set(wanted)) != len(wanted):
        raise TransitionRefused(
            [input_problem("同一约谈对象不能重复列出", "a subject is listed twice", "subjects")]
        )
    for subject in case.subjects.exclude(person_id__in=wanted):
        subject._history_user = user
        subject._change_reason = reason
        subject.delete()
    existing = set(case.subjects.values_list("person_id", flat=True))
    for order, person in enumerate(people):
        if person.pk not in existing:
            subject = CaseSubject(case=case, person=person, sort_order=order)
            subject._history_user = user
            subject.save()


def _set_participants(
    case: TalkCase, participants: Iterable[tuple[Person, str]], user, reason: str = ""
) -> None:
    participants = list(participants)
    people = [p.pk for p, _role in participants]
    if len(set(people)) != len(people):
        raise TransitionRefused(
            [
                input_problem(
                    "同一人不能重复列为参加人", "a participant is listed twice", "participants"
                )
            ]
        )
    if any(role not in CaseRole.values for _p, role in participants):
        raise TransitionRefused(
            [input_problem("参加人角色无效", "unknown participant part", "participants")]
        )
    if sum(role == CaseRole.LEAD for _p, role in participants) > 1:
        raise TransitionRefused(
            [input_problem("只能有一名负责约谈的领导", "only one lead interviewer", "participants")]
        )
    current = {p.person_id: p for p in case.participants.all()}
    for person_id, participant in current.items():
        if person_id not in people:
            participant._history_user = user
            participant._change_reason = reason
            participant.delete()
    for person, role in participants:
        participant = current.get(person.pk)
        if participant is None:
            participant = CaseParticipant(case=case, person=person, role=role)
        elif participant.role == role:
            continue
        participant.role = role
        participant._history_user = user
        participant.save()


def _set_grounds(case: TalkCase, grounds: Iterable[Ground], user) -> None:
    wanted = {g.pk for g in grounds}
    for link in case.case_grounds.exclude(ground_id__in=wanted):
        link._history_user = user
        link.delete()
    have = set(case.case_grounds.values_list("ground_id", flat=True))
    for ground_id in wanted - have:
        link = CaseGround(case=case, ground_id=ground_id)
        link._history_user = user
        link.save()


def _set_confidential(case: TalkCase, data: dict | None, user) -> None:
    """Entered and amended by R7.4's three alone; the change is in the report's history, and
    the writing is logged with the showings (every view and change of it, R7.4)."""
    if not data:
        return
    if refusals := confidential_refusals(user, Act.EDIT_CONFIDENTIAL):
        raise TransitionRefused(refusals)
    report = getattr(case, "confidential", None) or ConfidentialReport(case=case)
    for key in ("whistleblower", "contact", "received_on", "material"):
        if key in data:
            setattr(report, key, data[key])
    report._history_user = user
    full_clean_or_refuse(report, exclude=["case"])
    report.save()
    ConfidentialAccess.objects.create(
        case=case, user_id=user.pk, user_display=user_display(user), purpose="entered or amended"
    )


def _proposer(user, fields: dict):
    """第六条（一）'s 约谈主体 when the form names none: the leader typing the case in himself;
    never the clerk, who is the case's author (``created_by``). R6.1 refuses a direct proposal
    without a leader at submission."""
    named = fields.pop("proposed_by", None)
    if named is not None or fields.get("origin") == ProposalOrigin.OFFICE_INFORMATION:
        return named
    return person_for_user(user) if user_holds_one_of(user, LEADERS) else None


@transaction.atomic
def case_create(
    *,
    user,
    talk_type: str,
    purpose: str = "",
    subjects: Sequence[Person] = (),
    participants: Iterable[tuple[Person, str]] = (),
    grounds: Iterable[Ground] = (),
    confidential: dict | None = None,
    **fields,
) -> TalkCase:
    """A new draft under the regulation in force; it takes its number when first submitted."""
    if not user_can_ask(user, "create"):
        raise TransitionRefused([NOT_PERMITTED])
    if talk_type not in TalkType.values:
        raise TransitionRefused([input_problem("请选择约谈种类", "choose the type", "talk_type")])
    unknown = set(fields) - (
        EDITABLE_FIELDS[CaseState.DRAFT] - {"subjects", "participants", "grounds", "confidential"}
    )
    if unknown:
        raise TypeError(f"case_create() got unexpected fields: {sorted(unknown)}")
    regulation = regulation_in_force()
    if regulation is None or regulation.live_revision_id is None:
        raise TransitionRefused(
            [
                RULES["R12.1"].refuse(
                    "尚无已发布施行的制度版本，不能立案",
                    "no published regulation is in force; a case cannot be opened",
                )
            ]
        )
    _refuse_a_talk_before_the_regulation(regulation, fields.get("scheduled_at"))
    case = TalkCase(
        # The year it is typed in, for the listing and the year's figures; the number, and the
        # year it names, come at the first submission.
        year=clock.today().year,
        talk_type=talk_type,
        purpose=purpose,
        regulation_page=regulation,
        regulation_revision_id=regulation.live_revision_id,
        created_by=user,
        proposed_by=_proposer(user, fields),
        origin=fields.pop("origin", ProposalOrigin.DIRECT),
        **fields,
    )
    case._history_user = user
    case._change_reason = "立案 / case opened"
    full_clean_or_refuse(case, exclude=["regulation_page", "regulation_revision"])
    case.save()
    _set_subjects(case, subjects, user)
    _set_participants(case, participants, user)
    _set_grounds(case, grounds, user)
    _set_confidential(case, confidential, user)
    return case


@transaction.atomic
def case_update(*, case: TalkCase, user, reason: str = "", **changes) -> TalkCase:
    """Edit what the case's state still allows; everything else is refused, nothing saved.
    The confidential report alone is R7.4's to allow (its three readers enter and amend it,
    the discipline officer usually), not the case's editors'."""
    confidential_only = set(changes) == {"confidential"}
    if not confidential_only and not user_can_ask(user, "update"):
        raise TransitionRefused([NOT_PERMITTED])
    case = TalkCase.objects.select_for_update().get(pk=case.pk)
    editable = EDITABLE_FIELDS.get(case.state, set())
    refused = sorted(set(changes) - editable)
    if refused:
        raise TransitionRefused(
            [
                input_problem(
                    f"案件处于“{CaseState(case.state).label}”状态，不能修改：{'、'.join(refused)}",
                    f"in state {case.state} these cannot be changed: {', '.join(refused)}",
                    refused[0],
                )
            ]
        )
    if "scheduled_at" in changes:
        _refuse_a_talk_before_the_regulation(case.regulation_page, changes["scheduled_at"])
    for key in ("subjects", "participants", "grounds", "confidential"):
        value = changes.pop(key, None)
        if value is not None:
            if key in ("subjects", "participants"):  # a removal says why (the timeline shows it)
                setter = _set_subjects if key == "subjects" else _set_participants
                setter(case, value, user, reason)
            else:
                {"grounds": _set_grounds, "confidential": _set_confidential}[key](case, value, user)
    if changes:
        for key, value in changes.items():
            setattr(case, key, value)
        case._history_user = user
        case._change_reason = reason or "修改案件 / case edited"
        full_clean_or_refuse(case, exclude=["regulation_page", "regulation_revision"])
        case.save()
    return case

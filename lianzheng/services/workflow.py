"""The one way a case changes state: ``case_transition``; and ``case_explain``, which says for
every transition whether this user may take it now, or why not.

``case_transition`` runs in a transaction, locks the case row, checks the user's permission,
checks the rules of the regulation against the case as it would be after the request, applies
the django-fsm transition, writes what the request carries (notices, records, items…), saves,
and leaves a history row naming who, which transition, from and to, why, and the articles cited,
plus a Wagtail log entry. Anything refused changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from lianzheng.choices import CaseRole, CaseState, PostponementDecision, RectificationStatus
from lianzheng.history import Change, recording
from lianzheng.log_actions import TRANSITION, log_transition
from lianzheng.models import (
    Escalation,
    Notice,
    Postponement,
    RectificationItem,
    TalkCase,
    TalkRecord,
)
from lianzheng.models.cases import state_write_allowed
from lianzheng.permissions import user_can_ask
from lianzheng.rules import check, facts_read, rules_for
from lianzheng.rules.facts import CaseFacts, ItemFacts, NoticeFacts, RecordFacts
from lianzheng.rules.table import Refusal
from lianzheng.selectors import case_facts, load_calendar
from lianzheng.services.errors import TransitionRefused, input_problem

LOG_ACTION = TRANSITION

NOT_PERMITTED = input_problem("您没有办理此项操作的权限", "You are not permitted to do this.")


def _required_text(data: dict, key: str, zh: str, en: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TransitionRefused([input_problem(zh, en, key)])
    return value.strip()


def _datetime(data: dict, key: str, zh: str, en: str, required: bool = True) -> datetime | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, datetime):
        raise TransitionRefused([input_problem(zh, en, key)])
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _date(data: dict, key: str, default: date | None = None) -> date:
    value = data.get(key, default)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TransitionRefused([input_problem("日期无效", "not a valid date", key)])
    return value


def _interviewer_names(case: TalkCase) -> str:
    names = [
        p.person.name
        for p in case.participants.select_related("person")
        if p.role in (CaseRole.LEAD, CaseRole.INTERVIEWER)
    ]
    return "、".join(names)


# -- what each transition reads from the request and writes after the rules allowed it --------


@dataclass
class Step:
    """One transition's request: ``prepare`` turns the submitted data into the facts the rules
    should see (raising TransitionRefused for unusable input); ``write`` stores it, given the
    acting user and his person's id (from the facts: looked up once per transition)."""

    prepare: Callable[[TalkCase, dict, CaseFacts], tuple[dict, dict]]
    write: Callable[[TalkCase, dict, object, int | None], None]
    reason_field: str = ""
    reads: frozenset[str] = frozenset()  # the facts ``prepare`` reads, as Rule.reads


def _nothing(case, data, facts):
    return {}, {}


def _no_write(case, proposal, user, actor_id):
    return None


# consent / decline


def _prepare_consent(case, data, facts):
    return {
        "comment": (data.get("comment") or "").strip(),
        "delegate": bool(data.get("delegate")),
    }, {}


def _write_consent(case, proposal, user, actor_id):
    case.consented_by_id = actor_id
    case.consented_at = timezone.now()
    case.consent_comment = proposal["comment"]
    if proposal["delegate"]:
        case.delegated_by_id = actor_id
        case.delegated_at = case.consented_at


def _prepare_decline(case, data, facts):
    return {}, {}


def _write_decline(case, proposal, user, actor_id):
    case.declined_reason = proposal["reason"]


def _write_revise(case, proposal, user, actor_id):
    case.consented_by = None
    case.consented_at = None


# notify


def _prepare_notify(case, data, facts):
    scheduled_at = _datetime(data, "scheduled_at", "须确定约谈时间", "set the time of the talk")
    written_on = _date(data, "written_on", timezone.localdate())
    place = (data.get("place") or "").strip()
    default_content = (data.get("content") or "").strip()
    contents = data.get("contents") or {}
    phone_at = _datetime(
        data, "phone_notified_at", "电话通知时间无效", "invalid phone time", required=False
    )
    notices = []
    for subject in facts.subjects:
        content = (contents.get(subject.person_id) or default_content).strip()
        notices.append(
            NoticeFacts(
                subject_person_id=subject.person_id,
                written_on=written_on,
                scheduled_at=scheduled_at,
                place=place,
                content=content,
                interviewers=_interviewer_names(case),
            )
        )
    proposal = {
        "scheduled_at": scheduled_at,
        "place": place,
        "notices": notices,
        "phone_notified_at": phone_at,
        "phone_note": (data.get("phone_note") or "").strip(),
    }
    return proposal, {"scheduled_at": scheduled_at, "place": place, "notices": tuple(notices)}


def _write_notify(case, proposal, user, actor_id):
    case.scheduled_at = proposal["scheduled_at"]
    case.place = proposal["place"]
    subjects = {s.person_id: s for s in case.subjects.all()}
    calendar = load_calendar()
    for notice in case.notices.filter(superseded=False):
        notice.superseded = True
        notice._history_user = user
        notice.save()
    for n in proposal["notices"]:
        days = calendar.working_days_between(
            n.written_on, timezone.localtime(n.scheduled_at).date()
        )
        row = Notice(
            case=case,
            subject=subjects[n.subject_person_id],
            written_on=n.written_on,
            scheduled_at=n.scheduled_at,
            place=n.place,
            content=n.content,
            interviewers=n.interviewers,
            phone_notified_at=proposal["phone_notified_at"],
            phone_note=proposal["phone_note"],
            short_notice=days < 3,
            sent_by=user,
        )
        row._history_user = user
        row.save()


# postponement (第八条（一））


def _prepare_request_postponement(case, data, facts):
    application = (data.get("application") or "").strip()
    subject_id = data.get("subject_person_id") or None
    if subject_id is not None and subject_id not in {s.person_id for s in facts.subjects}:
        raise TransitionRefused(
            [
                input_problem(
                    "申请人不是本案约谈对象",
                    "the applicant is not a subject",
                    "subject_person_id",
                )
            ]
        )
    return (
        {
            "application": application,
            "subject_person_id": subject_id,
            "applied_on": _date(data, "applied_on", timezone.localdate()),
        },
        {"reason": application},
    )


def _write_request_postponement(case, proposal, user, actor_id):
    subject = None
    if proposal["subject_person_id"]:
        subject = case.subjects.get(person_id=proposal["subject_person_id"])
    row = Postponement(
        case=case,
        subject=subject,
        applied_on=proposal["applied_on"],
        application=proposal["application"],
    )
    row._history_user = user
    row.save()


def _prepare_decide_postponement(case, data, facts):
    new_at = _datetime(data, "new_scheduled_at", "补谈时间无效", "invalid new time", required=False)
    return (
        {
            "new_scheduled_at": new_at,
            "new_place": (data.get("new_place") or "").strip(),
            "note": (data.get("note") or "").strip(),
        },
        {},
    )


def _decide(decision):
    def write(case, proposal, user, actor_id):
        row = case.postponements.filter(decision=PostponementDecision.PENDING).first()
        if row is None:
            # The state says an application waits, the record has none (data imported or
            # repaired by hand): refuse rather than decide on nothing.
            from lianzheng.rules.table import RULES

            raise TransitionRefused(
                [
                    RULES["R8.1"].refuse(
                        "没有待决定的延期申请，无法作出决定",
                        "there is no pending postponement application to decide on",
                    )
                ]
            )
        row.decision = decision
        row.decided_by_id = actor_id
        row.decided_at = timezone.now()
        row.decision_note = proposal["note"]
        if decision == PostponementDecision.APPROVED:
            row.new_scheduled_at = proposal["new_scheduled_at"]
            row.new_place = proposal["new_place"] or case.place
            # The old notices no longer hold: the talk is notified again (R6.3 applies anew).
            for notice in case.notices.filter(superseded=False):
                notice.superseded = True
                notice._history_user = user
                notice.save()
            case.scheduled_at = row.new_scheduled_at
            case.place = row.new_place
        row._history_user = user
        row.save()

    return write


def _write_reschedule(case, proposal, user, actor_id):
    for notice in case.notices.filter(superseded=False):
        notice.superseded = True
        notice._history_user = user
        notice.save()


# the talk itself (第七条, 第八条（二））

RECORD_FIELDS = (
    "record_text",
    "statement",
    "report",
    "requirements",
    "explanation",
    "measures",
    "commitment",
)


def _prepare_hold(case, data, facts):
    records_in = data.get("records")
    if not isinstance(records_in, dict):
        raise TransitionRefused(
            [input_problem("须填写谈话记录", "the talk record is missing", "records")]
        )
    held_at = _datetime(data, "held_at", "约谈时间无效", "invalid time", required=False)
    held_at = held_at or timezone.now()
    if held_at > timezone.now() + timedelta(minutes=5):
        raise TransitionRefused(
            [
                input_problem(
                    "约谈时间不能晚于现在",
                    "the talk cannot be recorded as held in the future",
                    "held_at",
                )
            ]
        )
    records = []
    for subject in facts.subjects:
        rec = records_in.get(subject.person_id) or {}
        present = tuple(int(pid) for pid in rec.get("interviewers_present") or ())
        records.append(
            RecordFacts(
                subject_person_id=subject.person_id,
                interviewers_present=present,
                **{key: (rec.get(key) or "").strip() for key in RECORD_FIELDS},
            )
        )
    return {"held_at": held_at, "records": records}, {"records": tuple(records)}


def _write_hold(case, proposal, user, actor_id):
    subjects = {s.person_id: s for s in case.subjects.all()}
    for rec in proposal["records"]:
        row = TalkRecord(
            case=case,
            subject=subjects[rec.subject_person_id],
            held_at=proposal["held_at"],
            recorded_by=user,
            **{key: getattr(rec, key) for key in RECORD_FIELDS},
        )
        row._history_user = user
        row.save()
        row.interviewers_present.set(rec.interviewers_present)


# rectification (第九条)


def _prepare_items(case, data, facts):
    from lianzheng.services.rectification import resolve_deadline

    items_in = data.get("items") or []
    items, working = [], []
    for item in items_in:
        deadline = item.get("deadline")
        if deadline is not None and (
            isinstance(deadline, datetime) or not isinstance(deadline, date)
        ):
            raise TransitionRefused([input_problem("整改期限无效", "invalid deadline", "items")])
        days = item.get("working_days")
        if deadline is not None or days is not None:
            deadline, days = resolve_deadline(deadline, days, "items")
        working.append(days)
        items.append(
            ItemFacts(
                description=(item.get("description") or "").strip(),
                deadline=deadline,
                responsible=(item.get("responsible") or "").strip(),
                status=RectificationStatus.OPEN,
            )
        )
    return {"items": items, "working_days": working}, {"items": facts.items + tuple(items)}


def _write_items(case, proposal, user, actor_id):
    working = proposal.get("working_days") or [None] * len(proposal["items"])
    for item, days in zip(proposal["items"], working, strict=True):
        row = RectificationItem(
            case=case,
            description=item.description,
            deadline=item.deadline,
            working_days=days,
            set_on=timezone.localdate(),
            responsible=item.responsible,
        )
        row._history_user = user
        row.save()


def _write_close(case, proposal, user, actor_id):
    case.closed_at = timezone.now()


# escalation (第十条, 第十一条)


def _prepare_escalate(case, data, facts):
    ground = data.get("ground") or ""
    detail = (data.get("detail") or "").strip()
    return (
        {"ground": ground, "detail": detail},
        {"escalation_ground": ground, "escalation_detail": detail},
    )


def _write_escalate(case, proposal, user, actor_id):
    row = Escalation(
        case=case,
        ground=proposal["ground"],
        detail=proposal["detail"],
        decided_by_id=actor_id,
        decided_at=timezone.now(),
    )
    row._history_user = user
    row.save()


def _write_withdraw(case, proposal, user, actor_id):
    case.withdrawal_reason = proposal["reason"]


SUBJECTS, ITEMS = frozenset({"subjects"}), frozenset({"items"})

STEPS: dict[str, Step] = {
    "submit": Step(_nothing, _no_write),
    "consent": Step(_prepare_consent, _write_consent),
    # The reason for declining is R6.1's to demand, so its refusal cites the article.
    "decline": Step(_prepare_decline, _write_decline),
    "revise": Step(_nothing, _write_revise),
    "notify": Step(_prepare_notify, _write_notify, reads=SUBJECTS),
    "request_postponement": Step(
        _prepare_request_postponement, _write_request_postponement, reads=SUBJECTS
    ),
    "approve_postponement": Step(_prepare_decide_postponement, _decide("approved")),
    "reject_postponement": Step(_prepare_decide_postponement, _decide("rejected")),
    "record_absence": Step(_nothing, _no_write),
    "reschedule": Step(_nothing, _write_reschedule),
    "hold": Step(_prepare_hold, _write_hold, reads=SUBJECTS),
    "start_rectification": Step(_prepare_items, _write_items, reads=ITEMS),
    "close": Step(_nothing, _write_close),
    "escalate": Step(_prepare_escalate, _write_escalate),
    "withdraw": Step(_nothing, _write_withdraw, reason_field="reason"),
}


def transition_names() -> list[str]:
    return list(STEPS)


def transition_label(name: str) -> str:
    """The button label declared with the transition on the model."""
    any_source = next(iter(getattr(TalkCase, name)._django_fsm.transitions.values()))
    return str(any_source.custom.get("label", name))


def _sources(name: str) -> set[str]:
    meta = getattr(TalkCase, name)._django_fsm
    return set(meta.transitions)


def _state_refusal(case: TalkCase, name: str) -> Refusal:
    return input_problem(
        f"案件当前为“{CaseState(case.state).label}”，不能办理“{transition_label(name)}”"
        "（可能已被他人办理，请刷新后查看）",
        f"the case is now '{case.state}', so '{name}' is not possible (someone may have acted "
        "on it already; reload the case)",
    )


def transition_reads(transition: str, talk_type: str) -> frozenset[str]:
    """The facts to load for a transition: what its rules and its request read, and the
    actor, whose person the service records as having acted."""
    step = STEPS.get(transition)
    return facts_read(transition, talk_type) | (step.reads if step else frozenset()) | {"actor"}


def transition_facts(
    *, case: TalkCase, transition: str, user, data: dict, reason: str = "", complete=False
) -> tuple[dict, CaseFacts]:
    """What the request proposes and the facts the rules judge it on: the case as stored
    (only what the transition reads, unless ``complete``) as the request would change it."""
    reads = None if complete else transition_reads(transition, case.talk_type)
    base = case_facts(
        case, user=user, transition=transition, reason=reason, proposal=data, reads=reads
    )
    proposal, overrides = STEPS[transition].prepare(case, data, base)
    return proposal, replace(base, proposal={**data, **proposal}, **overrides)


@transaction.atomic
def case_transition(*, case: TalkCase, transition: str, user, reason: str = "", **data) -> TalkCase:
    """Move the case by ``transition`` for ``user``, or raise TransitionRefused and change
    nothing. Returns the saved case (a fresh instance, locked for the transaction)."""
    if transition not in STEPS:
        raise ValueError(f"unknown transition {transition!r}")
    step = STEPS[transition]
    if not user_can_ask(user, transition):
        raise TransitionRefused([NOT_PERMITTED])
    locked = TalkCase.objects.select_for_update().get(pk=case.pk)
    if locked.state not in _sources(transition):
        raise TransitionRefused([_state_refusal(locked, transition)])
    reason = (reason or "").strip()
    if step.reason_field and not reason:
        raise TransitionRefused(
            [input_problem("须写明理由", "a reason is required", step.reason_field)]
        )
    proposal, facts = transition_facts(
        case=locked, transition=transition, user=user, data=data, reason=reason
    )
    refusals = check(facts)
    if refusals:
        raise TransitionRefused(refusals)

    source = locked.state
    locked._rule_facts = facts
    if not can_proceed(getattr(locked, transition)):
        raise TransitionRefused([_state_refusal(locked, transition)])
    getattr(locked, transition)()
    step.write(locked, {**proposal, "reason": reason}, user, facts.actor.person_id)

    codes = [r.code for r in rules_for(transition, locked.talk_type)]
    change = Change(
        user=user,
        reason=f"{transition_label(transition)}" + (f"：{reason}" if reason else ""),
        articles=tuple(codes),
        transition=(transition, source, locked.state),
        on=locked,
    )
    with state_write_allowed(), recording(change):
        locked.save()
    del locked._rule_facts
    log_transition(
        locked,
        user=user,
        data={
            "transition": transition,
            "from": source,
            "to": locked.state,
            "reason": reason,
            "articles": codes,
        },
    )
    return locked


@dataclass(frozen=True)
class Explanation:
    """One transition as a user sees it on the case page: allowed, or greyed with reasons."""

    name: str
    label: str
    allowed: bool
    refusals: tuple[Refusal, ...]
    needs_input: bool


# Transitions whose rules read what the form will carry; before the form is filled the
# explanation checks only what is known, and the form itself shows the rest.
NEEDS_INPUT = {
    "notify",
    "hold",
    "start_rectification",
    "escalate",
    "decline",
    "withdraw",
    "request_postponement",
    "approve_postponement",
}


def case_explain(*, case: TalkCase, user) -> list[Explanation]:
    """For every transition from the case's current state: may this user take it, or why not.

    The case's facts are read once for the page, as much as the permitted transitions' rules
    read, and each transition is judged on them."""
    offered = [name for name in STEPS if case.state in _sources(name)]
    permitted = [name for name in offered if user_can_ask(user, name)]
    facts = None
    if permitted:
        reads = frozenset().union(*(transition_reads(n, case.talk_type) for n in permitted))
        facts = case_facts(case, user=user, transition=permitted[0], reads=reads)
    result = []
    for name in offered:
        if name not in permitted:
            result.append(
                Explanation(
                    name, transition_label(name), False, (NOT_PERMITTED,), name in NEEDS_INPUT
                )
            )
            continue
        facts = replace(facts, transition=name)
        refusals = [
            r
            for r in check(facts)
            if name not in NEEDS_INPUT or not r.field or r.field in _KNOWN_FIELDS
        ]
        result.append(
            Explanation(
                name, transition_label(name), not refusals, tuple(refusals), name in NEEDS_INPUT
            )
        )
    return result


# Fields the case already holds before a form is filled; refusals about them are real now.
_KNOWN_FIELDS = {
    "participants",
    "subjects",
    "preparation_note",
    "talk_type",
    "appointment",
    "purpose",
    "grounds",
    "problems",
    "source",
    "special_trigger",
}


@transaction.atomic
def case_approve_short_notice(*, case: TalkCase, user, reason: str) -> TalkCase:
    """The principal head's approval of a notice shorter than three working days (R6.3's
    一般应: possible, with a recorded reason; flagged in reports)."""
    if not user_can_ask(user, "approve_short_notice"):
        raise TransitionRefused([NOT_PERMITTED])
    locked = TalkCase.objects.select_for_update().get(pk=case.pk)
    if locked.state not in (CaseState.SUBMITTED, CaseState.APPROVED):
        raise TransitionRefused([_state_refusal(locked, "notify")])
    facts = case_facts(
        locked,
        user=user,
        transition="approve_short_notice",
        reason=(reason or "").strip(),
        reads=transition_reads("approve_short_notice", locked.talk_type),
    )
    refusals = check(facts)
    if refusals:
        raise TransitionRefused(refusals)
    locked.short_notice_reason = reason.strip()
    locked.short_notice_approved_by_id = facts.actor.person_id
    locked.short_notice_approved_at = timezone.now()
    change = Change(
        user=user,
        reason=f"批准缩短通知期限：{reason.strip()}",
        articles=("R6.1", "R6.3"),
        on=locked,
    )
    with recording(change):
        locked.save()
    return locked


__all__ = [
    "Explanation",
    "TransitionRefused",
    "case_approve_short_notice",
    "case_explain",
    "case_transition",
]

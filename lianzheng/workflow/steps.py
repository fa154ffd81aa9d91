"""Every step of a talk case, each declared once: its states, who may ask, its form and inputs,
and what it writes. The case model binds them as its django-fsm transitions; the service, the
case page's buttons and "why not", the forms, the permission checks and the workflow diagram
read them here. The rules that guard a step are the rules table's entries that name it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng import clock
from lianzheng.choices import (
    CaseRole,
    CaseState,
    PostponementDecision,
    RectificationStatus,
    RequestForm,
)
from lianzheng.choices import Transition as T
from lianzheng.models.case_parts import (
    CaseParticipant,
    Escalation,
    Notice,
    Postponement,
    RectificationItem,
    Substitution,
    TalkRecord,
)
from lianzheng.permissions import ATTENDEES, CASE_STAFF, LEADERS, OFFICE, PROPOSERS
from lianzheng.refusals import TransitionRefused, input_problem
from lianzheng.rules.facts import ItemFacts, NoticeFacts, RecordFacts
from lianzheng.rules.table import NOTICE, RULES
from lianzheng.uploads import upload_refusals
from lianzheng.workflow import forms
from lianzheng.workflow.deadlines import resolve_deadline
from lianzheng.workflow.step import Step, TransitionContext

S = CaseState


def _required_datetime(data, key: str, zh: str, en: str, required: bool = True):
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, datetime):
        raise TransitionRefused([input_problem(zh, en, key)])
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _date(data, key: str, default: date | None = None) -> date:
    value = data.get(key, default)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TransitionRefused([input_problem("日期无效", "not a valid date", key)])
    return value


def _supersede_notices(case) -> None:
    """The notices in force no longer hold: the talk is notified again (R6.3 applies anew)."""
    for notice in case.notices.filter(superseded=False):
        notice.superseded = True
        notice.save()


class Submit(Step):
    """Ask the principal head to consent (第六条（一））."""

    name = T.SUBMIT
    sources = (S.DRAFT,)
    target = S.SUBMITTED
    askers = PROPOSERS

    def apply(self, case, context):
        # The number is taken here, once the rules have passed ("Case numbers" in rules.md);
        # a case sent back and submitted again keeps the number it took the first time.
        case.take_number(clock.today().year)


class Consent(Step):
    """The principal head's consent (第六条（一）), with his delegation when he gives one."""

    name = T.CONSENT
    sources = (S.SUBMITTED,)
    target = S.APPROVED
    # Anyone on the case's staff may ask; R6.1 lets only the principal head decide.
    askers = CASE_STAFF
    form_class = forms.ConsentForm

    def prepare(self, case, data, facts):
        return {
            "comment": (data.get("comment") or "").strip(),
            **_delegation(data),
        }, {}

    def apply(self, case, context):
        case.consented_by_id = context.actor.person_id
        case.consented_at = clock.now()
        case.consent_comment = context.proposal["comment"]
        if context.proposal["delegated_to"]:
            _delegate(case, context)


def _delegation(data) -> dict:
    """A delegation's inputs: to whom (a person's id) and the written form it took."""
    to = data.get("delegated_to") or None
    if to is not None and not isinstance(to, int):
        raise TransitionRefused([input_problem("受委托人无效", "unknown delegate", "delegated_to")])
    return {"delegated_to": to, "delegation_form": (data.get("delegation_form") or "").strip()}


def _delegate(case, context) -> None:
    case.delegated_by_id = context.actor.person_id
    case.delegated_at = clock.now()
    case.delegated_to_id = context.proposal["delegated_to"]
    case.delegation_form = context.proposal["delegation_form"]


def _may_delegate(case) -> bool:
    return case.delegated_by_id is None and forms.may_be_delegated(case)


def _delegated(case) -> bool:
    return case.delegated_by_id is not None


class DesignateSubstitute(Step):
    """The principal head designates who takes a part 第六条（二） requires when its holder is
    the subject, or must otherwise stand aside (第七条（一））: with the reason, for this case
    alone. R6.2 then accepts the substitute in that part; he is added to the case in it."""

    name = T.DESIGNATE_SUBSTITUTE
    sources = (S.DRAFT, S.SUBMITTED, S.APPROVED)
    target = None
    askers = CASE_STAFF
    form_class = forms.SubstituteForm
    shown_when_refused = False

    def prepare(self, case, data, facts):
        person_id = data.get("person_id") or None
        if person_id is not None and not isinstance(person_id, int):
            raise TransitionRefused([input_problem("代行人无效", "unknown person", "person_id")])
        return {"case_role": data.get("case_role") or "", "person_id": person_id}, {}

    def apply(self, case, context):
        role, person_id = context.proposal["case_role"], context.proposal["person_id"]
        Substitution.objects.filter(case=case, case_role=role).delete()
        Substitution(
            case=case,
            case_role=role,
            person_id=person_id,
            reason=context.reason,
            designated_by_id=context.actor.person_id,
            designated_at=clock.now(),
        ).save()
        # The one who held the part and cannot take it gives way to the substitute.
        for participant in case.participants.filter(role=role).exclude(person_id=person_id):
            participant.delete()
        if not case.participants.filter(role=role, person_id=person_id).exists():
            CaseParticipant(case=case, role=role, person_id=person_id).save()


class Delegate(Step):
    """The principal head delegates the talk (第六条（二））, after consenting and before the
    notice: its own recorded act (R6.1), naming to whom and in what written form."""

    name = T.DELEGATE
    sources = (S.APPROVED,)
    target = None
    askers = CASE_STAFF
    form_class = forms.DelegationForm
    conditions = (_may_delegate,)
    shown_when_refused = False

    def prepare(self, case, data, facts):
        return _delegation(data), {}

    def apply(self, case, context):
        _delegate(case, context)


class RevokeDelegation(Step):
    """The principal head takes the talk back before the notice (R6.1), with the reason."""

    name = T.REVOKE_DELEGATION
    sources = (S.APPROVED,)
    target = None
    askers = CASE_STAFF
    form_class = forms.ReasonForm
    conditions = (_delegated,)
    shown_when_refused = False

    def apply(self, case, context):
        case.delegated_by = case.delegated_to = case.delegated_at = None
        case.delegation_form = ""


class Decline(Step):
    """The principal head declines; the reason is R6.1's to demand, so its refusal cites it."""

    name = T.DECLINE
    sources = (S.SUBMITTED,)
    target = S.DECLINED
    askers = CASE_STAFF
    form_class = forms.ReasonForm

    def apply(self, case, context):
        case.declined_reason = context.reason


class Revise(Step):
    """Back to draft after a decline, to be changed and submitted again."""

    name = T.REVISE
    sources = (S.DECLINED,)
    target = S.DRAFT
    askers = PROPOSERS

    def apply(self, case, context):
        case.consented_by = None
        case.consented_at = None


def _not_yet_approved(case) -> bool:
    return case.short_notice_approved_by_id is None


class ApproveShortNotice(Step):
    """The principal head's approval of a notice shorter than R6.3's working days (its 一般应:
    possible, with a recorded reason; flagged in reports). The case's state stays."""

    name = T.APPROVE_SHORT_NOTICE
    sources = (S.SUBMITTED, S.APPROVED)
    target = None
    askers = CASE_STAFF
    form_class = forms.ShortNoticeForm
    conditions = (_not_yet_approved,)
    # Only the principal head can; the others learn of it from R6.3's refusal of the notice.
    shown_when_refused = False

    def apply(self, case, context):
        case.short_notice_reason = context.reason
        case.short_notice_approved_by_id = context.actor.person_id
        case.short_notice_approved_at = clock.now()


class Notify(Step):
    """The office's written notice to each subject (第六条（三））."""

    name = T.NOTIFY
    sources = (S.APPROVED,)
    target = S.NOTIFIED
    askers = OFFICE
    form_class = forms.NotifyForm
    more_inputs = frozenset({"notices"})
    reads = frozenset({"subjects", "participants", "calendar"})

    def prepare(self, case, data, facts):
        # A notice without its time or place is the rule's to refuse (R6.3), citing it.
        scheduled_at = _required_datetime(
            data, "scheduled_at", "约谈时间无效", "invalid time", required=False
        )
        written_on = _date(data, "written_on", clock.today())
        place = (data.get("place") or "").strip()
        default_content = (data.get("content") or "").strip()
        contents = data.get("contents") or {}
        phone_at = _required_datetime(
            data, "phone_notified_at", "电话通知时间无效", "invalid phone time", required=False
        )
        interviewers = "、".join(
            p.name
            for p in facts.participants
            if p.case_role in (CaseRole.LEAD, CaseRole.INTERVIEWER)
        )
        notices = tuple(
            NoticeFacts(
                subject_person_id=subject.person_id,
                written_on=written_on,
                scheduled_at=scheduled_at,
                place=place,
                content=(contents.get(subject.person_id) or default_content).strip(),
                interviewers=interviewers,
            )
            for subject in facts.subjects
        )
        proposal = {
            "scheduled_at": scheduled_at,
            "place": place,
            "notices": notices,
            "phone_notified_at": phone_at,
            "phone_note": (data.get("phone_note") or "").strip(),
        }
        return proposal, {"scheduled_at": scheduled_at, "place": place, "notices": notices}

    def apply(self, case, context):
        proposal = context.proposal
        case.scheduled_at = proposal["scheduled_at"]
        case.place = proposal["place"]
        subjects = {s.person_id: s for s in case.subjects.all()}
        _supersede_notices(case)
        for n in proposal["notices"]:
            Notice(
                case=case,
                subject=subjects[n.subject_person_id],
                written_on=n.written_on,
                scheduled_at=n.scheduled_at,
                place=n.place,
                content=n.content,
                interviewers=n.interviewers,
                phone_notified_at=proposal["phone_notified_at"],
                phone_note=proposal["phone_note"],
                short_notice=NOTICE.is_short(
                    context.facts.calendar, n.written_on, timezone.localtime(n.scheduled_at).date()
                ),
                sent_by=context.user,
            ).save()


class RecordDelivery(Step):
    """How and when a written notice reached its subject, and who signed for it (第六条（三）);
    the case's state stays. Non-attendance rests on it (第八条（一））."""

    name = T.RECORD_DELIVERY
    sources = (S.NOTIFIED, S.POSTPONEMENT_REQUESTED)
    target = None
    askers = OFFICE
    form_class = forms.DeliveryForm

    def prepare(self, case, data, facts):
        notice = next((n for n in facts.notices if n.notice_id == data.get("notice_id")), None)
        if notice is None:
            raise TransitionRefused(
                [input_problem("请选择本案现行的书面通知", "choose a notice in force", "notice_id")]
            )
        delivered_at = _required_datetime(
            data, "delivered_at", "送达时间无效", "invalid time of delivery", required=False
        )
        proposal = {
            "notice": notice,
            "delivery_method": data.get("delivery_method") or "",
            "delivered_at": delivered_at,
            "delivery_signed_by": (data.get("delivery_signed_by") or "").strip(),
        }
        return proposal, {}

    def apply(self, case, context):
        notice = case.notices.get(pk=context.proposal["notice"].notice_id)
        notice.delivery_method = context.proposal["delivery_method"]
        notice.delivered_at = context.proposal["delivered_at"]
        notice.delivery_signed_by = context.proposal["delivery_signed_by"]
        notice.delivery_recorded_by = context.user
        notice.save()


class RequestPostponement(Step):
    """The subject's written application to postpone (第八条（一））."""

    name = T.REQUEST_POSTPONEMENT
    sources = (S.NOTIFIED,)
    target = S.POSTPONEMENT_REQUESTED
    askers = OFFICE
    form_class = forms.PostponementRequestForm
    reads = frozenset({"subjects"})

    def prepare(self, case, data, facts):
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
        request_form = data.get("request_form") or RequestForm.WRITTEN
        if request_form not in RequestForm.values:
            raise TransitionRefused(
                [input_problem("申请方式无效", "unknown request form", "request_form")]
            )
        scan = data.get("scan") or None
        if scan is not None and (refusals := upload_refusals(scan, "scan")):
            raise TransitionRefused(refusals)
        applied_on = _date(data, "applied_on", clock.today())
        proposal = {
            "scan": scan,
            "application": application,
            "subject_person_id": subject_id,
            "request_form": request_form,
            "applied_on": applied_on,
            "received_on": _date(
                {"received_on": data.get("received_on") or clock.today()}, "received_on"
            ),
        }
        return proposal, {"reason": application}

    def apply(self, case, context):
        subject_id = context.proposal["subject_person_id"]
        row = Postponement(
            case=case,
            subject=case.subjects.get(person_id=subject_id) if subject_id else None,
            applied_on=context.proposal["applied_on"],
            received_on=context.proposal["received_on"],
            request_form=context.proposal["request_form"],
            application=context.proposal["application"],
        )
        if context.proposal["scan"] is not None:
            # The paper as received, with its SHA-256: what the decision was taken on.
            context.attach(row, "scan", context.proposal["scan"])
        row.save()


class _DecidePostponement(Step):
    sources = (S.POSTPONEMENT_REQUESTED,)
    # R8.1 narrows these to the lead interviewer or the principal head.
    askers = LEADERS
    decision: str

    def prepare(self, case, data, facts):
        new_at = _required_datetime(
            data, "new_scheduled_at", "补谈时间无效", "invalid new time", required=False
        )
        return {
            "new_scheduled_at": new_at,
            "new_place": (data.get("new_place") or "").strip(),
            "note": (data.get("note") or "").strip(),
        }, {}

    def apply(self, case, context):
        row = case.postponements.filter(decision=PostponementDecision.PENDING).first()
        if row is None:
            # The state says an application waits, the record has none (data imported or
            # repaired by hand): refuse rather than decide on nothing.
            raise TransitionRefused(
                [
                    RULES["R8.1"].refuse(
                        "没有待决定的延期申请，无法作出决定",
                        "there is no pending postponement application to decide on",
                    )
                ]
            )
        row.decision = self.decision
        row.decided_by_id = context.actor.person_id
        row.decided_at = clock.now()
        row.decision_note = context.proposal["note"]
        if self.decision == PostponementDecision.APPROVED:
            row.new_scheduled_at = context.proposal["new_scheduled_at"]
            row.new_place = context.proposal["new_place"] or case.place
            _supersede_notices(case)
            case.scheduled_at = row.new_scheduled_at
            case.place = row.new_place
        row.save()


class ApprovePostponement(_DecidePostponement):
    """Approved: the talk is rescheduled and must be notified again (R6.3 applies anew)."""

    name = T.APPROVE_POSTPONEMENT
    target = S.APPROVED
    form_class = forms.PostponementDecisionForm
    decision = PostponementDecision.APPROVED


class RejectPostponement(_DecidePostponement):
    """Rejected: the talk stays at the notified time and place."""

    name = T.REJECT_POSTPONEMENT
    target = S.NOTIFIED
    form_class = forms.RejectPostponementForm
    decision = PostponementDecision.REJECTED


class RecordAbsence(Step):
    """The subject missed the talk without an approved postponement (第八条（一））."""

    name = T.RECORD_ABSENCE
    sources = (S.NOTIFIED,)
    target = S.ABSENT
    askers = OFFICE


class Reschedule(Step):
    """After an absence, set a new talk; it must be notified again."""

    name = T.RESCHEDULE
    sources = (S.ABSENT,)
    target = S.APPROVED
    askers = OFFICE

    def apply(self, case, context):
        _supersede_notices(case)


RECORD_FIELDS = (
    "record_text",
    "statement",
    "report",
    "requirements",
    "explanation",
    "measures",
    "commitment",
)


class Hold(Step):
    """The talk took place and is recorded (第七条, 第八条（二））."""

    name = T.HOLD
    sources = (S.NOTIFIED,)
    target = S.HELD
    askers = OFFICE | ATTENDEES | LEADERS
    form_class = forms.HoldForm
    more_inputs = frozenset({"records", "interviewers_present", *RECORD_FIELDS})
    reads = frozenset({"subjects"})

    def prepare(self, case, data, facts):
        records_in = data.get("records")
        if not isinstance(records_in, dict):
            raise TransitionRefused(
                [input_problem("须填写谈话记录", "the talk record is missing", "records")]
            )
        held_at = _required_datetime(
            data, "held_at", "约谈时间无效", "invalid time", required=False
        )
        # Unless told otherwise, the talk was held at the time it was notified for (R6.5
        # judges whether it can have been: not before that time, not on another day, not yet).
        held_at = held_at or case.scheduled_at
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

    def apply(self, case, context):
        subjects = {s.person_id: s for s in case.subjects.all()}
        for rec in context.proposal["records"]:
            row = TalkRecord(
                case=case,
                subject=subjects[rec.subject_person_id],
                held_at=context.proposal["held_at"],
                recorded_by=context.user,
                **{key: getattr(rec, key) for key in RECORD_FIELDS},
            )
            row.save()
            row.interviewers_present.set(rec.interviewers_present)


class StartRectification(Step):
    """Rectification items set (第九条)."""

    name = T.START_RECTIFICATION
    sources = (S.HELD,)
    target = S.RECTIFYING
    askers = OFFICE
    form_class = forms.RectificationItemsForm
    more_inputs = frozenset({"items"})
    asks_also = (_("rectification items"),)
    reads = frozenset({"items", "calendar", "subjects"})

    def prepare(self, case, data, facts):
        items, working = [], []
        # A case with one subject: his items, unless said otherwise.
        alone = facts.subjects[0].person_id if len(facts.subjects) == 1 else None
        for item in data.get("items") or []:
            deadline = item.get("deadline")
            if deadline is not None and (
                isinstance(deadline, datetime) or not isinstance(deadline, date)
            ):
                raise TransitionRefused(
                    [input_problem("整改期限无效", "invalid deadline", "items")]
                )
            days = item.get("working_days")
            if deadline is not None or days is not None:
                deadline, days = resolve_deadline(
                    facts.calendar, facts.today, deadline, days, "items"
                )
            working.append(days)
            subject_id = item.get("subject_person_id") or alone
            if subject_id is not None and not isinstance(subject_id, int):
                raise TransitionRefused([input_problem("责任人无效", "unknown subject", "items")])
            names = {s.person_id: s.name for s in facts.subjects}
            items.append(
                ItemFacts(
                    description=(item.get("description") or "").strip(),
                    deadline=deadline,
                    responsible=(item.get("responsible") or "").strip()
                    or names.get(subject_id, ""),
                    status=RectificationStatus.OPEN,
                    subject_person_id=subject_id,
                )
            )
        return {"items": items, "working_days": working}, {"items": facts.items + tuple(items)}

    def apply(self, case, context):
        items, working = context.proposal["items"], context.proposal["working_days"]
        subjects = {s.person_id: s for s in case.subjects.all()}
        for item, days in zip(items, working, strict=True):
            RectificationItem(
                case=case,
                subject=subjects[item.subject_person_id],
                description=item.description,
                deadline=item.deadline,
                working_days=days,
                set_on=context.facts.today,
                responsible=item.responsible,
            ).save()


class Close(Step):
    """Filed in the subject's integrity file (第九条)."""

    name = T.CLOSE
    sources = (S.HELD, S.RECTIFYING)
    target = S.CLOSED
    askers = OFFICE

    def apply(self, case, context):
        case.closed_at = clock.now()


class Escalate(Step):
    """Handed over for accountability (第十条, 第十一条)."""

    name = T.ESCALATE
    sources = (S.NOTIFIED, S.ABSENT, S.HELD, S.RECTIFYING)
    target = S.ESCALATED
    # R10.1 narrows this to the principal head and the deputy head for discipline.
    askers = LEADERS
    form_class = forms.EscalateForm

    def prepare(self, case, data, facts):
        ground = data.get("ground") or ""
        detail = (data.get("detail") or "").strip()
        return (
            {"ground": ground, "detail": detail},
            {"escalation_ground": ground, "escalation_detail": detail},
        )

    def apply(self, case, context):
        Escalation(
            case=case,
            ground=context.proposal["ground"],
            detail=context.proposal["detail"],
            decided_by_id=context.actor.person_id,
            decided_at=clock.now(),
        ).save()


class Withdraw(Step):
    """Withdrawn before the talk, with a reason."""

    name = T.WITHDRAW
    sources = (
        S.DRAFT,
        S.SUBMITTED,
        S.APPROVED,
        S.DECLINED,
        S.NOTIFIED,
        S.POSTPONEMENT_REQUESTED,
        S.ABSENT,
    )
    target = S.WITHDRAWN
    askers = PROPOSERS
    form_class = forms.ReasonForm
    reason_required = True

    def apply(self, case, context):
        case.withdrawal_reason = context.reason


STEPS: tuple[Step, ...] = (
    Submit(),
    Consent(),
    Decline(),
    Revise(),
    DesignateSubstitute(),
    Delegate(),
    RevokeDelegation(),
    ApproveShortNotice(),
    Notify(),
    RecordDelivery(),
    RequestPostponement(),
    ApprovePostponement(),
    RejectPostponement(),
    RecordAbsence(),
    Reschedule(),
    Hold(),
    StartRectification(),
    Close(),
    Escalate(),
    Withdraw(),
)
_BY_NAME = {step.name: step for step in STEPS}


def step_named(name: str) -> Step:
    """The step of that name; LookupError for a name no step has."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise LookupError(f"no step {name!r}") from None


__all__ = ["STEPS", "Step", "TransitionContext", "step_named"]

"""The regulation as rules: one entry per rule code of rules.md, and nowhere else.

Each entry names its article, quotes it, lists the transitions it guards and has one pure check
that returns the reasons it refuses (an empty list when it allows). A refusal cites the article
in Chinese with an English translation, so the person refused knows what to fix and where the
regulation says so. Changing an article is a change to its entry here, plus its test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lianzheng.choices import (
    CORRECTIVE_TALK_TYPES,
    RANKS_AT_OR_BELOW_SECTION_CHIEF,
    SECTION_LEVEL_RANKS,
    Act,
    AppointmentKind,
    CaseRole,
    CaseSource,
    CaseState,
    DeliveryMethod,
    EscalationGround,
    PersonCategory,
    PostponementDecision,
    ProposalOrigin,
    RectificationStatus,
    RequestForm,
    Role,
    SpecialTrigger,
    TalkType,
)
from lianzheng.choices import Transition as T
from lianzheng.dates import en_day, zh_day
from lianzheng.refusals import Refusal
from lianzheng.regulation import article_anchor, article_label, clause_label
from lianzheng.rules.facts import FACT_GROUPS, CaseFacts
from lianzheng.workdays import WorkdayCalendar


@dataclass(frozen=True)
class Rule:
    code: str
    article: int
    clause: int | None
    quote: str
    summary_en: str
    transitions: tuple[str, ...]
    check: Callable[[Rule, CaseFacts], list[Refusal]]
    paragraph: str = ""
    talk_types: frozenset[str] | None = None  # None: every type
    # The facts that cost a query which the check reads (FACT_GROUPS); the service loads only
    # these for a transition, and any other is NOT_LOADED, which fails loudly when touched.
    reads: frozenset[str] = frozenset()

    def applies_to(self, transition: str, talk_type: str | None = None) -> bool:
        if transition not in self.transitions:
            return False
        return talk_type is None or self.talk_types is None or talk_type in self.talk_types

    @property
    def article_ref(self) -> str:
        """第六条第（三）项, or 第四条 with the paragraph named, as users cite the regulation."""
        ref = article_label(self.article)
        if self.clause is not None:
            ref += f"第{clause_label(self.clause)}项"
        return ref + self.paragraph

    @property
    def article_ref_en(self) -> str:
        ref = f"Article {self.article}"
        if self.clause is not None:
            ref += f"({self.clause})"
        return ref + (", last paragraph" if self.paragraph else "")

    @property
    def anchor(self) -> str:
        return article_anchor(self.article, self.clause)

    def refuse(self, message: str, message_en: str, field: str = "") -> Refusal:
        return Refusal(
            code=self.code,
            article=self.article_ref,
            article_en=self.article_ref_en,
            anchor=self.anchor,
            message=message,
            message_en=message_en,
            field=field,
        )

    def __call__(self, facts: CaseFacts) -> list[Refusal]:
        return self.check(self, facts)


RULES: dict[str, Rule] = {}


def rule(
    code,
    *,
    article,
    clause=None,
    quote,
    summary_en,
    transitions,
    reads,
    paragraph="",
    talk_types=None,
):
    def register(check):
        if code in RULES:
            raise ValueError(f"rule {code} is defined twice")
        if unknown := set(reads) - set(FACT_GROUPS):
            raise ValueError(f"rule {code} reads unknown facts {sorted(unknown)}")
        RULES[code] = Rule(
            code=code,
            article=article,
            clause=clause,
            quote=quote,
            summary_en=summary_en,
            transitions=tuple(transitions),
            check=check,
            paragraph=paragraph,
            talk_types=frozenset(talk_types) if talk_types else None,
            reads=frozenset(reads),
        )
        return check

    return register


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _names(people: Iterable) -> str:
    return "、".join(p.name for p in people)


def _talk_date(facts: CaseFacts):
    return facts.scheduled_at.astimezone(facts.now.tzinfo).date() if facts.scheduled_at else None


# -- 第二条 ------------------------------------------------------------------------------------


@rule(
    "R2.1",
    article=2,
    quote="了解沟通情况，指导督促工作，教育、帮助和提醒约谈对象端正思想认识、认真整改问题",
    summary_en="A talk case records its purpose.",
    transitions=(T.SUBMIT,),
    reads=(),
)
def purpose_recorded(r: Rule, f: CaseFacts) -> list[Refusal]:
    if _blank(f.purpose):
        return [
            r.refuse(
                "须写明约谈目的：要了解、指导或提醒的事项，以及需要整改的问题",
                "state the purpose: what is to be learned, guided or reminded, and which problems "
                "are to be rectified",
                "purpose",
            )
        ]
    return []


# -- 第三条 ------------------------------------------------------------------------------------


def is_eligible_subject(person) -> bool:
    if person.category == PersonCategory.COUNTY_PRINCIPAL:
        return True
    return (
        person.category == PersonCategory.BUREAU_STAFF
        and person.rank in RANKS_AT_OR_BELOW_SECTION_CHIEF
    )


@rule(
    "R3.1",
    article=3,
    quote="本廉政约谈对象为局正科级及以下干部职工，各县（市）住建局、城市管理局、公用事业服务中心主要负责人",
    summary_en="Subjects are bureau staff at 正科 or below, or principal heads of county units.",
    transitions=(T.SUBMIT, T.NOTIFY),
    reads=("subjects",),
)
def subject_eligible(r: Rule, f: CaseFacts) -> list[Refusal]:
    if not f.subjects:
        return [r.refuse("须至少确定一名约谈对象", "name at least one subject", "subjects")]
    return [
        r.refuse(
            f"{p.name}不属于约谈对象：对象限于局正科级及以下干部职工和各县（市）住建局、城市管理局、"
            "公用事业服务中心主要负责人",
            f"{p.name} cannot be a subject: subjects are bureau staff at section-chief level or "
            "below and the principal heads of the county units",
            "subjects",
        )
        for p in f.subjects
        if not is_eligible_subject(p)
    ]


# -- 第四条 ------------------------------------------------------------------------------------


def _each_record_has(r: Rule, f: CaseFacts, attr: str, zh: str, en: str) -> list[Refusal]:
    names = {p.person_id: p.name for p in f.subjects}
    return [
        r.refuse(f"{names.get(rec.subject_person_id, '')}的谈话记录{zh}", f"the record {en}", attr)
        for rec in f.records
        if _blank(getattr(rec, attr))
    ]


@rule(
    "R4.1",
    article=4,
    clause=1,
    quote="约谈对象汇报本科室落实党风廉政建设责任制情况，本人及其他党员干部廉洁自律的情况",
    summary_en="A routine talk's record holds the subject's report.",
    transitions=(T.HOLD,),
    reads=("subjects", "records"),
    talk_types=(TalkType.ROUTINE,),
)
def routine_report(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type != TalkType.ROUTINE:
        return []
    return _each_record_has(
        r,
        f,
        "report",
        "须载明其汇报的本科室落实党风廉政建设责任制情况及本人和其他党员干部廉洁自律情况",
        "must hold the subject's report on the section's responsibility system and integrity",
    )


@rule(
    "R4.2",
    article=4,
    clause=2,
    quote="约谈人在任职对象到任前重申廉洁自律各项规定，并按照“一岗双责”要求，由任职对象作出廉洁自律承诺",
    summary_en="A pre-appointment talk precedes the appointment and ends with a commitment.",
    transitions=(T.SUBMIT, T.NOTIFY, T.HOLD, T.CLOSE),
    reads=("appointment", "subjects", "records"),
    talk_types=(TalkType.PRE_APPOINTMENT,),
)
def pre_appointment(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type != TalkType.PRE_APPOINTMENT:
        return []
    refusals = []
    if f.appointment_effective_date is None:
        return [
            r.refuse(
                "任前约谈须关联任职（提拔）记录及其生效日期",
                "a pre-appointment talk must name the appointment and its effective date",
                "appointment",
            )
        ]
    if (
        f.appointment_kind != AppointmentKind.PROMOTION
        or f.appointment_rank not in SECTION_LEVEL_RANKS
    ):
        refusals.append(
            r.refuse(
                "任前约谈只适用于新提拔为科级（副科级、正科级）的干部：该任职记录不是提拔为科级",
                "a pre-appointment talk is only for a cadre newly promoted to a section-level "
                "post (deputy section chief or section chief); this appointment is not such a "
                "promotion",
                "appointment",
            )
        )
    if f.appointment_person_id and f.appointment_person_id not in {p.person_id for p in f.subjects}:
        refusals.append(
            r.refuse(
                "约谈对象须为该任职记录的任职对象",
                "the subject must be the appointee",
                "appointment",
            )
        )
    talk_date = _talk_date(f)
    if (
        f.transition in (T.NOTIFY, T.HOLD)
        and talk_date
        and talk_date > f.appointment_effective_date
    ):
        refusals.append(
            r.refuse(
                f"任前约谈须在到任前进行：约谈日期{zh_day(talk_date)}晚于任职生效日期"
                f"{zh_day(f.appointment_effective_date)}",
                f"the talk ({en_day(talk_date)}) must take place before the appointment takes "
                f"effect ({en_day(f.appointment_effective_date)})",
                "scheduled_at",
            )
        )
    if f.transition in (T.HOLD, T.CLOSE):
        refusals += _each_record_has(
            r,
            f,
            "commitment",
            "须载明任职对象的廉洁自律承诺（一岗双责）",
            "must hold the appointee's written integrity commitment",
        )
    return refusals


@rule(
    "R4.3",
    article=4,
    clause=3,
    quote="约谈对象在岗位变动或者负责重大项目、重要工作时，约谈人有针对性地进行专门约谈，提出纪律要求和注意事项",
    summary_en="A special talk records its trigger, and its record the requirements given.",
    transitions=(T.SUBMIT, T.HOLD),
    reads=("subjects", "records"),
    talk_types=(TalkType.SPECIAL,),
)
def special_talk(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type != TalkType.SPECIAL:
        return []
    if f.transition == T.SUBMIT:
        if f.special_trigger not in SpecialTrigger.values:
            return [
                r.refuse(
                    "专项约谈须写明起因：岗位变动、负责重大项目或负责重要工作",
                    "a special talk needs its trigger: post change, major project or important "
                    "work",
                    "special_trigger",
                )
            ]
        return []
    return _each_record_has(
        r,
        f,
        "requirements",
        "须载明提出的纪律要求和注意事项",
        "must hold the discipline requirements and points of attention given",
    )


@rule(
    "R4.4",
    article=4,
    clause=4,
    quote="约谈人指出……苗头性、倾向性问题，由约谈对象应就存在问题的原因作出说明，提出防范对策和措施",
    summary_en="A warning talk names the problems; the subject explains causes and measures.",
    transitions=(T.SUBMIT, T.HOLD),
    reads=("subjects", "records"),
    talk_types=(TalkType.WARNING,),
)
def warning_talk(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type != TalkType.WARNING:
        return []
    if f.transition == T.SUBMIT:
        if _blank(f.problems):
            return [
                r.refuse(
                    "警示约谈须指出存在的苗头性、倾向性问题",
                    "a warning talk must name the emerging or tendency problems",
                    "problems",
                )
            ]
        return []
    return _each_record_has(
        r,
        f,
        "explanation",
        "须载明约谈对象对问题原因的说明",
        "must hold the subject's explanation of the causes",
    ) + _each_record_has(
        r,
        f,
        "measures",
        "须载明约谈对象提出的防范对策和措施",
        "must hold the subject's proposed prevention measures",
    )


@rule(
    "R4.5",
    article=4,
    clause=5,
    quote="约谈人根据群众反映、信访举报、政风行风评议、党风廉政建设责任制检查等活动中发现……向约谈对象明确指出，帮其分析原因，并要求其整改",
    summary_en="An admonition talk records its source and the problems; causes are analysed.",
    transitions=(T.SUBMIT, T.HOLD),
    reads=("subjects", "records"),
    talk_types=(TalkType.ADMONITION,),
)
def admonition_talk(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type != TalkType.ADMONITION:
        return []
    if f.transition == T.SUBMIT:
        refusals = []
        if f.source not in CaseSource.values:
            refusals.append(
                r.refuse(
                    "诫勉约谈须写明问题来源：群众反映、信访举报、政风行风评议、党风廉政建设责任制检查或其他",
                    "an admonition talk needs the source of the problem",
                    "source",
                )
            )
        if _blank(f.problems):
            refusals.append(
                r.refuse(
                    "诫勉约谈须明确指出发现的问题",
                    "an admonition talk must name the problems found",
                    "problems",
                )
            )
        return refusals
    return _each_record_has(
        r,
        f,
        "explanation",
        "须载明对问题原因的分析",
        "must hold the analysis of the causes",
    )


@rule(
    "R4.6",
    article=4,
    paragraph="最后一款",
    quote="各县（市）住建局、城市管理局、公用事业服务中心主要负责人作为约谈对象只适用于前款第（四）项、第（五）项规定",
    summary_en="County principal heads may only have warning or admonition talks.",
    transitions=(T.SUBMIT, T.NOTIFY),
    reads=("subjects",),
)
def county_heads_only_corrective(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type in CORRECTIVE_TALK_TYPES:
        return []
    heads = [p for p in f.subjects if p.category == PersonCategory.COUNTY_PRINCIPAL]
    if not heads:
        return []
    return [
        r.refuse(
            f"县（市）单位主要负责人（{_names(heads)}）只适用警示约谈和诫勉约谈",
            f"principal heads of county units ({_names(heads)}) may only have warning or "
            "admonition talks",
            "talk_type",
        )
    ]


# -- 第五条 ------------------------------------------------------------------------------------


@rule(
    "R5.1",
    article=5,
    quote="警示、诫勉约谈适用于……主要包括：（一）……（十一）其他需要进行约谈的情形",
    summary_en="Warning and admonition talks cite a ground of 第五条; 其他 needs a justification.",
    transitions=(T.SUBMIT,),
    reads=("grounds",),
    talk_types=tuple(CORRECTIVE_TALK_TYPES),
)
def grounds_cited(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.talk_type not in CORRECTIVE_TALK_TYPES:
        return []
    if not f.ground_numbers:
        return [
            r.refuse(
                "警示、诫勉约谈须至少列明第五条规定的一种适用情形",
                "warning and admonition talks must cite at least one ground of Article 5",
                "grounds",
            )
        ]
    if f.grounds_needing_justification and _blank(f.other_justification):
        return [
            r.refuse(
                "选择“其他需要进行约谈的情形”的，须书面说明理由",
                "the ground 'other' needs a written justification",
                "other_justification",
            )
        ]
    return []


# -- 第六条 ------------------------------------------------------------------------------------


@rule(
    "R6.1",
    article=6,
    clause=1,
    quote="凡需实施廉政约谈的，由约谈主体直接或根据办公室了解和掌握的情况提出，经主要负责人同意后进行",
    summary_en="A talk proceeds only after the principal head's recorded consent.",
    transitions=(
        T.SUBMIT,
        T.CONSENT,
        T.DECLINE,
        T.NOTIFY,
        T.APPROVE_SHORT_NOTICE,
        T.DELEGATE,
        T.REVOKE_DELEGATION,
    ),
    reads=("actor", "proposer"),
)
def principal_consent(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == T.SUBMIT:
        return _proposer_refusals(r, f)
    if f.transition in (T.DELEGATE, T.REVOKE_DELEGATION):
        return _delegation_refusals(r, f)
    # A delegation given with the consent: both whom and the written form, or neither.
    if f.transition == T.CONSENT and (
        f.proposal.get("delegated_to") or not _blank(f.proposal.get("delegation_form"))
    ):
        if refusals := _delegation_refusals(r, f):
            return refusals
    if f.transition in (T.CONSENT, T.DECLINE, T.APPROVE_SHORT_NOTICE):
        if Role.PRINCIPAL_HEAD not in f.actor.roles:
            return [
                r.refuse(
                    "只有主要负责人可以作出同意或不同意的决定",
                    "only the principal head can consent or decline",
                    "",
                )
            ]
        if f.transition == T.DECLINE and _blank(f.reason):
            return [
                r.refuse("不同意的，须写明理由", "a decision to decline needs its reason", "reason")
            ]
        return []
    if not f.consented_by_principal:
        return [
            r.refuse(
                "约谈须经主要负责人同意后进行",
                "the talk needs the principal head's consent first",
                "",
            )
        ]
    return []


# Who may be the 约谈主体 proposing a talk directly: the bureau's leaders.
PROPOSING_LEADERS = frozenset(
    {
        Role.PRINCIPAL_HEAD,
        Role.DEPUTY_HEAD_PERSONNEL,
        Role.DEPUTY_HEAD_DISCIPLINE,
        Role.LEADER_IN_CHARGE,
    }
)


def _proposer_refusals(r: Rule, f: CaseFacts) -> list[Refusal]:
    """The 约谈主体 is a bureau leader proposing directly, or the office on what it learned;
    the clerk who typed the case in is its author, never its 约谈主体 (R6.1's decision)."""
    if f.origin == ProposalOrigin.OFFICE_INFORMATION:
        return []
    if f.proposed_by_id is None or not (f.proposer_roles & PROPOSING_LEADERS):
        return [
            r.refuse(
                "约谈主体直接提出的，须写明提出的局领导（主要负责人、分管副局长或分管领导）；"
                "根据办公室了解和掌握的情况提出的，请选择“根据办公室掌握的情况提出”",
                "a talk proposed directly names the bureau leader who proposed it; one raised "
                "from what the office has learned says so",
                "proposed_by",
            )
        ]
    return []


def _delegation_refusals(r: Rule, f: CaseFacts) -> list[Refusal]:
    """A delegation is the principal head's own act, naming to whom and its written form; it
    is revoked by him, with the reason (R6.1's decision)."""
    if Role.PRINCIPAL_HEAD not in f.actor.roles:
        return [
            r.refuse(
                "只有主要负责人可以委托或撤回委托",
                "only the principal head can delegate the talk or revoke the delegation",
            )
        ]
    if f.transition == T.REVOKE_DELEGATION:
        if _blank(f.reason):
            return [r.refuse("撤回委托须写明理由", "give the reason for revoking", "reason")]
        return []
    refusals = []
    if not f.proposal.get("delegated_to"):
        refusals.append(
            r.refuse(
                "须写明受委托人（分管纪检监察副局长）",
                "name the delegate (the deputy head for discipline)",
                "delegated_to",
            )
        )
    if _blank(f.proposal.get("delegation_form")):
        refusals.append(
            r.refuse(
                "须写明委托的书面形式，如“书面委托书（2026年12月1日）”",
                "give the written form of the delegation, e.g. a signed letter and its date",
                "delegation_form",
            )
        )
    return refusals


def _holds(p, role, section=None) -> bool:
    if role not in p.roles:
        return False
    return section is None or section in p.sections


@dataclass(frozen=True)
class Requirement:
    """One part 第六条（二） requires: the lead interviewer or an attendee, a person holding one of
    ``roles`` (in order of preference), in charge of ``section`` when one is named."""

    case_role: str
    roles: tuple[str, ...]
    zh: str
    en: str
    section: int | None = None

    def met_by(self, participant) -> bool:
        return any(_holds(participant, role, self.section) for role in self.roles)


def required_participants(talk_type: str, subjects, delegated: bool) -> list[Requirement]:
    """Who must lead (once per subject: a collective talk's lead must suit each) and who must
    attend, as the table of 第六条（二） says. R6.2's check asks it, and so does the suggestion
    of participants on the case page, so the suggestion fills exactly what the check requires.
    ``subjects`` are PersonFacts (or anything with name, category, unit_id and unit_name)."""
    required = []
    for subject in subjects:
        county_head = subject.category == PersonCategory.COUNTY_PRINCIPAL
        if talk_type == TalkType.ROUTINE:
            required.append(
                Requirement(
                    CaseRole.LEAD,
                    (Role.LEADER_IN_CHARGE,),
                    f"日常约谈应由{subject.name}所在科室（{subject.unit_name}）的分管领导负责",
                    f"a routine talk is led by the leader in charge of {subject.name}'s section",
                    section=subject.unit_id,
                )
            )
        elif talk_type == TalkType.PRE_APPOINTMENT:
            required.append(
                Requirement(
                    CaseRole.LEAD,
                    (Role.DEPUTY_HEAD_PERSONNEL,),
                    "任前约谈应由分管人事副局长负责",
                    "the deputy head for personnel leads",
                )
            )
        elif talk_type in CORRECTIVE_TALK_TYPES and county_head:
            required.append(
                Requirement(
                    CaseRole.LEAD,
                    (Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD)
                    if delegated
                    else (Role.PRINCIPAL_HEAD,),
                    f"约谈县（市）局主要负责人（{subject.name}）应由局主要负责人负责，"
                    "或经其书面委托由分管纪检监察副局长负责（委托由主要负责人在案件页“委托约谈”中"
                    "登记）",
                    f"a talk with a county principal head ({subject.name}) is led by the "
                    "principal head, or by the deputy head for discipline on his recorded "
                    "delegation",
                )
            )
        else:
            required.append(
                Requirement(
                    CaseRole.LEAD,
                    (Role.DEPUTY_HEAD_DISCIPLINE,),
                    "专项、警示、诫勉约谈局机关干部职工应由分管纪检监察副局长负责",
                    "the deputy head for discipline leads special, warning and admonition talks",
                )
            )
    required.append(
        Requirement(CaseRole.OFFICE_HEAD, (Role.OFFICE_HEAD,), "办公室负责人", "the office head")
    )
    if talk_type == TalkType.PRE_APPOINTMENT:
        required.append(
            Requirement(
                CaseRole.PERSONNEL_OFFICER,
                (Role.PERSONNEL_OFFICER,),
                "人事专干",
                "the personnel officer",
            )
        )
    required.append(
        Requirement(
            CaseRole.DISCIPLINE_OFFICER,
            (Role.DISCIPLINE_OFFICER,),
            "纪检专干",
            "the discipline officer",
        )
    )
    return required


@rule(
    "R6.2",
    article=6,
    clause=2,
    quote="日常约谈……由分管领导负责；任前约谈……由分管人事副局长负责；专项、警示、诫勉约谈……由分管纪检监察副局长负责；"
    "警示约谈、诫勉约谈各县（市）局主要负责人，由局主要负责人负责或委托分管纪检监察副局长负责",
    summary_en="Lead interviewer and required attendees match the table of 第六条（二）.",
    transitions=(T.NOTIFY,),
    reads=("subjects", "participants"),
)
def lead_and_attendees(r: Rule, f: CaseFacts) -> list[Refusal]:
    leads = f.participants_in(CaseRole.LEAD)
    if len(leads) != 1:
        return [
            r.refuse(
                "须确定一名负责约谈的领导", "name exactly one lead interviewer", "participants"
            )
        ]
    lead = leads[0]
    refusals = []
    for need in required_participants(f.talk_type, f.subjects, f.delegated_by_principal):
        if need.case_role == CaseRole.LEAD:
            if not need.met_by(lead):
                refusals.append(
                    r.refuse(
                        f"{need.zh}，{lead.name}不符合",
                        f"{need.en}; {lead.name} does not",
                        "participants",
                    )
                )
        elif not any(
            need.met_by(p) or (need.case_role, p.person_id) in f.substitutes
            for p in f.participants_in(need.case_role)
        ):
            refusals.append(
                r.refuse(
                    f"须有{need.zh}参加（其本人为约谈对象或须回避的，由主要负责人在案件页"
                    "“指定代行人”中为本案指定代行人，第七条第（一）项）",
                    f"{need.en} must attend (where he is the subject or must stand aside, the "
                    "principal head designates a substitute for this case: Article 7(1))",
                    "participants",
                )
            )
    return refusals


class NoticePeriod:
    """第六条（三）'s 提前3个工作日, and every question derived from it: how many working days a
    notice gives, the last day it can go out, whether it is short. The check below, the case
    page's countdown, the dashboard, the reminders and the public figures all ask it, so the
    number of days is kept here alone.

    A notice given on day N for a talk on day T gives the working days after N up to and
    including T (the notice day itself does not count)."""

    working_days = 3
    # How the count is shown to users (rules.md R6.3), with what it counts, wherever it appears.
    COUNTING_ZH = "通知日之后至约谈当日（含）的工作日数"
    COUNTING_EN = "the working days after the notice day up to and including the talk day"

    def ahead_zh(self, days: int) -> str:
        return f"提前{days}个工作日"

    def ahead_en(self, days: int) -> str:
        return f"{days} working day{'s' if days != 1 else ''} ahead"

    def days_ahead(self, calendar: WorkdayCalendar, written_on: date, talk_day: date) -> int:
        return calendar.working_days_between(written_on, talk_day)

    def in_time(self, calendar: WorkdayCalendar, written_on: date, talk_day: date) -> bool:
        return self.days_ahead(calendar, written_on, talk_day) >= self.working_days

    def is_short(self, calendar: WorkdayCalendar, written_on: date, talk_day: date) -> bool:
        return not self.in_time(calendar, written_on, talk_day)

    def last_day(self, calendar: WorkdayCalendar, talk_day: date) -> date:
        """The last day the written notice can go out for a talk on ``talk_day``."""
        return calendar.last_working_day_for_notice(talk_day, self.working_days)

    def earliest_talk_day(self, calendar: WorkdayCalendar, written_on: date) -> date:
        """The first day a talk can be held if notified on ``written_on``."""
        return calendar.add_working_days(written_on, self.working_days)

    def late_before(self, calendar: WorkdayCalendar, today: date) -> date:
        """Talks on a day before this one can no longer have a notice in time
        (``last_day(talk_day) < today``): the office sends notices on working days, so the
        first it can still send is today, or the next working day when today is a day off."""
        first = today if calendar.is_working_day(today) else calendar.add_working_days(today, 1)
        return self.earliest_talk_day(calendar, first)

    def due_before(self, calendar: WorkdayCalendar, today: date) -> date:
        """Talks on a day before this one can have their notice go out no later than ``today``
        (``last_day(talk_day) <= today``): it is the first talk day a notice sent on the next
        working day still reaches. The dashboard asks it once, and the database finds the
        talks, instead of working out ``last_day`` for every consented case."""
        return self.earliest_talk_day(calendar, calendar.add_working_days(today, 1))


NOTICE = NoticePeriod()


def _delivery_refusals(r: Rule, f: CaseFacts) -> list[Refusal]:
    """A notice's delivery (送达) is recorded with how it went and who signed for it."""
    refusals = []
    if f.proposal.get("delivery_method") not in DeliveryMethod.values:
        refusals.append(
            r.refuse(
                "须写明送达方式：当面送达、邮寄或电子送达",
                "give how the notice was delivered: in person, by post or electronically",
                "delivery_method",
            )
        )
    if _blank(f.proposal.get("delivery_signed_by")):
        refusals.append(
            r.refuse(
                "须写明签收人（当面送达的受送达人签名，邮寄的回执签收人，电子送达的确认人）",
                "give who signed for the notice (the subject in person, the postal receipt's "
                "signatory, or who confirmed the electronic delivery)",
                "delivery_signed_by",
            )
        )
    return refusals


@rule(
    "R6.3",
    article=6,
    clause=3,
    quote="办公室一般应提前3个工作日书面通知约谈对象（必要时电话通知），包括廉政约谈人、约谈对象及约谈时间、地点、内容等相关事项",
    summary_en="A written notice at least 3 working days ahead, naming who, when, where, what.",
    transitions=(T.NOTIFY, T.APPROVE_SHORT_NOTICE, T.RECORD_DELIVERY),
    reads=("subjects", "notices", "calendar"),
)
def written_notice(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == T.RECORD_DELIVERY:
        return _delivery_refusals(r, f)
    if f.transition == T.APPROVE_SHORT_NOTICE:
        if _blank(f.reason):
            return [
                r.refuse("缩短通知期限须写明理由", "a shorter notice needs its reason", "reason")
            ]
        return []
    refusals = []
    talk_date = _talk_date(f)
    if talk_date is None:
        return [r.refuse("须确定约谈时间", "set the time of the talk", "scheduled_at")]
    if f.scheduled_at <= f.now:
        refusals.append(
            r.refuse("约谈时间须晚于现在", "the talk must be in the future", "scheduled_at")
        )
    if _blank(f.place):
        refusals.append(r.refuse("通知须写明约谈地点", "the notice must give the place", "place"))
    names = {p.person_id: p.name for p in f.subjects}
    for notice in f.notices:
        name = names.get(notice.subject_person_id, "")
        if _blank(notice.content):
            refusals.append(
                r.refuse(
                    f"给{name}的书面通知须写明约谈内容",
                    f"the notice to {name} must state the content",
                    "content",
                )
            )
        if notice.written_on is None:
            refusals.append(
                r.refuse("须写明书面通知日期", "give the date of the written notice", "written_on")
            )
            continue
        days = NOTICE.days_ahead(f.calendar, notice.written_on, talk_date)
        exception = not _blank(f.short_notice_reason) and f.short_notice_approved_by_principal
        if days < NOTICE.working_days and not exception:
            latest = NOTICE.last_day(f.calendar, talk_date)
            refusals.append(
                r.refuse(
                    f"书面通知须至少提前{NOTICE.working_days}个工作日：{zh_day(notice.written_on)}"
                    f"通知、{zh_day(talk_date)}约谈只{NOTICE.ahead_zh(days)}"
                    f"（{NOTICE.COUNTING_ZH}），最晚应于{zh_day(latest)}通知"
                    "（确需缩短的，须写明理由并经主要负责人批准）",
                    f"the written notice must be given at least {NOTICE.working_days} working days "
                    f"ahead: notified {en_day(notice.written_on)} for a talk on "
                    f"{en_day(talk_date)} is {NOTICE.ahead_en(days)} ({NOTICE.COUNTING_EN}); "
                    f"notify by {en_day(latest)} at the latest (or record a reason approved by "
                    "the principal head)",
                    "scheduled_at",
                )
            )
    return refusals


@rule(
    "R6.4",
    article=6,
    clause=4,
    quote="约谈一般采取个别谈话方式进行，根据情况，也可以采取集体谈话方式进行",
    summary_en="Each subject of a collective talk gets his own notice and his own record.",
    transitions=(T.NOTIFY, T.HOLD),
    reads=("subjects", "notices", "records"),
)
def each_subject_own_papers(r: Rule, f: CaseFacts) -> list[Refusal]:
    subjects = {p.person_id: p.name for p in f.subjects}
    if f.transition == T.NOTIFY:
        have, zh, en = [n.subject_person_id for n in f.notices], "书面通知", "written notice"
        field = "notices"
    else:
        have, zh, en = [rec.subject_person_id for rec in f.records], "谈话记录", "talk record"
        field = "records"
    missing = [name for pid, name in subjects.items() if have.count(pid) != 1]
    if missing:
        return [
            r.refuse(
                f"每名约谈对象须各有一份{zh}：{'、'.join(missing)}",
                f"each subject needs exactly one {en}: {', '.join(missing)}",
                field,
            )
        ]
    return []


class RecordedMoments:
    """R6.5: the record tells the truth about time. Each recorded moment follows the steps it
    depends on (submitted → consented → notified → notice delivered → held → record signed →
    rectification checked) and none lies in the future. R6.5's check asks it for the steps, and
    the rectification service for the office's checks, so the order is kept here alone.

    ``slack`` allows for the clock of the clerk's computer running a little ahead of the
    server's: a talk recorded as held "now" is not refused for a few minutes' difference."""

    slack = timedelta(minutes=5)

    def future(self, moment: datetime, now: datetime) -> bool:
        return moment > now + self.slack

    def check_date_refusal(self, checked_on: date, set_on: date | None, today: date):
        """An office check of a rectification item, dated ``checked_on``."""
        if checked_on > today:
            return RULES["R6.5"].refuse(
                "检查日期不能晚于今天", "the check cannot be dated in the future", "checked_on"
            )
        if set_on is not None and checked_on < set_on:
            return RULES["R6.5"].refuse(
                f"检查日期不能早于提出整改要求的日期（{zh_day(set_on)}）",
                f"the check cannot be dated before the item was set ({en_day(set_on)})",
                "checked_on",
            )
        return None


MOMENTS = RecordedMoments()


def _local(moment: datetime, f: CaseFacts) -> datetime:
    return moment.astimezone(f.now.tzinfo)


@rule(
    "R6.5",
    article=6,
    quote="办公室一般应提前3个工作日书面通知约谈对象……约谈对象应按规定的时间、地点准时参加约谈",
    summary_en="Every recorded moment follows the steps it depends on and none lies in the "
    "future; a talk is held at the time it was notified for.",
    transitions=(T.NOTIFY, T.HOLD, T.RECORD_DELIVERY),
    reads=("notices",),
)
def recorded_moments(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == T.NOTIFY:
        # One date for all the notices of a case (the form has one field): judged once.
        written_on = next((n.written_on for n in f.notices if n.written_on), None)
        consented_on = _local(f.consented_at, f).date() if f.consented_at else None
        if written_on is None:
            return []
        if written_on > f.today:
            return [
                r.refuse(
                    "书面通知日期不能晚于今天",
                    "the written notice cannot be dated in the future",
                    "written_on",
                )
            ]
        if consented_on and written_on < consented_on:
            return [
                r.refuse(
                    f"书面通知日期（{zh_day(written_on)}）不能早于主要负责人同意的日期"
                    f"（{zh_day(consented_on)}）",
                    f"the notice ({en_day(written_on)}) cannot be dated before the principal "
                    f"head's consent ({en_day(consented_on)})",
                    "written_on",
                )
            ]
        return []
    if f.transition == T.RECORD_DELIVERY:
        delivered_at = f.proposal.get("delivered_at")
        notice = f.proposal.get("notice")
        if delivered_at is None:
            return [r.refuse("须写明送达时间", "give the time of delivery", "delivered_at")]
        refusals = []
        if MOMENTS.future(delivered_at, f.now):
            refusals.append(
                r.refuse(
                    "送达时间不能晚于现在",
                    "the delivery cannot be recorded in the future",
                    "delivered_at",
                )
            )
        if (
            notice is not None
            and notice.written_on
            and _local(delivered_at, f).date() < (notice.written_on)
        ):
            refusals.append(
                r.refuse(
                    f"送达时间不能早于书面通知日期（{zh_day(notice.written_on)}）",
                    f"the notice cannot be delivered before it was written "
                    f"({en_day(notice.written_on)})",
                    "delivered_at",
                )
            )
        if f.scheduled_at and delivered_at > f.scheduled_at:
            refusals.append(
                r.refuse(
                    "送达时间不能晚于约谈时间",
                    "the notice cannot be delivered after the time of the talk",
                    "delivered_at",
                )
            )
        return refusals
    # T.HOLD
    held_at = f.proposal.get("held_at")
    if held_at is None or f.scheduled_at is None:
        return [r.refuse("须写明谈话时间", "give the time the talk was held", "held_at")]
    refusals = []
    notified = _local(f.scheduled_at, f)
    held = _local(held_at, f)
    if MOMENTS.future(held_at, f.now):
        refusals.append(
            r.refuse(
                "谈话时间不能晚于现在",
                "the talk cannot be recorded as held in the future",
                "held_at",
            )
        )
    if held.date() != notified.date():
        refusals.append(
            r.refuse(
                f"约谈应在通知的日期（{zh_day(notified)}）进行；改在其他日期的，须经书面申请并"
                "批准延期、重新通知（第八条第（一）项）",
                f"the talk is held on the notified day ({en_day(notified)}); another day needs "
                "an approved written postponement and a new notice (Article 8(1))",
                "held_at",
            )
        )
    elif held < notified:
        refusals.append(
            r.refuse(
                f"谈话时间不能早于通知的约谈时间（{notified:%H:%M}）",
                f"the talk cannot be recorded as held before the notified time ({notified:%H:%M})",
                "held_at",
            )
        )
    return refusals


# -- 第七条 ------------------------------------------------------------------------------------


SUBSTITUTABLE_PARTS = (
    CaseRole.OFFICE_HEAD,
    CaseRole.DISCIPLINE_OFFICER,
    CaseRole.PERSONNEL_OFFICER,
)


def _substitute_refusals(r: Rule, f: CaseFacts) -> list[Refusal]:
    """The principal head designates, for this case, who takes a part 第六条（二） requires when
    its holder is the subject or otherwise excluded, with the reason (R7.1's decision)."""
    if Role.PRINCIPAL_HEAD not in f.actor.roles:
        return [
            r.refuse("代行人由主要负责人指定", "only the principal head designates a substitute")
        ]
    refusals = []
    if f.proposal.get("case_role") not in SUBSTITUTABLE_PARTS:
        refusals.append(
            r.refuse(
                "请选择须由他人代行的职责：办公室负责人、纪检专干或人事专干",
                "choose the part to be taken: office head, discipline officer or personnel officer",
                "case_role",
            )
        )
    person_id = f.proposal.get("person_id")
    if not person_id:
        refusals.append(r.refuse("须指定代行人", "name the substitute", "person_id"))
    elif person_id in {p.person_id for p in f.subjects}:
        refusals.append(
            r.refuse(
                "约谈对象不得担任本案的代行人",
                "a subject cannot be a substitute in his own case",
                "person_id",
            )
        )
    if _blank(f.reason):
        refusals.append(
            r.refuse(
                "指定代行人须写明理由（如：纪检专干本人为约谈对象）",
                "give the reason (e.g. the discipline officer is himself the subject)",
                "reason",
            )
        )
    return refusals


@rule(
    "R7.1",
    article=7,
    clause=1,
    quote="实事求是、不徇私情",
    summary_en="A subject is never an interviewer or attendee of his own case.",
    transitions=(T.SUBMIT, T.NOTIFY, T.HOLD, T.DESIGNATE_SUBSTITUTE),
    reads=("actor", "subjects", "participants", "records"),
)
def impartial(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == T.DESIGNATE_SUBSTITUTE:
        return _substitute_refusals(r, f)
    subjects = {p.person_id for p in f.subjects}
    both = [p for p in f.participants if p.person_id in subjects]
    present = {pid for rec in f.records for pid in rec.interviewers_present}
    if both or present & subjects:
        names = _names(both) or "约谈对象"
        return [
            r.refuse(
                f"约谈对象（{names}）不得担任本案的约谈人或参加人",
                f"a subject ({names}) cannot be an interviewer or attendee of his own case",
                "participants",
            )
        ]
    return []


@rule(
    "R7.2",
    article=7,
    clause=2,
    quote="谈话前做好充分准备，熟悉有关情况，确保谈话具有针对性和实效性",
    summary_en="A preparation note exists before the talk is held.",
    transitions=(T.HOLD,),
    reads=(),
)
def prepared(r: Rule, f: CaseFacts) -> list[Refusal]:
    if _blank(f.preparation_note):
        return [
            r.refuse(
                "谈话前须做好准备：请先填写谈话提纲或情况说明",
                "prepare first: write the talk outline or background note",
                "preparation_note",
            )
        ]
    return []


@rule(
    "R7.3",
    article=7,
    clause=3,
    quote="谈话不得少于两人，并做好谈话记录",
    summary_en="At least two interviewers present and a written record.",
    transitions=(T.HOLD,),
    reads=("subjects", "participants", "records"),
)
def two_interviewers_and_record(r: Rule, f: CaseFacts) -> list[Refusal]:
    interviewers = {p.person_id for p in f.participants}
    names = {p.person_id: p.name for p in f.subjects}
    refusals = []
    for rec in f.records:
        name = names.get(rec.subject_person_id, "")
        present = set(rec.interviewers_present) & interviewers
        if len(present) < 2:
            refusals.append(
                r.refuse(
                    f"与{name}的谈话不得少于两名谈话人，记录中只有{len(present)}名",
                    f"the talk with {name} needs at least two interviewers; the record has "
                    f"{len(present)}",
                    "interviewers_present",
                )
            )
        if _blank(rec.record_text):
            refusals.append(
                r.refuse(
                    f"须做好与{name}的谈话记录",
                    f"write the record of the talk with {name}",
                    "record_text",
                )
            )
    return refusals


CONFIDENTIAL_READERS = frozenset(
    {Role.DISCIPLINE_OFFICER, Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD}
)


@rule(
    "R7.4",
    article=7,
    clause=4,
    quote="严格遵守保密纪律，不得向约谈对象泄露投诉举报人的基本情况及所反映材料等具体信息",
    summary_en="Only the discipline officer, deputy head for discipline and principal head see "
    "whistleblower information.",
    transitions=(Act.VIEW_CONFIDENTIAL, Act.EDIT_CONFIDENTIAL),
    reads=("actor",),
)
def confidential(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == Act.EDIT_CONFIDENTIAL and not (f.actor.roles & CONFIDENTIAL_READERS):
        return [
            r.refuse(
                "信访举报人情况及所反映材料仅限纪检专干、分管纪检监察副局长和主要负责人录入和修改",
                "only the discipline officer, the deputy head for discipline and the principal "
                "head may enter or amend whistleblower information",
                "confidential",
            )
        ]
    if not (f.actor.roles & CONFIDENTIAL_READERS):
        return [
            r.refuse(
                "信访举报人情况及所反映材料仅限纪检专干、分管纪检监察副局长和主要负责人查看",
                "whistleblower information is only for the discipline officer, the deputy head "
                "for discipline and the principal head",
            )
        ]
    return []


# -- 第八条 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deciders:
    """Who decides on a postponement (第八条（一））: a holder of one of ``roles``, or whoever
    takes one of ``case_roles`` in the case. R8.1's check asks it; so does the worklist of
    postponements awaiting a leader's decision."""

    roles: frozenset[str]
    case_roles: frozenset[str]

    def admit(self, actor, participants) -> bool:
        if actor.roles & self.roles:
            return True
        return any(
            p.person_id == actor.person_id and p.case_role in self.case_roles for p in participants
        )


POSTPONEMENT_DECIDERS = Deciders(
    roles=frozenset({Role.PRINCIPAL_HEAD}), case_roles=frozenset({CaseRole.LEAD})
)


# How a request that is not written was made, as the refusal names it.
_SPOKEN_REQUESTS = {
    RequestForm.TELEPHONE: ("电话", "by telephone"),
    RequestForm.IN_PERSON: ("当面口头", "in person"),
}


def _new_time_refusals(r: Rule, f: CaseFacts) -> list[Refusal]:
    """An approved postponement is notified again (R6.3 applies anew): a new time that a
    notice sent now could not reach in time is refused when approving, not at the notice."""
    new_at = f.proposal.get("new_scheduled_at")
    if new_at is None:
        return [
            r.refuse(
                "同意延期的，须确定补谈时间", "give the new time of the talk", "new_scheduled_at"
            )
        ]
    if new_at <= f.now:
        return [
            r.refuse("补谈时间须晚于现在", "the new time must be in the future", "new_scheduled_at")
        ]
    new_day = new_at.astimezone(f.now.tzinfo).date()
    # The first talk day a notice the office can still send reaches (NoticePeriod answers it).
    earliest = NOTICE.late_before(f.calendar, f.today)
    exception = not _blank(f.short_notice_reason) and f.short_notice_approved_by_principal
    if new_day >= earliest or exception:
        return []
    return [
        r.refuse(
            f"补谈须重新书面通知并提前{NOTICE.working_days}个工作日（第六条第（三）项）："
            f"{zh_day(new_day)}来不及通知，最早可定于{zh_day(earliest)}",
            f"the new talk must be notified again {NOTICE.working_days} working days ahead "
            f"(Article 6(3)): {en_day(new_day)} is too soon; the earliest is {en_day(earliest)}",
            "new_scheduled_at",
        )
    ]


@rule(
    "R8.1",
    article=8,
    clause=1,
    quote="确有特殊原因不能按时参加约谈的，需提出书面申请，同意后方可推后补谈",
    summary_en="Postponement needs a written application and its approval; a missed talk is "
    "recorded as absence.",
    transitions=(
        T.REQUEST_POSTPONEMENT,
        T.APPROVE_POSTPONEMENT,
        T.REJECT_POSTPONEMENT,
        T.RECORD_ABSENCE,
        T.ESCALATE,
    ),
    reads=("actor", "participants", "postponement", "calendar", "notices", "subjects"),
)
def postponement(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == T.REQUEST_POSTPONEMENT:
        refusals = []
        request_form = f.proposal.get("request_form", RequestForm.WRITTEN)
        if request_form != RequestForm.WRITTEN:
            zh, en = _SPOKEN_REQUESTS.get(request_form, ("口头", "orally"))
            refusals.append(
                r.refuse(
                    f"推后补谈须提出书面申请，{zh}提出的不予受理；请约谈对象递交书面申请后再行登记",
                    f"a postponement needs a written application; a request made {en} is not "
                    "accepted: ask the subject to hand in a written application",
                    "request_form",
                )
            )
        if _blank(f.reason):
            refusals.append(
                r.refuse(
                    "推后补谈须提出书面申请，写明特殊原因",
                    "a postponement needs a written application giving the special reason",
                    "application",
                )
            )
        received_on, applied_on = f.proposal.get("received_on"), f.proposal.get("applied_on")
        if received_on and received_on > f.today:
            refusals.append(
                r.refuse(
                    "收到申请的日期不能晚于今天",
                    "the application cannot be received in the future",
                    "received_on",
                )
            )
        elif received_on and applied_on and received_on < applied_on:
            refusals.append(
                r.refuse(
                    "收到申请的日期不能早于申请日期",
                    "the application cannot be received before it is dated",
                    "received_on",
                )
            )
        return refusals
    if f.transition in (T.APPROVE_POSTPONEMENT, T.REJECT_POSTPONEMENT):
        if not POSTPONEMENT_DECIDERS.admit(f.actor, f.participants):
            return [
                r.refuse(
                    "延期申请由负责约谈的领导或主要负责人决定",
                    "the lead interviewer or the principal head decides on a postponement",
                )
            ]
        if f.transition == T.APPROVE_POSTPONEMENT:
            return _new_time_refusals(r, f)
        return []
    if f.transition == T.RECORD_ABSENCE:
        if f.scheduled_at and f.scheduled_at > f.now:
            return [
                r.refuse(
                    "约定的约谈时间尚未到，不能记录为未到场",
                    "the talk time has not come yet; absence cannot be recorded",
                    "",
                )
            ]
        if f.postponement and f.postponement.decision == PostponementDecision.PENDING:
            return [
                r.refuse(
                    "有待决定的延期申请，请先作出决定", "decide the pending postponement first"
                )
            ]
        # 第六条（三）: a talk missed without a delivered notice is not non-attendance.
        names = {p.person_id: p.name for p in f.subjects}
        undelivered = [names.get(n.subject_person_id, "") for n in f.notices if not n.delivered_at]
        if undelivered:
            return [
                r.refuse(
                    f"给{'、'.join(undelivered)}的书面通知尚未登记送达，不能认定未按时参加约谈；"
                    "请先登记送达情况",
                    "the notice has not been recorded as delivered, so the talk missed is not "
                    "non-attendance: record the delivery first",
                    "",
                )
            ]
        return []
    if f.escalation_ground == EscalationGround.NON_ATTENDANCE and f.state != CaseState.ABSENT:
        return [
            r.refuse(
                "以未按时参加约谈为由移送的，须先记录约谈对象未到场",
                "record the subject's absence before escalating for it",
                "ground",
            )
        ]
    return []


@rule(
    "R8.2",
    article=8,
    clause=2,
    quote="如实陈述说明，正确对待组织的批评和帮助",
    summary_en="The record holds the subject's own statement.",
    transitions=(T.HOLD,),
    reads=("subjects", "records"),
)
def own_statement(r: Rule, f: CaseFacts) -> list[Refusal]:
    return _each_record_has(
        r, f, "statement", "须载明约谈对象本人的陈述说明", "must hold the subject's own statement"
    )


@rule(
    "R8.3",
    article=8,
    clause=3,
    quote="不得事后追查甚至打击报复约谈人、信访举报人等",
    summary_en="Retaliation against interviewers or whistleblowers is an escalation ground.",
    transitions=(T.ESCALATE,),
    reads=(),
)
def retaliation(r: Rule, f: CaseFacts) -> list[Refusal]:
    if (
        f.escalation_ground == EscalationGround.RETALIATION
        and len(f.escalation_detail.strip()) < 10
    ):
        return [
            r.refuse(
                "以打击报复为由移送的，须写明打击报复的对象和事实",
                "escalating for retaliation needs who was retaliated against and the facts",
                "detail",
            )
        ]
    return []


# -- 第九条 ------------------------------------------------------------------------------------


def item_refusals(r: Rule, items, subjects) -> list[Refusal]:
    """Each new item says what, by when, and whose it is: one of the case's subjects (R9.1's
    decision; his unit may carry it out, he answers for it). Asked by the check for the items
    set with the talk's rectification and by the service adding one later."""
    refusals = []
    subject_ids = {p.person_id for p in subjects}
    for number, item in enumerate(items, start=1):
        if _blank(item.description) or item.deadline is None:
            refusals.append(
                r.refuse(
                    f"第{number}项整改须写明整改内容和期限",
                    f"rectification item {number} needs what and a deadline",
                    "items",
                )
            )
        if item.subject_person_id not in subject_ids:
            refusals.append(
                r.refuse(
                    f"第{number}项整改须指定责任人：本案的一名约谈对象",
                    f"rectification item {number} must belong to one of the case's subjects",
                    "items",
                )
            )
    return refusals


@rule(
    "R9.1",
    article=9,
    quote="约谈对象整改情况存入个人廉政档案，办公室负责对整改落实情况进行监督检查",
    summary_en="Rectification items for warning and admonition talks; close only when the "
    "office has verified every item.",
    transitions=(T.START_RECTIFICATION, T.CLOSE, T.ESCALATE),
    reads=("items", "subjects"),
)
def rectification(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.transition == T.START_RECTIFICATION:
        new_items = f.proposal.get("items") or f.items
        if not new_items:
            return [r.refuse("须列出整改事项", "list the rectification items", "items")]
        return item_refusals(r, new_items, f.subjects)
    if f.transition == T.CLOSE:
        if f.talk_type in CORRECTIVE_TALK_TYPES and not f.items:
            return [
                r.refuse(
                    "警示、诫勉约谈须提出整改要求，整改完成并经办公室核实后方可办结",
                    "warning and admonition talks require rectification, verified by the office, "
                    "before closing",
                    "items",
                )
            ]
        open_items = [i for i in f.items if i.status != RectificationStatus.VERIFIED]
        if open_items:
            return [
                r.refuse(
                    f"尚有{len(open_items)}项整改未经办公室核实完成，不能办结",
                    f"{len(open_items)} rectification item(s) not yet verified done by the office",
                    "items",
                )
            ]
        return []
    if f.escalation_ground == EscalationGround.RECTIFICATION_FAILED:
        failing = [
            i
            for i in f.items
            if i.status == RectificationStatus.INADEQUATE
            or (i.status != RectificationStatus.VERIFIED and i.deadline and i.deadline < f.today)
        ]
        if not failing:
            return [
                r.refuse(
                    "以整改不力为由移送的，须有逾期未完成或经检查不到位的整改事项",
                    "escalating for failed rectification needs an overdue or inadequate item",
                    "ground",
                )
            ]
    return []


# -- 第十条、第十一条 ----------------------------------------------------------------------------

ARTICLE_10_GROUNDS = frozenset(
    {
        EscalationGround.NON_COMPLIANCE,
        EscalationGround.REFUSED_CORRECTION,
        EscalationGround.BAD_INFLUENCE,
        EscalationGround.NON_ATTENDANCE,
        EscalationGround.RECTIFICATION_FAILED,
    }
)
ARTICLE_11_GROUNDS = frozenset(
    {EscalationGround.DECEPTION, EscalationGround.FALSIFICATION, EscalationGround.RETALIATION}
)


@rule(
    "R10.1",
    article=10,
    quote="不遵守廉政约谈有关要求的，廉政约谈后拒不改正错误或整改问题，在群众中造成不良影响的，将依照有关规定给予党纪政务处分",
    summary_en="Escalation records its ground and who decided.",
    transitions=(T.ESCALATE,),
    reads=("actor",),
)
def escalation_ground(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.escalation_ground not in ARTICLE_10_GROUNDS | ARTICLE_11_GROUNDS:
        return [r.refuse("移送追责须写明依据的情形", "escalation needs its ground", "ground")]
    if f.escalation_ground in ARTICLE_10_GROUNDS and _blank(f.escalation_detail):
        return [r.refuse("移送追责须写明具体事实", "describe the facts", "detail")]
    if not f.actor.roles & {Role.PRINCIPAL_HEAD, Role.DEPUTY_HEAD_DISCIPLINE}:
        return [
            r.refuse(
                "移送追责由主要负责人或分管纪检监察副局长决定",
                "the principal head or the deputy head for discipline decides an escalation",
            )
        ]
    return []


@rule(
    "R11.1",
    article=11,
    quote="对欺骗组织、弄虚作假，或打击报复举报人的，根据情节轻重，给予党纪政务处分",
    summary_en="Deception, falsification or retaliation are escalation grounds, with the facts.",
    transitions=(T.ESCALATE,),
    reads=(),
)
def deception(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.escalation_ground in ARTICLE_11_GROUNDS and _blank(f.escalation_detail):
        return [
            r.refuse("须写明欺骗组织、弄虚作假或打击报复的具体事实", "describe the facts", "detail")
        ]
    return []


# -- 第十二条 ----------------------------------------------------------------------------------


class RegulationInForce:
    """第十二条: no talk before the regulation in force; asked by the check and by the case's
    save, so that a date before it is refused when it is typed in, not first at the notice."""

    def refusal(self, effective_date: date | None, talk_date: date | None) -> Refusal | None:
        if effective_date is None or talk_date is None or talk_date >= effective_date:
            return None
        return RULES["R12.1"].refuse(
            f"约谈日期{zh_day(talk_date)}早于制度施行日期{zh_day(effective_date)}",
            f"the talk ({en_day(talk_date)}) is dated before the regulation took effect "
            f"({en_day(effective_date)})",
            "scheduled_at",
        )


REGULATION_IN_FORCE = RegulationInForce()


@rule(
    "R12.1",
    article=12,
    quote="本制度自印发之日起试行",
    summary_en="A case records the regulation revision it is handled under; no talk before it.",
    transitions=(T.SUBMIT, T.CONSENT, T.NOTIFY, T.HOLD),
    reads=("regulation",),
)
def regulation_in_force(r: Rule, f: CaseFacts) -> list[Refusal]:
    if f.regulation_revision_id is None or f.regulation_effective_date is None:
        return [
            r.refuse(
                "案件须记录所依据的制度版本（请先发布制度页面）",
                "the case must record the published regulation revision it is handled under",
                "",
            )
        ]
    refusal = REGULATION_IN_FORCE.refusal(f.regulation_effective_date, _talk_date(f))
    return [refusal] if refusal else []


def rules_for(transition: str, talk_type: str | None = None) -> list[Rule]:
    """The rules guarding a transition; with a talk type, only those that concern it."""
    return [r for r in RULES.values() if r.applies_to(transition, talk_type)]


def facts_read(transition: str, talk_type: str | None = None) -> frozenset[str]:
    """The facts (FACT_GROUPS) the rules guarding a transition read: what to load for it."""
    return frozenset().union(*(r.reads for r in rules_for(transition, talk_type)))


def check(facts: CaseFacts) -> list[Refusal]:
    """Every refusal the rules give for this request, in the order of the regulation."""
    refusals: list[Refusal] = []
    for r in rules_for(facts.transition, facts.talk_type):
        refusals.extend(r(facts))
    return refusals

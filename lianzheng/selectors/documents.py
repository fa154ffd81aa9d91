"""What each document may say, read from the database into plain data before anything is drawn.

The builders in ``case_documents`` see only these dataclasses, never a model. That is how R7.4 is
kept by construction: nothing here reads ``ConfidentialReport`` (the whistleblower and the reported
material) or ``ConfidentialAccess``, so no document — every one of which may reach the subject,
the integrity file included — can print them. Labels are read in Chinese whatever the reader's
language, because the documents are Chinese official documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone, translation

from lianzheng.choices import CaseRole, CaseState, DeliveryMethod, TalkType
from lianzheng.models import (
    CaseSubject,
    DocumentSettings,
    Notice,
    Person,
    RectificationItem,
    TalkCase,
    TalkRecord,
)
from lianzheng.selectors.people import own_items

BUREAU = "阿坝州住房和城乡建设局"
OFFICE = "阿坝州住房和城乡建设局办公室"
WEEKDAYS = "一二三四五六日"


def zh(label) -> str:
    """A choice label or lazy string in Chinese: documents are Chinese whatever the UI says."""
    with translation.override("zh-hans"):
        return str(label)


def date_zh(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def datetime_zh(value: datetime | None) -> str:
    """2026年12月3日（星期四）上午9时30分, in the bureau's time zone."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    half = "上午" if local.hour < 12 else "下午"
    hour = local.hour if local.hour <= 12 else local.hour - 12
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{date_zh(local.date())}（星期{WEEKDAYS[local.weekday()]}）{half}{hour}时{minutes}"


@dataclass(frozen=True)
class PersonLine:
    name: str
    unit: str
    post: str

    @classmethod
    def of(cls, person: Person) -> PersonLine:
        return cls(person.name, person.unit.name if person.unit_id else "", person.post)

    @property
    def described(self) -> str:
        """张三（某县住建局，局长）"""
        extra = "，".join(part for part in (self.unit, self.post) if part)
        return f"{self.name}（{extra}）" if extra else self.name


@dataclass(frozen=True)
class CaseHeader:
    number: str
    talk_type: str
    talk_type_code: str
    regulation_title: str
    grounds: tuple[str, ...]
    problems: str
    purpose: str
    state: str


def talk_type_zh(code: str) -> str:
    """日常约谈 … 诫勉约谈, from the Chinese catalogue."""
    return zh(TalkType(code).label)


# -- 廉政约谈通知书 (R6.3) ---------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeData:
    case: CaseHeader
    subject: PersonLine
    interviewers: str
    scheduled: str
    place: str
    content: str
    written_on: str
    contact: str
    contact_phone: str
    short_notice: bool
    phone_notified: str


def delivery_methods() -> tuple[str, ...]:
    """当面送达, 邮寄, 电子送达: the ways a notice is delivered, as its receipt offers them."""
    return tuple(zh(label) for label in DeliveryMethod.labels)


def user_line(user) -> PersonLine | None:
    """The person behind a login (the staff who sent, recorded or checked), or the login's name."""
    if user is None:
        return None
    person = Person.objects.filter(user=user).select_related("unit").first()
    if person is not None:
        return PersonLine.of(person)
    return PersonLine(user.get_full_name() or user.get_username(), "", "")


def notice_data(notice: Notice) -> NoticeData:
    case = notice.case
    sender = user_line(notice.sent_by)
    contact = f"{sender.unit or '局办公室'} {sender.name}" if sender else "局办公室"
    return NoticeData(
        case=_header(case),
        subject=PersonLine.of(notice.subject.person),
        interviewers=notice.interviewers,
        scheduled=datetime_zh(notice.scheduled_at),
        place=notice.place,
        content=notice.content,
        written_on=date_zh(notice.written_on),
        contact=contact,
        contact_phone=DocumentSettings.load().contact_phone,
        short_notice=notice.short_notice,
        phone_notified=datetime_zh(notice.phone_notified_at),
    )


def current_notice(subject: CaseSubject) -> Notice | None:
    return (
        subject.notices.filter(superseded=False)
        .select_related("case", "subject__person__unit", "sent_by")
        .order_by("-written_on", "-pk")
        .first()
    )


# -- 谈话记录 (R7.3, R8.2) and 廉洁自律承诺书 (R4.2) -------------------------------------------


@dataclass(frozen=True)
class RecordData:
    case: CaseHeader
    subject: PersonLine
    held_at: str
    held_on: str
    place: str
    interviewers: tuple[PersonLine, ...]
    lead: str
    recorded_by: PersonLine | None
    sections: tuple[tuple[str, str], ...]  # (heading, text) in the order the record reads
    commitment: str
    new_post: str


def record_data(record: TalkRecord) -> RecordData:
    case = record.case
    present = tuple(
        PersonLine.of(p) for p in record.interviewers_present.select_related("unit").order_by("pk")
    )
    lead = case.participants.filter(role=CaseRole.LEAD).select_related("person").first()
    sections = [
        ("约谈内容", record.record_text),
        ("约谈对象汇报", record.report),
        ("提出的要求", record.requirements),
        ("原因分析", record.explanation),
        ("整改防范措施", record.measures),
        ("约谈对象陈述", record.statement),
        ("廉洁自律承诺", record.commitment),
    ]
    appointment = case.appointment
    new_post = ""
    if appointment is not None:
        unit = appointment.unit.name if appointment.unit_id else ""
        new_post = "".join(part for part in (unit, appointment.post) if part)
    return RecordData(
        case=_header(case),
        subject=PersonLine.of(record.subject.person),
        held_at=datetime_zh(record.held_at),
        held_on=date_zh(timezone.localtime(record.held_at).date()),
        place=case.place,
        interviewers=present,
        lead=lead.person.name if lead else "",
        recorded_by=user_line(record.recorded_by),
        sections=tuple((h, t) for h, t in sections if t.strip()),
        commitment=record.commitment,
        new_post=new_post,
    )


# -- 整改通知 / 整改情况 (R9.1) -----------------------------------------------------------------


@dataclass(frozen=True)
class CheckLine:
    checked_on: str
    finding: str
    result: str
    checked_by: str


@dataclass(frozen=True)
class ItemLine:
    description: str
    deadline: str
    responsible: str
    status: str
    checks: tuple[CheckLine, ...]


@dataclass(frozen=True)
class RectificationData:
    case: CaseHeader
    subjects: tuple[PersonLine, ...]
    items: tuple[ItemLine, ...]
    today: str


def _items(items) -> tuple[ItemLine, ...]:
    lines = []
    for item in items:
        checks = tuple(
            CheckLine(
                date_zh(c.checked_on),
                c.finding,
                zh(c.get_result_display()),
                line.name if (line := user_line(c.checked_by)) else "",
            )
            for c in sorted(item.checks.all(), key=lambda c: (c.checked_on, c.pk))
        )
        lines.append(
            ItemLine(
                item.description,
                date_zh(item.deadline),
                item.responsible,
                zh(item.get_status_display()),
                checks,
            )
        )
    return tuple(lines)


def rectification_data(case: TalkCase, subject: CaseSubject | None = None) -> RectificationData:
    """The case's items; with ``subject``, his own alone, addressed to him (R9.1: in a collective
    talk each subject is told, and reports on, his own items)."""
    items = (
        RectificationItem.objects.filter(case=case)
        .prefetch_related("checks")
        .order_by("deadline", "pk")
    )
    if subject is not None:
        return RectificationData(
            case=_header(case),
            subjects=(PersonLine.of(subject.person),),
            items=_items(own_items(items, subject)),
            today=date_zh(timezone.localdate()),
        )
    return RectificationData(
        case=_header(case),
        subjects=_subjects(case),
        items=_items(items),
        today=date_zh(timezone.localdate()),
    )


# -- 个人廉政档案 (R9.1) ------------------------------------------------------------------------


@dataclass(frozen=True)
class FiledCase:
    case: CaseHeader
    proposed_on: str
    held: str  # when the talk was held (its record's time), or why there is no such time
    interviewers: tuple[str, ...]
    record: RecordData | None
    items: tuple[ItemLine, ...]
    escalation: str
    closed_on: str


@dataclass(frozen=True)
class IntegrityFileData:
    person: PersonLine
    rank: str
    category: str
    cases: tuple[FiledCase, ...]
    today: str


TALK_PASSED = frozenset({CaseState.HELD, CaseState.RECTIFYING, CaseState.CLOSED})


def not_held(case: TalkCase) -> str:
    """What the file says of a talk with no record of this person: where the case stands, not
    the time it was planned for — a planned time is not a talk (第九条 files what happened)."""
    state = zh(CaseState(case.state).label)
    if case.state in TALK_PASSED:
        return f"无本人谈话记录（{state}）"
    return f"未举行（{state}）"


def integrity_file_data(person: Person) -> IntegrityFileData:
    """Every case the person was the subject of, oldest first, with its talk, commitment,
    rectification and escalation. Withdrawn and never-approved proposals are not filed: the
    file records talks, not drafts (第九条)."""
    subjects = (
        CaseSubject.objects.filter(person=person)
        .exclude(case__state__in=[CaseState.DRAFT, CaseState.WITHDRAWN, CaseState.DECLINED])
        .select_related("case__appointment__unit", "person__unit")
        .prefetch_related(
            "case__grounds",
            "case__participants__person",
            "case__rectification_items__checks",
        )
        .order_by("case__created_at", "case__pk")
    )
    filed = []
    for subject in subjects:
        case = subject.case
        record = (
            TalkRecord.objects.filter(subject=subject)
            .select_related("case__appointment__unit", "subject__person__unit", "recorded_by")
            .first()
        )
        escalation = getattr(case, "escalation", None)  # the reverse one-to-one may be absent
        filed.append(
            FiledCase(
                case=_header(case),
                proposed_on=date_zh(timezone.localtime(case.created_at).date()),
                held=datetime_zh(record.held_at) if record else not_held(case),
                interviewers=tuple(
                    p.person.name
                    for p in sorted(case.participants.all(), key=lambda p: (p.role != "lead", p.pk))
                ),
                record=record_data(record) if record else None,
                items=_items(
                    sorted(
                        own_items(case.rectification_items.all(), subject),
                        key=lambda i: (i.deadline, i.pk),
                    )
                ),
                escalation=(
                    f"{date_zh(timezone.localtime(escalation.decided_at).date())} "
                    f"{zh(escalation.get_ground_display())}：{escalation.detail}"
                    if escalation
                    else ""
                ),
                closed_on=date_zh(timezone.localtime(case.closed_at).date())
                if case.closed_at
                else "",
            )
        )
    return IntegrityFileData(
        person=PersonLine.of(person),
        rank=zh(person.get_rank_display()),
        category=zh(person.get_category_display()),
        cases=tuple(filed),
        today=date_zh(timezone.localdate()),
    )


def _header(case: TalkCase) -> CaseHeader:
    return CaseHeader(
        number=case.number,
        talk_type=talk_type_zh(case.talk_type),
        talk_type_code=case.talk_type,
        regulation_title=f"《{case.regulation_page.title}》",
        grounds=tuple(str(g) for g in case.grounds.all()),
        problems=case.problems,
        purpose=case.purpose,
        state=zh(CaseState(case.state).label),
    )


def _subjects(case: TalkCase) -> tuple[PersonLine, ...]:
    return tuple(
        PersonLine.of(s.person)
        for s in case.subjects.select_related("person__unit").order_by("sort_order", "pk")
    )

"""Demo people and cases in every state, so a newcomer's admin shows real work.

Everything goes through the same services staff use. Cases whose talk has come were handled in
the past: their steps are taken with the clock moved back (``lianzheng.clock``) to the day their
notice went out, and their talk is held at the time it was notified for, so every recorded
moment follows the one it depends on (R6.5). Created once: a second set-up run finds the people
and cases and adds nothing.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lianzheng import clock
from lianzheng.choices import (
    CaseRole,
    CaseSource,
    DeliveryMethod,
    EscalationGround,
    PersonCategory,
    ProposalOrigin,
    Rank,
    Role,
    SpecialTrigger,
    TalkType,
)
from lianzheng.choices import Transition as T
from lianzheng.models import (
    Appointment,
    DocumentSettings,
    Ground,
    Person,
    RoleAssignment,
    TalkCase,
    Unit,
)
from lianzheng.rules.table import NOTICE
from lianzheng.selectors.calendar import load_calendar
from lianzheng.services.cases import case_create, case_update
from lianzheng.services.workflow import case_transition

# (username, name, role, post, sections in charge)
OFFICERS = (
    ("principal", "王建国", Role.PRINCIPAL_HEAD, "局长", ()),
    (
        "deputy_personnel",
        "李明",
        Role.DEPUTY_HEAD_PERSONNEL,
        "副局长",
        ("personnel", "planning-finance"),
    ),
    ("deputy_discipline", "赵刚", Role.DEPUTY_HEAD_DISCIPLINE, "副局长", ("policy-law",)),
    (
        "leader",
        "钱卫东",
        Role.LEADER_IN_CHARGE,
        "副局长",
        (
            "office",
            "housing-security",
            "real-estate",
            "construction-market",
            "urban-construction",
            "village-construction",
            "quality-safety",
        ),
    ),
    ("office_head", "孙丽", Role.OFFICE_HEAD, "办公室主任", ()),
    ("discipline", "周敏", Role.DISCIPLINE_OFFICER, "纪检专干", ()),
    ("personnel", "吴芳", Role.PERSONNEL_OFFICER, "人事专干", ()),
    ("office", "郑小红", Role.OFFICE, "办公室科员", ()),
)
LEADER_ROLES = {
    Role.PRINCIPAL_HEAD,
    Role.DEPUTY_HEAD_PERSONNEL,
    Role.DEPUTY_HEAD_DISCIPLINE,
    Role.LEADER_IN_CHARGE,
}

# (key, name, unit code, category, rank, post)
SUBJECTS = (
    (
        "feng",
        "冯涛",
        "section-housing-security",
        PersonCategory.BUREAU_STAFF,
        Rank.STAFF_MEMBER,
        "科员",
    ),
    (
        "chen",
        "陈静",
        "section-real-estate",
        PersonCategory.BUREAU_STAFF,
        Rank.DEPUTY_SECTION_CHIEF,
        "副科长",
    ),
    (
        "jiang",
        "蒋磊",
        "section-construction-market",
        PersonCategory.BUREAU_STAFF,
        Rank.SECTION_CHIEF,
        "科长",
    ),
    (
        "shen",
        "沈洁",
        "section-village-construction",
        PersonCategory.BUREAU_STAFF,
        Rank.STAFF_MEMBER,
        "科员",
    ),
    (
        "han",
        "韩冰",
        "section-urban-construction",
        PersonCategory.BUREAU_STAFF,
        Rank.STAFF_MEMBER,
        "科员",
    ),
    ("yang", "杨帆", "section-personnel", PersonCategory.BUREAU_STAFF, Rank.STAFF_MEMBER, "科员"),
    (
        "zhu",
        "朱军",
        "wenchuan-housing",
        PersonCategory.COUNTY_PRINCIPAL,
        Rank.SECTION_CHIEF,
        "局长",
    ),
    ("qin", "秦岭", "songpan-urban", PersonCategory.COUNTY_PRINCIPAL, Rank.SECTION_CHIEF, "局长"),
    (
        "you",
        "尤勇",
        "jiuzhaigou-utility",
        PersonCategory.COUNTY_PRINCIPAL,
        Rank.SECTION_CHIEF,
        "主任",
    ),
)

PURPOSE = "了解有关情况，提醒约谈对象端正思想认识，认真整改存在的问题。"
OUTLINE = "谈话提纲：一、通报有关情况；二、听取本人说明；三、提出纪律要求和整改要求。"


# The demo's officers have held their offices since the regulation came into force.
IN_OFFICE_SINCE = date(2021, 10, 19)


def _talk_time(working_days: int) -> datetime:
    """09:30 on the working day ``working_days`` ahead (behind, when negative)."""
    calendar = load_calendar()
    day = timezone.localdate()
    if working_days >= 0:
        day = calendar.add_working_days(day, working_days)
    else:
        day = calendar.working_days_back(day, -working_days)
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def notice_moment(talk_at: datetime) -> datetime:
    """09:00 on the last day the notice of a talk at ``talk_at`` could go out (R6.3): where
    the demo, the test helpers and the bench loader put the clock to notify a past talk."""
    day = NOTICE.last_day(load_calendar(), timezone.localtime(talk_at).date())
    return timezone.make_aware(datetime.combine(day, time(9)))


def setup_demo_people() -> dict[str, Person]:
    User = get_user_model()
    people: dict[str, Person] = {}
    office_unit = Unit.objects.get(code="section-office")
    for username, name, role, post, sections in OFFICERS:
        user = User.objects.get(username=username)
        person = Person.objects.filter(user=user).first()
        if person is None:
            user.first_name, user.last_name = name, ""
            user.save(update_fields=["first_name", "last_name"])
            person = Person(
                name=name,
                unit=office_unit,
                post=post,
                user=user,
                category=PersonCategory.BUREAU_LEADER
                if role in LEADER_ROLES
                else PersonCategory.BUREAU_STAFF,
                rank=Rank.COUNTY_LEVEL if role in LEADER_ROLES else Rank.SECTION_CHIEF,
            )
            person._change_reason = "演示数据 / demo data"
            person.save()
            if role != Role.LEADER_IN_CHARGE:
                RoleAssignment.objects.create(
                    person=person, role=role, valid_from=IN_OFFICE_SINCE, note="演示"
                )
            for code in sections:
                RoleAssignment.objects.create(
                    person=person,
                    role=Role.LEADER_IN_CHARGE,
                    unit=Unit.objects.get(code=f"section-{code}"),
                    valid_from=IN_OFFICE_SINCE,
                    note="演示",
                )
        people[username] = person
    for key, name, unit_code, category, rank, post in SUBJECTS:
        unit = Unit.objects.get(code=unit_code)
        person = Person.objects.filter(name=name, unit=unit).first()
        if person is None:
            person = Person(name=name, unit=unit, category=category, rank=rank, post=post)
            person._change_reason = "演示数据 / demo data"
            person.save()
        people[key] = person
    return people


def _participants(p, talk_type, county=False, delegated=False):
    lead = {
        TalkType.ROUTINE: p["leader"],
        TalkType.PRE_APPOINTMENT: p["deputy_personnel"],
    }.get(talk_type)
    if lead is None:
        lead = p["principal"] if county and not delegated else p["deputy_discipline"]
    result = [
        (lead, CaseRole.LEAD),
        (p["office_head"], CaseRole.OFFICE_HEAD),
        (p["discipline"], CaseRole.DISCIPLINE_OFFICER),
    ]
    if talk_type == TalkType.PRE_APPOINTMENT:
        result.append((p["personnel"], CaseRole.PERSONNEL_OFFICER))
    return result


def _records(case, p, **extra):
    lead = case.participants.get(role=CaseRole.LEAD).person
    return {
        s.person_id: {
            "interviewers_present": [lead.pk, p["office_head"].pk, p["discipline"].pk],
            "record_text": "谈话人通报了有关情况，指出存在的问题，约谈对象作了说明。",
            "statement": "本人如实陈述有关情况，诚恳接受组织的批评和帮助。",
            "report": "本科室落实党风廉政建设责任制情况总体良好，本人及同事能够廉洁自律。",
            "requirements": "严守廉洁纪律，重大事项及时请示报告，主动接受监督。",
            "explanation": "问题的原因在于思想重视不够、制度执行不严。",
            "measures": "加强学习，完善制度，建立台账，按期整改。",
            "commitment": "本人郑重承诺：严格遵守廉洁自律各项规定，认真履行“一岗双责”。",
            **extra,
        }
        for s in case.subjects.all()
    }


DEMO_PHONE = "0837-2822123"


@transaction.atomic
def setup_demo_cases(people: dict[str, Person]) -> int:
    if TalkCase.objects.exists():
        return 0
    # The notices name the office's telephone (a notice is refused without it).
    settings = DocumentSettings.load()
    if not settings.contact_phone:
        settings.contact_phone = DEMO_PHONE
        settings._change_reason = "演示数据 / demo data"
        settings.save()
    office = people["office"].user
    principal = people["principal"].user
    ground = {g.number: g for g in Ground.objects.all()}

    def new(talk_type, subjects, county=False, delegated=False, confidential=None, **fields):
        participants = _participants(people, talk_type, county, delegated)
        if fields.get("origin") != ProposalOrigin.OFFICE_INFORMATION:
            # The 约谈主体: the leader who proposed it (R6.1); the office clerk types it in.
            fields.setdefault("proposed_by", participants[0][0])
        case = case_create(
            user=office,
            talk_type=talk_type,
            subjects=subjects,
            purpose=PURPOSE,
            preparation_note=OUTLINE,
            participants=participants,
            **fields,
        )
        if confidential:  # the discipline officer enters the report he received (R7.4)
            case = case_update(case=case, user=people["discipline"].user, confidential=confidential)
        return case

    def go(case, name, user=office, **data):
        return case_transition(case=case, transition=name, user=user, **data)

    def notified(make, days=5):
        """Made by ``make``, submitted, consented and notified for a talk ``days`` working days
        ahead; a talk that has come (``days`` <= 0) was opened and notified on the last day
        its notice could go out."""
        talk_at = _talk_time(days)
        with clock.at(notice_moment(talk_at)) if days <= 0 else nullcontext():
            case = go(make(), T.SUBMIT)
            case = go(
                case,
                T.CONSENT,
                principal,
                comment="同意。",
                **(
                    {
                        "delegated_to": people["deputy_discipline"].pk,
                        "delegation_form": "书面委托书（演示）",
                    }
                    if case.participants.filter(
                        role=CaseRole.LEAD, person=people["deputy_discipline"]
                    ).exists()
                    and case.subjects.filter(
                        person__category=PersonCategory.COUNTY_PRINCIPAL
                    ).exists()
                    else {}
                ),
            )
            case = go(
                case,
                T.NOTIFY,
                scheduled_at=talk_at,
                place="局机关三楼会议室",
                content="请按时参加廉政约谈，并就有关情况作出说明。",
            )
            if days <= 0:  # handed over the morning it was written (第六条（三））
                for notice in case.notices.filter(superseded=False).select_related(
                    "subject__person"
                ):
                    case = go(
                        case,
                        T.RECORD_DELIVERY,
                        notice_id=notice.pk,
                        delivery_method=DeliveryMethod.IN_PERSON,
                        delivered_at=clock.now(),
                        delivery_signed_by=notice.subject.person.name,
                    )
            return case

    def held(make, days_ago: int):
        """Notified for a talk ``days_ago`` working days ago, and held at that time."""
        case = notified(make, -days_ago)
        with clock.at(case.scheduled_at + timedelta(hours=1)):
            return go(case, T.HOLD, records=_records(case, people))

    warning = {"problems": "工作推诿拖延，群众反映办事效率低、态度生硬。", "grounds": [ground[5]]}

    # draft
    new(TalkType.ROUTINE, [people["feng"]])
    # submitted
    go(
        new(TalkType.SPECIAL, [people["jiang"]], special_trigger=SpecialTrigger.MAJOR_PROJECT),
        T.SUBMIT,
    )
    # approved (a county head's warning talk, led by the principal head)
    case = new(TalkType.WARNING, [people["zhu"]], county=True, **warning)
    case = go(go(case, T.SUBMIT), T.CONSENT, principal, comment="同意，由我负责约谈。")
    # planned three working days ahead: its notice is due today (dashboard)
    case_update(case=case, user=office, scheduled_at=_talk_time(3), place="局机关三楼会议室")
    # declined
    case = go(
        new(
            TalkType.ADMONITION,
            [people["han"]],
            source=CaseSource.PUBLIC_REPORT,
            problems="群众反映办事拖延。",
            grounds=[ground[5]],
            origin=ProposalOrigin.OFFICE_INFORMATION,  # the 约谈主体 is the office (R6.1)
        ),
        T.SUBMIT,
    )
    go(case, T.DECLINE, principal, reason="反映情况尚需进一步核实。")
    # notified (a collective routine talk)
    notified(lambda: new(TalkType.ROUTINE, [people["chen"], people["shen"]]))
    # postponement requested
    case = notified(lambda: new(TalkType.WARNING, [people["shen"]], **warning), days=6)
    go(
        case,
        T.REQUEST_POSTPONEMENT,
        application="因参加省厅培训，申请推后补谈。",
        subject_person_id=people["shen"].pk,
    )
    # absent: the talk time has passed without the subject
    case = notified(lambda: new(TalkType.WARNING, [people["han"]], **warning), days=-1)
    go(case, T.RECORD_ABSENCE)
    # held (pre-appointment talk before a promotion)
    appointment = Appointment.objects.create(
        person=people["yang"],
        kind=Appointment.Kind.PROMOTION,
        post="人事科副科长",
        rank=Rank.DEPUTY_SECTION_CHIEF,
        unit=people["yang"].unit,
        effective_date=timezone.localdate() + timedelta(days=45),
        document="阿州住建党组任〔演示〕1号",
    )
    held(lambda: new(TalkType.PRE_APPOINTMENT, [people["yang"]], appointment=appointment), 2)
    # rectifying (admonition of a county head by delegation, from a petition)
    case = held(
        lambda: new(
            TalkType.ADMONITION,
            [people["qin"]],
            county=True,
            delegated=True,
            source=CaseSource.PETITION,
            problems="项目审批中存在吃拿卡要苗头。",
            grounds=[ground[6], ground[7]],
            confidential={
                "whistleblower": "（实名举报人，演示）",
                "contact": "138****0000",
                "material": "举报材料：审批过程中索要好处的具体经过（演示）。",
            },
        ),
        3,
    )
    go(
        case,
        T.START_RECTIFICATION,
        items=[
            {
                "description": "全面清理在办审批事项，公开办理时限",
                "responsible": "秦岭",
                "deadline": timezone.localdate() + timedelta(days=30),
            },
            {
                "description": "向举报涉及的服务对象说明情况并致歉",
                "responsible": "秦岭",
                "deadline": timezone.localdate() + timedelta(days=5),
            },
        ],
    )
    # closed (routine talk)
    go(held(lambda: new(TalkType.ROUTINE, [people["feng"]]), 12), T.CLOSE)
    # the same person again, later: a warning talk under rectification, so his integrity file
    # (第九条) holds several cases
    case = held(lambda: new(TalkType.WARNING, [people["feng"]], **warning), 4)
    go(
        case,
        T.START_RECTIFICATION,
        items=[
            {
                "description": "梳理本人经办的积压事项，十个工作日内办结或说明",
                "responsible": people["feng"].name,
                "working_days": 10,
            }
        ],
    )
    # escalated (a county head who refused to correct)
    case = held(lambda: new(TalkType.WARNING, [people["you"]], county=True, **warning), 6)
    go(
        case,
        T.ESCALATE,
        principal,
        ground=EscalationGround.REFUSED_CORRECTION,
        detail="约谈后仍拒不改正，继续拖延群众报装申请。",
    )
    # withdrawn
    case = go(
        new(TalkType.SPECIAL, [people["chen"]], special_trigger=SpecialTrigger.POST_CHANGE),
        T.SUBMIT,
    )
    go(case, T.WITHDRAW, reason="岗位调整计划取消，无需专项约谈。")
    # a shorter notice, approved by the principal head (R6.3's 一般应)
    case = go(
        go(new(TalkType.WARNING, [people["jiang"]], **warning), T.SUBMIT), T.CONSENT, principal
    )
    case = case_transition(
        case=case,
        transition=T.APPROVE_SHORT_NOTICE,
        user=principal,
        reason="项目验收在即，须尽快提醒。",
    )
    go(
        case,
        T.NOTIFY,
        scheduled_at=_talk_time(1),
        place="局机关三楼会议室",
        content="请按时参加警示约谈。",
    )
    return TalkCase.objects.count()

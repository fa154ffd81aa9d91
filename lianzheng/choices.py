"""Choices shared by models, rules and views, kept apart so none of them import each other."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.TextChoices):
    """The 13 counties and cities of Aba prefecture (第三条), in the prefecture's own order."""

    MAERKANG = "maerkang", "马尔康市"
    WENCHUAN = "wenchuan", "汶川县"
    LIXIAN = "lixian", "理县"
    MAOXIAN = "maoxian", "茂县"
    SONGPAN = "songpan", "松潘县"
    JIUZHAIGOU = "jiuzhaigou", "九寨沟县"
    JINCHUAN = "jinchuan", "金川县"
    XIAOJIN = "xiaojin", "小金县"
    HEISHUI = "heishui", "黑水县"
    RANGTANG = "rangtang", "壤塘县"
    ABA = "aba", "阿坝县"
    RUOERGAI = "ruoergai", "若尔盖县"
    HONGYUAN = "hongyuan", "红原县"


class UnitKind(models.TextChoices):
    """Where a unit stands in 第三条: a section of the bureau, or one of a county's three units."""

    SECTION = "section", _("Bureau section")
    COUNTY_HOUSING = "county_housing", _("County housing and urban-rural development bureau")
    COUNTY_URBAN = "county_urban", _("County urban management bureau")
    COUNTY_UTILITY = "county_utility", _("County public utility service centre")


COUNTY_UNIT_SUFFIX = {
    UnitKind.COUNTY_HOUSING: "住房和城乡建设局",
    UnitKind.COUNTY_URBAN: "城市管理局",
    UnitKind.COUNTY_UTILITY: "公用事业服务中心",
}


class Role(models.TextChoices):
    """The roles of rules.md (People and roles); each is a Wagtail group of the same name."""

    EDITOR = "editor", _("Editor")
    OFFICE = "office", _("Office")
    PRINCIPAL_HEAD = "principal_head", _("Principal head")
    DEPUTY_HEAD_PERSONNEL = "deputy_head_personnel", _("Deputy head for personnel")
    DEPUTY_HEAD_DISCIPLINE = "deputy_head_discipline", _("Deputy head for discipline")
    LEADER_IN_CHARGE = "leader_in_charge", _("Leader in charge")
    OFFICE_HEAD = "office_head", _("Office head")
    DISCIPLINE_OFFICER = "discipline_officer", _("Discipline officer")
    PERSONNEL_OFFICER = "personnel_officer", _("Personnel officer")
    AUDITOR = "auditor", _("Auditor")


class PersonCategory(models.TextChoices):
    """Who a person is for 第三条: only the first two may be the subject of a talk."""

    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    COUNTY_PRINCIPAL = "county_principal", _("Principal head of a county unit")
    BUREAU_LEADER = "bureau_leader", _("Bureau leader")
    COUNTY_STAFF = "county_staff", _("Other staff of a county unit")


class Rank(models.TextChoices):
    """Ranks in the order of seniority; 第三条 draws its line at 正科."""

    COUNTY_LEVEL = "county_level", _("County level and above (县处级及以上)")
    SECTION_CHIEF = "section_chief", _("Section chief (正科)")
    DEPUTY_SECTION_CHIEF = "deputy_section_chief", _("Deputy section chief (副科)")
    STAFF_MEMBER = "staff_member", _("Staff member (科员)")
    CLERK = "clerk", _("Clerk (办事员)")
    WORKER = "worker", _("Worker (职工)")


# Ranks at 正科 or below (第三条 局正科级及以下干部职工).
RANKS_AT_OR_BELOW_SECTION_CHIEF = frozenset(
    {Rank.SECTION_CHIEF, Rank.DEPUTY_SECTION_CHIEF, Rank.STAFF_MEMBER, Rank.CLERK, Rank.WORKER}
)
# 科级 cadres, whose promotion calls for a pre-appointment talk (第六条（二）).
SECTION_LEVEL_RANKS = frozenset({Rank.SECTION_CHIEF, Rank.DEPUTY_SECTION_CHIEF})


class AppointmentKind(models.TextChoices):
    """An appointment, or a promotion (提拔): only a promotion to 副科 or 正科 calls for a
    pre-appointment talk (第四条（二）)."""

    APPOINTMENT = "appointment", _("Appointment")
    PROMOTION = "promotion", _("Promotion")


class TalkType(models.TextChoices):
    """The five kinds of talk of 第四条."""

    ROUTINE = "routine", _("Routine talk (日常约谈)")
    PRE_APPOINTMENT = "pre_appointment", _("Pre-appointment talk (任前约谈)")
    SPECIAL = "special", _("Special talk (专项约谈)")
    WARNING = "warning", _("Warning talk (警示约谈)")
    ADMONITION = "admonition", _("Admonition talk (诫勉约谈)")


CORRECTIVE_TALK_TYPES = frozenset({TalkType.WARNING, TalkType.ADMONITION})


class SpecialTrigger(models.TextChoices):
    """Why a special talk is held (第四条（三）)."""

    POST_CHANGE = "post_change", _("Post change (岗位变动)")
    MAJOR_PROJECT = "major_project", _("In charge of a major project (重大项目)")
    IMPORTANT_WORK = "important_work", _("In charge of important work (重要工作)")


class CaseSource(models.TextChoices):
    """Where an admonition talk's problem came to light (第四条（五）)."""

    PUBLIC_REPORT = "public_report", _("Reported by the public (群众反映)")
    PETITION = "petition", _("Petition or whistleblowing (信访举报)")
    CONDUCT_EVALUATION = "conduct_evaluation", _("Conduct evaluation (政风行风评议)")
    RESPONSIBILITY_CHECK = (
        "responsibility_check",
        _("Responsibility check (党风廉政建设责任制检查)"),
    )
    OTHER = "other", _("Other (其他)")


class ProposalOrigin(models.TextChoices):
    """第六条（一）: proposed by the 约谈主体 directly, or on what the office has learned."""

    DIRECT = "direct", _("Proposed directly by the interviewer")
    OFFICE_INFORMATION = "office_information", _("On information gathered by the office")


class CaseState(models.TextChoices):
    """The life of a case (rules.md, "The case's life")."""

    DRAFT = "draft", _("Draft (草稿)")
    SUBMITTED = "submitted", _("Awaiting consent (待审批)")
    APPROVED = "approved", _("Consented (已同意)")
    DECLINED = "declined", _("Declined (未同意)")
    NOTIFIED = "notified", _("Notified (已通知)")
    POSTPONEMENT_REQUESTED = "postponement_requested", _("Postponement requested (申请延期)")
    ABSENT = "absent", _("Subject absent (未到场)")
    HELD = "held", _("Talk held (已约谈)")
    RECTIFYING = "rectifying", _("Rectifying (整改中)")
    CLOSED = "closed", _("Closed (已办结)")
    ESCALATED = "escalated", _("Escalated (已移送追责)")
    WITHDRAWN = "withdrawn", _("Withdrawn (已撤销)")


FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.ESCALATED, CaseState.WITHDRAWN})


class Transition(models.TextChoices):
    """The steps a case is worked by, named and labelled like its states. Everything else about
    a step (from which states to which, who may ask, its form, inputs and effects) is declared
    once, in lianzheng.workflow.steps; the rules that guard it name it here."""

    SUBMIT = "submit", _("Submit for consent")
    CONSENT = "consent", _("Consent")
    DECLINE = "decline", _("Decline")
    REVISE = "revise", _("Revise")
    APPROVE_SHORT_NOTICE = "approve_short_notice", _("Approve a shorter notice")
    DESIGNATE_SUBSTITUTE = "designate_substitute", _("Designate a substitute")
    DELEGATE = "delegate", _("Delegate the talk")
    REVOKE_DELEGATION = "revoke_delegation", _("Revoke the delegation")
    NOTIFY = "notify", _("Notify")
    RECORD_DELIVERY = "record_delivery", _("Record the notice's delivery")
    REQUEST_POSTPONEMENT = "request_postponement", _("Record a postponement application")
    APPROVE_POSTPONEMENT = "approve_postponement", _("Approve the postponement")
    REJECT_POSTPONEMENT = "reject_postponement", _("Reject the postponement")
    RECORD_ABSENCE = "record_absence", _("Record absence")
    RESCHEDULE = "reschedule", _("Reschedule")
    HOLD = "hold", _("Record the talk")
    START_RECTIFICATION = "start_rectification", _("Require rectification")
    CLOSE = "close", _("Close and file")
    ESCALATE = "escalate", _("Escalate (移送追责)")
    WITHDRAW = "withdraw", _("Withdraw")


class Act(models.TextChoices):
    """What the rules are asked about besides the steps of a case."""

    VIEW_CONFIDENTIAL = "view_confidential", _("See the confidential report")
    EDIT_CONFIDENTIAL = "edit_confidential", _("Enter or amend the confidential report")


class CaseRole(models.TextChoices):
    """What a participant does in a talk (第六条（二）)."""

    LEAD = "lead", _("Lead interviewer (负责)")
    OFFICE_HEAD = "office_head", _("Office head (办公室负责人)")
    DISCIPLINE_OFFICER = "discipline_officer", _("Discipline officer (纪检专干)")
    PERSONNEL_OFFICER = "personnel_officer", _("Personnel officer (人事专干)")
    INTERVIEWER = "interviewer", _("Other interviewer")


class EscalationGround(models.TextChoices):
    """Grounds for 移送追责: 第八条（一）（三）, 第九条, 第十条, 第十一条."""

    NON_COMPLIANCE = "non_compliance", _("Did not comply with the talk requirements (第十条)")
    REFUSED_CORRECTION = "refused_correction", _("Refused to correct after the talk (第十条)")
    BAD_INFLUENCE = "bad_influence", _("Bad influence among the public (第十条)")
    NON_ATTENDANCE = "non_attendance", _("Missed the talk without postponement (第八条（一）)")
    RECTIFICATION_FAILED = "rectification_failed", _("Inadequate or overdue rectification (第九条)")
    DECEPTION = "deception", _("Deceived the organisation (第十一条)")
    FALSIFICATION = "falsification", _("Falsification (第十一条)")
    RETALIATION = (
        "retaliation",
        _("Retaliation against interviewers or whistleblowers (第八条（三）、第十一条)"),
    )


class RequestForm(models.TextChoices):
    """How a postponement was asked for: 第八条（一） accepts a written application alone."""

    WRITTEN = "written", _("Written application")
    TELEPHONE = "telephone", _("By telephone")
    IN_PERSON = "in_person", _("In person")


class DeliveryMethod(models.TextChoices):
    """How a written notice reached the subject (第六条（三））."""

    IN_PERSON = "in_person", _("Delivered in person")
    POST = "post", _("By post")
    ELECTRONIC = "electronic", _("Electronically")


class PostponementDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    VERIFIED = "verified", _("Verified done by the office")
    INADEQUATE = "inadequate", _("Inadequate")


class CheckResult(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFIED = "verified", _("Verified done")
    INADEQUATE = "inadequate", _("Inadequate")


class DocumentKind(models.TextChoices):
    """The documents a case produces (第四条（二）, 第六条（三）, 第七条（三）, 第九条)."""

    NOTICE = "notice", _("Talk notice (廉政约谈通知书)")
    RECORD = "record", _("Talk record (谈话记录)")
    COMMITMENT = "commitment", _("Integrity commitment (廉洁自律承诺书)")
    RECTIFICATION_NOTICE = "rectification_notice", _("Rectification notice (整改通知)")
    RECTIFICATION_REPORT = "rectification_report", _("Rectification report (整改情况)")
    INTEGRITY_FILE = "integrity_file", _("Personal integrity file (个人廉政档案)")


class ReminderKind(models.TextChoices):
    """What a reminder is about: the deadlines of 第六条（一）（三）, 第八条（一） and 第九条."""

    CONSENT_AWAITED = "consent_awaited", _("Consent awaited (待审批)")
    NOTICE_DUE = "notice_due", _("Written notice due (书面通知到期)")
    TALK_TOMORROW = "talk_tomorrow", _("Talk on the next working day (约谈临近)")
    RECTIFICATION_NEAR = "rectification_near", _("Rectification deadline near (整改期限临近)")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification overdue (整改逾期)")


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("Email and dashboard")
    DASHBOARD = "dashboard", _("Dashboard only (no email address)")


class ReminderState(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")

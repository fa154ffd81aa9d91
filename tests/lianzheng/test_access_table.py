"""Who gets in where: the permission design of every URL of the add-on, as one table.

Read ``TABLE`` on its own: for each URL, which users are answered with the page (or the file), in
which states of a case. Everyone else signed in to the admin gets our 403 page; a visitor who is
not signed in, a login with no group and a subject's own login (who has no place in the admin)
are sent to the sign-in page. The test walks every row for every one of those users, on a case in
every state, and checks the status, the kind of answer, and one thing on every page: the
whistleblower's name (第七条（四）, R7.4) appears on the case page and the confidential form for
the three offices allowed to see it, and nowhere else, for no one else.

POSTs are walked too: a refused POST changes nothing (the audit chain's head and every case's
state are compared before and after); an allowed POST of an empty form is answered with the form
or a redirect — never a 403 or a 500 — and is rolled back, so the walk goes on from the same cases.

The sets of users are written out here, not imported from lianzheng.permissions: this table is
the design the code is tested against, so it must not be computed from the code. A URL of the
add-on that is not in the table fails ``test_every_url_of_the_add_on_is_in_the_table``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from lianzheng import clock
from lianzheng.choices import CaseState, CheckResult, DocumentKind, EscalationGround, Role
from lianzheng.models import TalkCase
from tests.hostile import each_example
from tests.workflow_helpers import advance, deliver, new_case

pytestmark = pytest.mark.django_db

# -- who ----------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
NO_GROUP = "no group"  # a login that belongs to no group
SUBJECT = "subject"  # the subject's own login: his file at /my/, nothing in the admin
EDITOR = "editor"
CLERK = "office"
OFFICE_HEAD = "office head"
PRINCIPAL = "principal head"
DEPUTY_PERSONNEL = "deputy head (personnel)"
DEPUTY_DISCIPLINE = "deputy head (discipline)"
LEADER = "leader in charge"
DISCIPLINE = "discipline officer"
PERSONNEL = "personnel officer"
AUDITOR = "auditor"
SUPERUSER = "superuser"

EVERYONE = (
    ANONYMOUS,
    NO_GROUP,
    SUBJECT,
    EDITOR,
    CLERK,
    OFFICE_HEAD,
    PRINCIPAL,
    DEPUTY_PERSONNEL,
    DEPUTY_DISCIPLINE,
    LEADER,
    DISCIPLINE,
    PERSONNEL,
    AUDITOR,
    SUPERUSER,
)
OUTSIDE_ADMIN = frozenset({ANONYMOUS, NO_GROUP, SUBJECT})  # sent to the sign-in page
OFFICE = frozenset({CLERK, OFFICE_HEAD})
LEADERS = frozenset({PRINCIPAL, DEPUTY_PERSONNEL, DEPUTY_DISCIPLINE, LEADER})
ATTENDEES = frozenset({DISCIPLINE, PERSONNEL})
CASE_STAFF = OFFICE | LEADERS | ATTENDEES
# Cases are opened by those who work them, by the auditors and by the superuser; not by editors.
CASE_READERS = CASE_STAFF | {AUDITOR, SUPERUSER}
# 第六条（一）: proposed by the leaders (约谈主体) or on the office's information.
PROPOSERS = OFFICE | LEADERS | {SUPERUSER}
# 第七条（四）: whistleblower information, for these three offices only — not the superuser.
WHISTLEBLOWER_READERS = frozenset({PRINCIPAL, DEPUTY_DISCIPLINE, DISCIPLINE})
# The global audit log and the chain: the auditors and the bureau's discipline line.
AUDIT_READERS = frozenset({AUDITOR, DISCIPLINE, DEPUTY_DISCIPLINE, PRINCIPAL, SUPERUSER})
# A case's evidence package (案卷): the office, which keeps the files, and the audit readers.
PACKAGERS = OFFICE | AUDIT_READERS
# Notices, records and files are made by the office and by the officers who attend the talks.
DOCUMENT_MAKERS = OFFICE | ATTENDEES | {SUPERUSER}
ADMIN_USERS = frozenset(EVERYONE) - OUTSIDE_ADMIN
NOBODY: frozenset[str] = frozenset()

# Who may ask for each transition (the rules then decide whether the case allows it now).
TRANSITIONS = {
    "submit": PROPOSERS,
    "consent": CASE_STAFF | {SUPERUSER},
    "decline": CASE_STAFF | {SUPERUSER},
    "revise": PROPOSERS,
    # Anyone on the case's staff may ask; R6.1 lets only the principal head approve.
    "approve_short_notice": CASE_STAFF | {SUPERUSER},
    "notify": OFFICE | {SUPERUSER},
    "request_postponement": OFFICE | {SUPERUSER},
    "approve_postponement": LEADERS | {SUPERUSER},
    "reject_postponement": LEADERS | {SUPERUSER},
    "record_absence": OFFICE | {SUPERUSER},
    "reschedule": OFFICE | {SUPERUSER},
    "hold": OFFICE | ATTENDEES | LEADERS | {SUPERUSER},
    "start_rectification": OFFICE | {SUPERUSER},
    "close": OFFICE | {SUPERUSER},
    "escalate": LEADERS | {SUPERUSER},
    "withdraw": PROPOSERS,
}

# -- the states, and what stays editable in each ----------------------------------------------

S = CaseState
ALL_STATES = tuple(CaseState)
CONTENT_STATES = frozenset({S.DRAFT, S.DECLINED})  # subjects, grounds, the whole content
PLANNING_STATES = CONTENT_STATES | {S.SUBMITTED, S.APPROVED}  # participants, schedule
BEFORE_TALK = PLANNING_STATES | {S.NOTIFIED, S.POSTPONEMENT_REQUESTED, S.ABSENT}


def in_states(who: frozenset[str], states) -> Callable[[str], frozenset[str]]:
    return lambda state: who if state in states else NOBODY


# -- the answers ----------------------------------------------------------------------------------

PAGE = "page"  # 200, an HTML page
PDF = "pdf"
DOWNLOAD = "download"  # an uploaded file, always as an attachment, never rendered inline
ICS = "ics"
JSON = "json"
CSV = "csv"
XLSX = "xlsx"
ZIP = "zip"
POST_ONLY = "post only"  # 405 to a GET: the URL is a button
DENIED = "denied"  # 403, our page
LOGIN = "login"  # 302 to the sign-in page
NOT_FOUND = "not found"  # 404
UNAUTHORIZED = "unauthorized"  # 401: the case API asks for its token, not a sign-in

CONTENT_TYPES = {
    PDF: "application/pdf",
    DOWNLOAD: "application/octet-stream",
    ICS: "text/calendar",
    JSON: "application/json",
    CSV: "text/csv",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ZIP: "application/zip",
}


@dataclass(frozen=True)
class Row:
    """One URL: who gets ``answer``; ``args`` builds its arguments from the world (None: the
    URL does not exist for this case, e.g. no notice yet); ``posts``: the URL takes a POST."""

    name: str
    who: frozenset[str] | Callable[[str], frozenset[str]]
    args: Callable = lambda w, case: []
    answer: str = PAGE
    posts: bool = False
    query: str = ""
    per_case: bool = False
    label: str = ""  # for several rows of one URL name (transitions, exports)
    otherwise: str = DENIED  # for admin users not in ``who``
    outside: str = LOGIN  # for the users outside the admin

    def allowed(self, state) -> frozenset[str]:
        return self.who(state) if callable(self.who) else self.who

    @property
    def key(self) -> str:
        return f"{self.name} {self.label}".strip()


def case_rows() -> list[Row]:
    """The case's own URLs, walked on a case in every state."""
    c = "wagtailsnippets_lianzheng_talkcase:"
    pk = lambda w, case: [case.pk]  # noqa: E731
    rows = [
        Row(c + "inspect", CASE_READERS, pk, per_case=True),
        Row(c + "history", CASE_READERS, pk, per_case=True),
        Row(c + "history_results", CASE_READERS, pk, per_case=True),
        Row(c + "usage", CASE_READERS, pk, per_case=True),
        Row("lianzheng_audit:compare", CASE_READERS, pk, per_case=True),
        # The case's evidence package (案卷): the office and the auditors; the POST returns
        # the ZIP (the whistleblower report only when one of its three readers ticks the box).
        Row("lianzheng_audit:package", PACKAGERS, pk, posts=True, per_case=True),
        Row(c + "edit", in_states(PROPOSERS, BEFORE_TALK), pk, posts=True, per_case=True),
        # Cases are never deleted, by anyone (the record is kept, 第九条).
        Row(c + "delete", NOBODY, pk, posts=True, per_case=True),
        Row(c + "subject_add", in_states(PROPOSERS, CONTENT_STATES), pk, posts=True, per_case=True),
        Row(
            c + "subject_remove",
            in_states(PROPOSERS, CONTENT_STATES),
            lambda w, case: [case.pk, w.cast.staff.pk],
            posts=True,
            per_case=True,
        ),
        Row(
            c + "participant_add",
            in_states(PROPOSERS, PLANNING_STATES),
            pk,
            posts=True,
            per_case=True,
        ),
        Row(
            c + "participant_remove",
            in_states(PROPOSERS, PLANNING_STATES),
            lambda w, case: [case.pk, w.cast.discipline.pk],
            posts=True,
            per_case=True,
        ),
        Row(
            c + "participants_suggested",
            in_states(PROPOSERS, PLANNING_STATES),
            pk,
            posts=True,
            per_case=True,
        ),
        # Entered and amended by R7.4's three offices (the discipline officer usually receives
        # the report), before the talk.
        Row(
            c + "confidential",
            in_states(WHISTLEBLOWER_READERS, BEFORE_TALK),
            pk,
            posts=True,
            per_case=True,
        ),
        Row(c + "item_add", OFFICE | {SUPERUSER}, pk, posts=True, per_case=True),
        Row(
            c + "item_check",
            OFFICE | {SUPERUSER},
            lambda w, case: [case.pk, w.items[case.state]] if case.state in w.items else None,
            posts=True,
            per_case=True,
        ),
        Row(
            c + "document_generate",
            DOCUMENT_MAKERS,
            pk,
            answer=POST_ONLY,
            posts=True,
            per_case=True,
        ),
        Row(
            c + "document_generate_all",
            DOCUMENT_MAKERS,
            pk,
            answer=POST_ONLY,
            posts=True,
            per_case=True,
        ),
        Row(
            c + "postponement_scan",
            CASE_READERS,
            lambda w, case: [case.pk, w.scans[case.state]] if case.state in w.scans else None,
            answer=DOWNLOAD,
            per_case=True,
        ),
        Row(
            c + "document",
            CASE_READERS,
            lambda w, case: (
                [case.pk, w.documents[case.state]] if case.state in w.documents else None
            ),
            answer=PDF,
            per_case=True,
        ),
        Row(
            c + "evidence",
            CASE_READERS,
            lambda w, case: [case.pk, w.evidence[case.state]] if case.state in w.evidence else None,
            answer=DOWNLOAD,
            per_case=True,
        ),
        Row(
            c + "notice_ics",
            CASE_READERS,
            lambda w, case: [case.pk, w.notices[case.state]] if case.state in w.notices else None,
            answer=ICS,
            per_case=True,
        ),
    ]
    for transition, who in TRANSITIONS.items():
        rows.append(
            Row(
                c + "transition",
                who,
                lambda w, case, t=transition: [case.pk, t],
                posts=True,
                per_case=True,
                label=transition,
            )
        )
    return rows


def person_rows() -> list[Row]:
    p = "wagtailsnippets_lianzheng_person:"
    return [
        Row(
            p + "integrity_file",
            DOCUMENT_MAKERS,
            lambda w, case: [w.cast.staff.pk],
            POST_ONLY,
            posts=True,
        ),
        Row(
            p + "document",
            CASE_READERS,
            lambda w, case: [w.cast.staff.pk, w.integrity_file],
            PDF,
        ),
    ]


def other_rows() -> list[Row]:
    c = "wagtailsnippets_lianzheng_talkcase:"
    return [
        Row(c + "list", CASE_READERS),
        Row(c + "list_results", CASE_READERS),
        Row(c + "list", CASE_READERS, query="?state=notified&talk_type=warning", label="filtered"),
        Row(c + "add", PROPOSERS, posts=True),
        Row(c + "workflow", CASE_READERS),
        Row(
            c + "workdays",
            CASE_READERS,
            answer=JSON,
            query=f"?from={date(2026, 9, 28)}&to={date(2026, 10, 9)}",
        ),
        Row("lianzheng_audit:log", AUDIT_READERS),
        Row("lianzheng_audit:log", AUDIT_READERS, answer=CSV, query="?export=csv", label="csv"),
        Row("lianzheng_audit:log", AUDIT_READERS, answer=XLSX, query="?export=xlsx", label="xlsx"),
        Row("lianzheng_audit:verify", AUDIT_READERS, posts=True),
        # Signed checkpoints: listed and signed on demand, downloaded as JSON and PDF.
        Row("lianzheng_audit:checkpoints", AUDIT_READERS, posts=True),
        Row(
            "lianzheng_audit:checkpoint_download",
            AUDIT_READERS,
            lambda w, case: [w.reference["checkpoint"], "json"],
            JSON,
            label="json",
        ),
        Row(
            "lianzheng_audit:checkpoint_download",
            AUDIT_READERS,
            lambda w, case: [w.reference["checkpoint"], "pdf"],
            PDF,
            label="pdf",
        ),
        # The office telephone printed on notices: Wagtail's settings view, which sends anyone
        # else back to the dashboard with its own "no permission" message.
        Row(
            "wagtailsettings:edit",
            OFFICE | {EDITOR, SUPERUSER},
            lambda w, case: ["lianzheng", "documentsettings", w.reference["documentsettings"]],
            posts=True,
            otherwise="302 /admin/",
        ),
        # Two-factor sign-in: every admin user may enrol and manage his own; nobody else's.
        # The code step is only for a user who has signed in with his password and has an
        # authenticator; everyone else is sent on.
        Row("lianzheng_2fa_verify", NOBODY, otherwise="302 /admin/"),
        Row("lianzheng_2fa_enrol", ADMIN_USERS, posts=True),
        Row("lianzheng_2fa_manage", ADMIN_USERS),
        Row("lianzheng_2fa_backup_codes", ADMIN_USERS, answer=POST_ONLY, posts=True),
        Row("lianzheng_2fa_remove", ADMIN_USERS, answer=POST_ONLY, posts=True),
        # Spreadsheets in: whoever keeps one of the importable kinds (units: editors too);
        # each template for the keepers of its kind.
        Row("lianzheng_import:import", REFERENCE["unit"] | REFERENCE["person"], posts=True),
        Row(
            "lianzheng_import:template",
            REFERENCE["person"],
            lambda w, case: ["people"],
            answer=XLSX,
        ),
        # The case API's tokens: the superuser's alone; its call log, the audit readers'.
        Row("lianzheng_api_consumers:list", frozenset({SUPERUSER})),
        Row("lianzheng_api_consumers:issue", frozenset({SUPERUSER}), posts=True),
        Row(
            "lianzheng_api_consumers:revoke",
            frozenset({SUPERUSER}),
            lambda w, case: [w.consumer],
            posts=True,
        ),
        Row("lianzheng_api_consumers:calls", AUDIT_READERS),
        # The case API itself answers a token, not a session: 401 to every signed-in user and
        # visitor alike; its description is public.
        *(
            Row(
                f"lianzheng_api:{name}",
                NOBODY,
                args,
                otherwise=UNAUTHORIZED,
                outside=UNAUTHORIZED,
            )
            for name, args in (
                ("case-list", lambda w, case: []),
                ("case-detail", lambda w, case: [w.reference["talkcase"]]),
                ("case-history", lambda w, case: [w.reference["talkcase"]]),
            )
        ),
        Row("lianzheng_api:root", ADMIN_USERS, answer=JSON, outside=JSON),
        Row("lianzheng_api:openapi", ADMIN_USERS, answer=JSON, outside=JSON),
        # The subject's own file: any login with a person linked to it; not the admin's.
        Row(
            "lianzheng_my_file",
            frozenset({SUBJECT}) | OFFICE | LEADERS | ATTENDEES,
            otherwise=NOT_FOUND,
            outside=None,
        ),
        Row(
            "lianzheng_my_document",
            frozenset({SUBJECT}),
            lambda w, case: [w.subject_notice],
            PDF,
            otherwise=NOT_FOUND,
            outside=None,
        ),
    ]


# The reference data, kept with Wagtail's generic snippet views and the model permissions of
# lianzheng.roles: (model, who adds and changes it). Everyone in the admin reads it; only the
# superuser deletes (Django's own model permission, granted to no group).
READ_REFERENCE = ADMIN_USERS
REFERENCE = {
    "unit": OFFICE | {EDITOR, SUPERUSER},
    "person": OFFICE | {SUPERUSER},
    "appointment": OFFICE | {SUPERUSER},
    "roleassignment": OFFICE | {SUPERUSER},
    "ground": frozenset({EDITOR, SUPERUSER}),
    "calendaroverride": frozenset({EDITOR, SUPERUSER}),
    "calendaryear": frozenset({EDITOR, SUPERUSER}),
}
INSPECTABLE = {"unit", "person"}


def reference_rows() -> list[Row]:
    rows = []
    for model, keepers in REFERENCE.items():
        v = f"wagtailsnippets_lianzheng_{model}:"
        obj = lambda w, case, m=model: [w.reference[m]]  # noqa: E731
        rows += [
            Row(v + "list", READ_REFERENCE),
            Row(v + "list_results", READ_REFERENCE),
            Row(v + "add", keepers, posts=True),
            Row(v + "edit", keepers, obj, posts=True),
            Row(v + "delete", frozenset({SUPERUSER}), obj),
            Row(v + "usage", READ_REFERENCE, obj),
            Row(v + "history", READ_REFERENCE, obj),
            Row(v + "history_results", READ_REFERENCE, obj),
        ]
        if model in INSPECTABLE:
            rows.append(Row(v + "inspect", READ_REFERENCE, obj))
    # Next year's calendar from the State Council's notice (issue 18): its keepers only.
    rows.append(
        Row("wagtailsnippets_lianzheng_calendaryear:import", REFERENCE["calendaryear"], posts=True)
    )
    return rows


def chooser_rows() -> list[Row]:
    """The choosers of the edit forms (a person, a unit…): shown to those who may read what
    they choose from. None of them creates: a person, a unit or a case is made on its own form."""
    rows = []
    for model in (*REFERENCE, "talkcase"):
        ch = f"wagtailsnippetchoosers_lianzheng_{model}:"
        readers = CASE_READERS if model == "talkcase" else READ_REFERENCE
        obj = lambda w, case, m=model: [w.reference[m]]  # noqa: E731
        rows += [
            Row(ch + "choose", readers, answer=JSON),
            Row(ch + "choose_results", readers),
            Row(ch + "chosen", readers, obj, answer=JSON),
            Row(ch + "chosen_multiple", readers, answer=JSON, query="?id=1"),
        ]
    return rows


def job_rows() -> list[Row]:
    """A background generation (an evidence package the clerk asked for) is his alone: anyone
    else in the admin, the superuser included, finds no such job."""
    j = "lianzheng_jobs:"
    job = lambda w, case: [w.job]  # noqa: E731
    mine = frozenset({CLERK})
    return [
        Row(j + "job", mine, job, otherwise=NOT_FOUND),
        Row(j + "status", mine, job, JSON, otherwise=NOT_FOUND),
        Row(j + "download", mine, job, ZIP, otherwise=NOT_FOUND),
    ]


TABLE: list[Row] = (
    case_rows() + person_rows() + other_rows() + reference_rows() + chooser_rows() + job_rows()
)


# -- the world ------------------------------------------------------------------------------------

WHISTLEBLOWER = "举报人甲某某"


@dataclass
class World:
    cast: object
    users: dict[str, object]
    cases: dict[str, TalkCase]
    items: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)
    scans: dict[str, int] = field(default_factory=dict)
    consumer: int = 0
    notices: dict[str, int] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    reference: dict[str, int] = field(default_factory=dict)
    integrity_file: int = 0
    subject_notice: int = 0
    job: int = 0


def build_world(cast) -> World:
    """A case in every state, each with a whistleblower report, and whatever its state has:
    notices, a generated notice, rectification items, a check with evidence; and a signed
    checkpoint."""
    from lianzheng.audit.checkpoints import make_checkpoint
    from lianzheng.models import (
        Appointment,
        CalendarOverride,
        CalendarYear,
        DocumentSettings,
        Ground,
        RectificationItem,
        RoleAssignment,
        Unit,
    )
    from lianzheng.services.api_consumers import api_consumer_issue
    from lianzheng.services.documents import document_generate
    from lianzheng.services.rectification import rectification_check_record
    from lianzheng.services.workflow import case_transition
    from tests.factories import UserFactory

    office, principal = cast.clerk.user, cast.principal.user
    report = {
        "whistleblower": WHISTLEBLOWER,
        "contact": "139****0000",
        "received_on": timezone.localdate() - timedelta(days=3),
        "material": "反映工作推诿拖延。",
    }

    def case(to):
        c = new_case(cast, confidential=report)
        return advance(cast, c, to) if to != S.DRAFT else c

    def evidence_check(c, result):
        item = c.rectification_items.first()
        pdf = SimpleUploadedFile("台账.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        return rectification_check_record(
            item=item, user=office, finding="已查看台账。", result=result, evidence=pdf
        )

    cases = {}
    for state in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.NOTIFIED, S.HELD):
        cases[state] = case(state)
    cases[S.DECLINED] = case_transition(
        case=case(S.SUBMITTED), transition="decline", user=principal, reason="情况尚需核实。"
    )
    cases[S.WITHDRAWN] = case_transition(
        case=case(S.DRAFT), transition="withdraw", user=office, reason="重复立案。"
    )
    cases[S.POSTPONEMENT_REQUESTED] = case_transition(
        case=case(S.NOTIFIED),
        transition="request_postponement",
        user=office,
        application="出差，申请延期。",
        scan=SimpleUploadedFile("申请.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    absent = deliver(cast, case(S.NOTIFIED))
    with clock.at(absent.scheduled_at + timedelta(hours=2)):  # the talk time has passed
        cases[S.ABSENT] = case_transition(case=absent, transition="record_absence", user=office)
    rectifying = case(S.RECTIFYING)
    checks = {S.RECTIFYING: evidence_check(rectifying, CheckResult.INADEQUATE)}
    cases[S.RECTIFYING] = rectifying
    closed = case(S.RECTIFYING)
    checks[S.CLOSED] = evidence_check(closed, CheckResult.VERIFIED)
    cases[S.CLOSED] = case_transition(case=closed, transition="close", user=office)
    escalated = case(S.RECTIFYING)
    checks[S.ESCALATED] = evidence_check(escalated, CheckResult.INADEQUATE)
    cases[S.ESCALATED] = case_transition(
        case=escalated,
        transition="escalate",
        user=cast.deputy_discipline.user,
        ground=EscalationGround.RECTIFICATION_FAILED,
        detail="整改措施不到位。",
    )
    assert {c.state for c in cases.values()} == set(CaseState), "a state has no case"

    world = World(cast=cast, users={}, cases=cases)
    for state, c in cases.items():
        notice = c.notices.first()
        if notice is not None:
            world.notices[state] = notice.pk
        item = RectificationItem.objects.filter(case=c).first()
        if item is not None:
            world.items[state] = item.pk
        if state in checks:
            world.evidence[state] = checks[state].pk
        scanned = c.postponements.exclude(scan="").first()
        if scanned is not None:
            world.scans[state] = scanned.pk
    # Documents are generated once and downloadable in every later state (a notice of the
    # notified case, the record of the held one, the rectification report of the closed one).
    for state, kind in (
        (S.NOTIFIED, DocumentKind.NOTICE),
        (S.HELD, DocumentKind.RECORD),
        (S.CLOSED, DocumentKind.RECTIFICATION_REPORT),
    ):
        doc = document_generate(user=office, kind=kind, case=cases[state], person=cast.staff)
        world.documents[state] = doc.pk
        if kind == DocumentKind.NOTICE:
            world.subject_notice = doc.pk
    world.integrity_file = document_generate(
        user=office, kind=DocumentKind.INTEGRITY_FILE, person=cast.staff
    ).pk
    world.job = finished_package_job(office, cases[S.CLOSED])

    world.reference = {
        "checkpoint": make_checkpoint(made_by="access table").pk,
        "talkcase": cases[S.CLOSED].pk,
        "unit": Unit.objects.get(code="section-a").pk,
        "person": cast.staff2.pk,
        "appointment": Appointment.objects.first().pk
        if Appointment.objects.exists()
        else Appointment.objects.create(
            person=cast.staff2,
            kind="promotion",
            post="科长",
            rank="section_chief",
            unit=cast.staff2.unit,
            effective_date=timezone.localdate() + timedelta(days=30),
        ).pk,
        "roleassignment": RoleAssignment.objects.first().pk,
        "ground": Ground.objects.get(number=5).pk,
        "calendaroverride": CalendarOverride.objects.create(
            date=date(2031, 1, 2), working=False, note="测试"
        ).pk,
        "calendaryear": CalendarYear.objects.create(year=2031, source="测试").pk,
        "documentsettings": DocumentSettings.load().pk,
    }

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    world.consumer = api_consumer_issue(user=root, name="州纪委监委第三监督检查室")[0].pk
    subject_login = UserFactory(username="feng-subject")
    cast.staff.user = subject_login
    cast.staff._change_reason = "测试：关联登录"
    cast.staff.save()
    world.users = {
        ANONYMOUS: None,
        NO_GROUP: UserFactory(username="nobody"),
        SUBJECT: subject_login,
        EDITOR: UserFactory(username="editor", roles=[Role.EDITOR]),
        CLERK: office,
        OFFICE_HEAD: cast.office_head.user,
        PRINCIPAL: principal,
        DEPUTY_PERSONNEL: cast.deputy_personnel.user,
        DEPUTY_DISCIPLINE: cast.deputy_discipline.user,
        LEADER: cast.leader.user,
        DISCIPLINE: cast.discipline.user,
        PERSONNEL: cast.personnel.user,
        AUDITOR: cast.auditor,
        SUPERUSER: root,
    }
    return world


def finished_package_job(user, case) -> int:
    """A package job as the worker leaves it, with a stored ZIP (not made: the walk is about
    who may reach it, and tests/lianzheng/services/test_jobs.py makes real ones)."""
    import hashlib
    import io
    import zipfile

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from lianzheng.models import GenerationJob, JobKind, JobState

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", "{}")
    data = out.getvalue()
    name = default_storage.save("lianzheng/jobs/access-table.zip", ContentFile(data))
    return GenerationJob.objects.create(
        kind=JobKind.PACKAGE,
        state=JobState.DONE,
        requested_by=user,
        case=case,
        progress=100,
        file=name,
        filename="案卷-测试.zip",
        sha256=hashlib.sha256(data).hexdigest(),
        finished_at=timezone.now(),
    ).pk


# -- the walk -------------------------------------------------------------------------------------


def expected(row: Row, who: str, state) -> str:
    if who in OUTSIDE_ADMIN and row.outside is not None:
        return row.outside
    if who == ANONYMOUS:
        return LOGIN
    return row.answer if who in row.allowed(state) else row.otherwise


def observed(response) -> str:
    status = response.status_code
    if status == 302 and "/login/" in response.get("Location", ""):
        return LOGIN
    if status == 403:
        return DENIED
    if status == 404:
        return NOT_FOUND
    if status == 401:
        return UNAUTHORIZED
    if status == 405:
        return POST_ONLY
    if status == 200:
        content_type = response.get("Content-Type", "")
        for answer, expected_type in CONTENT_TYPES.items():
            if content_type.startswith(expected_type):
                if answer == DOWNLOAD and "attachment" not in response.get(
                    "Content-Disposition", ""
                ):
                    return "inline download"
                return answer
        if content_type.startswith("text/html"):
            return PAGE
        return f"200 {content_type}"
    return f"{status} {response.get('Location', '')}".strip()


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# The pages on which the whistleblower's name belongs, for the three offices of 第七条（四）.
CONFIDENTIAL_PAGES = {
    "wagtailsnippets_lianzheng_talkcase:inspect",
    "wagtailsnippets_lianzheng_talkcase:confidential",
}


def fingerprint():
    """What a refused POST must leave as it was: the chain's head, every case's state and
    version, the number of Wagtail log entries, and the document settings."""
    from wagtail.models import ModelLogEntry

    from lianzheng.audit.models import ChainHead
    from lianzheng.models import DocumentSettings

    head = str(ChainHead.current())
    from lianzheng.audit.models import ChainVerification
    from lianzheng.models import GeneratedDocument

    states = dict(TalkCase.objects.values_list("pk", "state"))
    counts = [m.objects.count() for m in (ModelLogEntry, GeneratedDocument, ChainVerification)]
    settings = list(DocumentSettings.objects.values_list("contact_phone", flat=True))
    return head, states, counts, settings


def walk(client, world: World, rows, *, on_cases: bool, users=EVERYONE):
    """Every row for each of ``users`` (and every case, for the case rows); returns the
    mismatches and a count of the combinations."""
    mismatches: list[str] = []
    combinations = Counter()
    targets = list(world.cases.items()) if on_cases else [(None, None)]
    client.raise_request_exception = False  # a 500 is a mismatch to report, like any other
    for who in users:
        user = world.users[who]
        client.logout()
        if user is not None:
            client.force_login(user)
        for row in rows:
            for state, case in targets:
                args = row.args(world, case)
                if args is None:
                    continue
                url = reverse(row.name, args=args) + row.query
                where = f"{row.key} [{state or '-'}] as {who}"
                want = expected(row, who, state)
                response = client.get(url)
                got = observed(response)
                combinations["GET"] += 1
                if got != want:
                    mismatches.append(f"GET {where}: expected {want}, got {got}")
                elif got == PAGE:
                    shown = WHISTLEBLOWER in body(response)
                    belongs = row.name in CONFIDENTIAL_PAGES and who in WHISTLEBLOWER_READERS
                    if shown != belongs:
                        mismatches.append(
                            f"GET {where}: whistleblower {'shown' if shown else 'missing'}"
                        )
                if row.posts:
                    combinations["POST"] += 1
                    mismatches += post(client, row, url, who, state, where)
    return mismatches, combinations


def post(client, row: Row, url: str, who: str, state, where: str) -> list[str]:
    allowed = who in row.allowed(state) and not (who in OUTSIDE_ADMIN and row.outside)
    if not allowed:
        before = fingerprint()
        got = observed(client.post(url, {}))
        problems = []
        if got not in (DENIED, LOGIN, NOT_FOUND, row.otherwise):
            problems.append(f"POST {where}: expected a refusal, got {got}")
        if fingerprint() != before:
            problems.append(f"POST {where}: a refused POST changed something")
        return problems
    with each_example():  # rolled back: the walk goes on from the same cases
        response = client.post(url, {})
    if response.status_code in (403, 500) or response.status_code >= 500:
        return [f"POST {where}: allowed user answered {response.status_code}"]
    return []


def test_every_url_of_the_add_on_is_in_the_table():
    """A new view must be placed in the permission design before it can ship."""

    def names(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from names(
                    p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else "")
                )
            elif isinstance(p, URLPattern) and p.name:
                yield namespace + p.name

    every = set(names(get_resolver().url_patterns))
    ours = {name for name in every if "lianzheng" in name}
    in_table = {row.name for row in TABLE}
    assert ours - in_table == set(), "URLs missing from the access table"
    # Wagtail's own views that serve the add-on's models (its settings view) are in it too.
    assert in_table - every == set(), "the table names URLs that do not exist"


@pytest.mark.parametrize("who", EVERYONE)
def test_case_urls_in_every_state(client, cast, who):
    """One user at a time (the walk of every user took two and a half minutes in one test,
    which two CPUs could not share)."""
    world = build_world(cast)
    rows = [r for r in TABLE if r.per_case]
    mismatches, combinations = walk(client, world, rows, on_cases=True, users=[who])
    print(f"case URLs as {who}: {dict(combinations)} combinations")
    assert not mismatches, "\n".join(mismatches)


def test_other_urls_for_everyone(client, cast):
    world = build_world(cast)
    rows = [r for r in TABLE if not r.per_case]
    mismatches, combinations = walk(client, world, rows, on_cases=False)
    print(f"other URLs: {dict(combinations)} combinations")
    assert not mismatches, "\n".join(mismatches)

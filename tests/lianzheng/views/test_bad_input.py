"""Every form the add-on's admin takes, under bad input (hypothesis): random and hostile text,
impossible dates and times, wild numbers, other cases' ids, fields missing or sent twice.

Whatever is posted: never a 500. A refusal is the form again (200) with a summary that names each
field in error by its label, and the case, its history and the audit chain head exactly as
before. An acceptance shows on the result page what was typed, as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from lianzheng.choices import (
    CaseRole,
    CaseSource,
    CaseState,
    CheckResult,
    County,
    DocumentKind,
    EscalationGround,
    PersonCategory,
    ProposalOrigin,
    Rank,
    RequestForm,
    Role,
    SpecialTrigger,
    TalkType,
    UnitKind,
)
from lianzheng.dates import written
from lianzheng.models import (
    Appointment,
    CalendarOverride,
    GeneratedDocument,
    Ground,
)
from tests.factories import UserFactory
from tests.hostile import (
    ACCEPTED,
    DATES,
    DATETIMES,
    FORM_SETTINGS,
    NUMBERS,
    TEXT,
    TRIED,
    Target,
    assert_no_injected_markup,
    assert_refusal_names_fields,
    choices,
    each_example,
    ids,
    page_text,
    parse,
    posted,
    received,
    send,
    snapshot,
    squash,
)
from tests.workflow_helpers import advance, deliver, new_case, talk_time

pytestmark = pytest.mark.django_db

CASES = "wagtailsnippets_lianzheng_talkcase"
BOOL = choices("on", "true", "1", "")


def case_url(name, *args):
    return reverse(f"{CASES}:{name}", args=args)


def snippet_url(model, name, *args):
    return reverse(f"wagtailsnippets_lianzheng_{model}:{name}", args=args)


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def today(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


PURPOSE = "提醒约谈对象端正思想认识，认真整改问题。"
NOTE = "谈话提纲：一、情况通报；二、听取说明。"


def nonblank(data: dict, *names: str) -> list[str]:
    return [n for n in names if n in data and squash(received(data[n]))]


# -- the forms, each set up as the user allowed to use it on a case in the state it needs -----


def case_add(cast) -> Target:
    ground = Ground.objects.get(number=5)
    return Target(
        user=cast.clerk.user,
        url=case_url("add"),
        fields={
            "talk_type": choices(*TalkType.values),
            "subject": ids(cast.staff.pk, cast.principal.pk, cast.county_head.pk),
            "purpose": TEXT,
            "origin": choices(*ProposalOrigin.values),
            "special_trigger": choices(*SpecialTrigger.values),
            "appointment": ids(),
            "source": choices(*CaseSource.values),
            "source_detail": TEXT,
            "grounds": ids(ground.pk, Ground.objects.get(number=11).pk),
            "other_justification": TEXT,
            "problems": TEXT,
            "preparation_note": TEXT,
            "scheduled_at": DATETIMES,
            "place": TEXT,
        },
        valid={
            "talk_type": TalkType.WARNING,
            "subject": str(cast.staff.pk),
            "purpose": PURPOSE,
            "origin": ProposalOrigin.DIRECT,
            "grounds": [str(ground.pk)],
            "problems": "工作推诿拖延。",
            "preparation_note": NOTE,
            "scheduled_at": local(talk_time()),
            "place": "局三楼会议室",
        },
        shown=lambda d: nonblank(d, "purpose", "problems", "preparation_note", "place"),
        shown_times=("scheduled_at",),
    )


def case_edit(cast) -> Target:
    case = new_case(cast)
    target = case_add(cast)
    del target.fields["subject"], target.valid["subject"]
    target.url = case_url("edit", case.pk)
    target.case = case
    return target


def case_edit_submitted(cast) -> Target:
    """Most fields are shown disabled once submitted: what is posted for them is ignored."""
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    target = case_edit(cast)
    target.url = case_url("edit", case.pk)
    target.case = case
    target.shown = lambda d: nonblank(d, "preparation_note", "place")
    target.frozen = ("talk_type", "purpose", "problems", "origin", "source", "special_trigger")
    return target


def transition(name: str, state: str, who: str, fields=None, valid=None, shown=(), **kw):
    def build(cast) -> Target:
        case = kw.get("make", lambda c: new_case(c))(cast)
        case = advance(cast, case, state, kw.get("past")) if state != CaseState.DRAFT else case
        if "prepare" in kw:
            case = kw["prepare"](cast, case)
        f = fields(cast, case) if callable(fields) else dict(fields or {})
        v = valid(cast, case) if callable(valid) else dict(valid or {})
        # Fields no form of this transition has: mass assignment must do nothing either.
        f.setdefault("state", choices(*CaseState.values))
        f.setdefault("number", TEXT)
        return Target(
            user=getattr(cast, who).user,
            url=case_url("transition", case.pk, name),
            fields=f,
            valid=v,
            case=case,
            shown=shown if callable(shown) else (lambda d, s=shown: nonblank(d, *s)),
            shown_times=kw.get("shown_times", ()),
            # A submission that goes through takes the case's number ("Case numbers").
            frozen=("talk_type", "purpose", "created_by_id")
            + (() if name == "submit" else ("number", "year", "sequence")),
        )

    build.__name__ = name
    return build


def _notify_fields(cast, case):
    return {
        "scheduled_at": DATETIMES,
        "place": TEXT,
        "written_on": DATES,
        "content": TEXT,
        "phone_notified_at": DATETIMES,
        "phone_note": TEXT,
    }


def _notify_valid(cast, case):
    return {
        "scheduled_at": local(talk_time()),
        "place": "局三楼会议室",
        "written_on": today(),
        "content": "请按时参加廉政约谈。",
    }


def _hold_fields(cast, case):
    present = [p.person_id for p in case.participants.all()]
    fields = {"held_at": DATETIMES}
    for s in case.subjects.all():
        pid = s.person_id
        fields[f"present_{pid}"] = ids(*present, cast.staff.pk)
        for key in ("record_text", "statement", "explanation", "measures"):
            fields[f"{key}_{pid}"] = TEXT
    return fields


def _hold_valid(cast, case):
    lead = case.participants.get(role=CaseRole.LEAD).person_id
    valid = {"held_at": local(case.scheduled_at + timedelta(minutes=20))}  # R6.5
    for s in case.subjects.all():
        pid = s.person_id
        valid[f"present_{pid}"] = [str(lead), str(cast.office_head.pk), str(cast.discipline.pk)]
        valid[f"record_text_{pid}"] = "谈话人通报了有关情况。"
        valid[f"statement_{pid}"] = "本人如实陈述。"
        valid[f"explanation_{pid}"] = "思想重视不够。"
        valid[f"measures_{pid}"] = "加强学习，按期整改。"
    return valid


def _hold_shown(d):
    return nonblank(d, *[k for k in d if k.split("_")[0] in ("record", "statement", "measures")])


def _items_fields(cast, case):
    fields = {}
    for i in range(1, 6):
        fields |= {
            f"description_{i}": TEXT,
            f"deadline_{i}": DATES,
            f"working_days_{i}": NUMBERS,
            f"responsible_{i}": TEXT,
        }
    return fields


def _past_talk(cast, case):
    """Its notice delivered (R6.3); the talk, notified for a time now past (``past=True``),
    was missed."""
    return deliver(cast, case)


def _absent(cast, case):
    from lianzheng.services.workflow import case_transition

    case = _past_talk(cast, case)
    return case_transition(case=case, transition="record_absence", user=cast.clerk.user)


def _declined(cast, case):
    from lianzheng.services.workflow import case_transition

    return case_transition(
        case=case, transition="decline", user=cast.principal.user, reason="情况不明，不同意。"
    )


def _postponement_requested(cast, case):
    from lianzheng.services.workflow import case_transition

    return case_transition(
        case=case,
        transition="request_postponement",
        user=cast.clerk.user,
        application="因公出差，申请延期。",
        subject_person_id=cast.staff.pk,
    )


NO_FIELDS = {"reason": TEXT, "comment": TEXT}

TRANSITIONS = [
    transition("submit", CaseState.DRAFT, "clerk", NO_FIELDS),
    transition(
        "consent",
        CaseState.SUBMITTED,
        "principal",
        {"comment": TEXT},
        {"comment": "同意。"},
        ("comment",),
    ),
    transition(
        "consent",
        CaseState.SUBMITTED,
        "principal",
        lambda c, case: {
            "comment": TEXT,
            "delegated_to": ids(c.deputy_discipline.pk, c.staff.pk),
            "delegation_form": TEXT,
        },
        lambda c, case: {
            "comment": "同意，委托分管纪检监察副局长约谈。",
            "delegated_to": str(c.deputy_discipline.pk),
            "delegation_form": "书面委托书（2026年12月1日）",
        },
        ("comment", "delegation_form"),
        make=lambda c: new_case(c, TalkType.WARNING, subjects=[c.county_head]),
    ),
    transition(
        "decline", CaseState.SUBMITTED, "principal", {"reason": TEXT}, {"reason": "不同意。"}
    ),
    transition("revise", CaseState.SUBMITTED, "clerk", NO_FIELDS, prepare=_declined),
    transition(
        "notify",
        CaseState.APPROVED,
        "clerk",
        _notify_fields,
        _notify_valid,
        ("place", "content"),
        shown_times=("scheduled_at",),
    ),
    transition(
        "request_postponement",
        CaseState.NOTIFIED,
        "clerk",
        lambda cast, case: {
            "request_form": choices(*RequestForm.values, "fax", ""),
            "application": TEXT,
            "subject_person_id": ids(cast.staff.pk, cast.staff2.pk),
            "applied_on": DATES,
            "received_on": DATES,
        },
        lambda cast, case: {
            "request_form": RequestForm.WRITTEN,
            "application": "因公出差，申请延期。",
            "subject_person_id": str(cast.staff.pk),
            "applied_on": today(),
            "received_on": today(),
        },
        ("application",),
    ),
    transition(
        "approve_postponement",
        CaseState.NOTIFIED,
        "deputy_discipline",
        {"new_scheduled_at": DATETIMES, "new_place": TEXT, "note": TEXT},
        lambda cast, case: {"new_scheduled_at": local(talk_time(8)), "note": "同意。"},
        ("new_place",),
        prepare=_postponement_requested,
        shown_times=("new_scheduled_at",),
    ),
    transition(
        "reject_postponement",
        CaseState.NOTIFIED,
        "deputy_discipline",
        {"note": TEXT},
        {"note": "理由不充分。"},
        prepare=_postponement_requested,
    ),
    transition(
        "record_absence", CaseState.NOTIFIED, "clerk", NO_FIELDS, prepare=_past_talk, past=True
    ),
    transition("reschedule", CaseState.NOTIFIED, "clerk", NO_FIELDS, prepare=_absent, past=True),
    transition(
        "hold",
        CaseState.NOTIFIED,
        "clerk",
        _hold_fields,
        _hold_valid,
        _hold_shown,
        past=True,
    ),
    transition(
        "start_rectification",
        CaseState.HELD,
        "clerk",
        _items_fields,
        {"description_1": "建立办事台账", "deadline_1": today(30), "responsible_1": "本人"},
        ("description_1", "responsible_1", "description_2", "responsible_2"),
    ),
    transition(
        "close", CaseState.HELD, "clerk", NO_FIELDS, make=lambda c: new_case(c, TalkType.ROUTINE)
    ),
    transition(
        "escalate",
        CaseState.RECTIFYING,
        "deputy_discipline",
        {"ground": choices(*EscalationGround.values), "detail": TEXT},
        {"ground": EscalationGround.REFUSED_CORRECTION, "detail": "拒不整改。"},
        ("detail",),
    ),
    transition("withdraw", CaseState.DRAFT, "clerk", {"reason": TEXT}, {"reason": "情况已查清。"}),
]


def subject_add(cast) -> Target:
    case = new_case(cast)
    return Target(
        user=cast.clerk.user,
        url=case_url("subject_add", case.pk),
        fields={"person": ids(cast.staff2.pk, cast.staff.pk, cast.principal.pk)},
        valid={"person": str(cast.staff2.pk)},
        case=case,
    )


def participant_add(cast) -> Target:
    case = new_case(cast)
    return Target(
        user=cast.clerk.user,
        url=case_url("participant_add", case.pk),
        fields={
            "person": ids(cast.personnel.pk, cast.staff.pk, cast.leader.pk),
            "role": choices(*CaseRole.values),
        },
        valid={"person": str(cast.personnel.pk), "role": CaseRole.INTERVIEWER},
        case=case,
    )


def item_add(cast) -> Target:
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    return Target(
        user=cast.clerk.user,
        url=case_url("item_add", case.pk),
        fields={
            "description": TEXT,
            "deadline": DATES,
            "working_days": NUMBERS,
            "responsible": TEXT,
        },
        valid={"description": "公开办理时限", "deadline": today(20), "responsible": "科长"},
        case=case,
        shown=lambda d: nonblank(d, "description", "responsible"),
    )


EVIDENCE_NAMES = st.sampled_from(
    [
        "整改证明.pdf",
        "scan.JPG",
        "../../../etc/passwd.pdf",
        "<script>alert(1)</script>.pdf",
        "a\x00b.pdf",
        "run.exe",
        "report.pdf.exe",
        "x" * 300 + ".pdf",
        ".pdf",
        "无扩展名",
        "证明\u202egpj.pdf",
    ]
)
EVIDENCE = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    EVIDENCE_NAMES,
    st.binary(max_size=2048),
)


def item_check(cast) -> Target:
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    item = case.rectification_items.get()
    return Target(
        user=cast.clerk.user,
        url=case_url("item_check", case.pk, item.pk),
        fields={"checked_on": DATES, "result": choices(*CheckResult.values), "finding": TEXT},
        valid={"checked_on": today(), "result": CheckResult.IN_PROGRESS, "finding": "已建台账。"},
        case=case,
        shown=lambda d: nonblank(d, "finding"),
        files=EVIDENCE,
    )


def short_notice(cast) -> Target:
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    return Target(
        user=cast.principal.user,
        url=case_url("transition", case.pk, "approve_short_notice"),
        fields={"reason": TEXT},
        valid={"reason": "事项紧急。"},
        case=case,
        shown=lambda d: nonblank(d, "reason"),
    )


def confidential(cast) -> Target:
    case = new_case(cast)
    return Target(
        user=cast.deputy_discipline.user,
        url=case_url("confidential", case.pk),
        fields={
            "whistleblower": TEXT,
            "contact": TEXT,
            "received_on": DATES,
            "material": TEXT,
        },
        valid={"whistleblower": "匿名", "received_on": today(-3), "material": "反映材料。"},
        case=case,
        shown=lambda d: nonblank(d, "whistleblower", "contact", "material"),
    )


# -- the snippet forms of the reference data ------------------------------------------------


def editor(cast):
    return UserFactory(username="editor_forms", roles=[Role.EDITOR])


def snippet(model: str, who: Callable, fields, valid, shown=(), edit=None, result=None):
    def build(cast) -> Target:
        instance = edit(cast) if edit else None
        url = snippet_url(model, "edit", instance.pk) if instance else snippet_url(model, "add")
        return Target(
            user=who(cast),
            url=url,
            fields=fields(cast) if callable(fields) else fields,
            valid=valid(cast) if callable(valid) else valid,
            shown=lambda d: nonblank(d, *shown),
            result_url=result or snippet_url(model, "list"),
            instance=instance,
        )

    build.__name__ = f"{model}_{'edit' if edit else 'add'}"
    return build


def _person_fields(cast):
    return {
        "name": TEXT,
        "unit": ids(cast.section_a.pk, cast.section_b.pk),
        "category": choices(*PersonCategory.values),
        "rank": choices(*Rank.values),
        "post": TEXT,
        "user": ids(cast.auditor.pk),
        "active": BOOL,
    }


def _person_valid(cast):
    return {
        "name": "新科员",
        "unit": str(cast.section_a.pk),
        "category": PersonCategory.BUREAU_STAFF,
        "rank": Rank.STAFF_MEMBER,
        "post": "科员",
        "active": "on",
    }


UNIT_FIELDS = {
    "code": TEXT,
    "name": TEXT,
    "kind": choices(*UnitKind.values),
    "county": choices(*County.values),
    "sort_order": NUMBERS,
    "active": BOOL,
}
UNIT_VALID = {"code": "section-new", "name": "新科室", "kind": UnitKind.SECTION, "sort_order": "9"}
GROUND_FIELDS = {
    "number": NUMBERS,
    "text": TEXT,
    "requires_justification": BOOL,
    "active": BOOL,
}
GROUND_VALID = {"number": "12", "text": "其他情形", "active": "on"}
OVERRIDE_FIELDS = {"date": DATES, "working": BOOL, "note": TEXT}
OVERRIDE_VALID = {"date": "2027-10-09", "working": "on", "note": "调休上班"}


def _ground(cast):
    return Ground.objects.get(number=11)


def _override(cast):
    return CalendarOverride.objects.create(date="2027-10-01", working=False, note="国庆节")


SNIPPETS = [
    snippet("person", lambda c: c.clerk.user, _person_fields, _person_valid, ("name", "post")),
    snippet(
        "person",
        lambda c: c.clerk.user,
        _person_fields,
        _person_valid,
        ("name", "post"),
        edit=lambda c: c.staff2,
    ),
    snippet("unit", lambda c: c.clerk.user, UNIT_FIELDS, UNIT_VALID, ("name",)),
    snippet(
        "unit",
        lambda c: c.clerk.user,
        UNIT_FIELDS,
        UNIT_VALID,
        ("name",),
        edit=lambda c: c.section_b,
    ),
    snippet("ground", editor, GROUND_FIELDS, GROUND_VALID, ("text",)),
    snippet("ground", editor, GROUND_FIELDS, GROUND_VALID, ("text",), edit=_ground),
    snippet("calendaroverride", editor, OVERRIDE_FIELDS, OVERRIDE_VALID, ("note",)),
    snippet("calendaroverride", editor, OVERRIDE_FIELDS, OVERRIDE_VALID, ("note",), edit=_override),
    snippet(
        "calendaryear",
        editor,
        {"year": NUMBERS, "source": TEXT},
        {"year": "2031", "source": "国务院办公厅通知"},
        ("source",),
    ),
    snippet(
        "appointment",
        lambda c: c.clerk.user,
        lambda c: {
            "person": ids(c.staff.pk),
            "kind": choices(*Appointment.Kind.values),
            "post": TEXT,
            "rank": choices(*Rank.values),
            "unit": ids(c.section_a.pk),
            "effective_date": DATES,
            "document": TEXT,
        },
        lambda c: {
            "person": str(c.staff.pk),
            "kind": "promotion",
            "post": "副科长",
            "rank": Rank.DEPUTY_SECTION_CHIEF,
            "unit": str(c.section_a.pk),
            "effective_date": today(60),
        },
        ("post",),
    ),
    snippet(
        "roleassignment",
        lambda c: c.clerk.user,
        lambda c: {
            "person": ids(c.staff2.pk),
            "role": choices(*Role.values),
            "unit": ids(c.section_a.pk),
            "valid_from": DATES,
            "valid_until": DATES,
            "note": TEXT,
        },
        lambda c: {
            "person": str(c.staff2.pk),
            "role": Role.PERSONNEL_OFFICER,
            "valid_from": today(),
            "note": "兼任",
        },
    ),
]

FORMS = [
    case_add,
    case_edit,
    case_edit_submitted,
    *TRANSITIONS,
    subject_add,
    participant_add,
    item_add,
    item_check,
    short_notice,
    confidential,
    *SNIPPETS,
]


def form_id(build) -> str:
    return build.__name__


def expected_time(value) -> str | None:
    """How the admin shows a posted date and time: parsed as the form parses it, in Beijing
    time."""
    try:
        parsed = forms.DateTimeField().clean(received(value))
    except forms.ValidationError:
        return None
    return written(parsed, "moment")  # as the case page shows it (#17): 2026年12月11日 10:00


def check_one(client, build_name: str, target: Target, data: dict, upload=None) -> None:
    before = snapshot(target.case, target.instance)
    files = {"evidence": upload} if upload is not None else None
    multipart = bool(files) or len(data) % 2 == 0  # both encodings browsers use
    response = send(client, target.url, data, multipart=multipart, files=files)
    TRIED[build_name] += 1
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        soup = parse(response.content.decode())
        assert_refusal_names_fields(response, soup)
        assert snapshot(target.case, target.instance) == before, "a refused form changed something"
        assert_no_injected_markup(soup)
        return
    ACCEPTED[build_name] += 1
    if target.frozen:
        after = snapshot(target.case)["case"]
        assert {f: after[f] for f in target.frozen} == {f: before["case"][f] for f in target.frozen}
    page = client.get(target.result_url or response.url)
    assert page.status_code == 200
    soup = parse(page.content.decode())
    assert_no_injected_markup(soup)
    text = page_text(soup)
    for name in target.shown(data):
        assert squash(received(data[name])) in text, (name, data[name])
    for name in target.shown_times:
        if name in data and (shown := expected_time(data[name])):
            assert shown in text, (name, data[name], shown)


@pytest.mark.parametrize("build", FORMS, ids=form_id)
def test_a_form_survives_bad_input(client, cast, media, build):
    target = build(cast)
    client.force_login(target.user)
    uploads = target.files if target.files is not None else st.none()

    name = form_id(build)
    tried, accepted = TRIED[name], ACCEPTED[name]

    # Besides the drawn examples, always: the valid submission, and NUL in every field.
    @example(data=target.valid, upload=None)
    @example(data=dict.fromkeys(target.fields, "\x00"), upload=None)
    @FORM_SETTINGS
    @given(data=posted(target.fields, target.valid), upload=uploads)
    def run(data, upload):
        with each_example():
            check_one(client, name, target, data, upload)

    run()
    # Both ways were taken: the valid submission is accepted (so the form is set up right and
    # acceptance was checked) and, where there is anything to refuse, something was refused.
    accepted = ACCEPTED[name] - accepted
    assert accepted, f"{name}: nothing accepted"
    if set(target.fields) - {"state", "number", "reason", "comment"} or target.valid:
        assert TRIED[name] - tried > accepted, f"{name}: nothing refused"


# -- document generation: a redirect back with what happened, either way ----------------------


def test_document_generation_survives_bad_input(client, cast, media):
    case = advance(cast, new_case(cast), CaseState.HELD)
    other = new_case(cast, subjects=[cast.staff2])
    client.force_login(cast.clerk.user)
    url = case_url("document_generate", case.pk)
    fields = {
        "kind": choices(*DocumentKind.values),
        "person": ids(cast.staff.pk, cast.staff2.pk, other.subjects.get().person_id),
    }
    valid = {"kind": DocumentKind.NOTICE, "person": str(cast.staff.pk)}

    accepted = ACCEPTED["document_generate"]

    @example(data=valid)
    @FORM_SETTINGS
    @given(data=posted(fields, valid))
    def run(data):
        with each_example():
            before = snapshot(case)
            documents = GeneratedDocument.objects.count()
            response = send(client, url, data, multipart=False)
            TRIED["document_generate"] += 1
            assert response.status_code == 302
            page = client.get(response.url)
            assert page.status_code == 200
            made = GeneratedDocument.objects.count() - documents
            if made:
                ACCEPTED["document_generate"] += 1
                assert "已生成" in page_text(page.content.decode())
            else:
                assert snapshot(case) == before
                assert page.context["messages"], "refused without saying why"

    run()
    assert ACCEPTED["document_generate"] > accepted


# -- forms read with GET: listing search and filters, audit log, comparison, calendar check ----


def test_the_read_forms_survive_bad_parameters(client, cast):
    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    pages = {
        case_url("list"): {
            "q": TEXT,
            "talk_type": choices(*TalkType.values),
            "state": choices(*CaseState.values),
            "unit": ids(cast.section_a.pk),
            "county": choices(*County.values),
            "year": NUMBERS,
            "overdue": BOOL,
            "mine": BOOL,
            "ordering": choices("number", "-scheduled_at", "state"),
            "p": NUMBERS,
            "export": choices("csv", "xlsx"),
        },
        reverse("lianzheng_audit:log"): {
            "user": ids(cast.clerk.user.pk),
            "since": DATES,
            "until": DATES,
            "case": TEXT,
            "transition": choices("notify", "hold"),
            "model": choices("historicaltalkcase"),
            "before": NUMBERS,
        },
        reverse("lianzheng_audit:compare", args=[case.pk]): {"a": NUMBERS, "b": NUMBERS},
        case_url("workdays"): {"from": DATES, "to": st.one_of(DATES, DATETIMES)},
        case_url("transition", case.pk, "escalate"): {"item": NUMBERS},
    }
    client.force_login(cast.principal.user)

    @FORM_SETTINGS
    @given(page=st.sampled_from(sorted(pages)), data=st.data())
    def run(page, data):
        query = data.draw(posted(pages[page], {}))
        with each_example():
            before = snapshot(case)
            response = client.get(page, query_as_bytes(query))
            TRIED["read_forms"] += 1
            assert response.status_code in (200, 400), (page, query, response.status_code)
            assert snapshot(case)["case"] == before["case"]

    run()


def query_as_bytes(query: dict) -> dict:
    from tests.hostile import as_bytes

    return {
        k: [as_bytes(x) for x in v] if isinstance(v, list) else as_bytes(v)
        for k, v in query.items()
    }

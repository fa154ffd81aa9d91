"""Text typed by users is shown as text wherever it appears: the case listing, the case page and
its timeline, the audit log and version comparison, the person page and integrity file, the
dashboard, the subject's own file, the public regulation page, reminder emails, the .ics file,
the CSV/XLSX exports and the PDFs. Nothing in it runs: no tag it carries becomes markup, no
formula in a spreadsheet, no reportlab markup in a PDF."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lianzheng import clock
from lianzheng.choices import CaseState, CheckResult, DocumentKind, Role, TalkType
from lianzheng.models import ConfidentialReport, RegulationPage, TalkCase
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.reminders import working_day_after
from lianzheng.services.documents import document_generate, document_read
from lianzheng.services.rectification import rectification_check_record
from lianzheng.services.workflow import case_transition
from lianzheng.tasks import sweep
from tests.factories import PersonFactory, UnitFactory, UserFactory
from tests.hostile import assert_no_injected_markup, page_text, squash
from tests.pdfcheck import flat_text
from tests.workflow_helpers import (
    advance,
    new_case,
    notice_moment,
    past_talk_time,
    record_data,
    talk_time,
)

pytestmark = pytest.mark.django_db

# What an attacker (or a careless paste) puts in a field: a script, an event handler, HTML and
# reportlab markup, an entity, and characters with a meaning in iCalendar.
MARKUP = "<script>alert('lz')</script><img src=x onerror=alert(1)>"
REPORTLAB = "<b>粗</b><font color='red'>红</font>&amp;<para>段</para>"
HOSTILE = f"{MARKUP}{REPORTLAB}"
PERSON_NAME = "=1+1<b>冯</b>&amp;"  # a formula, markup and an entity, in 50 characters
UNIT_NAME = "@SUM(1)<script>x()</script>科"
PLACE = "会议室,A;B\\C\n二楼<i>东</i>"
REASON = '=HYPERLINK("http://evil.example","x")<script>alert(2)</script>'

CASES = "wagtailsnippets_lianzheng_talkcase"


def url(name, *args):
    return reverse(f"{CASES}:{name}", args=args)


@pytest.fixture
def hostile(cast, media):
    """A subject whose name and unit are hostile, with a login, in a case whose every text
    field is hostile, taken to rectification with a check and its evidence."""
    unit = UnitFactory(code="section-hostile", name=UNIT_NAME)
    subject = PersonFactory(
        name=PERSON_NAME, unit=unit, user=UserFactory(username="hostile_subject")
    )
    office = cast.clerk.user
    # Handled in the past and held at its notified time (R6.5).
    talk_at = past_talk_time()
    with clock.at(notice_moment(talk_at)):
        case = new_case(
            cast,
            TalkType.WARNING,
            subjects=[subject],
            purpose=f"目的{HOSTILE}",
            problems=f"问题{HOSTILE}",
            preparation_note=f"提纲{HOSTILE}",
        )
        ConfidentialReport.objects.create(case=case, whistleblower=MARKUP, material=HOSTILE)
        case = case_transition(case=case, transition="submit", user=office)
        case = case_transition(
            case=case, transition="consent", user=cast.principal.user, comment=f"同意{HOSTILE}"
        )
        case = case_transition(
            case=case,
            transition="notify",
            user=office,
            scheduled_at=talk_at,
            place=PLACE,
            content=f"内容{HOSTILE}",
        )
    records = record_data(cast, case, statement=f"陈述{HOSTILE}", measures=f"措施{HOSTILE}")
    with clock.at(talk_at + timedelta(hours=1)):
        case = case_transition(case=case, transition="hold", user=office, records=records)
    case = case_transition(
        case=case,
        transition="start_rectification",
        user=office,
        items=[
            {
                "description": f"事项{HOSTILE}",
                "responsible": PERSON_NAME,
                "deadline": timezone.localdate() + timedelta(days=5),  # on the dashboard
            }
        ],
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    rectification_check_record(
        item=case.rectification_items.get(),
        user=office,
        finding=f"检查{HOSTILE}",
        result=CheckResult.INADEQUATE,  # so the case page offers escalation, with the facts
        evidence=SimpleUploadedFile("<img src=x onerror=alert(1)>.pdf", b"%PDF-1.4 test"),
    )
    withdrawn = new_case(cast, subjects=[subject])
    case_transition(case=withdrawn, transition="withdraw", user=office, reason=REASON)
    return case.__class__.objects.get(pk=case.pk), subject


def get_html(client, user, path, status=200) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def assert_literal(html: str, *texts: str) -> None:
    """Each text is on the page as text, and none of its markup became markup."""
    assert_no_injected_markup(html)
    shown = page_text(html)
    for text in texts:
        assert squash(text) in shown, text
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["para", "font"])
    assert not [b for b in soup.find_all("b") if b.get_text() in ("粗", "冯")]
    assert not [i for i in soup.find_all("i") if i.get_text() == "东"]


def test_the_case_listing_shows_names_as_text(client, cast, hostile):
    html = get_html(client, cast.clerk.user, url("list"))
    assert_literal(html, PERSON_NAME, UNIT_NAME)
    html = get_html(client, cast.clerk.user, url("list") + "?q=" + "%3Cscript%3E")
    assert_no_injected_markup(html)


def test_the_case_page_and_its_timeline_show_every_text_as_text(client, cast, hostile):
    case, _subject = hostile
    html = get_html(client, cast.discipline.user, url("inspect", case.pk))
    assert_literal(
        html,
        PERSON_NAME,
        UNIT_NAME,
        f"目的{HOSTILE}",
        f"问题{HOSTILE}",
        f"提纲{HOSTILE}",
        f"同意{HOSTILE}",
        f"内容{HOSTILE}",
        f"陈述{HOSTILE}",
        f"措施{HOSTILE}",
        f"事项{HOSTILE}",
        f"检查{HOSTILE}",
        "<img src=x onerror=alert(1)>.pdf",
        HOSTILE,  # the confidential report, for the discipline officer
    )
    timeline = BeautifulSoup(html, "html.parser").select_one(".lz-timeline")
    assert PERSON_NAME in timeline.get_text()  # a subject added, named in the timeline
    assert_no_injected_markup(str(timeline))


def test_a_reason_in_the_timeline_is_text(client, cast, hostile):
    withdrawn = TalkCase.objects.get(state=CaseState.WITHDRAWN)
    html = get_html(client, cast.clerk.user, url("inspect", withdrawn.pk))
    assert_literal(html, REASON)


def test_forms_show_stored_text_as_text_in_their_fields(client, cast, hostile):
    case, subject = hostile
    draft = new_case(cast, subjects=[subject])
    ConfidentialReport.objects.create(case=draft, whistleblower="匿名", material=HOSTILE)
    html = get_html(client, cast.deputy_discipline.user, url("confidential", draft.pk))
    assert_no_injected_markup(html)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("textarea[name=material]").get_text().strip() == HOSTILE
    html = get_html(client, cast.clerk.user, url("edit", draft.pk))
    assert_no_injected_markup(html)
    item = case.rectification_items.get()
    html = get_html(
        client,
        cast.deputy_discipline.user,
        url("transition", case.pk, "escalate") + f"?item={item.pk}",
    )
    soup = BeautifulSoup(html, "html.parser")
    assert f"事项{HOSTILE}" in soup.select_one("textarea[name=detail]").get_text()
    assert_no_injected_markup(html)


def test_the_audit_log_and_the_version_comparison_show_text(client, cast, hostile):
    case, _subject = hostile
    html = get_html(client, cast.discipline.user, reverse("lianzheng_audit:log"))
    assert_literal(html, PERSON_NAME, UNIT_NAME)
    withdrawn = TalkCase.objects.get(state=CaseState.WITHDRAWN)
    html = get_html(
        client, cast.discipline.user, reverse("lianzheng_audit:compare", args=[case.pk])
    )
    assert_literal(html, f"目的{HOSTILE}", f"同意{HOSTILE}")
    html = get_html(
        client, cast.discipline.user, reverse("lianzheng_audit:compare", args=[withdrawn.pk])
    )
    assert_literal(html, REASON)


def test_the_person_page_and_integrity_file_show_text(client, cast, hostile):
    _case, subject = hostile
    html = get_html(
        client,
        cast.clerk.user,
        reverse("wagtailsnippets_lianzheng_person:inspect", args=[subject.pk]),
    )
    assert_literal(html, PERSON_NAME, UNIT_NAME, f"陈述{HOSTILE}", f"事项{HOSTILE}")


def test_the_subjects_own_file_shows_text(client, cast, hostile):
    _case, subject = hostile
    html = get_html(client, subject.user, reverse("lianzheng_my_file"))
    assert_literal(html, PERSON_NAME, f"陈述{HOSTILE}", f"事项{HOSTILE}")


def test_the_dashboard_panels_show_text(client, cast, hostile):
    _case, subject = hostile
    html = get_html(client, cast.clerk.user, reverse("wagtailadmin_home"))
    assert_literal(html, f"事项{HOSTILE}", PERSON_NAME)  # the checks due, with who is responsible
    upcoming = advance(cast, new_case(cast, subjects=[subject]), CaseState.APPROVED)
    case_transition(
        case=upcoming,
        transition="notify",
        user=cast.clerk.user,
        scheduled_at=talk_time(),
        place=PLACE,
        content=HOSTILE,
    )
    html = get_html(client, cast.deputy_discipline.user, reverse("wagtailadmin_home"))
    assert_literal(html, PERSON_NAME, PLACE)  # the talks he leads: whom, where


def test_the_public_regulation_page_and_its_pdf_show_an_editors_text_as_text(client, cast):
    page = RegulationPage.objects.get()
    page.main_recipients = f"各科室{MARKUP}"
    page.cc_list = f"抄送{REPORTLAB}"
    page.save_revision().publish()
    response = client.get(page.url)
    assert response.status_code == 200
    assert_literal(response.content.decode(), f"各科室{MARKUP}", f"抄送{REPORTLAB}")
    response = client.get(page.url + "?year=%3Cscript%3E")
    assert response.status_code == 200
    assert_no_injected_markup(response.content.decode())
    pdf = client.get(page.url + "pdf/")
    assert pdf.status_code == 200
    text = flat_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert f"抄送{REPORTLAB}" in text or REPORTLAB in text


# -- files --------------------------------------------------------------------------------------


def test_the_documents_draw_markup_literally(cast, hostile):
    """reportlab markup in user text (<b>, <font>, &amp;, <para>) is drawn as the characters
    typed, not interpreted: the PDF's text holds them."""
    case, subject = hostile
    office = cast.clerk.user
    for kind, person, expected in (
        (DocumentKind.NOTICE, subject, [f"内容{HOSTILE}", PERSON_NAME]),
        (DocumentKind.RECORD, subject, [f"陈述{HOSTILE}", f"措施{HOSTILE}", UNIT_NAME]),
        (DocumentKind.RECTIFICATION_NOTICE, None, [f"事项{HOSTILE}"]),
        (DocumentKind.RECTIFICATION_REPORT, None, [f"检查{HOSTILE}"]),
    ):
        document = document_generate(user=office, kind=kind, case=case, person=person)
        text = flat_text(document_read(user=office, document=document))
        for value in expected:
            assert value.replace("\n", "") in text, (kind, value)
    document = document_generate(user=office, kind=DocumentKind.INTEGRITY_FILE, person=subject)
    text = flat_text(document_read(user=office, document=document))
    assert PERSON_NAME in text and f"事项{HOSTILE}" in text


def test_the_ics_file_escapes_text_as_rfc_5545_says(client, cast, hostile):
    case, _subject = hostile
    notice = case.notices.get()
    client.force_login(cast.clerk.user)
    response = client.get(url("notice_ics", case.pk, notice.pk))
    assert response.status_code == 200
    body = response.content.decode()
    unfolded = body.replace("\r\n ", "")
    assert "LOCATION:会议室\\,A\\;B\\\\C\\n二楼<i>东</i>\r\n" in unfolded
    for line in body.split("\r\n"):
        assert len(line.encode()) <= 75
        assert not any(ord(c) < 32 and c != "\t" for c in line)


def test_control_characters_never_reach_the_ics_file(client, cast, hostile):
    case, _subject = hostile
    notice = case.notices.get()
    notice.place = "会议室\x01\x1b[31m\x7f二楼"
    notice.save()
    client.force_login(cast.clerk.user)
    body = client.get(url("notice_ics", case.pk, notice.pk)).content.decode()
    location = next(line for line in body.split("\r\n") if line.startswith("LOCATION:"))
    assert location == "LOCATION:会议室[31m二楼"


def test_reminder_emails_carry_text_as_plain_text(cast, hostile, settings):
    _case, subject = hostile
    subject.user.email = "subject@example.gov.cn"
    subject.user.save()
    talk = new_case(cast, subjects=[subject])
    talk = advance(cast, talk, CaseState.APPROVED)
    day = working_day_after(load_calendar(), timezone.localdate())
    when = timezone.make_aware(datetime.combine(day, time(10)))
    case_transition(
        case=talk,
        transition="notify",
        user=cast.clerk.user,
        scheduled_at=talk_time(),
        place=PLACE,
        content=HOSTILE,
    )
    TalkCase.objects.filter(pk=talk.pk).update(scheduled_at=when)
    for notice in talk.notices.all():
        notice.scheduled_at = when
        notice.save()
    mail.outbox.clear()
    sweep()
    sent = [m for m in mail.outbox if m.to == ["subject@example.gov.cn"]]
    assert sent, [m.subject for m in mail.outbox]
    message = sent[0]
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", None)
    assert "\n" not in message.subject and "\r" not in message.subject
    assert PLACE in message.body and PERSON_NAME in message.body
    _name, ics, mimetype = message.attachments[0]
    assert mimetype == "text/calendar"
    assert "LOCATION:会议室\\,A\\;B\\\\C\\n二楼<i>东</i>" in ics.replace("\r\n ", "")


def test_the_case_listing_exports_cannot_run_formulas(client, cast, hostile):
    client.force_login(cast.clerk.user)
    response = client.get(url("list") + "?export=csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    cells = [cell for row in rows for cell in row]
    assert "'" + PERSON_NAME in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]

    response = client.get(url("list") + "?export=xlsx")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "@"))]
    assert {c.value for c in risky} >= {PERSON_NAME, UNIT_NAME}
    for cell in risky:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value


def test_the_audit_log_exports_cannot_run_formulas(client, cast, hostile):
    client.force_login(cast.discipline.user)
    response = client.get(reverse("lianzheng_audit:log") + "?export=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert any(c.startswith("'" + PERSON_NAME) for c in cells)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]

    response = client.get(reverse("lianzheng_audit:log") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "@"))]
    assert any(c.value.startswith(PERSON_NAME) for c in risky)
    for cell in risky:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value


def test_control_characters_in_names_do_not_break_the_xlsx_export(client, cast, hostile):
    _case, subject = hostile
    subject.name = "冯\x01某\x1b"
    subject.save()
    client.force_login(cast.clerk.user)
    response = client.get(url("list") + "?export=xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    values = [c.value for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    assert "冯某" in values
    client.force_login(cast.discipline.user)
    response = client.get(reverse("lianzheng_audit:log") + "?export=xlsx")
    assert response.status_code == 200


def test_an_editor_cannot_put_markup_into_the_role_menu(client, cast):
    """Snippet listings (units, people) show names as text too."""
    UnitFactory(code="section-x", name=UNIT_NAME)
    editor = UserFactory(username="editor_escape", roles=[Role.EDITOR])
    html = get_html(client, editor, reverse("wagtailsnippets_lianzheng_unit:list"))
    assert_literal(html, UNIT_NAME)

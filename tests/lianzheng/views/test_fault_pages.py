"""What a user sees when his POST meets a fault (issue 8, part 4).

An expected fault — the database refuses, times out or cannot commit; the disk is full; the PDF
cannot be laid out; no fonts — comes back as a message on the form (or, for the document
buttons, on the page the button was on) saying that nothing was saved, with a reference to the
log. An unexpected exception is not dressed up: the user gets the 500 page, which says in Chinese
and English that the operation was not completed. Either way nothing was saved: the snapshot of
every table, the chain and the media folder is unchanged.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import ProgrammingError
from django.db.models.signals import post_save
from django.utils import timezone
from reportlab.platypus.doctemplate import BaseDocTemplate, LayoutError

from lianzheng.choices import CaseState, CheckResult, DocumentKind, TalkType
from lianzheng.documents import fonts as font_module
from lianzheng.models import (
    CaseSubject,
    ConfidentialAccess,
    ConfidentialReport,
    GeneratedDocument,
    RectificationItem,
    TalkCase,
)
from lianzheng.services.documents import document_generate
from tests.fault_injection import (
    commit_refused,
    disk_full_midway,
    insert_refused,
    raises_on_call,
    receiver_raises,
)
from tests.lianzheng.views.test_cases import text, url
from tests.snapshot_helpers import Snapshot, assert_unchanged
from tests.workflow_helpers import advance, new_case, talk_time

CASE_HISTORY = TalkCase.history.model._meta.db_table
NOTHING_SAVED = "操作未完成，没有保存任何内容"
NOT_COMPLETED_ZH = "操作未完成"
NOT_COMPLETED_EN = "The operation was not completed"


@pytest.fixture
def office(client, cast):
    client.force_login(cast.clerk.user)
    return client


def notify(client, case):
    return client.post(
        url("transition", case.pk, "notify"),
        {
            "scheduled_at": timezone.localtime(talk_time(5)).strftime("%Y-%m-%d %H:%M"),
            "place": "三楼会议室",
            "written_on": timezone.localdate().isoformat(),
            "content": "请按时参加。",
        },
    )


def form_message(response) -> str:
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1, errors
    return errors[0]


def server_error_page(response) -> str:
    assert response.status_code == 500
    page = response.content.decode()
    assert NOT_COMPLETED_ZH in page and NOT_COMPLETED_EN in page
    assert "没有保存" in page and "nothing you submitted was saved" in page
    return page


def generate(client, case, kind=DocumentKind.NOTICE, person=None):
    data = {"kind": kind}
    if person is not None:
        data["person"] = person.pk
    return client.post(url("document_generate", case.pk), data, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
class TestTransitionForm:
    def test_the_database_refusing_the_history_row_is_a_message_on_the_form(
        self, office, cast, media
    ):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        before = Snapshot.take()
        with insert_refused(CASE_HISTORY):
            response = notify(office, case)
        message = form_message(response)
        assert "数据库未能完成本次操作" in message and NOTHING_SAVED in message
        assert "The database could not complete the operation" not in message  # one language
        assert "错误编号" in message
        assert message in text(response)
        assert_unchanged(before)
        assert notify(office, case).status_code == 302

    def test_an_unexpected_exception_after_the_state_changed_is_the_500_page(
        self, client, office, cast, media
    ):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        before = Snapshot.take()
        client.raise_request_exception = False
        with receiver_raises(post_save, RuntimeError("injected fault"), sender=TalkCase):
            response = notify(office, case)
        server_error_page(response)
        assert_unchanged(before)

    def test_a_programming_error_from_the_database_is_not_passed_off_as_a_fault(
        self, client, office, cast, media, monkeypatch
    ):
        """A ProgrammingError (a missing column, bad SQL) means the code is wrong: it is not
        shown as "try again later" but reaches the 500 page."""
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        before = Snapshot.take()
        client.raise_request_exception = False
        with raises_on_call(
            monkeypatch,
            TalkCase.history.model,
            "_do_insert",
            ProgrammingError("injected fault: no such column"),
        ):
            response = notify(office, case)
        server_error_page(response)
        assert_unchanged(before)

    def test_a_case_that_cannot_be_recorded_is_not_opened(self, office, cast, media):
        before = Snapshot.take()
        with insert_refused(CaseSubject.history.model._meta.db_table):
            response = office.post(
                url("add"),
                {
                    "talk_type": TalkType.ROUTINE,
                    "subject": cast.staff.pk,
                    "purpose": "提醒",
                    "origin": "direct",
                },
            )
        assert NOTHING_SAVED in form_message(response)
        assert_unchanged(before)


@pytest.mark.django_db(transaction=True)
class TestCommitRefused:
    """The views that write let the service's transaction be the request's, so a commit the
    database refuses is the service's failure and the form can say so."""

    def test_a_transition_whose_commit_is_refused(self, office, cast, media, monkeypatch):
        case = advance(cast, new_case(cast), CaseState.APPROVED)
        before = Snapshot.take()
        with commit_refused(monkeypatch):
            response = notify(office, case)
        assert NOTHING_SAVED in form_message(response)
        assert_unchanged(before)
        assert notify(office, case).status_code == 302

    def test_a_document_whose_commit_is_refused_leaves_no_file(
        self, office, cast, media, monkeypatch
    ):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        before = Snapshot.take()
        with commit_refused(monkeypatch):
            response = generate(office, case, person=cast.staff)
        assert any(NOTHING_SAVED in m for m in page_messages(response))
        assert_unchanged(before)

    @pytest.mark.postgres
    def test_postgres_a_deferred_trigger_refusing_the_document_at_commit(self, office, cast, media):
        case = advance(cast, new_case(cast), CaseState.NOTIFIED)
        before = Snapshot.take()
        with insert_refused(GeneratedDocument._meta.db_table, deferred=True):
            response = generate(office, case, person=cast.staff)
        assert any("数据库未能完成本次操作" in m for m in page_messages(response))
        assert_unchanged(before)


@pytest.mark.django_db
class TestDocumentButtons:
    @pytest.fixture
    def notified(self, cast, media):
        return advance(cast, new_case(cast), CaseState.NOTIFIED)

    def test_a_full_disk(self, office, cast, notified, monkeypatch):
        before = Snapshot.take()
        with disk_full_midway(monkeypatch):
            response = generate(office, notified, person=cast.staff)
        assert response.status_code == 200
        [message] = page_messages(response)
        assert "文件未能存储" in message and NOTHING_SAVED in message
        assert_unchanged(before)

    def test_a_document_that_cannot_be_laid_out(self, office, cast, notified, monkeypatch):
        before = Snapshot.take()
        with raises_on_call(
            monkeypatch, BaseDocTemplate, "handle_flowable", LayoutError("too large"), call=5
        ):
            response = generate(office, notified, person=cast.staff)
        [message] = page_messages(response)
        assert "未能排版" in message and NOTHING_SAVED in message
        assert_unchanged(before)

    def test_missing_fonts(self, office, cast, notified, settings, monkeypatch):
        before = Snapshot.take()
        monkeypatch.setattr(font_module, "DEFAULT_FILES", {})
        settings.LIANZHENG_PDF_FONTS = {"song": "/nonexistent/fangsong.ttf"}
        response = generate(office, notified, person=cast.staff)
        [message] = page_messages(response)
        assert "fonts-arphic-uming" in message
        assert_unchanged(before)

    def test_reportlab_failing_unexpectedly_is_the_500_page(
        self, client, office, cast, notified, monkeypatch
    ):
        before = Snapshot.take()
        client.raise_request_exception = False
        with raises_on_call(
            monkeypatch, BaseDocTemplate, "handle_flowable", KeyError("injected fault"), call=5
        ):
            response = generate(office, notified, person=cast.staff)
        server_error_page(response)
        assert_unchanged(before)

    def test_a_document_whose_file_is_gone_is_refused_not_a_500(self, office, cast, notified):
        document = document_generate(
            user=cast.clerk.user, kind=DocumentKind.NOTICE, case=notified, person=cast.staff
        )
        document.file.storage.delete(document.file.name)
        response = office.get(url("document", notified.pk, document.pk))
        assert response.status_code == 410
        assert "文书文件缺失" in text(response) and "restore the media folder" in text(response)


@pytest.mark.django_db
def test_a_check_whose_item_cannot_be_recorded_keeps_no_evidence(office, cast, media):
    case = advance(cast, new_case(cast, TalkType.ADMONITION), CaseState.RECTIFYING)
    item = case.rectification_items.get()
    before = Snapshot.take()
    with insert_refused(RectificationItem.history.model._meta.db_table):
        response = office.post(
            url("item_check", case.pk, item.pk),
            {
                "checked_on": timezone.localdate().isoformat(),
                "result": CheckResult.VERIFIED,
                "finding": "已完成。",
                "evidence": SimpleUploadedFile("台账照片.pdf", b"%PDF-1.4 " + b"x" * 9000),
            },
        )
    assert NOTHING_SAVED in form_message(response)
    assert_unchanged(before)


@pytest.mark.django_db
def test_a_showing_of_confidential_information_that_cannot_be_logged_is_not_shown(
    client, cast, media
):
    """第七条（四）: every showing of the whistleblower is logged first; when the log refuses
    the row, the case page is not shown at all."""
    case = new_case(cast)
    ConfidentialReport.objects.create(case=case, whistleblower="举报人欧阳秘密", contact="138")
    client.force_login(cast.discipline.user)
    client.raise_request_exception = False
    before = Snapshot.take()
    with insert_refused(ConfidentialAccess._meta.db_table):
        response = client.get(url("inspect", case.pk))
    # A database fault: the fault page with its reference (issue 18), not the bare 500 page.
    assert response.status_code == 500
    page = response.content.decode()
    assert NOT_COMPLETED_ZH in page and "没有保存" in page and "lz-fault-reference" in page
    assert "欧阳" not in page
    assert_unchanged(before)

"""A document that cannot be generated, or an evidence file that cannot be kept, leaves neither a
row nor a file (issue 8, part 4).

``document_generate`` renders the PDF (fonts, reportlab), writes the file, then records it (row,
history, chain link) and commits; a rectification check with evidence writes the file, then the
check and the item's new status. A fault at any of those steps must leave the database, the
chain and the media folder exactly as they were: a file written for a row that was not kept is
removed, a partly written one included.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, OperationalError
from django.utils import timezone
from reportlab.platypus.doctemplate import BaseDocTemplate, LayoutError

from lianzheng.choices import CheckResult, DocumentKind
from lianzheng.documents import fonts as font_module
from lianzheng.models import GeneratedDocument, RectificationItem
from lianzheng.refusals import TransitionRefused
from lianzheng.services.documents import document_generate
from lianzheng.services.errors import OperationFailed
from lianzheng.services.rectification import rectification_check_record
from tests.fault_injection import (
    commit_refused,
    disk_full_midway,
    insert_refused,
    raises_on_call,
    storage_unwritable,
)
from tests.snapshot_helpers import Snapshot, assert_unchanged, files

DOCUMENT_HISTORY = GeneratedDocument.history.model._meta.db_table
ITEM_HISTORY = RectificationItem.history.model._meta.db_table


def generate_notice(cast, case):
    return document_generate(
        user=cast.clerk.user, kind=DocumentKind.NOTICE, case=case, person=cast.staff
    )


def generated_again(cast, case):
    """Once the fault is gone the document is generated, as version 1: no number was used."""
    document = generate_notice(cast, case)
    assert document.version == 1
    assert list(files()) == [document.file.name]


@pytest.mark.django_db
class TestDocumentGeneration:
    def test_without_fonts_nothing_is_written_and_the_message_names_the_packages(
        self, cast, rectifying_case, settings, monkeypatch
    ):
        before = Snapshot.take()
        monkeypatch.setattr(font_module, "DEFAULT_FILES", {})
        settings.LIANZHENG_PDF_FONTS = {"song": "/nonexistent/fangsong.ttf"}
        with pytest.raises(TransitionRefused) as refused:
            generate_notice(cast, rectifying_case)
        assert "fonts-arphic-uming" in str(refused.value)
        assert_unchanged(before)
        monkeypatch.undo()
        settings.LIANZHENG_PDF_FONTS = {}
        generated_again(cast, rectifying_case)

    def test_reportlab_failing_to_lay_out_mid_build(self, cast, rectifying_case, monkeypatch):
        """reportlab gives up half-way through the story (a flowable too big for any frame):
        an expected fault, reported as such."""
        before = Snapshot.take()
        with raises_on_call(
            monkeypatch,
            BaseDocTemplate,
            "handle_flowable",
            LayoutError("injected fault: flowable too large"),
            call=5,
        ):
            with pytest.raises(OperationFailed) as failed:
                generate_notice(cast, rectifying_case)
        assert "未能排版" in str(failed.value) and "没有保存任何内容" in str(failed.value)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)

    def test_reportlab_raising_unexpectedly_mid_build(self, cast, rectifying_case, monkeypatch):
        """Any other exception inside reportlab is a programming error: it goes on (to the
        500 page), and nothing is written."""
        before = Snapshot.take()
        with raises_on_call(
            monkeypatch, BaseDocTemplate, "handle_flowable", KeyError("injected fault"), call=5
        ):
            with pytest.raises(KeyError):
                generate_notice(cast, rectifying_case)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)

    def test_a_media_folder_that_refuses_new_files(self, cast, rectifying_case, monkeypatch):
        before = Snapshot.take()
        with storage_unwritable(monkeypatch), pytest.raises(OperationFailed) as failed:
            generate_notice(cast, rectifying_case)
        assert "文件未能存储" in str(failed.value)
        assert isinstance(failed.value.__cause__, PermissionError)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)

    def test_a_disk_that_fills_up_half_way_through_the_file(
        self, cast, rectifying_case, monkeypatch
    ):
        """Django's file storage leaves the part it wrote; it is removed with the rest."""
        before = Snapshot.take()
        with disk_full_midway(monkeypatch), pytest.raises(OperationFailed) as failed:
            generate_notice(cast, rectifying_case)
        assert "文件未能存储" in str(failed.value)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)

    def test_the_file_is_removed_when_its_history_row_is_refused(self, cast, rectifying_case):
        before = Snapshot.take()
        with insert_refused(DOCUMENT_HISTORY), pytest.raises(DatabaseError):
            generate_notice(cast, rectifying_case)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)

    def test_an_integrity_file_whose_history_is_refused(self, cast, rectifying_case):
        before = Snapshot.take()
        with insert_refused(DOCUMENT_HISTORY), pytest.raises(DatabaseError):
            document_generate(
                user=cast.clerk.user, kind=DocumentKind.INTEGRITY_FILE, person=cast.staff
            )
        assert_unchanged(before)


@pytest.mark.django_db(transaction=True)
class TestDocumentCommit:
    def test_the_file_is_removed_when_the_commit_is_refused(
        self, cast, rectifying_case, monkeypatch
    ):
        before = Snapshot.take()
        with commit_refused(monkeypatch), pytest.raises(OperationalError):
            generate_notice(cast, rectifying_case)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)

    @pytest.mark.postgres
    def test_postgres_a_deferred_trigger_failing_at_commit(self, cast, rectifying_case):
        before = Snapshot.take()
        with insert_refused(DOCUMENT_HISTORY, deferred=True), pytest.raises(DatabaseError):
            generate_notice(cast, rectifying_case)
        assert_unchanged(before)
        generated_again(cast, rectifying_case)


def check_with_evidence(cast, case):
    return rectification_check_record(
        item=case.rectification_items.get(),
        user=cast.clerk.user,
        finding="台账已建立。",
        result=CheckResult.VERIFIED,
        checked_on=timezone.localdate(),
        evidence=SimpleUploadedFile("台账照片.pdf", b"%PDF-1.4 " + b"x" * 20000),
    )


@pytest.mark.django_db
class TestEvidence:
    def test_the_evidence_is_removed_when_the_items_history_is_refused(self, cast, rectifying_case):
        """The evidence is written, the check saved, then the item's new status cannot be
        recorded: the check, the status and the file all go."""
        before = Snapshot.take()
        with insert_refused(ITEM_HISTORY), pytest.raises(DatabaseError):
            check_with_evidence(cast, rectifying_case)
        assert_unchanged(before)
        check = check_with_evidence(cast, rectifying_case)
        assert list(files()) == [check.evidence.name]

    def test_a_disk_that_fills_up_half_way_through_the_evidence(
        self, cast, rectifying_case, monkeypatch
    ):
        before = Snapshot.take()
        with disk_full_midway(monkeypatch), pytest.raises(OperationFailed):
            check_with_evidence(cast, rectifying_case)
        assert_unchanged(before)

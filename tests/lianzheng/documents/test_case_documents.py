"""Each document of a case, read back as text: it holds what the regulation says it must, its
fonts are embedded, and nothing confidential reaches it (R7.4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lianzheng.choices import CaseState, DocumentKind, TalkType
from lianzheng.models import DocumentSettings, GeneratedDocument, TalkRecord
from lianzheng.refusals import TransitionRefused
from lianzheng.selectors.documents import datetime_zh
from lianzheng.services.documents import (
    NO_PHONE,
    case_document_options,
    document_generate,
    document_read,
)
from tests.lianzheng.documents.conftest import (
    CONTACT,
    MATERIAL,
    OFFICE_PHONE,
    WHISTLEBLOWER,
    poppler_pages,
)
from tests.pdfcheck import flat_text, fonts
from tests.workflow_helpers import advance, new_case


def generate(cast, kind, case=None, person=None):
    document = document_generate(user=cast.clerk.user, kind=kind, case=case, person=person)
    return document, document_read(user=cast.clerk.user, document=document)


def assert_no_confidential(pdf: bytes) -> None:
    text = flat_text(pdf)
    for secret in (WHISTLEBLOWER, CONTACT, MATERIAL, "欧阳", "购物卡"):
        assert secret not in text


def test_notice_names_interviewers_subject_time_place_content_and_requirements(
    rectifying_case, cast
):
    case = rectifying_case
    notice = case.notices.get()
    _doc, pdf = generate(cast, DocumentKind.NOTICE, case, cast.staff)
    text = flat_text(pdf)
    assert "廉政约谈通知书" in text
    assert case.number in text
    assert f"{cast.staff.name}同志" in text
    for name in notice.interviewers.split("、"):
        assert name in text
    local = notice.scheduled_at.astimezone()
    assert f"{local.year}年{local.month}月{local.day}日" in text
    assert notice.place in text
    assert notice.content in text
    assert "有关要求" in text and "书面申请" in text  # R8.1: how to ask for a postponement
    assert "联系人" in text and cast.clerk.name in text
    assert "诫勉约谈" in text
    assert all(fonts(pdf).values()) and fonts(pdf)
    assert_no_confidential(pdf)


def test_the_notice_and_its_receipt_slip_are_one_page(rectifying_case, cast):
    document, pdf = generate(cast, DocumentKind.NOTICE, rectifying_case, cast.staff)
    pages = poppler_pages(pdf)
    assert document.pages == len(pages) == 1
    for words in ("沿此线剪下", "送达回执", "当面送达", "邮寄", "送达时间", "受送达人签收"):
        assert words in pages[0], words
    assert f"联系电话：{OFFICE_PHONE}" in flat_text(pdf)


def test_record_holds_participants_with_unit_and_post_statement_and_signatures(
    rectifying_case, cast
):
    case = rectifying_case
    record = TalkRecord.objects.get(case=case)
    _doc, pdf = generate(cast, DocumentKind.RECORD, case, cast.staff)
    text = flat_text(pdf)
    assert "廉政约谈记录" in text
    for person in record.interviewers_present.all():
        assert person.name in text
        assert person.unit.name in text
    assert cast.staff.unit.name in text
    assert case.place in text
    assert record.statement in text  # R8.2
    assert record.record_text in text
    assert "约谈对象（签字）" in text and "约谈人（签字）" in text and "记录人（签字）" in text
    assert all(fonts(pdf).values())
    assert_no_confidential(pdf)


def test_commitment_for_a_pre_appointment_talk(pre_appointment_case, cast):
    case = pre_appointment_case
    record = TalkRecord.objects.get(case=case)
    _doc, pdf = generate(cast, DocumentKind.COMMITMENT, case, cast.staff2)
    text = flat_text(pdf)
    assert "廉洁自律承诺书" in text
    assert cast.staff2.name in text
    assert record.commitment in text
    assert "一岗双责" in text
    assert "副科长" in text  # the post of the appointment
    assert "承诺人（签字）" in text
    assert_no_confidential(pdf)


def test_rectification_notice_and_report_list_items_deadlines_and_checks(rectifying_case, cast):
    case = rectifying_case
    item = case.rectification_items.get()
    _doc, notice = generate(cast, DocumentKind.RECTIFICATION_NOTICE, case)
    text = flat_text(notice)
    assert "整改通知" in text
    assert item.description in text
    assert f"{item.deadline.year}年{item.deadline.month}月{item.deadline.day}日" in text
    assert item.responsible in text
    assert case.problems in text
    assert_no_confidential(notice)
    _doc, report = generate(cast, DocumentKind.RECTIFICATION_REPORT, case)
    assert "整改情况" in flat_text(report)
    assert "尚无检查记录" in flat_text(report)


def test_integrity_file_holds_every_case_talk_and_rectification(rectifying_case, cast):
    case = rectifying_case
    record = TalkRecord.objects.get(case=case)
    _doc, pdf = generate(cast, DocumentKind.INTEGRITY_FILE, person=cast.staff)
    text = flat_text(pdf)
    assert "个人廉政档案" in text
    assert cast.staff.name in text
    assert case.number in text
    assert record.statement in text
    assert case.rectification_items.get().description in text
    assert_no_confidential(pdf)


def test_a_commitment_is_offered_only_for_pre_appointment_talks(
    rectifying_case, pre_appointment_case
):
    kinds = {o.kind for o in case_document_options(rectifying_case)}
    assert DocumentKind.COMMITMENT not in kinds
    options = case_document_options(pre_appointment_case)
    commitment = [o for o in options if o.kind == DocumentKind.COMMITMENT]
    assert commitment and commitment[0].available


@pytest.mark.parametrize(
    "kind", [DocumentKind.NOTICE, DocumentKind.RECORD, DocumentKind.COMMITMENT]
)
def test_every_subject_facing_document_leaves_out_the_whistleblower(
    pre_appointment_case, cast, kind
):
    _doc, pdf = generate(cast, kind, pre_appointment_case, cast.staff2)
    assert_no_confidential(pdf)


def test_without_the_office_telephone_the_notice_is_refused_before_it_is_generated(
    rectifying_case, cast
):
    """The case page says why before anyone clicks; generating anyway is refused with the
    same words and leaves no document. Once the office sets its number, the notice gives it."""
    settings = DocumentSettings.load()
    settings.contact_phone = ""
    settings.save()
    notice = next(
        o for o in case_document_options(rectifying_case) if o.kind == DocumentKind.NOTICE
    )
    assert not notice.available
    assert notice.problem == NO_PHONE[0] and "公文设置" in notice.problem
    assert "Settings › Document settings" in notice.problem_en
    with pytest.raises(TransitionRefused) as refused:
        generate(cast, DocumentKind.NOTICE, rectifying_case, cast.staff)
    assert "尚未设置办公室电话" in str(refused.value)
    assert not GeneratedDocument.objects.filter(kind=DocumentKind.NOTICE).exists()
    settings.contact_phone = "0837-2822999"
    settings.save()
    _doc, pdf = generate(cast, DocumentKind.NOTICE, rectifying_case, cast.staff)
    assert "联系电话：0837-2822999" in flat_text(pdf)


def test_the_integrity_file_gives_when_a_talk_was_held_and_a_state_when_it_was_not(
    rectifying_case, cast
):
    """The talk began two hours late: the file says when it was held, not when it was planned;
    a later talk still only notified shows that it has not been held."""
    record = TalkRecord.objects.get(case=rectifying_case)
    held = rectifying_case.scheduled_at + timedelta(hours=2)
    TalkRecord.objects.filter(pk=record.pk).update(held_at=held)
    advance(cast, new_case(cast, TalkType.WARNING), CaseState.NOTIFIED)
    _doc, pdf = generate(cast, DocumentKind.INTEGRITY_FILE, person=cast.staff)
    text = flat_text(pdf)
    assert f"约谈时间：{datetime_zh(held)}" in text
    assert datetime_zh(rectifying_case.scheduled_at) not in text
    assert "约谈时间：未举行（已通知）" in text


def test_in_a_collective_talk_each_subject_gets_his_own_rectification_notice(cast):
    """R9.1: each item is one subject's, so each is told of his own items, by name; the case
    page offers one notice and one report per subject instead of one listing everybody's."""
    from django.utils import timezone

    from lianzheng.services.workflow import case_transition
    from tests.workflow_helpers import ITEM

    DocumentSettings.objects.update_or_create(pk=1, defaults={"contact_phone": OFFICE_PHONE})
    case = advance(cast, new_case(cast, subjects=[cast.staff, cast.staff2]), CaseState.HELD)
    deadline = timezone.localdate() + timedelta(days=30)
    case_transition(
        case=case,
        transition="start_rectification",
        user=cast.clerk.user,
        items=[
            {
                **ITEM,
                "description": "冯的整改",
                "deadline": deadline,
                "subject_person_id": cast.staff.pk,
            },
            {
                **ITEM,
                "description": "陈的整改",
                "deadline": deadline,
                "subject_person_id": cast.staff2.pk,
            },
        ],
    )
    rectification = [
        (o.kind, o.person.name)
        for o in case_document_options(case)
        if o.kind in (DocumentKind.RECTIFICATION_NOTICE, DocumentKind.RECTIFICATION_REPORT)
    ]
    assert rectification == [
        (DocumentKind.RECTIFICATION_NOTICE, cast.staff.name),
        (DocumentKind.RECTIFICATION_NOTICE, cast.staff2.name),
        (DocumentKind.RECTIFICATION_REPORT, cast.staff.name),
        (DocumentKind.RECTIFICATION_REPORT, cast.staff2.name),
    ]
    _doc, pdf = generate(cast, DocumentKind.RECTIFICATION_NOTICE, case, cast.staff2)
    text = flat_text(pdf)
    assert f"{cast.staff2.name}同志" in text and "陈的整改" in text
    assert "冯的整改" not in text and f"{cast.staff.name}、" not in text
    _doc, report = generate(cast, DocumentKind.RECTIFICATION_REPORT, case, cast.staff)
    assert "冯的整改" in flat_text(report) and "陈的整改" not in flat_text(report)

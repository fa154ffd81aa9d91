"""Rectification supervised over working days: deadlines set in working days skip holidays,
items become overdue by themselves, checks carry evidence, and an overdue or inadequate item
offers escalation with its ground (第九条, 第十条)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lianzheng.audit import chain, verification
from lianzheng.choices import CaseState, CheckResult, EscalationGround
from lianzheng.models import CalendarOverride, RectificationItem
from lianzheng.refusals import TransitionRefused
from lianzheng.selectors.calendar import load_calendar
from lianzheng.services.rectification import rectification_check_record, rectification_item_add
from tests.lianzheng.views.test_cases import text
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

P = "wagtailsnippets_lianzheng_talkcase"


@pytest.fixture
def rectifying(cast):
    return advance(cast, new_case(cast), CaseState.RECTIFYING)


def _next_weekday(day):
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_deadline_in_working_days_skips_a_holiday_the_bureau_entered(cast, rectifying):
    today = timezone.localdate()
    holiday = _next_weekday(today)
    CalendarOverride.objects.create(date=holiday, working=False, note="测试假日")
    item = rectification_item_add(
        case=rectifying,
        user=cast.clerk.user,
        description="公开办事时限",
        working_days=1,
        responsible="本人",
    )
    assert item.working_days == 1 and item.set_on == today
    assert item.deadline > holiday  # the holiday does not count
    assert item.deadline == load_calendar().add_working_days(today, 1)
    assert load_calendar().working_days_between(today, item.deadline) == 1


def test_either_a_date_or_working_days_not_both_nor_neither(cast, rectifying):
    for kwargs in ({}, {"deadline": timezone.localdate() + timedelta(days=9), "working_days": 3}):
        with pytest.raises(TransitionRefused) as excinfo:
            rectification_item_add(
                case=rectifying, user=cast.clerk.user, description="x", responsible="y", **kwargs
            )
        assert excinfo.value.refusals[0].field == "deadline"
    assert rectifying.rectification_items.count() == 1


def test_an_item_is_overdue_the_day_after_its_deadline_not_on_it(cast, rectifying):
    item = rectifying.rectification_items.get()
    assert not item.is_overdue(item.deadline)
    assert item.is_overdue(item.deadline + timedelta(days=1))
    rectification_check_record(
        item=item, user=cast.clerk.user, finding="已完成。", result=CheckResult.VERIFIED
    )
    item.refresh_from_db()
    assert not item.is_overdue(item.deadline + timedelta(days=30))  # done is never overdue


def _make_overdue(item: RectificationItem) -> RectificationItem:
    """The deadline passes: set it to yesterday through the audited save (as time would)."""
    item.deadline = timezone.localdate() - timedelta(days=1)
    item._change_reason = "测试：期限已过"
    item.save()
    return item


def test_an_overdue_item_is_shown_and_offers_escalation_with_its_ground(client, cast, rectifying):
    item = _make_overdue(rectifying.rectification_items.get())
    client.force_login(cast.principal.user)
    page = client.get(reverse(f"{P}:inspect", args=[rectifying.pk]))
    html = page.content.decode()
    assert 'data-overdue="1"' in html
    offer = reverse(f"{P}:transition", args=[rectifying.pk, "escalate"]) + f"?item={item.pk}"
    assert offer in html
    form = client.get(offer)
    assert form.status_code == 200
    assert f'value="{EscalationGround.RECTIFICATION_FAILED}" selected' in form.content.decode()
    assert item.description in form.content.decode()
    response = client.post(
        reverse(f"{P}:transition", args=[rectifying.pk, "escalate"]),
        {
            "ground": EscalationGround.RECTIFICATION_FAILED,
            "detail": f"{item.description}逾期未完成",
        },
    )
    assert response.status_code == 302
    rectifying.refresh_from_db()
    assert rectifying.state == CaseState.ESCALATED
    assert rectifying.escalation.ground == EscalationGround.RECTIFICATION_FAILED


def test_the_office_sees_the_overdue_item_but_not_the_escalation_button(client, cast, rectifying):
    _make_overdue(rectifying.rectification_items.get())
    client.force_login(cast.clerk.user)
    page = text(client.get(reverse(f"{P}:inspect", args=[rectifying.pk])))
    assert "第十条" in page
    html = client.get(reverse(f"{P}:inspect", args=[rectifying.pk])).content.decode()
    assert "?item=" not in html


def test_a_check_keeps_its_evidence_with_its_hash(client, cast, rectifying, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    item = rectifying.rectification_items.get()
    data = b"%PDF-1.4 evidence"
    client.force_login(cast.clerk.user)
    response = client.post(
        reverse(f"{P}:item_check", args=[rectifying.pk, item.pk]),
        {
            "checked_on": timezone.localdate().isoformat(),
            "result": CheckResult.IN_PROGRESS,
            "finding": "台账已建立，尚未公开。",
            "evidence": SimpleUploadedFile("台账照片.pdf", data, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    check = item.checks.get()
    assert check.evidence_name == "台账照片.pdf"
    assert check.evidence_sha256 == hashlib.sha256(data).hexdigest()
    download = client.get(reverse(f"{P}:evidence", args=[rectifying.pk, check.pk]))
    assert download.status_code == 200 and download.content == data
    client.force_login(cast.auditor)
    assert client.get(reverse(f"{P}:evidence", args=[rectifying.pk, check.pk])).status_code == 200
    assert verification.verify().ok


def test_evidence_of_the_wrong_kind_is_refused_and_nothing_is_saved(client, cast, rectifying):
    item = rectifying.rectification_items.get()
    client.force_login(cast.clerk.user)
    response = client.post(
        reverse(f"{P}:item_check", args=[rectifying.pk, item.pk]),
        {
            "checked_on": timezone.localdate().isoformat(),
            "result": CheckResult.VERIFIED,
            "finding": "已完成。",
            "evidence": SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdos"),
        },
    )
    assert response.status_code == 200
    assert "证明材料须为" in response.content.decode()
    assert not item.checks.exists()
    item.refresh_from_db()
    assert item.status != "verified"


def test_added_columns_keep_old_rows_hashes():
    """Rows written before a column existed were hashed without it; an empty value of an added
    column leaves the canonical form as it was (chain.ADDED_COLUMNS)."""
    from lianzheng.models import RectificationItem as Item

    shape = chain.shape_of(Item.history.model)
    values = [None] * len(shape.fields)
    canonical = shape.canonical(values)
    assert '"working_days"' not in canonical and '"set_on"' not in canonical
    index = shape.columns.index("working_days")
    values[index] = 5
    assert '"working_days":5' in shape.canonical(values)


def test_the_fast_verification_reads_added_columns_without_falling_back(cast, rectifying):
    """Rows with an added column empty and filled are confirmed by the fast encoder itself
    (no row re-read through the definition), and the verdict is the reference's."""
    from lianzheng.audit import fast

    rectification_item_add(
        case=rectifying,
        user=cast.clerk.user,
        description="按期公开",
        working_days=3,
        responsible="本人",
    )
    verdict = fast.verify()
    assert verdict.ok and verdict.by_reference == 0
    assert verdict == chain.verify_reference()

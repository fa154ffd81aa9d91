"""The personal integrity file (第九条) in the admin and as the person himself sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lianzheng.choices import CaseState, DocumentKind, TalkType
from lianzheng.models import ConfidentialReport, DocumentSettings, TalkRecord
from lianzheng.services.documents import document_generate
from tests.factories import UserFactory
from tests.lianzheng.views.test_cases import text
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

SECRET = "举报人慕容保密"


@pytest.fixture
def two_cases(cast, settings, tmp_path):
    """Two filed cases of the same person, one with a whistleblower, and a draft; the office
    has given its telephone, which notices need."""
    settings.MEDIA_ROOT = str(tmp_path)
    document_settings = DocumentSettings.load()
    document_settings.contact_phone = "0837-2822123"
    document_settings.save()
    first = advance(cast, new_case(cast, TalkType.ROUTINE), CaseState.HELD)
    second = new_case(cast, TalkType.ADMONITION)
    ConfidentialReport.objects.create(case=second, whistleblower=SECRET, material="举报材料甲")
    second = advance(cast, second, CaseState.RECTIFYING)
    draft = new_case(cast, TalkType.WARNING)
    return first, second, draft


def person_page(person):
    return reverse("wagtailsnippets_lianzheng_person:inspect", args=[person.pk])


def test_the_office_reads_every_case_talk_and_item_in_order_with_links(client, cast, two_cases):
    first, second, draft = two_cases
    client.force_login(cast.clerk.user)
    response = client.get(person_page(cast.staff))
    assert response.status_code == 200
    page = text(response)
    assert page.index(first.number) < page.index(second.number)
    links = response.content.decode()
    assert f"/inspect/{first.pk}/" in links
    assert f"/inspect/{draft.pk}/" not in links  # a draft was never said to the person
    for record in TalkRecord.objects.filter(subject__person=cast.staff):
        assert record.statement in page
    assert second.rectification_items.get().description in page
    html = response.content.decode()
    assert reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[second.pk]) in html
    assert SECRET not in page


def test_the_auditor_reads_the_file_and_a_user_without_a_role_does_not(client, cast, two_cases):
    client.force_login(cast.auditor)
    assert two_cases[0].number in text(client.get(person_page(cast.staff)))
    client.force_login(UserFactory(username="plain"))
    assert client.get(person_page(cast.staff)).status_code in (302, 403)


def test_the_person_sees_his_own_file_without_confidential_information(client, cast, two_cases):
    first, second, _draft = two_cases
    own = UserFactory(username="feng")
    cast.staff.user = own
    cast.staff._change_reason = "测试：关联登录"
    cast.staff.save()
    notice = document_generate(
        user=cast.clerk.user, kind=DocumentKind.NOTICE, case=second, person=cast.staff
    )
    client.force_login(own)
    response = client.get(reverse("lianzheng_my_file"))
    assert response.status_code == 200
    page = text(response)
    assert first.number in page and second.number in page
    assert SECRET not in page and "举报材料甲" not in page
    download = client.get(reverse("lianzheng_my_document", args=[notice.pk]))
    assert download.status_code == 200 and download.content.startswith(b"%PDF")


def test_nobody_reaches_another_persons_file_or_documents(client, cast, two_cases):
    second = two_cases[1]
    other = document_generate(
        user=cast.clerk.user, kind=DocumentKind.NOTICE, case=second, person=cast.staff
    )
    stranger = UserFactory(username="stranger")
    client.force_login(stranger)
    assert client.get(reverse("lianzheng_my_file")).status_code == 404  # no person linked
    assert client.get(reverse("lianzheng_my_document", args=[other.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("lianzheng_my_file"))
    assert response.status_code == 302 and "login" in response.url


def test_a_collective_talks_items_go_each_to_his_own_file(client, cast):
    """R9.1: each item belongs to one subject; his integrity file shows his own items only."""
    from lianzheng.selectors.documents import integrity_file_data
    from lianzheng.selectors.people import integrity_file
    from lianzheng.services.workflow import case_transition
    from tests.workflow_helpers import ITEM

    case = advance(cast, new_case(cast, subjects=[cast.staff, cast.staff2]), "held")
    deadline = timezone.localdate() + timedelta(days=30)
    case_transition(
        case=case,
        transition="start_rectification",
        user=cast.clerk.user,
        items=[
            {"description": "冯的整改", "deadline": deadline, "subject_person_id": cast.staff.pk},
            {
                **ITEM,
                "description": "陈的整改",
                "deadline": deadline,
                "subject_person_id": cast.staff2.pk,
                "responsible": "测试一科",
            },
        ],
    )
    feng, chen = integrity_file(cast.staff), integrity_file(cast.staff2)
    assert [i.description for i in feng[0].items] == ["冯的整改"]
    assert [(i.description, i.responsible) for i in chen[0].items] == [("陈的整改", "测试一科")]
    assert feng[0].items[0].responsible == "冯科员"  # blank: the subject himself
    pdf_items = integrity_file_data(cast.staff).cases[0].items
    assert [line.description for line in pdf_items] == ["冯的整改"]

"""Documents in the admin: the office generates, everyone who may open the case downloads, the
auditor only reads, versions accumulate, and a file changed on disk is refused."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from wagtail.users.models import UserProfile

from lianzheng.choices import CaseState, DocumentKind, TalkType
from lianzheng.documents import fonts as font_module
from lianzheng.models import DocumentImmutable, DocumentSettings, GeneratedDocument
from tests.factories import UserFactory
from tests.lianzheng.views.test_cases import text, url
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone_set(db):
    """The office has given its telephone (Settings › Document settings), as notices need."""
    settings = DocumentSettings.load()
    settings.contact_phone = "0837-2822123"
    settings.save()


@pytest.fixture
def held(cast, media, phone_set):
    return advance(cast, new_case(cast, TalkType.WARNING), CaseState.HELD)


def generate(client, case, kind, person=None):
    data = {"kind": kind}
    if person is not None:
        data["person"] = person.pk
    return client.post(url("document_generate", case.pk), data)


def test_the_office_generates_a_notice_and_downloads_it_as_recorded(client, cast, held):
    client.force_login(cast.clerk.user)
    # In the reader's language alone (#17); the document itself is printed in Chinese.
    response = client.get(url("inspect", held.pk))
    assert response.status_code == 200
    page = text(response)
    assert "廉政约谈通知书" in page and "谈话记录" in page
    profile = UserProfile.get_for_user(cast.clerk.user)
    profile.preferred_language = "en"
    profile.save()
    page = text(client.get(url("inspect", held.pk)))
    assert "Talk notice" in page and "Talk record" in page and "廉政约谈通知书" not in page
    profile.preferred_language = "zh-hans"
    profile.save()
    response = generate(client, held, DocumentKind.NOTICE, cast.staff)
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(case=held, kind=DocumentKind.NOTICE)
    assert document.version == 1 and document.person == cast.staff
    assert document.generated_by_id == cast.clerk.user.pk
    assert document.case_version == held.history.order_by("-history_id").first().history_id
    page = client.get(url("inspect", held.pk))
    assert document.sha256[:16] in text(page)
    download = client.get(url("document", held.pk, document.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    assert hashlib.sha256(download.content).hexdigest() == document.sha256
    assert download["X-Content-SHA256"] == document.sha256


def test_a_double_click_makes_one_version(client, cast, held):
    """The same request twice in a moment (a double click, a reload that posts again) returns
    the version just made; another user's request, or a changed case, makes a new one."""
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.RECORD, cast.staff)
    again = client.get(generate(client, held, DocumentKind.RECORD, cast.staff).url)
    assert GeneratedDocument.objects.filter(kind=DocumentKind.RECORD).count() == 1
    assert "刚刚已生成，未重复生成" in text(again)
    client.force_login(cast.office_head.user)
    generate(client, held, DocumentKind.RECORD, cast.staff)
    assert GeneratedDocument.objects.filter(kind=DocumentKind.RECORD).count() == 2


def test_every_subjects_notice_of_a_collective_talk_at_once(client, cast, media, phone_set):
    case = advance(cast, new_case(cast, subjects=[cast.staff, cast.staff2]), CaseState.NOTIFIED)
    client.force_login(cast.clerk.user)
    page = client.get(url("inspect", case.pk)).content.decode()
    assert url("document_generate_all", case.pk) in page
    done = client.post(url("document_generate_all", case.pk), {"kind": DocumentKind.NOTICE})
    notices = GeneratedDocument.objects.filter(case=case, kind=DocumentKind.NOTICE)
    assert sorted(notices.values_list("person__name", flat=True)) == sorted(
        [cast.staff.name, cast.staff2.name]
    )
    assert "已生成 2 份文书" in text(client.get(done.url))
    client.post(url("document_generate_all", case.pk), {"kind": DocumentKind.NOTICE})
    assert notices.count() == 2  # the second click made nothing


def test_regenerating_makes_a_new_version_and_keeps_the_old_file(
    client, cast, held, media, monkeypatch
):
    monkeypatch.setattr("lianzheng.services.documents.REPEAT_WINDOW", timedelta(0))
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.RECORD, cast.staff)
    generate(client, held, DocumentKind.RECORD, cast.staff)
    first, second = GeneratedDocument.objects.filter(kind=DocumentKind.RECORD).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    assert hashlib.sha256(Path(media, first.file.name).read_bytes()).hexdigest() == first.sha256
    assert client.get(url("document", held.pk, first.pk)).status_code == 200


def test_the_generated_document_appears_in_the_case_timeline(client, cast, held):
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.NOTICE, cast.staff)
    document = GeneratedDocument.objects.get()
    timeline = text(client.get(url("inspect", held.pk))).split("Timeline")[-1]
    assert document.filename in text(client.get(url("inspect", held.pk)))
    assert "R6.3" in timeline


def test_the_auditor_downloads_but_cannot_generate(client, cast, held):
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.NOTICE, cast.staff)
    document = GeneratedDocument.objects.get()
    client.force_login(cast.auditor)
    page = client.get(url("inspect", held.pk)).content.decode()
    assert url("document_generate", held.pk) not in page
    assert generate(client, held, DocumentKind.NOTICE, cast.staff).status_code == 403
    assert GeneratedDocument.objects.count() == 1
    assert client.get(url("document", held.pk, document.pk)).status_code == 200


def test_a_user_without_a_role_gets_403_for_downloads(client, cast, held):
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.NOTICE, cast.staff)
    document = GeneratedDocument.objects.get()
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url("document", held.pk, document.pk)).status_code in (302, 403)
    client.logout()
    assert client.get(url("document", held.pk, document.pk)).status_code == 302  # to sign-in


def test_a_document_the_case_cannot_produce_yet_is_refused_with_its_article(client, cast, media):
    case = advance(cast, new_case(cast, TalkType.WARNING), CaseState.APPROVED)
    client.force_login(cast.clerk.user)
    response = generate(client, case, DocumentKind.NOTICE, cast.staff)
    assert response.status_code == 302
    assert "第六条（三）" in text(client.get(response.url))
    assert not GeneratedDocument.objects.exists()
    assert not any(media.rglob("*.pdf"))


def test_without_the_office_telephone_the_case_page_says_why_and_no_notice_is_made(
    client, cast, media
):
    """The office learns before generating that the notice needs its telephone, and where to
    set it; a request anyway is refused with the same words and stores nothing."""
    case = advance(cast, new_case(cast, TalkType.WARNING), CaseState.HELD)
    DocumentSettings.objects.update(contact_phone="")  # not set yet
    client.force_login(cast.clerk.user)
    page = text(client.get(url("inspect", case.pk)))
    assert "尚未设置办公室电话" in page and "公文设置" in page
    response = generate(client, case, DocumentKind.NOTICE, cast.staff)
    assert response.status_code == 302
    assert "尚未设置办公室电话" in text(client.get(response.url))
    assert not GeneratedDocument.objects.exists()
    assert not any(media.rglob("*.pdf"))
    assert generate(client, case, DocumentKind.RECORD, cast.staff).status_code == 302
    assert GeneratedDocument.objects.get().kind == DocumentKind.RECORD  # only the notice waits


def test_hostile_input_is_refused_without_a_500(client, cast, held):
    client.force_login(cast.clerk.user)
    for data in ({"kind": "<script>"}, {"kind": "notice", "person": "x"}, {"kind": "notice"}):
        response = client.post(url("document_generate", held.pk), data)
        assert response.status_code == 302
    assert not GeneratedDocument.objects.exists()


def test_a_file_changed_on_disk_is_refused(client, cast, held, media):
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.NOTICE, cast.staff)
    document = GeneratedDocument.objects.get()
    path = Path(media, document.file.name)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% altered"))
    response = client.get(url("document", held.pk, document.pk))
    assert response.status_code == 409
    assert "SHA-256" in response.content.decode() and document.sha256 in response.content.decode()


def test_without_fonts_generation_says_what_to_install_and_stores_nothing(
    client, cast, held, settings, monkeypatch
):
    monkeypatch.setattr(font_module, "DEFAULT_FILES", {})
    settings.LIANZHENG_PDF_FONTS = {"song": "/nonexistent/fangsong.ttf"}
    client.force_login(cast.clerk.user)
    response = generate(client, held, DocumentKind.NOTICE, cast.staff)
    page = text(client.get(response.url))
    assert "fonts-arphic-uming" in page and "/nonexistent/fangsong.ttf" in page
    assert not GeneratedDocument.objects.exists()


def test_a_generated_document_cannot_be_changed_or_deleted(cast, held, client):
    client.force_login(cast.clerk.user)
    generate(client, held, DocumentKind.NOTICE, cast.staff)
    document = GeneratedDocument.objects.get()
    document.sha256 = "0" * 64
    with pytest.raises(DocumentImmutable):
        document.save()
    with pytest.raises(DocumentImmutable):
        document.delete()
    with pytest.raises(DocumentImmutable):
        GeneratedDocument.objects.all().update(sha256="0" * 64)
    table = GeneratedDocument._meta.db_table
    for sql in (f"UPDATE {table} SET sha256 = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert GeneratedDocument.objects.get().sha256 != "0" * 64


def test_the_integrity_file_from_the_person_page(
    client, cast, held, django_capture_on_commit_callbacks
):
    client.force_login(cast.clerk.user)
    person_page = reverse("wagtailsnippets_lianzheng_person:inspect", args=[cast.staff.pk])
    assert "个人廉政档案" in text(client.get(person_page))
    # Made in the background (issue 18): the button leads to the job's page, which offers the
    # file once the worker (here at once, after the request commits) has made it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("wagtailsnippets_lianzheng_person:integrity_file", args=[cast.staff.pk])
        )
    assert response.status_code == 302 and "/lianzheng/jobs/" in response["Location"]
    document = GeneratedDocument.objects.get(kind=DocumentKind.INTEGRITY_FILE)
    job_page = text(client.get(response["Location"]))
    assert "已完成" in job_page and document.filename in job_page
    assert document.filename in text(client.get(person_page))
    download = client.get(
        reverse("wagtailsnippets_lianzheng_person:document", args=[cast.staff.pk, document.pk])
    )
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    client.force_login(cast.auditor)
    assert (
        client.post(
            reverse("wagtailsnippets_lianzheng_person:integrity_file", args=[cast.staff.pk])
        ).status_code
        == 403
    )

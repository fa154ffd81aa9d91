"""A database fault on a page no form of ours catches — the sign-in, the Wagtail page editor and
its editing-session ping — shows our fault page with its reference, in the person's language,
and nothing is saved (issue 18, item 1). Django's debug page never shows, even with DEBUG on, as
``make run`` has it."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from axes.models import AccessLog
from django.contrib.auth.signals import user_logged_in
from django.db import OperationalError, connection
from django.urls import reverse
from wagtail.admin.models import EditingSession
from wagtail.models import Revision
from wagtail.users.models import UserProfile

from tests.fault_injection import insert_refused, receiver_raises
from tests.snapshot_helpers import Snapshot, assert_unchanged

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

REFERENCE = re.compile(r'class="lz-fault-reference">([0-9a-f]{8})<')


@pytest.fixture(autouse=True)
def debug_on(settings, client):
    settings.DEBUG = True
    client.raise_request_exception = False


def fault_page(response) -> tuple[str, str]:
    """The page's text and its reference."""
    assert response.status_code == 500, response.status_code
    page = response.content.decode()
    assert "Traceback" not in page and "OperationalError" not in page
    found = REFERENCE.search(page)
    assert found, page
    return page, found.group(1)


@contextmanager
def locked_at(table: str):
    """Every statement on ``table`` meets SQLite's "database is locked" (or a lock timeout)."""

    def wrapper(execute, sql, params, many, context):
        if table in sql:
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def test_sign_in_meeting_a_locked_database_is_the_fault_page_and_signs_nobody_in(
    client, installed, caplog
):
    logs = AccessLog.objects.count()
    with receiver_raises(user_logged_in, OperationalError("database is locked")):
        response = client.post(
            reverse("wagtailadmin_login"),
            {"username": "office", "password": installed.demo_passwords["office"]},
        )
    page, reference = fault_page(response)
    assert "操作未完成" in page and "没有保存" in page and "错误编号 <strong" in page
    assert "The operation was not completed" not in page
    assert f"reference {reference}" in caplog.text
    assert AccessLog.objects.count() == logs
    assert client.get(reverse("wagtailadmin_home")).status_code == 302


def test_page_editors_publish_meeting_a_locked_database_saves_nothing(
    client, regulation_page, login_as
):
    login_as("editor")
    url = reverse("wagtailadmin_pages:edit", args=[regulation_page.pk])
    revisions = Revision.objects.count()
    before = Snapshot.take()
    with locked_at("wagtailcore_revision"):
        response = client.post(url, {"title": "改过的标题", "action-publish": "publish"})
    page, _reference = fault_page(response)
    assert "数据库未能完成您的请求" in page
    assert Revision.objects.count() == revisions
    regulation_page.refresh_from_db()
    assert regulation_page.title != "改过的标题"
    assert_unchanged(before)


def test_editing_session_ping_refused_by_the_database_is_the_fault_page_in_english(
    client, regulation_page, login_as
):
    user = login_as("editor")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    ping = reverse(
        "wagtailadmin_editing_sessions:ping",
        args=["wagtailcore", "page", str(regulation_page.pk), 999999],
    )
    with insert_refused(EditingSession._meta.db_table):
        response = client.post(ping, {"is_editing": "1"})
    page, reference = fault_page(response)
    assert "The operation was not completed" in page and "nothing you submitted was saved" in page
    assert "error reference <strong" in page and reference in page
    assert "操作未完成" not in page
    assert not EditingSession.objects.filter(user=user).exists()
    # The next ping, with the database well again, works as usual.
    assert client.post(ping, {"is_editing": "1"}).status_code == 200


def test_an_error_that_is_no_database_fault_keeps_the_usual_500_page(
    client, regulation_page, login_as, settings
):
    settings.DEBUG = False
    login_as("editor")
    url = reverse("wagtailadmin_pages:edit", args=[regulation_page.pk])

    def wrapper(execute, sql, params, many, context):
        if "wagtailcore_revision" in sql:
            raise RuntimeError("a programming error")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(url)
    assert response.status_code == 500
    page = response.content.decode()
    assert "lz-fault-reference" not in page
    assert "系统在处理您的请求时发生内部错误" in page

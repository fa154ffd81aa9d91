"""Deleting a login leaves a history row on every row that pointed at it: the person it
belonged to, the case it created, the notices it sent; and the chain still holds."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lianzheng.audit import verification
from lianzheng.choices import CaseState
from lianzheng.history import LOGIN_DELETED
from lianzheng.models import Person
from tests.factories import PersonFactory, UserFactory
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def latest(row):
    return row.history.order_by("-history_id").first()


def test_deleting_a_login_unlinks_its_person_in_his_history(cast):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    clerk, user = cast.clerk, cast.clerk.user
    user_id = user.pk
    reason = LOGIN_DELETED.format(username="clerk")
    rows_before = clerk.history.count()

    user.delete()

    clerk.refresh_from_db()
    assert clerk.user_id is None
    assert clerk.history.count() == rows_before + 1
    unlinked = latest(clerk)
    assert (unlinked.user_id, unlinked.history_change_reason) == (None, reason)
    assert unlinked.prev_record.user_id == user_id  # what it was, still in the history
    case.refresh_from_db()
    assert case.created_by_id is None
    assert latest(case).history_change_reason == reason
    for notice in case.notices.all():
        assert notice.sent_by_id is None and latest(notice).history_change_reason == reason
    assert verification.verify().ok


def test_a_login_deleted_in_the_admin_names_who_deleted_it(client, profile):
    admin = get_user_model().objects.create_superuser("root", password="a-long-test-password")
    person = PersonFactory(name="临时人员", user=UserFactory(username="temp"))
    client.force_login(admin)

    response = client.post(reverse("wagtailusers_users:delete", args=[person.user_id]))

    assert response.status_code == 302
    person = Person.objects.get(pk=person.pk)
    assert person.user_id is None
    unlinked = latest(person)
    assert unlinked.history_user_id == admin.pk and "root" in unlinked.history_user_display
    assert unlinked.history_change_reason == LOGIN_DELETED.format(username="temp")
    assert verification.verify().ok

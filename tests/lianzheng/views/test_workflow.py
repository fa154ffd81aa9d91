"""The workflow diagram in the admin: for everyone who may open cases, from the 廉政约谈 menu."""

import pytest
from django.urls import reverse

from lianzheng.choices import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def workflow_url():
    from lianzheng.viewsets import TalkCaseViewSet

    return reverse(TalkCaseViewSet().get_url_name("workflow"))


def test_case_staff_and_auditors_see_the_diagram(client, cast):
    for user in (cast.clerk.user, cast.principal.user, cast.auditor):
        client.force_login(user)
        response = client.get(workflow_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
        assert 'data-transition="notify"' in html
        assert "办理流程图" in html
        # The table reads the diagram out: one row per transition.
        assert html.count('<tr data-transition="') == len(response.context["workflow_rows"])


def test_others_are_refused_with_403(client, profile):
    client.force_login(UserFactory(username="editor-only", roles=[Role.EDITOR]))
    assert client.get(workflow_url()).status_code == 403
    client.logout()
    assert client.get(workflow_url()).status_code in (302, 403)


def test_the_integrity_talks_menu_offers_the_diagram_to_those_who_may_see_it(client, cast):
    client.force_login(cast.clerk.user)
    assert workflow_url() in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(UserFactory(username="editor-only", roles=[Role.EDITOR]))
    assert workflow_url() not in client.get(reverse("wagtailadmin_home")).content.decode()

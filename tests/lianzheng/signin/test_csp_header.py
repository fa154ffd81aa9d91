"""Every page carries the Content-Security-Policy; the admin's allowances stay in the admin."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_public_pages_allow_nothing_inline_or_foreign(client, regulation_page):
    for url in ("/", regulation_page.get_parent().url, regulation_page.url):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["base-uri"] == ["'self'"]


def test_the_admin_adds_only_its_documented_allowances(client, installed, login_as):
    from django.conf import settings

    login_as("office")
    for url in (reverse("wagtailadmin_login"), reverse("wagtailadmin_home")):
        policy = directives(client.get(url))
        for name, extra in settings.LIANZHENG_ADMIN_CSP_ALLOWANCES.items():
            assert set(extra) <= set(policy[name]), (url, name)
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["connect-src"] == ["'self'"]

"""What a user walking through the admin saw wrong, each pinned by what the page now says."""

import re

import pytest
from django.urls import reverse

from lianzheng.choices import TalkType
from tests.workflow_helpers import new_case

pytestmark = pytest.mark.django_db

P = "wagtailsnippets_lianzheng_talkcase"


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_article_6_2_suggestion_names_roles_in_chinese(client, cast):
    """The suggestion showed the role codes (lead, office_head) instead of their names."""
    case = new_case(cast, TalkType.ROUTINE, participants=[])
    client.force_login(cast.clerk.user)
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert "钱副局长（负责约谈）、孙主任（办公室负责人）、周专干（纪检专干）" in page
    assert "（lead）" not in page and "office_head" not in page

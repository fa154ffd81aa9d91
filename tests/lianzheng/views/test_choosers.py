"""Choosers that search: a unit by part of its name or code, a person by name, post or unit, and
the 责任人 of a rectification item suggested from the case's subjects and their units."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lianzheng.choices import CaseState
from lianzheng.models import Unit
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def chosen_names(response) -> list[str]:
    return re.findall(r"data-chooser-modal-choice[^>]*>\s*([^<]+?)\s*<", response.content.decode())


def test_the_unit_chooser_finds_a_unit_by_part_of_its_name_or_code(client, cast):
    client.force_login(cast.clerk.user)
    results = reverse("wagtailsnippetchoosers_lianzheng_unit:choose_results")
    office = Unit.objects.get(code="section-office")
    page = client.get(results, {"q": "办公"}).content.decode()
    assert office.name in page
    others = Unit.objects.exclude(name__contains="办公").exclude(code__contains="办公")
    assert not any(f">{u.name}<" in page for u in others)
    assert office.name in client.get(results, {"q": "section-off"}).content.decode()
    choose = client.get(reverse("wagtailsnippetchoosers_lianzheng_unit:choose"))
    assert 'placeholder="单位名称或代码"' in choose.json()["html"]


def test_the_person_chooser_finds_people_by_their_unit(client, cast):
    client.force_login(cast.clerk.user)
    results = reverse("wagtailsnippetchoosers_lianzheng_person:choose_results")
    page = client.get(results, {"q": cast.staff.unit.name}).content.decode()
    assert cast.staff.name in page and cast.principal.name not in page


def test_the_responsible_box_suggests_the_subjects_and_their_units(client, cast):
    case = advance(cast, new_case(cast, subjects=[cast.staff, cast.staff2]), CaseState.HELD)
    client.force_login(cast.clerk.user)
    html = client.get(
        reverse(
            "wagtailsnippets_lianzheng_talkcase:transition", args=[case.pk, "start_rectification"]
        )
    ).content.decode()
    datalist = re.search(r'<datalist id="id_responsible_1-options">(.*?)</datalist>', html).group(1)
    offered = re.findall(r'<option value="([^"]+)">', datalist)
    assert offered[:2] == [cast.staff.name, cast.staff.unit.name] and cast.staff2.name in offered
    assert 'list="id_responsible_1-options"' in html

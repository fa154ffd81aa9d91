"""The case page's timeline, read by an auditor: a part that was removed is named by the person's
name and part, with the reason recorded with the removal, taken from the history row that
recorded it (the part itself is gone); a part that was changed says what changed."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from lianzheng.choices import CaseRole, CaseState
from lianzheng.history import Change, recording
from lianzheng.selectors.timeline import case_timeline
from lianzheng.services.cases import case_update
from tests.workflow_helpers import advance, case_in, new_case, participants_for

pytestmark = pytest.mark.django_db

REASON = "周专干另有公务，改由吴专干参加"


def timeline_text(client, user, case) -> str:
    client.force_login(user)
    html = client.get(reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[case.pk]))
    part = html.content.decode().split('class="lz-timeline"', 1)[1].split("</ol>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


def without_discipline_officer(cast, case):
    """The discipline officer taken off the case, the personnel officer put on, for REASON."""
    participants = [
        (person, role)
        for person, role in participants_for(cast, case.talk_type, [cast.staff])
        if person != cast.discipline
    ] + [(cast.personnel, CaseRole.INTERVIEWER)]
    with recording(Change(user=cast.clerk.user, reason=REASON)):
        return case_update(case=case, user=cast.clerk.user, participants=participants)


def test_a_removed_participant_is_named_with_his_part_and_the_reason(client, cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    without_discipline_officer(cast, case)

    for reader in (cast.auditor, cast.clerk.user):
        shown = timeline_text(client, reader, case)
        assert f"删除参加人：周专干（纪检专干），理由：{REASON}" in shown
        assert "新增参加人：吴专干（其他谈话人），理由：" in shown
        assert "discipline" not in shown  # his login is never shown
        assert not re.search(r"删除 removed|#\d+ 删除", shown)


def test_a_removed_subject_is_named_with_the_reason(client, cast):
    case = new_case(cast, subjects=[cast.staff, cast.staff2])
    with recording(Change(user=cast.clerk.user, reason="陈副科长调离，不再约谈")):
        case_update(case=case, user=cast.clerk.user, subjects=[cast.staff])

    shown = timeline_text(client, cast.auditor, case)
    assert "删除约谈对象：陈副科长，理由：陈副科长调离，不再约谈" in shown
    assert "新增约谈对象：冯科员" in shown


def test_parts_are_named_by_what_they_are_about(client, cast):
    """A notice by its subject and date in Chinese, a record by its subject, an item by what
    must be put right; a change to a part says what changed, a record who was present."""
    case = case_in(cast, CaseState.RECTIFYING)
    notice = case.notices.get()
    shown = timeline_text(client, cast.auditor, case)
    written = f"{notice.written_on.year}年{notice.written_on.month}月{notice.written_on.day}日"
    assert f"新增通知：冯科员（{written}）" in shown
    assert "新增谈话记录：冯科员（" in shown
    assert "在场谈话人： — → " in shown and "孙主任" in shown
    assert "新增整改事项：建立办事台账并公开办理时限" in shown


def test_the_timeline_reads_in_english_for_who_chooses_it(cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    without_discipline_officer(cast, case)
    with translation.override("en"):
        titles = [e.title for e in case_timeline(case) if e.kind == "part"]
    assert f"Removed participant: 周专干 (Discipline officer), reason: {REASON}" in titles

"""The workflow diagram is drawn from the state machine: every transition is an arrow in it."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from lianzheng import diagram
from lianzheng.choices import CaseState
from lianzheng.models import TalkCase
from lianzheng.rules import rules_for

SVG = "{http://www.w3.org/2000/svg}"


def fsm_transitions() -> set[tuple[str, str, str]]:
    """(source, target, name) for every transition django-fsm knows that moves a case, read
    independently of the module under test, so a step added must show up in the drawing."""
    found = set()
    for t in TalkCase._meta.get_field("state").get_all_transitions(TalkCase):
        if t.target is None:
            continue  # an act recorded on the case: its state stays
        sources = CaseState.values if t.source == "*" else [t.source]
        found |= {(s, t.target, t.name) for s in sources}
    return found


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def edges(root) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "wf-edge" in (g.get("class") or "").split()]


@pytest.fixture
def svg():
    with translation.override("zh-hans"):
        return str(diagram.render_svg())


def test_every_transition_of_the_state_machine_is_an_arrow(svg):
    drawn = {
        (g.get("data-source"), g.get("data-target"), g.get("data-transition"))
        for g in edges(parse(svg))
    }
    assert drawn == fsm_transitions()
    assert len(edges(parse(svg))) == len(drawn), "each transition is drawn once"


def test_each_arrow_is_a_path_with_a_title_naming_the_transition(svg):
    for g in edges(parse(svg)):
        assert g.find(f"{SVG}path").get("d").startswith("M")
        title = g.find(f"{SVG}title").text
        with translation.override("zh-hans"):
            source_label = str(CaseState(g.get("data-source")).label)
        assert source_label in title, title


def test_arrows_carry_the_rule_codes_of_the_rules_guarding_their_step(svg):
    for g in edges(parse(svg)):
        guarding = [r.code for r in rules_for(g.get("data-transition"))]
        assert g.get("data-rules").split() == guarding
    notify = next(g for g in edges(parse(svg)) if g.get("data-transition") == "notify")
    assert "R6.3" in notify.get("data-rules").split()
    # The labels print the codes, runs within an article shortened: R6.1–6.5.
    assert "R6.1–6.5" in svg


def test_states_are_labelled_in_the_readers_language_alone(svg):
    root = parse(svg)
    boxes = {g.get("data-state"): g for g in root.iter(f"{SVG}g") if g.get("data-state")}
    assert set(boxes) == set(CaseState.values)
    for state, zh in (
        ("draft", "草稿"),
        ("submitted", "待审批"),
        ("notified", "已通知"),
        ("rectifying", "整改中"),
        ("escalated", "已移送追责"),
        ("withdrawn", "已撤销"),
    ):
        assert [t.text for t in boxes[state].iter(f"{SVG}text")] == [zh]
    with translation.override("en"):
        english = parse(str(diagram.render_svg()))
    boxes = {g.get("data-state"): g for g in english.iter(f"{SVG}g") if g.get("data-state")}
    assert [t.text for t in boxes["draft"].iter(f"{SVG}text")] == ["Draft"]
    assert [t.text for t in boxes["escalated"].iter(f"{SVG}text")] == ["Escalated"]


def test_svg_is_valid_xml_with_a_title_and_description(svg):
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "廉政约谈案件的办理流程：状态与环节"
    assert desc.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]


def test_english_readers_get_english_transition_labels():
    with translation.override("en"):
        svg = str(diagram.render_svg())
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "How a talk case proceeds: states and transitions"
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "wf-label"]
    assert "Submit for consent" in labels
    assert "Escalate" in labels


def test_a_state_without_a_place_still_gets_a_box(monkeypatch):
    places = dict(diagram.PLACES)
    del places[CaseState.ESCALATED]
    monkeypatch.setattr(diagram, "PLACES", places)
    assert diagram._places()[CaseState.ESCALATED] == (3, 0)
    svg = diagram._render.__wrapped__("test", "zh-hans")
    drawn = {
        (g.get("data-source"), g.get("data-target"), g.get("data-transition"))
        for g in edges(parse(svg))
    }
    assert drawn == fsm_transitions()


@pytest.mark.parametrize(
    ("codes", "compact"),
    [
        (["R6.1"], "R6.1"),
        (["R6.1", "R6.2", "R6.3", "R7.1"], "R6.1–6.3 R7.1"),
        (["R12.1", "R4.2", "R4.6", "R4.3"], "R4.2–4.3 R4.6 R12.1"),
        ([], ""),
    ],
)
def test_compact_codes(codes, compact):
    assert diagram.compact_codes(codes) == compact


def test_transition_rows_group_the_sources_of_one_transition():
    rows = {row.name: row for row in diagram.transition_rows()}
    assert set(rows["withdraw"].sources) == {
        "draft",
        "submitted",
        "approved",
        "declined",
        "notified",
        "postponement_requested",
        "absent",
    }
    assert rows["escalate"].target == "escalated"
    assert list(rows)[:3] == ["submit", "consent", "decline"], "in the order the model declares"

"""The case workflow drawn from the state machine itself.

The edges are read from the workflow's steps (lianzheng.workflow.steps) and the rules that guard
them, so a step added there appears in the diagram with the rule codes that guard it, and nobody
redraws a picture by hand. Steps that leave the state as it is (an approval recorded on the
case) draw no arrow. Only the places of the boxes and the course of
a few arrows are chosen here; a state or transition this module does not know still gets a box
(in a lane of its own) and a plain arrow. Pure Python, so no Graphviz binary is needed on the
server.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from lianzheng.choices import FINAL_STATES, CaseState, Transition
from lianzheng.rules import rules_for
from lianzheng.workflow.steps import STEPS

# The ordinary path runs down the middle; the others stand beside the step they leave from.
ORDINARY_PATH = (
    CaseState.DRAFT,
    CaseState.SUBMITTED,
    CaseState.APPROVED,
    CaseState.NOTIFIED,
    CaseState.HELD,
    CaseState.RECTIFYING,
    CaseState.CLOSED,
)
PLACES: dict[str, tuple[float, float]] = {
    **{state: (0, row) for row, state in enumerate(ORDINARY_PATH)},
    CaseState.DECLINED: (1, 1),
    CaseState.POSTPONEMENT_REQUESTED: (1, 3),
    CaseState.ABSENT: (1, 4),
    CaseState.WITHDRAWN: (2, 1.8),
    CaseState.ESCALATED: (2, 5),
}
# Arrows that would cross a box if drawn straight: the points (column, row) they pass through.
# Side states stand on the same side as the two exits, so few arrows cross the ordinary path.
ROUTES: dict[tuple[str, str], tuple[tuple[float, float], ...]] = {
    (CaseState.DECLINED, CaseState.DRAFT): ((1, 0.1),),
    (CaseState.POSTPONEMENT_REQUESTED, CaseState.APPROVED): ((0.9, 2.22),),
    (CaseState.NOTIFIED, CaseState.POSTPONEMENT_REQUESTED): ((0.5, 2.9),),
    (CaseState.POSTPONEMENT_REQUESTED, CaseState.NOTIFIED): ((0.5, 3.04),),
    (CaseState.NOTIFIED, CaseState.ABSENT): ((0.5, 3.15), (0.5, 4)),
    (CaseState.ABSENT, CaseState.APPROVED): ((1.42, 3.72), (1.42, 2.05)),
    (CaseState.HELD, CaseState.CLOSED): ((-0.4, 4), (-0.4, 6)),
    (CaseState.DRAFT, CaseState.WITHDRAWN): ((1.55, -0.15), (1.55, 1.8)),
    (CaseState.SUBMITTED, CaseState.WITHDRAWN): (
        (0.5, 1.18),
        (0.5, 1.45),
        (1.55, 1.45),
        (1.55, 1.8),
    ),
    (CaseState.DECLINED, CaseState.WITHDRAWN): ((1.55, 1), (1.55, 1.8)),
    (CaseState.APPROVED, CaseState.WITHDRAWN): ((1, 1.8),),
    (CaseState.NOTIFIED, CaseState.WITHDRAWN): (
        (0.55, 2.78),
        (0.55, 2.5),
        (1.55, 2.5),
        (1.55, 1.8),
    ),
    (CaseState.POSTPONEMENT_REQUESTED, CaseState.WITHDRAWN): ((1.55, 3), (1.55, 1.8)),
    (CaseState.ABSENT, CaseState.WITHDRAWN): ((1.55, 3.86), (1.55, 1.8)),
    (CaseState.ABSENT, CaseState.ESCALATED): ((1, 5),),
    (CaseState.HELD, CaseState.ESCALATED): ((0.42, 4.15), (0.42, 4.6), (1, 4.6), (1, 5)),
    (CaseState.NOTIFIED, CaseState.ESCALATED): ((0.42, 3.25), (0.42, 4.6), (1, 4.6), (1, 5)),
    (CaseState.RECTIFYING, CaseState.ESCALATED): ((1, 5),),
}
# Where a label goes when the middle of the longest leg is taken: "left" of a vertical leg, or
# "below" a horizontal one.
LABEL_SIDES: dict[tuple[str, str], str] = {
    (CaseState.HELD, CaseState.CLOSED): "left",
    (CaseState.POSTPONEMENT_REQUESTED, CaseState.NOTIFIED): "below",
    (CaseState.POSTPONEMENT_REQUESTED, CaseState.APPROVED): "below",
}
# Exits from many states: drawn in their own colour and labelled once, at the target.
EXIT_TRANSITIONS = frozenset({Transition.WITHDRAW, Transition.ESCALATE})

COLUMN_WIDTH = 340
ROW_HEIGHT = 116
BOX_WIDTH = 184
BOX_HEIGHT = 56
MARGIN_X = 150
MARGIN_TOP = 50
MARGIN_BOTTOM = 40
LABEL_GAP = 7


@dataclass(frozen=True)
class Edge:
    """One arrow: a transition from one source state to its target."""

    name: str
    source: str
    target: str
    rule_codes: tuple[str, ...]


@dataclass(frozen=True)
class TransitionRow:
    """A transition with all its sources, for the table that reads out the diagram."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    rule_codes: tuple[str, ...]

    @property
    def source_labels(self) -> list[str]:
        return [CaseState(s).label for s in self.sources]

    @property
    def target_label(self) -> str:
        return CaseState(self.target).label


@functools.cache
def workflow_edges() -> tuple[Edge, ...]:
    """Every (step, source, target) that moves a case, in the steps' order."""
    edges: list[Edge] = []
    for step in STEPS:
        if step.target is None:
            continue
        codes = tuple(r.code for r in rules_for(step.name))
        edges += [Edge(step.name, source, step.target, codes) for source in step.sources]
    return tuple(edges)


def transition_rows() -> list[TransitionRow]:
    """The edges grouped per transition, with the label declared on the model."""
    rows: dict[tuple[str, str], list[Edge]] = {}
    for edge in workflow_edges():
        rows.setdefault((edge.name, edge.target), []).append(edge)
    return [
        TransitionRow(
            name=name,
            label=transition_label(name),
            sources=tuple(e.source for e in edges),
            target=target,
            rule_codes=edges[0].rule_codes,
        )
        for (name, target), edges in rows.items()
    ]


def transition_label(name: str, language: str | None = None) -> str:
    label = Transition(name).label
    if language is None:
        return str(label)
    with translation.override(language):
        return str(label)


def _without_chinese_gloss(text: str) -> str:
    """The English half of a bilingual label: "Draft (草稿)" -> "Draft"."""
    return re.sub(r"\s*[(（][^)）]*[\u4e00-\u9fff][^)）]*[)）]\s*$", "", text)


def state_labels(state: str) -> tuple[str, str]:
    """(Chinese, English) for a state, both from the catalogue of CaseState's labels."""
    try:
        label = CaseState(state).label
    except ValueError:
        return state, state
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = _without_chinese_gloss(str(label))
    return zh, en


def compact_codes(codes) -> str:
    """R6.1 R6.2 R6.3 R7.1 -> "R6.1–6.3 R7.1": runs within one article are shortened."""
    parts: list[str] = []
    run: list[tuple[int, int]] = []

    def flush():
        if not run:
            return
        (a, first), (_, last) = run[0], run[-1]
        parts.append(f"R{a}.{first}" if first == last else f"R{a}.{first}–{a}.{last}")
        run.clear()

    for code in sorted(codes, key=_code_key):
        article, number = _code_key(code)
        if run and (run[-1][0] != article or run[-1][1] + 1 != number):
            flush()
        run.append((article, number))
    flush()
    return " ".join(parts)


def _wrap(codes: str, per_line: int) -> list[str]:
    words = codes.split()
    return [" ".join(words[i : i + per_line]) for i in range(0, len(words), per_line)]


def _code_key(code: str) -> tuple[int, int]:
    article, number = code.removeprefix("R").split(".")
    return int(article), int(number)


# -- geometry ----------------------------------------------------------------------------------


def _places() -> dict[str, tuple[float, float]]:
    """Known states where PLACES puts them; any other state in a lane of its own, on the right."""
    places = {}
    extra = 0
    for state in CaseState.values:
        if state in PLACES:
            places[state] = PLACES[state]
        else:
            places[state] = (3, extra)
            extra += 1
    return places


def _px(point: tuple[float, float]) -> tuple[float, float]:
    col, row = point
    return (
        MARGIN_X + BOX_WIDTH / 2 + col * COLUMN_WIDTH,
        MARGIN_TOP + BOX_HEIGHT / 2 + row * ROW_HEIGHT,
    )


def _border(center, toward) -> tuple[float, float]:
    """Where the line from a box's centre toward a point leaves the box."""
    (cx, cy), (tx, ty) = center, toward
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (BOX_WIDTH / 2) / abs(dx) if dx else float("inf"),
        (BOX_HEIGHT / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


def _edge_points(edge: Edge, places, pairs) -> list[tuple[float, float]]:
    source, target = _px(places[edge.source]), _px(places[edge.target])
    via = [_px(p) for p in ROUTES.get((edge.source, edge.target), ())]
    if via:
        # A routed arrow runs square: out of the side facing its first point, into the side
        # facing its last.
        return [*_attach(source, via[0]), *via, *reversed(_attach(target, via[-1]))]
    if (edge.target, edge.source) in pairs:
        # Two arrows between the same boxes, one each way: side by side, not on top.
        shift = 8 if edge.source < edge.target else -8
        horizontal = abs(source[1] - target[1]) < 1
        dx, dy = (0, shift) if horizontal else (shift, 0)
        source, target = (source[0] + dx, source[1] + dy), (target[0] + dx, target[1] + dy)
    return [_border(source, target), _border(target, source)]


def _attach(center, toward) -> list[tuple[float, float]]:
    """The points from a box's side to ``toward`` along horizontal and vertical legs only."""
    (cx, cy), (tx, ty) = center, toward
    half_w, half_h = BOX_WIDTH / 2, BOX_HEIGHT / 2
    if abs(ty - cy) <= half_h and abs(tx - cx) > half_w:
        return [(cx + (half_w if tx > cx else -half_w), ty)]
    if abs(tx - cx) <= half_w and abs(ty - cy) > half_h:
        return [(tx, cy + (half_h if ty > cy else -half_h))]
    side = cx + (half_w if tx > cx else -half_w)
    return [(side, cy), (tx, cy)]


def _path(points) -> str:
    head, *rest = points
    return f"M{head[0]:.1f},{head[1]:.1f} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in rest)


def _collinear(a, b, c) -> bool:
    return (a[0] == b[0] == c[0]) or (a[1] == b[1] == c[1])


def _length(leg) -> float:
    (x1, y1), (x2, y2) = leg
    return abs(x2 - x1) + abs(y2 - y1)


def _label_anchor(points, side: str = "", lines: int = 2) -> tuple[float, float, str]:
    """Beside the middle of the longest leg: right of a vertical leg, above a horizontal one,
    unless LABEL_SIDES says otherwise. Returns the top of the label block."""
    runs = [points[0]]
    for point in points[1:]:
        # A straight run through several points counts as one leg.
        if len(runs) >= 2 and _collinear(runs[-2], runs[-1], point):
            runs[-1] = point
        else:
            runs.append(point)
    legs = list(pairwise(runs))
    (x1, y1), (x2, y2) = max(legs, key=_length)
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    block = 14 * lines
    if abs(x2 - x1) < abs(y2 - y1):
        if side == "left":
            return mx - LABEL_GAP, my - block / 2, "end"
        return mx + LABEL_GAP, my - block / 2, "start"
    if side == "below":
        return mx, my + 3, "middle"
    return mx, my - 3 - block, "middle"


# -- SVG ---------------------------------------------------------------------------------------

FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif"


def _text(x, y, text, cls, anchor="middle", lang="zh-Hans") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}" lang="{lang}">'
        f"{escape(text)}</text>"
    )


def render_svg(id_prefix: str = "workflow") -> SafeString:
    """The diagram as inline SVG: a <title> and <desc> for assistive technology, one group per
    state and one per arrow, each carrying its state or transition in data attributes."""
    return mark_safe(_render(id_prefix, translation.get_language() or "zh-hans"))


@functools.lru_cache(maxsize=8)
def _render(id_prefix: str, language: str) -> str:
    places = _places()
    edges = workflow_edges()
    pairs = {(e.source, e.target) for e in edges}
    cols = max(c for c, _ in places.values()) + 1
    rows = max(r for _, r in places.values()) + 1
    width = MARGIN_X + BOX_WIDTH + (cols - 1) * COLUMN_WIDTH + 40
    height = MARGIN_TOP + BOX_HEIGHT + (rows - 1) * ROW_HEIGHT + MARGIN_BOTTOM
    title_id, desc_id, arrow_id = f"{id_prefix}-title", f"{id_prefix}-desc", f"{id_prefix}-arrow"
    with translation.override(language):
        title = str(_("How a talk case proceeds: states and transitions"))
        description = str(
            _(
                "Generated from the system's state machine. The ordinary path runs from draft "
                "to closed down the middle; each arrow is a transition, labelled with the rules "
                "that are checked before it is taken."
            )
        )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" class="workflow-diagram" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{FONT}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        "<defs>"
        f'<marker id="{arrow_id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="context-stroke"/></marker></defs>',
    ]
    paths, labels = [], []
    labelled: set[tuple[str, str]] = set()
    for edge in edges:
        points = _edge_points(edge, places, pairs)
        exit_ = edge.name in EXIT_TRANSITIONS
        label = _without_chinese_gloss(transition_label(edge.name, language))
        codes = compact_codes(edge.rule_codes)
        with translation.override(language):
            tooltip = str(
                _("%(transition)s: from %(source)s to %(target)s")
                % {
                    "transition": label,
                    "source": CaseState(edge.source).label,
                    "target": CaseState(edge.target).label,
                }
            )
        if codes:
            tooltip += f" ({codes})"
        rules_attr = quoteattr(" ".join(edge.rule_codes))
        data = (
            f"data-transition={quoteattr(edge.name)} data-source={quoteattr(edge.source)} "
            f"data-target={quoteattr(edge.target)} data-rules={rules_attr}"
        )
        paths.append(
            f'<g class="wf-edge{" wf-exit" if exit_ else ""}" {data}>'
            f"<title>{escape(tooltip)}</title>"
            f'<path d="{_path(points)}" marker-end="url(#{arrow_id})"/></g>'
        )
        if exit_ and (edge.name, edge.target) in labelled:
            continue
        labelled.add((edge.name, edge.target))
        code_lines = _wrap(codes, 3)
        if exit_:
            # Labelled once, under the box all its arrows end at.
            x, y, anchor = _exit_label_place(edge.target, places)
        else:
            side = LABEL_SIDES.get((edge.source, edge.target), "")
            x, y, anchor = _label_anchor(points, side, 1 + len(code_lines))
        lang = "en" if language.startswith("en") else "zh-Hans"
        # Drawn after every arrow, so no arrow runs across a label.
        labels.append(
            f'<g class="wf-edge-label" {data}>'
            + _text(x, y + 12, label, "wf-label", anchor, lang=lang)
            + "".join(
                _text(x, y + 12 + 13 * n, line, "wf-codes", anchor, lang="en")
                for n, line in enumerate(code_lines, start=1)
            )
            + "</g>"
        )
    out += paths
    out += labels
    for state in CaseState.values:
        x, y = _px(places[state])
        zh, en = state_labels(state)
        chinese = language.lower().startswith("zh")
        classes = ["wf-box"]
        if state in ORDINARY_PATH:
            classes.append("wf-ordinary")
        if state in FINAL_STATES:
            classes.append("wf-final")
        out.append(
            f'<g class="{" ".join(classes)}" data-state={quoteattr(state)}>'
            f'<rect x="{x - BOX_WIDTH / 2:.1f}" y="{y - BOX_HEIGHT / 2:.1f}" width="{BOX_WIDTH}" '
            f'height="{BOX_HEIGHT}" rx="6"/>'
            # One language per reader (#17): the state's name in his language alone.
            + (_text(x, y + 5, zh, "wf-zh") if chinese else _text(x, y + 5, en, "wf-en", lang="en"))
            + "</g>"
        )
    out.append("</svg>")
    return "".join(out)


def _exit_label_place(target: str, places) -> tuple[float, float, str]:
    x, y = _px(places[target])
    return x, y + BOX_HEIGHT / 2 + 4, "middle"

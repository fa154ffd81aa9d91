"""Headless Chromium (Debian's package) driven by Playwright, against Django's live server.

Playwright's own browser download is not used: the project installs Debian's chromium, and a
missing browser skips here, which CI counts as a failure (see tests/conftest.py).
"""

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
    # one unless told that this single-threaded test use is safe. Only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    # Leave the admin before the database is flushed: its editing-session pings and the
    # release sent on unload must not reach the server while the test's data is torn down.
    page.goto("about:blank")
    page.wait_for_timeout(300)
    context.close()


@pytest.fixture
def screenshot(page, request):
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(name: str, **kwargs) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), **kwargs)
        return path

    return _shot


# The accessibility check. axe-core comes from the PyPI package axe-playwright-python, pinned in
# requirements.lock: its wheel bundles Deque's axe.min.js (MPL-2.0), so `make install` brings a
# known engine with pip alone (no node, no vendored copy to keep up to date by hand), and a
# version bump is one line in the lock. The engine's version is in every report.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def axe_report(results: dict) -> str:
    """Every violation, any impact, with the elements it was found on and what to fix; then
    what axe could not decide and leaves to a person to check."""
    lines = []
    found = [("", v) for v in results["violations"]]
    found += [("needs review, ", v) for v in results.get("incomplete", [])]
    for kind, violation in found:
        lines.append(
            f"[{kind}{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def _set_aside(page, violation: dict, exclusions) -> tuple[list, list]:
    """The violation's nodes split into (still blocking, set aside by an exclusion).

    An exclusion names markup the project does not write (Wagtail's own chrome) and cannot
    change from its templates: ``rule`` (an axe rule id), ``selector`` (CSS the offending
    element itself must match) and ``why``. Only that rule on elements matching that selector
    is set aside; the same rule anywhere else, and every other rule on that element, still
    fail the check."""
    mine = [e for e in exclusions if e.rule == violation["id"]]
    keep, aside = [], []
    for node in violation["nodes"]:
        target = node["target"]
        matched = None
        if mine and len(target) == 1 and isinstance(target[0], str):
            element = page.locator(target[0])
            if element.count() == 1:
                matched = next(
                    (
                        e
                        for e in mine
                        if element.evaluate("(el, selector) => el.matches(selector)", e.selector)
                    ),
                    None,
                )
        (aside if matched else keep).append((node, matched))
    return [n for n, _ in keep], [{"node": n["target"], "why": e.why} for n, e in aside]


@pytest.fixture
def axe(request):
    """``axe(page, name, not_ours=())``: run axe-core on the page as it stands, keep the full
    results in test-artifacts/, and fail on any serious or critical violation, listing all of
    them. ``not_ours``: exclusions for Wagtail's own markup (see _set_aside), kept and marked
    in the artifacts."""
    import json

    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def check(page, name: str, not_ours=()) -> dict:
        results = engine.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": AXE_TAGS},
                "resultTypes": ["violations", "incomplete"],
            },
        ).response
        set_aside = []
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING and not_ours:
                violation["nodes"], aside = _set_aside(page, violation, not_ours)
                set_aside += [{"rule": violation["id"], **a} for a in aside]
        results["violations"] = [v for v in results["violations"] if v["nodes"]]
        ARTIFACTS.mkdir(exist_ok=True)
        # For a developer: what failed, what axe could not decide and left to a person
        # ("incomplete": e.g. contrast over a background image), which rules passed, and what
        # was set aside as Wagtail's.
        summary = {
            "url": page.url,
            "engine": results["testEngine"]["version"],
            "tags": AXE_TAGS,
            "violations": results["violations"],
            "incomplete": results["incomplete"],
            "set_aside_as_wagtails": set_aside,
            "passed": [rule["id"] for rule in results["passes"]],
        }
        (ARTIFACTS / f"{request.node.name}-axe-{name}.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1)
        )
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
        assert not blocking, (
            f"axe-core {results['testEngine']['version']} on {name} ({page.url}): "
            f"{len(blocking)} serious or critical rule(s) violated.\n{axe_report(results)}"
        )
        return results

    return check

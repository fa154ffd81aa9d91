"""One language per user (#17): a crawl of the admin as each role, in Chinese and in English.

Signed in with the interface in 简体中文, every page a role reaches — the dashboard, the listings,
each case page in every state, the forms of every step the case's state leaves from, the audit
views, the account pages and Wagtail's own screens — is read the way a person reads it: the text,
the page title, placeholders, tooltips (``title``) and ``aria-label``s, and the labels of the
sidebar menu (which Wagtail draws from a JSON script). Any run of three or more Latin letters
fails the crawl, except the names of file formats, SHA-256, the product name Wagtail and data
a user typed. The same crawl in English fails on Chinese outside the data and the regulation's
own text.

The pages come from the access table (``test_access_table.TABLE``: every URL of the add-on with
who may open it), so a new view is crawled as soon as it is placed in the permission design.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from lianzheng.choices import CaseState
from lianzheng.workflow.steps import STEPS
from tests.lianzheng.test_access_table import (
    AUDITOR,
    CLERK,
    DISCIPLINE,
    EDITOR,
    NO_GROUP,
    PAGE,
    PRINCIPAL,
    SUPERUSER,
    TABLE,
    build_world,
    observed,
)

pytestmark = pytest.mark.django_db

ROLES = (CLERK, PRINCIPAL, DISCIPLINE, AUDITOR, EDITOR, SUPERUSER)
FIXTURE_NAMES = {
    AUDITOR: "审计员甲",
    EDITOR: "编辑员乙",
    SUPERUSER: "管理员丙",
    NO_GROUP: "无组用户丁",
}

# The exceptions the issue names: file formats (as names or extensions: 「台账.pdf」), the hash's
# name and the product's. A SHA-256 value itself (hexadecimal) is the hash, not words.
FILE_FORMATS = frozenset({"pdf", "csv", "xlsx", "ics", "ofd", "word", "excel", "zip", "json"})
LATIN_ALLOWED = frozenset({"SHA", "Wagtail"})
LATIN_RUN = re.compile(r"[A-Za-z]{3,}")
HEX_DIGEST = re.compile(r"\b[0-9a-f]{16,}\b")
# A language's own name in the language choice is written in that language (English, 简体中文).
OWN_NAMES = frozenset(name for _code, name in settings.LANGUAGES)
# Han characters (and the compatibility block): Chinese punctuation alone is no language.
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# A command to type (<code>, <kbd>) is not prose in either language.
HIDDEN_ELEMENTS = {"script", "style", "template", "code", "kbd"}
# Wagtail 7 draws the sidebar from JSON props; these keys are what it shows (and the account's
# name, under the key "name" beside its picture).
SIDEBAR_KEYS = {"label", "placeholder", "footer_text"}


class Reader(HTMLParser):
    """What a person reads on a page: text and the shown attributes, not markup or code."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self._hidden = 0
        self._json_script = False
        self._json: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
            if tag == "script" and attrs.get("id") == "wagtail-sidebar-props":
                self._json_script = True
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.shown.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.shown.append(attrs["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN_ELEMENTS:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1
            if tag == "script" and self._json_script:
                self._json_script = False
                self.shown += sidebar_labels(json.loads("".join(self._json)))
                self._json = []

    def handle_data(self, data):
        if self._json_script:
            self._json.append(data)
        elif not self._hidden and data.strip():
            self.shown.append(data)


def sidebar_labels(props) -> list[str]:
    found = []
    if isinstance(props, dict):
        if "avatarUrl" in props:
            found.append(props["name"])
        for key, value in props.items():
            if key in SIDEBAR_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found += sidebar_labels(value)
    elif isinstance(props, list):
        for value in props:
            found += sidebar_labels(value)
    return found


def shown_text(html: str) -> list[str]:
    reader = Reader()
    reader.feed(html)
    reader.close()
    return reader.shown


# Where a login is itself the data: Wagtail's list of logins, and the person form's choice of
# the login to link (its "login" field).
LOGINS_SHOWN = (
    "users",
    "wagtailsnippets_lianzheng_person:add",
    "wagtailsnippets_lianzheng_person:edit",
)


def typed_data() -> str:
    """Everything people typed or imported: every text of every row of the add-on, of pages
    (the regulation's own text) and of users' names, one value a line."""
    from django.apps import apps
    from django.db import models

    values = []
    for model in apps.get_models():
        if model._meta.app_label not in {"lianzheng", "wagtailcore", "auth", "home"}:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.name != "username"  # a login is no name to show (but see LOGINS_SHOWN)
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            or f.get_internal_type() in {"StreamField", "RichTextField", "JSONField"}
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if isinstance(value, str):
                    values.append(value)
                elif value:
                    raw = getattr(value, "raw_data", value)  # a StreamField's blocks
                    values.append(
                        json.dumps(
                            list(raw) if raw is not value else raw, ensure_ascii=False, default=str
                        )
                    )
    from lianzheng.rules.table import RULES

    values += [rule.quote for rule in RULES.values()]
    return "\n".join(values)


# The key an authenticator app is given to type in (base32, in groups of four), and the shown
# start of an API consumer's token (lzk_…): keys the machine made, data.
TOTP_KEY = re.compile(r"\b(?:[A-Z2-7]{4} ){3,}[A-Z2-7]{4}\b|\blzk_[A-Za-z0-9_-]+…?")


def foreign_runs(
    texts: list[str],
    language: str,
    data: str,
    values: frozenset[str] = frozenset(),
    logins: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """(run, the text it is in) for every run of the other language. In Chinese, a text that is
    one whole typed value (a unit's code) is data, and so are ``logins`` where they are shown."""
    runs = []
    for text in texts:
        if text.strip() in values:
            continue
        text = TOTP_KEY.sub("", text)
        for login in logins:
            text = re.sub(rf"(?<![\w-]){re.escape(login)}(?![\w-])", "", text)
        if language == "en":
            found = [r for r in HAN_RUN.findall(text) if r not in OWN_NAMES and r not in data]
        else:
            found = [
                r
                for r in LATIN_RUN.findall(HEX_DIGEST.sub("", text))
                if r not in LATIN_ALLOWED and r.lower() not in FILE_FORMATS and r not in OWN_NAMES
            ]
        runs += [(run, " ".join(text.split())[:160]) for run in found]
    return runs


# Pages whose content depends on who reads them (the menu, the next steps and their refusals,
# what the listing offers): read as every role. Every other page is read once, as the first
# role that may open it, so that the crawl of both languages stays well under a minute each.
READ_BY_EVERY_ROLE = {
    "wagtailadmin_home",
    "wagtailadmin_account",
    "wagtailsnippets_lianzheng_talkcase:inspect",
    "wagtailsnippets_lianzheng_talkcase:list",
}


def pages_for(world, who: str, seen: set[str]) -> list[tuple[str, str]]:
    """(where, url) of the pages ``who`` may open that the crawl has not read yet: the access
    table's HTML pages, the forms of the steps a case's state leaves from, the dashboard, the
    account and Wagtail's own pages."""
    from lianzheng.models import RegulationPage

    leaves = {step.name: set(step.sources) for step in STEPS}
    pages = []

    def add(where, name, url):
        key = url if name not in READ_BY_EVERY_ROLE else f"{who} {url}"
        if key not in seen:
            seen.add(key)
            pages.append((where, url))

    def wagtail(where, name, *args):
        add(where, name, reverse(name, args=args))

    wagtail("dashboard", "wagtailadmin_home")
    wagtail("account", "wagtailadmin_account")
    regulation = RegulationPage.objects.first()
    if who in (EDITOR, SUPERUSER):
        wagtail("regulation's pages", "wagtailadmin_explore", regulation.get_parent().pk)
        wagtail("regulation edit", "wagtailadmin_pages:edit", regulation.pk)
        wagtail("regulation history", "wagtailadmin_pages:history", regulation.pk)
        wagtail("workflows in progress", "wagtailadmin_reports:workflow")
    if who == SUPERUSER:
        wagtail("workflows", "wagtailadmin_workflows:index")
        wagtail("workflow tasks", "wagtailadmin_workflows:task_index")
        wagtail("users", "wagtailusers_users:index")
        wagtail("groups", "wagtailusers_groups:index")
        wagtail("site history", "wagtailadmin_reports:site_history")
    for row in TABLE:
        if row.answer != PAGE or row.name.endswith("_results") or "2fa_verify" in row.name:
            continue
        if "snippetchoosers" in row.name:
            continue
        cases = world.cases.items() if row.per_case else [(None, None)]
        for state, case in cases:
            if who not in row.allowed(state):
                continue
            if row.label in leaves and state not in leaves[row.label]:
                continue  # a step's form is for the states it leaves from
            args = row.args(world, case)
            if args is None:
                continue
            add(f"{row.key} [{state or '-'}]", row.name, reverse(row.name, args=args) + row.query)
    return pages


def crawl(client, world, language: str):
    """The runs of the other language on every page, by page; and the pages that failed."""
    from wagtail.users.models import UserProfile

    client.raise_request_exception = False
    for who, name in FIXTURE_NAMES.items():  # a login is named in the user form; these too
        world.users[who].first_name = name
        world.users[who].save()
    data = typed_data()
    values = frozenset(line.strip() for line in data.splitlines() if line.strip())
    logins = frozenset(get_user_model().objects.values_list("username", flat=True))
    found: dict[str, list[str]] = {}
    problems, seen, read = [], set(), 0
    for who in ROLES:
        user = world.users[who]
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
        client.force_login(user)
        for where, url in pages_for(world, who, seen):
            response = client.get(url)
            read += 1
            if observed(response) != PAGE:
                problems.append(f"{where} {url} as {who}: {observed(response)}")
                continue
            shown = logins if where.startswith(LOGINS_SHOWN) else frozenset()
            texts = shown_text(response.content.decode())
            runs = foreign_runs(texts, language, data, values, shown)
            if runs:
                found[f"{where} {url} as {who}"] = runs
    return found, problems, read


def report(found: dict[str, list[tuple[str, str]]]) -> str:
    counts = Counter(run for runs in found.values() for run, _ in runs)
    texts = Counter(text for runs in found.values() for text in dict(runs).values())
    first_page = {}
    for where, runs in found.items():
        for _run, text in runs:
            first_page.setdefault(text, where)
    pages = Counter(where.split(" ")[0] for where in found)
    lines = [f"{sum(counts.values())} runs on {len(found)} pages; most frequent:"]
    lines += [f"  {n:5} {run}" for run, n in counts.most_common(40)]
    lines += ["in these texts:"] + [
        f"  {n:5} {text}    [{first_page[text]}]" for text, n in texts.most_common()
    ]
    lines += ["on these pages:"] + [f"  {n:5} {name}" for name, n in pages.most_common()]
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_speaks_the_users_language(client, cast, language):
    world = build_world(cast)
    assert set(world.cases) == set(CaseState)
    found, problems, read = crawl(client, world, language)
    print(f"{language}: {read} pages read; {report(found)}")
    assert read > 200
    assert problems == []
    assert found == {}, report(found)

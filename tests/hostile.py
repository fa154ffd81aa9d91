"""Bad input for the admin's forms: hostile strings, impossible dates, wild numbers and ids, and
the checks every answer must pass (no 500; a refusal names the field and changes nothing; an
acceptance shows what was typed).

Values are posted as a browser would send them, as bytes: a lone surrogate cannot be UTF-8, so
it goes out as the bytes a careless client would produce (``surrogatepass``) and the server must
cope with what arrives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from bs4 import BeautifulSoup
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# -- what was tried: reported at the end of the run (tests/conftest.py) ----------------------

TRIED: Counter = Counter()
ACCEPTED: Counter = Counter()

# -- the strings -----------------------------------------------------------------------------

MEGABYTE = "廉" * 350_000  # 1 MB and more in UTF-8
SCRIPT = "<script>alert('lz')</script>"
HOSTILE_TEXT = [
    SCRIPT,
    '"><img src=x onerror="alert(1)">',
    "<b>粗</b><font color='red'>红</font>&amp;&lt;<para>段</para><br/>",
    "' OR '1'='1'; DROP TABLE lianzheng_talkcase; --",
    'x"); DELETE FROM lianzheng_person WHERE ("1"="1',
    "\x00",
    "前\x00后",
    "\ud800",
    "尾\udfff",
    "\u202e反向文字\u202c",
    "\u200b\u200c\u200d\ufeff",
    "😀🇨🇳👨‍👩‍👧 廉政",
    MEGABYTE,
    "长" * 10_001,
    "   ",
    "\t\r\n\r\n",
    "\u3000\u3000",
    '=HYPERLINK("http://example.com","x")',
    "+1-1",
    "-2+3",
    "@SUM(A1:A2)",
    "{{ 7|add:7 }}{% debug %}",
    "%s %(x)s {0}",
    "\\,;\r\n",
    "\x01\x1b[31m\x7f",
]

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=120)
TEXT = st.one_of(ANY_TEXT, st.sampled_from(HOSTILE_TEXT))

BAD_DATES = [
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    "2024-13-01",
    "31/12/2025",
    "2025年1月1日",
    "tomorrow",
    "2025-1-1",
    "99999-01-01",
    "-2025-01-01",
    "2025-06-01T10:00:00+05:00",
    "１２３",
    "\x00",
]
DATES = st.one_of(
    st.sampled_from(BAD_DATES),
    st.dates().map(lambda d: d.isoformat()),
    TEXT,
)
BAD_DATETIMES = [
    "0001-01-01 00:00",
    "9999-12-31 23:59",
    "2025-02-30 10:00",
    "2025-06-01 25:00",
    "1988-04-10 02:30",  # Beijing's clocks went from 02:00 to 03:00: this time never was
    "1988-09-11 01:30",  # and came back: this one happened twice
    "2030-06-03T10:00:00+05:00",
    "2030-06-03T02:00:00Z",
    "2030-06-03T10:00:00-11:00",
    "2030-03-10T02:30:00-05:00",
    "2030-06-03 10:00:00.999999",
    "now",
    "2030-06-03",
]
DATETIMES = st.one_of(
    st.sampled_from(BAD_DATETIMES),
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat(sep=" ")),
    TEXT,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=-5, max_value=300).map(str),
    st.sampled_from(["", "1e3", "NaN", "inf", "-0", "0x10", "1.5", "١٢", "²", "9" * 40]),
)


def ids(*known: int) -> st.SearchStrategy[str]:
    """Ids to post for a choice of a row: the ones the form offers, and every other kind."""
    return st.one_of(
        st.sampled_from([str(k) for k in known]) if known else st.nothing(),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.sampled_from(["0", "-1", "abc", "1 OR 1=1", "²", "", "9" * 30, "1.0"]),
    )


def choices(*values: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values) if values else st.nothing(), TEXT)


# -- posting ---------------------------------------------------------------------------------

MISSING = object()


@st.composite
def posted(draw, fields: dict[str, st.SearchStrategy], valid: dict[str, object]):
    """A submission: all valid; or one field bad, missing or sent twice and the rest valid; or
    anything in every field. Mostly one thing wrong at a time, so that refusals are about
    something and hostile text that is allowed is accepted, and shown."""
    mode = draw(st.sampled_from(("valid", "one", "one", "one", "any")))
    names = list(fields)
    odd = draw(st.sampled_from(names)) if names and mode == "one" else None
    data = {}
    for name, strategy in fields.items():
        good = valid.get(name, MISSING)
        if mode == "valid" or (mode == "one" and name != odd):
            how = "valid"
        else:
            how = draw(st.sampled_from(("valid", "bad", "bad", "missing", "twice")))
        if how == "missing" or (how == "valid" and good is MISSING):
            continue
        if how == "valid":
            data[name] = good
        elif how == "bad":
            data[name] = draw(strategy)
        else:
            again = good if good is not MISSING else draw(strategy)
            data[name] = [draw(strategy), *(again if isinstance(again, list) else [again])]
    return data


def as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def send(client, url: str, data: dict, *, multipart: bool, files: dict | None = None):
    """POST ``data`` as a browser would: url-encoded, or multipart (with ``files``)."""
    pairs = [(k, as_bytes(x)) for k, v in data.items() for x in (v if isinstance(v, list) else [v])]
    if multipart or files:
        boundary = "----lianzheng-hostile-boundary"
        return client.post(
            url,
            multipart_body(boundary, pairs, files or {}),
            content_type=f"multipart/form-data; boundary={boundary}",
        )
    return client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")


def multipart_body(boundary: str, pairs: list[tuple[str, bytes]], files: dict) -> bytes:
    """multipart/form-data as browsers write it, from raw bytes (Django's test client would
    take bytes for a list of numbers, and cannot send what is not UTF-8)."""
    out = []
    for name, value in pairs:
        out += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value,
        ]
    for name, upload in files.items():
        upload.seek(0)
        filename = as_bytes(upload.name).replace(b'"', b"%22")
        out += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="'.encode() + filename + b'"',
            b"Content-Type: application/octet-stream",
            b"",
            upload.read(),
        ]
    out += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(out)


def received(value) -> str:
    """What the server reads from a posted value: invalid UTF-8 becomes U+FFFD."""
    if isinstance(value, list):
        value = value[-1]
    return as_bytes(value).decode("utf-8", "replace")


# -- what must hold --------------------------------------------------------------------------


def snapshot(case=None, instance=None) -> dict:
    """The case row, its history row count and the chain head (and the row a snippet form
    edits): what a refusal must not move."""
    from lianzheng.audit.chain import chained_models
    from lianzheng.models import ConfidentialAccess, TalkCase

    # A page that shows the confidential report logs the showing, and the log joins the chain,
    # even when the form on it is refused: the head may move by those rows alone.
    shown = ConfidentialAccess.history.model
    head = max(
        m.objects.order_by("-chain_seq").values_list("chain_seq", "chain_hash").first() or (0, "")
        for m in chained_models()
        if m is not shown
    )
    state = {"head": head, "cases": TalkCase.objects.count()}
    if case is not None:
        state["case"] = TalkCase.objects.filter(pk=case.pk).values().get()
        state["history"] = case.history.count()
    if instance is not None:
        state["instance"] = type(instance).objects.filter(pk=instance.pk).values().get()
    return state


class each_example:
    """Run one example in a transaction that is rolled back, so the next starts afresh."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        self.atomic.__exit__(*exc)
        return False


def parse(html) -> BeautifulSoup:
    """A page, parsed once (a refused 1 MB entry comes back in its field: parsing is slow)."""
    return html if isinstance(html, BeautifulSoup) else BeautifulSoup(html, "html.parser")


def page_text(html) -> str:
    """What a reader sees: the text of the page without its scripts and styles (which are
    taken out of a parsed page given here: check its markup first)."""
    soup = parse(html)
    for tag in soup(["script", "style", "template"]):
        tag.extract()
    return squash(soup.get_text(" "))


def squash(text: str) -> str:
    return " ".join(text.split())


def assert_no_injected_markup(html) -> None:
    """No tag or attribute the hostile strings carry made it into the page as markup."""
    soup = parse(html)
    for script in soup.find_all("script"):
        assert "alert(" not in (script.string or ""), script
    assert not soup.find_all(attrs={"onerror": True})
    assert not soup.find_all(["para", "font"])
    assert not soup.find_all("img", src="x")


def error_summary(html) -> str:
    """The text of the refusal shown above the form (ours) or in Wagtail's message banner."""
    soup = parse(html)
    parts = soup.select(".lz-form-errors") + soup.select(".messages")
    return squash(" ".join(p.get_text(" ") for p in parts))


def assert_refusal_names_fields(response, soup) -> None:
    """Status 200, at least one error, and the summary names each field in error by its label
    (the user's language: Chinese in these tests)."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert form.errors, "refused without saying why"
    summary = error_summary(soup)
    assert summary, "no error summary above the form"
    for name in form.errors:
        if name == "__all__":
            continue
        label = squash(str(form.fields[name].label))
        assert label in summary, (label, summary, form.errors)


# -- settings -------------------------------------------------------------------------------

FORM_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Target:
    """One form, set up: who posts where, what it takes, and where the result is shown."""

    user: object
    url: str
    fields: dict[str, st.SearchStrategy]
    valid: dict[str, object]
    case: object = None
    # the text fields whose value the result page must show, given what was posted
    shown: Callable[[dict], list[str]] = lambda data: []
    shown_times: tuple[str, ...] = ()  # date-time fields the result page must show
    result_url: str = ""  # where to look after success (the redirect by default)
    files: st.SearchStrategy | None = None  # uploads to send with the form
    instance: object = None  # the row a snippet form edits
    frozen: tuple[str, ...] = ()  # the case's fields an accepted form must leave as they were

"""Chinese first: every message has a zh_Hans translation; compiled catalogues match the sources."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def test_catalogues_exist_for_the_addon_the_home_app_and_the_site():
    owners = {p.relative_to(ROOT).parts[0] for p in CATALOGUES}
    assert {"lianzheng", "home", "locale"} <= owners


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [
        e.msgid
        for e in po
        if not (e.msgstr or all(e.msgstr_plural.values() or [""])) or "fuzzy" in e.flags
    ]
    assert untranslated == []
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {e.msgid: e.msgstr for e in mo}
    assert {e.msgid: e.msgstr for e in po if not e.obsolete} == compiled


def _source_messages() -> set[str]:
    """Every literal the code marks for translation: _("…") in Python, {% trans "…" %}."""
    import ast
    import re

    found = set()
    for folder in ("lianzheng", "home", "site"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", ""))
                    in {"_", "gettext", "gettext_lazy"}
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
        for path in (ROOT / folder).rglob("*.html"):
            found |= set(re.findall(r'{%\s*trans\s+"([^"]+)"', path.read_text(encoding="utf-8")))
    for path in (ROOT / "templates").rglob("*.html"):
        found |= set(re.findall(r'{%\s*trans\s+"([^"]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_marked_message_is_in_a_chinese_catalogue():
    known = set()
    for po_path in CATALOGUES:
        known |= {e.msgid for e in polib.pofile(str(po_path)) if e.msgstr}
    assert sorted(_source_messages() - known) == []


def test_english_readers_get_no_chinese_glosses():
    """#17, one language per user: a message written "Draft (草稿)" for the Chinese catalogue's
    sake reads "Draft" in English. Chinese stays only where it is an example of what one types
    (「e.g. 阿州住建党组〔2021〕81号」) or the character itself is meant (转, extension)."""
    import re

    han = re.compile(r"[\u4e00-\u9fff]")
    po = polib.pofile(str(ROOT / "lianzheng/locale/en/LC_MESSAGES/django.po"))
    glossed = [e for e in po if not e.obsolete and han.search(e.msgid)]
    assert glossed, "the catalogue has no message with Chinese: this test tests nothing"
    untranslated = [e.msgid for e in glossed if not e.msgstr]
    assert untranslated == []
    still_chinese = [
        e.msgstr
        for e in glossed
        if han.search(re.sub(r"^e\.g\. .*|转 \(extension\)", "", e.msgstr))
    ]
    assert still_chinese == []

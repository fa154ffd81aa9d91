"""The rules table as a command prints every rule with its article, in text and JSON."""

import io
import json

from django.core.management import call_command

from lianzheng.rules import RULES


def test_rules_command_prints_the_table_as_json():
    out = io.StringIO()
    call_command("lianzheng_rules", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [row["code"] for row in rows] == list(RULES)
    r63 = next(row for row in rows if row["code"] == "R6.3")
    assert r63["article"] == "第六条第（三）项"
    assert r63["anchor"] == "article-6-3"
    assert "notify" in r63["transitions"]
    assert "提前3个工作日" in r63["quote"]


def test_rules_command_prints_text():
    out = io.StringIO()
    call_command("lianzheng_rules", stdout=out)
    text = out.getvalue()
    assert "R4.6" in text and "第四条最后一款" in text and "#article-12" in text

"""A refusal is written in the reader's language alone, citing its article and rule code (#17)."""

import re

from django.utils import translation

from lianzheng.refusals import describe, input_problem
from lianzheng.rules.table import RULES

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def refusal():
    return RULES["R6.3"].refuse(
        "书面通知须至少提前5个工作日", "notify at least 5 working days ahead"
    )


def test_a_chinese_reader_reads_chinese_with_the_article_and_the_code():
    with translation.override("zh-hans"):
        text = describe(refusal())
        assert text == "不符合第六条第（三）项：书面通知须至少提前5个工作日[R6.3]"
        assert str(refusal()) == text
    assert LATIN_WORD.findall(text) == []


def test_an_english_reader_reads_english_with_the_article_and_the_code():
    with translation.override("en"):
        text = describe(refusal())
    assert text == "Not in line with Article 6(3): notify at least 5 working days ahead[R6.3]"
    assert not HAN.search(text)


def test_a_refusal_without_a_rule_is_one_language_too():
    problem = input_problem("请填写理由", "Give a reason.")
    with translation.override("zh-hans"):
        assert describe(problem) == "请填写理由"
    with translation.override("en"):
        assert describe(problem) == "Give a reason."

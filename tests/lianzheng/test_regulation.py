"""The regulation as data: the seed is read faithfully and written back out word for word."""

import hashlib
from datetime import date

import pytest

from lianzheng.regulation import (
    SEED_PATH,
    SeedFormatError,
    article_anchor,
    chinese_number,
    load_seed,
    normalized_lines,
    parse_chinese_number,
    parse_regulation,
    regulation_lines,
)

# sha256 of ../shared/seed/000_8f7a83a029941781.txt, the issued text this add-on ships.
SEED_SHA256 = "15528c794ba76eaedc091b6a0bd61c41314573b115d517d5147f2761d61a5cbd"


def test_shipped_seed_is_the_issued_text_byte_for_byte():
    assert hashlib.sha256(SEED_PATH.read_bytes()).hexdigest() == SEED_SHA256


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (5, "五"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (99, "九十九")],
)
def test_chinese_numbers_round_trip(number, text):
    assert chinese_number(number) == text
    assert parse_chinese_number(text) == number


def test_seed_metadata():
    reg = load_seed()
    assert reg.document_number == "阿州住建党组〔2021〕81号"
    assert reg.issuing_organ == "中共阿坝州住房和城乡建设局党组"
    assert reg.issue_date == date(2021, 10, 19)
    assert reg.title == "阿坝州住房和城乡建设局廉政约谈制度（试行）"
    assert (
        reg.main_recipients == "各县（市）住建局、城市管理局、公用事业服务中心，局属各科室站局中心"
    )
    assert reg.cc_list.startswith("省纪委监委驻省住建厅纪检监察组；州纪委监委；")
    assert reg.printing_office == "阿坝州住房和城乡建设局办公室"
    assert reg.printing_date == date(2021, 10, 19)


def test_seed_structure_twelve_articles_with_their_clauses():
    reg = load_seed()
    assert [a.number for a in reg.articles] == list(range(1, 13))
    by_number = {a.number: a for a in reg.articles}
    assert by_number[3].title == "廉政约谈的对象"
    assert len(by_number[4].clauses) == 5
    assert (
        by_number[4]
        .closing[0]
        .startswith("各县（市）住建局、城市管理局、公用事业服务中心主要负责人")
    )
    assert len(by_number[5].clauses) == 11
    assert by_number[5].clauses[10].paragraphs == ("其他需要进行约谈的情形。",)
    assert len(by_number[6].clauses[1].paragraphs) == 5
    assert [len(by_number[n].clauses) for n in (7, 8)] == [4, 3]
    assert by_number[12].paragraphs == ("本制度自印发之日起试行。",)


def test_seed_written_back_matches_the_issued_text_word_for_word():
    reg = load_seed()
    assert regulation_lines(reg) == normalized_lines(SEED_PATH.read_text(encoding="utf-8"))


def test_anchors_are_stable_strings():
    assert article_anchor(6) == "article-6"
    assert article_anchor(6, 3) == "article-6-3"


def test_text_without_articles_is_refused_with_a_reason():
    text = "文号\n机关\n标题\n主送：\n正文\n机关\n2021年1月1日\n标题\n"
    with pytest.raises(SeedFormatError, match="no articles"):
        parse_regulation(text)


def test_articles_out_of_order_are_refused():
    text = "文号\n机关\n标题\n主送：\n正文\n机关\n2021年1月1日\n标题\n第一条  甲。\n第三条  乙。\n"
    with pytest.raises(SeedFormatError, match="in order"):
        parse_regulation(text)

"""The tokenizer alone (no database): what the index holds and what a query asks for."""

from lianzheng.search.text import (
    best_sentence,
    contains_all,
    highlight,
    index_tokens,
    query_terms,
    sentences,
)


def test_a_chinese_sentence_is_indexed_as_characters_and_pairs_not_one_word():
    tokens = index_tokens("书面通知约谈对象")
    assert "书面通知约谈对象" not in tokens
    assert {"书面", "面通", "通知", "约谈", "书", "象"} <= set(tokens)


def test_a_phrase_asks_for_all_its_pairs():
    assert query_terms("书面通知") == ["书面", "面通", "通知"]


def test_every_query_term_of_a_phrase_is_in_the_index_of_a_text_containing_it():
    text = "办公室一般应提前3个工作日书面通知约谈对象（必要时电话通知）"
    for query in ("书面通知", "3个工作日", "电话通知", "办", "约谈对象"):
        assert set(query_terms(query)) <= set(index_tokens(text)), query


def test_a_single_character_query_asks_for_that_character():
    assert query_terms("王") == ["王"]


def test_mixed_latin_digits_and_chinese_are_cut_at_the_script_change():
    assert query_terms("2026年约谈") == ["2026", "年约", "约谈"]
    assert index_tokens("〔2026〕12号") == ["2026", "12", "号"]


def test_full_width_letters_and_digits_are_folded_and_lower_cased():
    assert query_terms("ＡＢ１２") == ["ab12"]
    assert index_tokens("Wang Wei") == ["wang", "wei"]


def test_punctuation_alone_asks_for_nothing():
    assert query_terms("，。！？ ") == []
    assert query_terms("") == []


def test_a_passage_matches_only_with_the_phrase_as_typed():
    assert contains_all("书面通知约谈对象", "书面通知")
    assert not contains_all("书面申请，另行通知", "书面通知")
    assert contains_all("约谈一般采取个别谈话方式", "约谈 谈话")


def test_the_matching_sentence_is_chosen_and_the_match_marked():
    text = "凡需实施廉政约谈的，由约谈主体提出。办公室应书面通知约谈对象。"
    assert sentences(text) == ["凡需实施廉政约谈的，由约谈主体提出。", "办公室应书面通知约谈对象。"]
    sentence = best_sentence(text, "书面通知")
    assert sentence == "办公室应书面通知约谈对象。"
    marked = [(s.text, s.match) for s in highlight(sentence, "书面通知")]
    assert marked == [("办公室应", False), ("书面通知", True), ("约谈对象。", False)]

"""Query and document analysis (no database): normalisation, segmentation with the domain words,
synonyms, pinyin input, typo correction, highlighting."""

from __future__ import annotations

import pytest

from tongban.search.analysis import (
    Analyzer,
    Vocabulary,
    highlight,
    is_pinyin_query,
    normalize,
    pinyin_full,
    pinyin_initials,
)

WORDS = {
    "机动车驾驶证": 50,
    "驾驶证": 40,
    "机动车": 30,
    "营业执照": 60,
    "身份证": 80,
    "居民身份证": 70,
    "换领": 20,
    "社会保障卡": 30,
    "公积金": 40,
    "住房公积金": 40,
    "提取": 20,
}


@pytest.fixture(scope="module")
def cut() -> Analyzer:
    # Its own analyzer: the process's one has learnt the words of other tests' catalogs.
    a = Analyzer()
    a.set_synonyms(
        {
            "驾照": ["机动车驾驶证", "驾驶证"],
            "开饭店": ["餐饮", "食品经营许可"],
            "社保卡": ["社会保障卡"],
            "到期": ["期满", "换证"],
        }
    )
    a.set_vocabulary(Vocabulary.build(WORDS.items(), indexed=WORDS))
    return a


def test_normalize_converts_traditional_full_width_and_case():
    assert normalize("營業執照") == "营业执照"
    assert normalize("  ＡＢＣ　身份證 ") == "abc 身份证"


def test_pinyin_full_and_initials():
    assert pinyin_full("驾驶证") == "jiashizheng"
    assert pinyin_initials("驾驶证") == "jsz"
    assert is_pinyin_query("jiashizheng")
    assert not is_pinyin_query("驾照")
    assert not is_pinyin_query("a")


def test_documents_hold_the_words_inside_longer_words(cut):
    tokens = cut.index_tokens("机动车驾驶证有效期满换证")
    assert {"机动车", "驾驶证", "期满", "换证"} <= set(tokens)


def test_punctuation_never_reaches_the_index(cut):
    assert all(t.isalnum() for t in cut.index_tokens("身份证、户口簿（原件）；《条例》"))


def test_a_colloquial_word_expands_to_the_catalog_names(cut):
    plan = cut.plan("驾照到期")
    sources = [g.source for g in plan.groups]
    assert sources == ["驾照", "到期"]
    assert ("驾驶证",) in plan.groups[0].alternatives
    assert ("期满",) in plan.groups[1].alternatives


def test_question_words_and_single_characters_are_dropped(cut):
    plan = cut.plan("开饭店要什么证")
    assert [g.source for g in plan.groups] == ["开饭店"]
    assert ("食品", "经营", "许可") in plan.groups[0].alternatives


def test_traditional_query_is_analysed_as_simplified(cut):
    assert cut.plan("社会保障卡").groups == cut.plan("社會保障卡").groups
    assert cut.plan("營業執照").normalized == "营业执照"


def test_pinyin_and_initials_become_words(cut):
    plan = cut.plan("jiashizheng")
    assert plan.converted_from_pinyin
    assert plan.corrected == "驾驶证"
    assert cut.plan("jsz").corrected == "驾驶证"
    assert cut.plan("shenfenzheng huanling").corrected == "身份证 换领"


def test_one_mistyped_character_is_corrected(cut):
    assert cut.plan("营业执找").corrected == "营业执照"
    assert cut.plan("身分证换领").corrected == "身份证换领"


def test_a_common_word_is_never_taken_for_a_typo(cut):
    plan = cut.plan("第一次办身份证")
    assert plan.corrected == ""
    assert "第一次" in [g.source for g in plan.groups]


def test_a_word_no_document_holds_is_split_into_known_words(cut):
    # 公积金提取 may be one jieba word; documents hold 公积金 and 提取.
    plan = cut.plan("住房公积金提取")
    assert {"公积金", "提取"} <= {tok for g in plan.groups for alt in g.alternatives for tok in alt}


def test_an_empty_query_has_no_plan(cut):
    assert cut.plan("   ").empty
    assert cut.plan("\x00").empty


def test_highlight_marks_the_terms_and_keeps_the_text():
    parts = highlight("机动车驾驶证补领", ["驾驶证", "补领"])
    assert "".join(t for t, _m in parts) == "机动车驾驶证补领"
    assert [t for t, m in parts if m] == ["驾驶证补领"]
    assert highlight("", ["x"]) == []

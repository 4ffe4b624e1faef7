"""Segmentation: the street's place names stay whole, stop words go, synonyms merge."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.plugins.insights.segment import (
    Segmenter,
    keywords,
    segmenter_for,
    stop_words,
    synonyms,
)


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter(["荣雅园", "盛康园", "荣雅园社区", "欢畅园"])


def test_place_names_stay_one_word(seg):
    assert "荣雅园" in seg.cut("荣雅园3号楼门口的路灯坏了")
    assert "盛康园" in seg.cut("盛康园东门积水")
    # without the street's dictionary jieba splits the compound's name
    assert "荣雅园" not in Segmenter().cut("荣雅园3号楼门口的路灯坏了")


def test_category_keywords_stay_one_word(seg):
    terms = seg.cut("楼道堆物严重，还有人飞线充电，电梯停运三天了，井盖也丢了")
    for kw in ("楼道堆物", "飞线充电", "电梯停运", "井盖"):
        assert kw in terms
    assert set(keywords()) >= {"井盖", "飞线充电", "楼道堆物", "电梯停运", "高空抛物"}


def test_stop_words_dropped(seg):
    terms = seg.cut("您好，我想反映一个问题，希望小区尽快处理，谢谢")
    assert terms == []
    assert {"您好", "反映", "希望", "问题", "小区"} <= stop_words()
    assert "路灯" in seg.cut("您好，反映小区路灯问题")


def test_synonyms_merged(seg):
    assert seg.cut("电瓶车在楼道充电") .count("电动车") == 1
    assert "电瓶车" not in seg.cut("电瓶车在楼道充电")
    assert seg.counts("电瓶车和电动车都停在门口")["电动车"] == 2
    assert synonyms()["电瓶车"] == "电动车"
    assert "高空抛物" in seg.cut("楼上扔东西砸到人")


def test_numbers_and_punctuation_dropped(seg):
    terms = seg.cut("3号楼 2单元 502室！！ABC 123")
    assert terms == []


def test_street_dictionary_from_place_tree(sqlite_only):
    with sqlite_only.session() as s:
        seg = segmenter_for(s)
    assert {"荣雅园", "盛康园", "荣雅园社区"} <= set(seg.place_names)
    assert "1号楼" not in seg.place_names  # numbered buildings add nothing
    assert "盛康园" in seg.cut("盛康园有人高空抛物")


def _whole_text_terms(seg: Segmenter, text: str) -> list[str]:
    """What cutting the whole text at once with jieba gives (the memo left out)."""
    return seg._cut(text)


BLOCKY = ["荣雅园3号楼2单元402室卫生间漏水影响楼下。", "居民在网格微信群反映：", "电瓶车 在楼道充电!!",
          "abc-12 号楼", "，。、", "井盖缺失，存在安全隐患", "盛康园东门积水 3天了", "", "   "]


@given(st.lists(st.one_of(st.sampled_from(BLOCKY), st.text(max_size=12)), max_size=6))
@settings(max_examples=200, deadline=None)
def test_remembered_blocks_cut_as_the_whole_text(seg, parts):
    """Terms are remembered per block (jieba cuts each block on its own): the result
    equals cutting the whole text, on any text and however often it recurs."""
    text = "".join(parts)
    assert seg.cut(text) == _whole_text_terms(seg, text)
    assert seg.cut(text) == _whole_text_terms(seg, text)  # now from the memo

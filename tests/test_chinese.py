import json

import opencc
import pytest

from pipelines.text.chinese import KANA, ScriptConfig, ScriptConverter
from pipelines.text.language import han_count, letter_count, script_counts
from tests.conftest import SHARED, needs_shared

convert = ScriptConverter(ScriptConfig())


def test_traditional_text_is_converted_and_reported():
    assert convert("於是，我們開始學習歷史與地理。") == ("于是，我们开始学习历史与地理。", True)


@pytest.mark.parametrize("text", [
    "于是，我们开始学习历史与地理。",
    "我要的是酸豆角肉末不是蒜薹肉末，里面几乎全是蒜薹",   # 薹 alone looks Traditional; t2s keeps the phrase
    "The weather is nice today.",
    "日本語の文章です。東京は大きい都市です。",              # Japanese kanji are not Traditional Chinese
])
def test_non_traditional_text_is_untouched(text):
    assert convert(text) == (text, False)


def test_a_stray_traditional_name_in_a_long_simplified_text_is_left_alone():
    text = "这是一个很长的简体中文段落，讨论了许多不同的话题和问题。" * 5 + "《紅樓夢》"
    assert convert(text) == (text, False)


def test_source_override_picks_the_opencc_config():
    # tw2sp also converts Taiwan phrasing (軟體 -> 软件); plain t2s keeps the word (软体)
    assert convert("這個軟體很好用", "tw2sp")[0] == "这个软件很好用"
    assert convert("這個軟體很好用")[0] == "这个软体很好用"


@needs_shared
def test_agreement_with_hand_corrected_simplified_wikipedia_sentences():
    pairs = [json.loads(line) for line in open(SHARED / "data/parallel_zh_hant_hans_ud/gsd_hant_hans_pairs.jsonl", encoding="utf-8")]
    same = total = 0
    for p in pairs:
        got, _ = convert(p["hant"], "tw2s")
        if len(got) == len(p["hans"]):
            same += sum(a == b for a, b in zip(got, p["hans"]))
            total += len(p["hans"])
    assert total > 20_000
    assert same / total >= 0.993
    # and converting the Simplified side changes nothing
    t2s = opencc.OpenCC("t2s")
    assert all(convert(p["hans"])[0] == p["hans"] for p in pairs if t2s.convert(p["hans"]) == p["hans"])


def test_batch_script_counts_equal_the_per_text_regex_counts():
    texts = ["這是繁體中文的文章。", "这是简体。", "ひらがな漢字", "𠀀𠀁😀", "", "abc 國 Ж ǅ", "\ud800 lone surrogate 中"]
    letters, han, kana = script_counts(texts)
    assert letters.tolist() == [letter_count(t) for t in texts]
    assert han.tolist() == [han_count(t) for t in texts]
    assert kana.tolist() == [len(KANA.findall(t)) for t in texts]
    conv = ScriptConverter(ScriptConfig())
    assert conv.counts_many(texts) == [conv.counts(t) for t in texts]
    assert conv.many(texts, [None] * len(texts)) == [conv(t) for t in texts]

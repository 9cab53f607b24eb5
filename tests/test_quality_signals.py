import random
from collections import Counter

import pytest
import yaml

from tests.conftest import REPO

from pipelines.text import quality_signals as qs
from pipelines.text.quality_signals import (
    NGRAM_WORD_CAP,
    SIGNAL_NAMES,
    FilterFailure,
    SignalFilter,
    compute_signals,
    filters_from_rules,
    first_failure,
)

# The filters curators ship in the rules file: the code owns no thresholds.
FILTERS = filters_from_rules(yaml.safe_load((REPO / "cleaning_rules" / "pretrain.yaml").read_text(encoding="utf-8"))["quality"]["filters"])

POEM = "静夜思\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。"
POEM_2 = "登鹳雀楼\n白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
ZH_PARAGRAPH = ("北京是中华人民共和国的首都，也是全国的政治、文化和国际交往中心。"
                "这座城市有三千多年的建城史，故宫、天坛和颐和园都是世界文化遗产。"
                "每年都有很多游客来这里参观，感受古老文明与现代生活的交融。")
EN_PARAGRAPH = ("The history of the printing press is closely tied to the spread of literacy in Europe. "
                "Before Gutenberg, books were copied by hand, which made them expensive and rare. "
                "With movable type, printers could produce many copies of a text in a short time, "
                "and ideas travelled faster than ever before.")
BILINGUAL = "我昨天用 iPhone 15 Pro 拍了几张照片，效果比 Samsung Galaxy 好很多，尤其是夜景模式。"
REVIEW = "送餐很快，味道也不错，下次还会再来"


def fails(text, lang, filters=FILTERS):
    return first_failure(compute_signals(text, lang), lang, filters)


# ---------------------------------------------------------------- the signal set

@pytest.mark.parametrize("text", ["", " ", "\n\n", "a", "的", "😀😀", "𠀀𠀁 ext-B", "\ud800 lone surrogate", POEM,
                                  EN_PARAGRAPH, "#$%^&*", "x" * 10_000])
@pytest.mark.parametrize("lang", ["zh", "en", "fr", ""])
def test_every_signal_is_a_float_for_any_text(text, lang):
    s = compute_signals(text, lang)
    assert tuple(s) == SIGNAL_NAMES
    assert all(type(v) is float for v in s.values())
    assert all(v >= 0 for v in s.values())


def test_empty_text_is_all_zero():
    assert set(compute_signals("", "zh").values()) == {0.0}


# ---------------------------------------------------------------- CJK-aware words

def test_chinese_without_spaces_has_one_word_per_han_character():
    s = compute_signals("我们今天去公园散步。", "zh")
    assert s["n_words"] == 9.0
    assert s["mean_word_len"] == 1.0
    assert s["n_chars"] == 10.0


def test_mixed_text_counts_latin_and_digit_runs_as_words():
    s = compute_signals("我用iPhone 15拍照", "zh")
    assert s["n_words"] == 6.0                       # 我 用 iPhone 15 拍 照
    assert s["mean_word_len"] == pytest.approx((4 + 6 + 2) / 6)


def test_han_characters_are_letters_not_symbols():
    s = compute_signals(ZH_PARAGRAPH, "zh")
    assert s["symbol_ratio"] == 0.0
    assert s["non_language_ratio"] == 0.0
    assert s["cjk_ratio"] > 0.8
    assert s["digit_ratio"] == 0.0
    assert fails(ZH_PARAGRAPH, "zh") is None


def test_symbols_digits_and_whitespace_ratios():
    s = compute_signals("a#b 12", "en")
    assert s["symbol_ratio"] == pytest.approx(1 / 6)
    assert s["digit_ratio"] == pytest.approx(2 / 6)
    assert s["whitespace_ratio"] == pytest.approx(1 / 6)
    # common punctuation, ASCII and Chinese, is not a symbol; # $ % ... and emoji are
    assert compute_signals("你好，世界！“引号”（括号）《书名》…—,.;:!?'\"()-/", "zh")["symbol_ratio"] == 0.0
    assert compute_signals("#$%^&*|~<>{}[]=+_@\\😀", "zh")["symbol_ratio"] == 1.0


def test_non_language_ratio_lets_bilingual_text_pass_but_sees_the_wrong_script():
    s = compute_signals(BILINGUAL, "zh")
    assert s["non_language_ratio"] == 0.0
    assert fails(BILINGUAL, "zh") is None
    assert compute_signals("Café naïve, São Paulo and Dvořák", "en")["non_language_ratio"] == 0.0
    assert compute_signals("これはテストです", "zh")["non_language_ratio"] > 0.5     # kana in "zh"
    assert compute_signals("这是中文", "en")["non_language_ratio"] == 1.0
    assert fails("这是一段被标成英文的中文文本，内容完全是中文的。", "en").filter_id == "wrong_script"


def test_stop_words_english_words_and_chinese_characters():
    assert compute_signals("The cat and THE dog", "en")["stopword_count"] == 3.0
    assert compute_signals("theory thematic", "en")["stopword_count"] == 0.0    # whole words only
    assert compute_signals("我的书是新的", "zh")["stopword_count"] == 4.0         # 我 的 是 的
    assert compute_signals("我的书 is the best", "fr")["stopword_count"] == 4.0  # other languages: both lists


# ---------------------------------------------------------------- lines

def test_repeated_lines_give_a_high_duplicate_line_fraction_and_fail():
    text = "\n".join(["配菜变成包菜，差评！"] * 20)
    s = compute_signals(text, "zh")
    assert s["dup_line_frac"] == pytest.approx(19 / 20)
    assert s["dup_line_char_frac"] == pytest.approx(19 / 20)
    assert fails(text, "zh").filter_id == "repeated_lines"
    en = "\n".join(["Click here to subscribe to our newsletter!", "All rights reserved. Terms of use"] * 3)
    assert compute_signals(en, "en")["dup_line_frac"] == pytest.approx(4 / 6)
    assert fails(en, "en").filter_id == "repeated_lines"


def test_blank_lines_do_not_count_and_short_repeated_code_lines_weigh_little():
    text = "def f(x):\n    return {\n        'a': 1,\n    }\n\n\ndef g(y):\n    return {\n        'b': 2,\n    }\n"
    s = compute_signals(text, "en")
    assert s["dup_line_frac"] == pytest.approx(2 / 8)          # "return {" and "}" repeat
    assert s["dup_line_char_frac"] < 0.3


def test_bullet_lines():
    text = "购物清单\n- 苹果\n* 香蕉\n• 牛奶\n· 面包\n1. eggs\n2) milk\n3、 茶叶\n一、总则\n（2）细则\n(3) more\na) first\n普通的一行"
    s = compute_signals(text, "zh")
    assert s["bullet_line_frac"] == pytest.approx(11 / 13)
    assert compute_signals("1.5 kg of flour\n2020年的事", "zh")["bullet_line_frac"] == 0.0


def test_ellipsis_lines():
    text = "wait for it...\n真的吗……\n后来呢…\nno\n结束了。"
    s = compute_signals(text, "zh")
    assert s["ellipsis_line_frac"] == pytest.approx(3 / 5)


def test_terminal_punctuation_includes_chinese_marks():
    text = "第一句。\n第二句！\n第三句？\n第四句；\n他说：“好。”\n「引文」\n没有标点\nEnglish line.\nno stop"
    s = compute_signals(text, "zh")
    assert s["punct_end_line_frac"] == pytest.approx(7 / 9)


# ---------------------------------------------------------------- repetition (Gopher)

def naive_ngram_signals(words):
    """The definitions, written the slow and obvious way."""
    lens = [len(w) for w in words]
    total = sum(lens)
    out = {}
    for n in (2, 3, 4):
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        counts = Counter(grams)
        frac = 0.0
        if grams and total:
            top = max(counts.values())
            if top > 1:
                chars = max(sum(map(len, g)) for g, c in counts.items() if c == top)
                frac = min(1.0, top * chars / total)
        out[f"top_{n}gram_frac"] = frac
    for n in range(5, 11):
        covered = [False] * len(words)
        seen = set()
        for i in range(len(words) - n + 1):
            g = tuple(words[i:i + n])
            if g in seen:
                covered[i:i + n] = [True] * n
            seen.add(g)
        out[f"dup_{n}gram_frac"] = sum(l for l, c in zip(lens, covered) if c) / total if total else 0.0
    return out


def test_gopher_repetition_by_hand():
    s = compute_signals("a b a b a b", "en")
    assert s["top_2gram_frac"] == pytest.approx(3 * 2 / 6)     # "a b" three times
    assert s["top_3gram_frac"] == pytest.approx(2 * 3 / 6)
    text = "one two three four five six seven eight nine ten eleven twelve"
    doubled = compute_signals(text + " " + text, "en")
    for n in range(5, 11):
        assert doubled[f"dup_{n}gram_frac"] == pytest.approx(0.5)
    single = compute_signals(text, "en")
    assert all(single[k] == 0.0 for k in qs._NGRAM_KEYS)


def test_chinese_word_ngrams_are_character_ngrams():
    s = compute_signals("今天天气很好。" * 2, "zh")
    assert s["dup_5gram_frac"] == pytest.approx(0.5)
    assert s["top_2gram_frac"] == pytest.approx(2 * 2 / 12)


def random_docs(seed, n_docs):
    rng = random.Random(seed)
    vocab_en = ["the", "cat", "sat", "on", "mat", "Dog", "dog", "ran", "far", "away", "x", "quantum", "42"]
    vocab_zh = list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同")
    for _ in range(n_docs):
        size = rng.choice([3, 10, 30, 60, 200, 700, 2500])
        parts = []
        while sum(map(len, parts)) < size:
            r = rng.random()
            if r < 0.3:
                parts.append(" ".join(rng.choice(vocab_en) for _ in range(rng.randint(1, 6))) + " ")
            elif r < 0.6:
                parts.append("".join(rng.choice(vocab_zh[: rng.randint(3, len(vocab_zh))]) for _ in range(rng.randint(1, 12))))
            elif r < 0.8 and parts:
                parts.append(rng.choice(parts))                      # repetition
            else:
                parts.append(rng.choice(["，", "。", "\n", ", ", "! "]))
        yield "".join(parts)


@pytest.mark.parametrize("config", [
    dict(_NP_MIN=10**9, _TINY=0, _PY_TOKENS_MAX_CHARS=10**9),     # lists only, no tiny steps, regex words
    dict(_NP_MIN=10**9, _TINY=10**9, _PY_TOKENS_MAX_CHARS=0),     # tiny steps only, numpy word hashes
    dict(_NP_MIN=2, _TINY=24, _PY_TOKENS_MAX_CHARS=0),            # numpy passes as far as they go
    dict(_NP_MIN=2, _TINY=24, _PY_TOKENS_MAX_CHARS=10**9),        # regex words into numpy passes
    dict(_NP_MIN=40, _TINY=8, _PY_TOKENS_MAX_CHARS=500),          # mixed hand-overs
])
def test_all_code_paths_match_the_naive_definitions(monkeypatch, config):
    for name, value in config.items():
        monkeypatch.setattr(qs, name, value)
    for text in random_docs(7, 150):
        got = compute_signals(text, "zh")
        words = qs._WORD.findall(text.lower())
        want = naive_ngram_signals(words)
        assert got["n_words"] == len(words)
        for k, v in want.items():
            assert got[k] == pytest.approx(v, abs=1e-12), (k, text[:80])


def test_ngram_signals_read_only_the_first_words_of_a_huge_document():
    def word(i):
        s = ""
        for _ in range(4):
            s += chr(97 + i % 26)
            i //= 26
        return s
    unique = " ".join("w" + word(i) for i in range(NGRAM_WORD_CAP))
    s = compute_signals(unique + " spam spam spam spam spam spam spam spam spam spam spam" * 1000, "en")
    assert s["n_words"] == NGRAM_WORD_CAP + 11_000
    assert s["top_2gram_frac"] == 0.0 and s["dup_5gram_frac"] == 0.0
    assert compute_signals("spam " * 1000, "en")["dup_5gram_frac"] > 0.99


def test_a_four_megabyte_document_is_fine():
    text = (ZH_PARAGRAPH + EN_PARAGRAPH + "\n") * (4_000_000 // len((ZH_PARAGRAPH + EN_PARAGRAPH).encode()))
    s = compute_signals(text, "zh")
    assert s["n_chars"] == len(text)
    assert s["dup_line_frac"] > 0.99 and s["dup_10gram_frac"] > 0.99


# ---------------------------------------------------------------- junk fails

def test_symbol_soup_fails():
    text = "#$%^&*|~<>{}[]=+_-@!?.,:;/\\0123456789" * 12
    failure = fails(text, "zh")
    assert failure.filter_id == "symbol_soup"
    assert fails(text, "en").filter_id == "symbol_soup"


@pytest.mark.parametrize("text,lang", [
    (" ".join(["免费下载 最新 破解版 高清"] * 30), "zh"),
    (" ".join(["加微信 代开发票 优惠"] * 25), "zh"),
    (" ".join(["cheap replica watches buy now"] * 30), "en"),
    (" ".join(["best casino bonus free spins"] * 20), "en"),
])
def test_keyword_spam_fails_by_ngram_repetition(text, lang):
    s = compute_signals(text, lang)
    assert s["dup_line_frac"] == 0.0                 # one line: not caught by the line rule
    assert s["dup_10gram_frac"] > 0.9
    assert fails(text, lang).filter_id == "repeated_ngrams"


def test_mojibake_fails():
    s = compute_signals("ä½ å¥½ä¸–ç•Œ", "zh")          # 你好世界 read as cp1252
    assert s["mojibake_ratio"] > 0.3
    assert fails("ä½ å¥½ä¸–ç•Œ，ä½ å¥½ä¸–ç•Œ，è¿™æ˜¯ä¸€ä¸ªæµ‹è¯•", "zh").filter_id == "mojibake"
    # read as Latin-1, after normalization removed the C1 bytes (what the pipeline sees)
    latin1 = "今天天气很好，我们去公园散步吧。".encode("utf-8").decode("latin-1")
    latin1 = "".join(c for c in latin1 if not 0x80 <= ord(c) < 0xA0).replace("\xa0", " ")
    assert fails(latin1, "zh").filter_id == "mojibake"
    en = "Itâs a â€œniceâ€ day, isnât it? The cafÃ© was open and weâre happy to be here again today."
    assert fails(en, "en").filter_id == "mojibake"
    assert compute_signals("broken � replacement", "en")["mojibake_ratio"] > 0


def test_genuine_accents_are_not_mojibake():
    text = "Tomáš Berdych ate papier-mâché in Châtillon; São Paulo, naïve café, Ærø, Ångström, JOÃO."
    assert compute_signals(text, "en")["mojibake_ratio"] == 0.0


@pytest.mark.parametrize("text,lang", [("Q: Wha", "en"), ("问：解释为什", "zh"), ("收到这", "zh"), ("好吃", "zh")])
def test_fragments_are_too_short(text, lang):
    assert fails(text, lang).filter_id == "too_short"


# ---------------------------------------------------------------- good text passes

@pytest.mark.parametrize("text", [POEM, POEM_2, "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。"])
def test_classical_poems_pass(text):
    s = compute_signals(text, "zh")
    assert s["punct_end_line_frac"] >= 2 / 3
    assert fails(text, "zh") is None


@pytest.mark.parametrize("text,lang", [(EN_PARAGRAPH, "en"), (ZH_PARAGRAPH, "zh"), (BILINGUAL, "zh"), (REVIEW, "zh"),
                                       ("Q: What is the capital of France?\nA: The capital of France is Paris.", "en")])
def test_normal_text_passes(text, lang):
    assert fails(text, lang) is None


# ---------------------------------------------------------------- filters

def test_thresholds_per_language_with_default_fallback():
    f = SignalFilter("sym", "symbol_ratio", None, {"zh": 0.10, "default": 0.30}, "")
    assert f.threshold("max", "zh") == (0.10, "zh")
    assert f.threshold("max", "zh-Hans") == (0.10, "zh")
    assert f.threshold("max", "en") == (0.30, "default")
    assert f.threshold("min", "zh") == (None, "")
    signals = {"symbol_ratio": 0.2}
    assert first_failure(signals, "zh", [f]).threshold == 0.10
    assert first_failure(signals, "en", [f]) is None
    no_default = SignalFilter("zh_only", "symbol_ratio", None, {"zh": 0.1}, "")
    assert first_failure({"symbol_ratio": 0.9}, "en", [no_default]) is None     # no bound for en


def test_first_failure_returns_the_first_failing_filter_in_order():
    filters = filters_from_rules([
        {"id": "a", "signal": "n_words", "min": {"default": 100}},
        {"id": "b", "signal": "symbol_ratio", "max": {"default": 0.1}},
    ])
    signals = {"n_words": 3.0, "symbol_ratio": 0.5}
    assert first_failure(signals, "en", filters).filter_id == "a"
    assert first_failure(signals, "en", filters[::-1]).filter_id == "b"
    assert first_failure({"n_words": 300.0, "symbol_ratio": 0.0}, "en", filters) is None


def test_reason_string():
    f = filters_from_rules([{"id": "symbols", "signal": "symbol_ratio", "max": {"zh": 0.10, "en": 0.2}}])
    failure = first_failure({"symbol_ratio": 0.6234}, "zh", f)
    assert isinstance(failure, FilterFailure)
    assert failure.reason == "symbol_ratio 0.62 > max 0.10 (zh)"
    assert (failure.filter_id, failure.signal, failure.bound, failure.lang) == ("symbols", "symbol_ratio", "max", "zh")
    assert failure.value == pytest.approx(0.6234) and failure.threshold == 0.10
    short = filters_from_rules([{"id": "short", "signal": "n_words", "min": {"default": 5}}])
    assert first_failure({"n_words": 3.0}, "fr", short).reason == "n_words 3 < min 5 (fr: default)"
    moj = first_failure(compute_signals("ä½ å¥½ä¸–ç•Œ", "en"), "en", FILTERS)
    assert moj.filter_id == "mojibake" and moj.reason.startswith("mojibake_ratio 0.33 > max 0 (en")


def test_unknown_signal_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"filter 'x': unknown signal 'symbol_ratoi' \(did you mean 'symbol_ratio'\?\)"):
        filters_from_rules([{"id": "x", "signal": "symbol_ratoi", "max": {"zh": 0.1}}])
    with pytest.raises(ValueError, match="known signals: n_chars, n_words"):
        filters_from_rules([{"id": "x", "signal": "perplexity", "max": {"zh": 0.1}}])


@pytest.mark.parametrize("rule,message", [
    ({"id": "x", "signal": "n_words", "min": {"zh": 5}, "maximum": {}}, "unknown key"),
    ({"id": "x", "signal": "n_words"}, "needs a 'min' or a 'max'"),
    ({"id": "x", "signal": "n_words", "min": 5}, "must map a language"),
    ({"id": "x", "signal": "n_words", "min": {"zh": "five"}}, "min.zh must be a finite number"),
    ({"id": "x", "signal": "n_words", "min": {"zh": True}}, "min.zh must be a finite number"),
    ({"id": "x", "signal": "n_words", "min": {"zh": 9}, "max": {"zh": 3}}, "min.zh 9 is above max.zh 3"),
    ({"signal": "n_words", "min": {"zh": 5}}, "needs a non-empty string 'id'"),
    ("n_words > 5", "must be a map"),
])
def test_bad_rules_are_clear_errors(rule, message):
    with pytest.raises(ValueError, match=message):
        filters_from_rules([rule])


def test_duplicate_ids_are_an_error():
    rule = {"id": "x", "signal": "n_words", "min": {"zh": 5}}
    with pytest.raises(ValueError, match="duplicate id"):
        filters_from_rules([rule, rule])


def test_missing_signal_is_a_clear_error():
    with pytest.raises(ValueError, match="the signals have no 'n_words'"):
        first_failure({"symbol_ratio": 0.0}, "zh", filters_from_rules([{"id": "x", "signal": "n_words", "min": {"zh": 5}}]))


def test_shipped_filters_name_known_signals_and_describe_themselves():
    assert FILTERS and all(f.signal in SIGNAL_NAMES and f.description for f in FILTERS)
    signals = compute_signals("", "zh")
    assert first_failure(signals, "zh", FILTERS).filter_id == "too_short"
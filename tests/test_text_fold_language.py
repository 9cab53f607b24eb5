"""The one text fold (pipelines/text/fold.py) and the one language decider (pipelines/text/language.py),
and that every caller uses them: MinHash / TF-IDF / exact dedupe / SFT "same text" comparisons fold
alike, and the cleaner, the taxonomy and the fastText identifier measure Han the same way."""
from __future__ import annotations

import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from pipelines.sft import record_rules, taxonomy
from pipelines.sft.record_rules import RecordCleaner, load_sft_rules, near_repeat, only_repeats
from pipelines.text import dedupe_key, fold as fold_mod, language, minhash, tfidf
from pipelines.text.fold import casefold, compact, drop_table, fold
from pipelines.text.langid import LangIdConfig, LanguageIdentifier
from pipelines.text.language import CLEANER, DENSE_SCRIPT, TAXONOMY, LangRule, han_share, mostly_han

RULES_DIR = Path(__file__).resolve().parent.parent / "cleaning_rules"

ZH = "今天天气很好，我们一起去公园散步吧。"
ZH_WITH_PYTHON = "用Python写一个function，读取文件并统计行数"
JA = "日本語の文章です。東京は大きい都市です。"
EN = "The committee approved the new budget after a long debate on Tuesday."


# --------------------------------------------------------------------------- the fold
@pytest.mark.parametrize("a,b", [
    ("ＨＥＬＬＯ Ｗｏｒｌｄ １２３", "hello world 123"),     # full-width -> ASCII (NFKC), case folded
    ("Straße", "STRASSE"),                                 # casefold, not lower: ß -> ss
    ("ﬁle", "FILE"),                                        # compatibility ligature
])
def test_width_and_case_forms_fold_equal(a, b):
    assert casefold(a) == casefold(b)


@pytest.mark.parametrize("a,b", [
    ("Hello, World!", "hello world"),
    ("你好，世界！", "你好 世界"),                              # CJK full-width punctuation
    ("「重要」\u200b通知……", "重要通知"),                       # brackets, zero-width space, ellipsis
    ("ＨＥＬＬＯ，　ｗｏｒｌｄ！", "hello-world"),                # full-width letters, comma, ideographic space
])
def test_compact_ignores_spacing_punctuation_symbols(a, b):
    assert compact(a) == compact(b) != ""


def test_fold_is_one_function_with_two_forms():
    assert fold("Ａ, b") == casefold("Ａ, b") == "a, b"
    assert fold("Ａ, b", compact=True) == compact("Ａ, b") == "ab"
    assert compact("，。！？ \n\t") == "" and compact("") == "" and casefold("") == ""


def test_ascii_fast_path_equals_the_unicode_path():
    rnd = random.Random(7)
    table = drop_table()
    for _ in range(2000):
        s = "".join(chr(rnd.randrange(128)) for _ in range(rnd.randrange(40)))
        slow = unicodedata.normalize("NFKC", s).casefold()
        assert casefold(s) == slow
        assert compact(s) == slow.translate(table)


def test_callers_use_the_one_fold():
    assert minhash.fold is casefold                    # MinHash shingles (dedupe/features.py imports it there)
    assert tfidf.casefold is casefold                  # TF-IDF tokens
    assert dedupe_key.fold is compact                  # the exact-dedupe key
    assert record_rules.fold is compact                # the SFT "same text" comparisons
    for mod in (minhash, tfidf, dedupe_key, record_rules):
        assert not hasattr(mod, "_fold") and not hasattr(mod, "_FOLD_DROP") and not hasattr(mod, "_drop_table")
    assert fold_mod.DROP_CATEGORIES == ("P", "S", "Z", "Cc", "Cf")


def test_exact_key_and_sft_repeats_agree_on_the_same_text():
    a, b = "Ｗｈａｔ ｉｓ ＡＩ？", "what is ai"
    assert dedupe_key.exact_key(a) == dedupe_key.exact_key(b)
    assert near_repeat(a, b, 0.9, 0.8)                 # a full-width copy is a repeat
    assert only_repeats("请介绍一下长城。", "请介绍一下长城", 0.05, 0.8)
    assert not near_repeat("Hello, World!", "Goodbye, World!", 0.9, 0.8)


# --------------------------------------------------------------------------- the language decider
def test_han_share_of_letters():
    assert han_share("") == 0.0 and han_share("123 !?") == 0.0
    assert han_share(ZH) == 1.0
    assert han_share("中文ab") == 0.5                   # letters: 2 Han + 2 Latin; digits and punctuation do not count
    assert han_share("中文ab 12，。") == 0.5


class _NoModel:
    """An identifier that must not be asked: the script rule decides Han-heavy text alone."""
    def __call__(self, text):
        raise AssertionError(f"fastText asked about {text!r}")


@pytest.fixture(scope="module")
def cleaner() -> RecordCleaner:
    return RecordCleaner.from_rules(load_sft_rules(RULES_DIR / "sft.yaml"), RULES_DIR, langid=_NoModel())


class _AskedModel:
    def predict(self, text, k=1):
        raise LookupError("the model was asked")


_SCRIPT_ONLY = LanguageIdentifier(LangIdConfig())
_SCRIPT_ONLY._model = _AskedModel()


def _langid_rule(text: str) -> bool:
    """LanguageIdentifier's script rule: zh without asking the model, for one text and in a batch."""
    try:
        return _SCRIPT_ONLY(text)[0] == "zh" and _SCRIPT_ONLY.many([text])[0][0] == "zh"
    except LookupError:
        return False


@pytest.mark.parametrize("text", [ZH, "很快，好吃", "木兰花・玉楼春\n春葱指甲轻拢拈。"])
def test_han_heavy_text_is_zh_everywhere(cleaner, text):
    assert cleaner.text_lang(text) == "zh"
    assert DENSE_SCRIPT.decide(text) == "zh" and mostly_han(text, 0.5)
    assert taxonomy.detect_lang(text) == "zh"
    assert _langid_rule(text)


def test_japanese_with_kana_is_not_zh(cleaner):
    assert not mostly_han(JA, 0.3)
    assert cleaner.text_lang(JA) == ""                 # undecided, and fastText is not asked (too much Han for en)
    assert not mostly_han(JA, 0.3)
    assert not _langid_rule(JA)
    # Two questions where kana does not count against Han: a refusal's letter budget (Japanese is
    # dense like Chinese) and the taxonomy's cue set (kanji match the zh cues; a Chinese text with
    # a kaomoji or a Japanese name keeps them).
    assert DENSE_SCRIPT.decide(JA) == "zh"
    assert taxonomy.detect_lang(JA) == "zh"
    assert taxonomy.detect_lang("不好用，洗完头发好多白色的块……ヾ(＠⌒ー⌒＠)ノ") == "zh"


def test_mixed_text_undecided_for_the_cleaner_takes_a_cue_set_in_the_taxonomy(cleaner):
    share = han_share(ZH_WITH_PYTHON)
    assert TAXONOMY.zh_min_han_share <= share < CLEANER.zh_min_han_share
    assert cleaner.text_lang(ZH_WITH_PYTHON) == ""     # mixed: more than 2 % Han, less than half
    assert taxonomy.detect_lang(ZH_WITH_PYTHON) == "zh"
    assert taxonomy.detect_lang("Translate this sentence") == "en"


def test_english_needs_the_identifier(cleaner):
    asked = []

    def identify(text):
        asked.append(text)
        return ("en", 0.9) if text == EN else ("fr", 0.9)

    en_cleaner = RecordCleaner.from_rules(load_sft_rules(RULES_DIR / "sft.yaml"), RULES_DIR, langid=identify)
    assert en_cleaner.text_lang(EN) == "en"
    assert en_cleaner.text_lang("Le comité a approuvé le budget.") == ""
    assert en_cleaner.text_lang(EN, min_score_en=0.95) == ""
    assert en_cleaner.text_lang(ZH) == "zh" and ZH not in asked
    assert en_cleaner.text_lang("") == "" and "" not in asked


def test_rules_are_one_rule_with_named_thresholds():
    assert (CLEANER.zh_min_han_share, CLEANER.en_max_han_share, CLEANER.en_min_score) == (0.5, 0.02, 0.6)
    assert (TAXONOMY.zh_min_han_share, TAXONOMY.en_max_han_share, TAXONOMY.kana_blocks_zh) == (0.2, None, False)
    assert (DENSE_SCRIPT.zh_min_han_share, DENSE_SCRIPT.en_max_han_share) == (0.3, None)
    # two-way rules never leave a text undecided; three-way ones do without letters or without a model answer
    assert TAXONOMY.decide("") == "en" and TAXONOMY.decide("12345") == "en"
    assert CLEANER.decide("") == "" and CLEANER.decide("12345") == ""
    assert LangRule(0.5, 0.02).decide(ZH) == "zh"
    with pytest.raises(ValueError):
        LangRule(0.5, 0.02).decide(EN)                  # English needs an identifier
    assert language.decide(EN, LangRule(0.5, 0.02), lambda t: ("en", 0.7)) == "en"
    # the threshold is a parameter of the one rule
    assert mostly_han(ZH_WITH_PYTHON, 0.2) and not mostly_han(ZH_WITH_PYTHON, 0.5)


def test_a_batch_of_texts_is_decided_as_each_text_alone():
    texts = [ZH, JA, EN, ZH_WITH_PYTHON, "", "12345", "Le comité a approuvé le budget.", "ab\ud800cd", "很快，好吃"]
    for rule in (CLEANER, TAXONOMY, DENSE_SCRIPT, LangRule(0.5, 0.02, 0.95)):
        asked_alone, asked_together = [], []

        def identify(asked):
            return lambda text: asked.append(text) or (("en", 0.9) if text.isascii() else ("fr", 0.9))
        alone = [rule.decide(t, identify(asked_alone)) for t in texts]
        assert rule.decide_many(texts, identify(asked_together)) == alone
        assert asked_together == asked_alone                       # the model asked about the same texts only


def _only_repeats_by_definition(source, text, share, ratio):
    fs, ft = compact(source), compact(text)             # the SFT comparisons' fold
    if not fs or not ft:
        return False
    if fs == ft:
        return True
    if len(ft) < ratio * len(fs) or len(ft) < 4:
        return False
    bs = {fs[i:i + 2] for i in range(len(fs) - 1)} if len(fs) > 1 else {fs}
    bt = {ft[i:i + 2] for i in range(len(ft) - 1)}
    return len(bt - bs) <= share * len(bt)


def test_only_repeats_decides_early_as_the_definition_does():
    rng, alphabet, verdicts = random.Random(7), "ab c的了", []
    for _ in range(20000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        b = (a * rng.randint(1, 3) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3))) if rng.random() < 0.5
             else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))))
        for share in (0.0, 0.05, 0.3, 1.0):
            verdict = only_repeats(a, b, share, 0.8)
            assert verdict == _only_repeats_by_definition(a, b, share, 0.8), (a, b, share)
            verdicts.append(verdict)
    assert 0.1 < sum(verdicts) / len(verdicts) < 0.9                 # both answers well represented


def test_fold_and_language_are_pure_and_load_no_model():
    code = ("import sys; sys.modules['apache_beam'] = None; sys.modules['fasttext'] = None; "
            "import pipelines.text.fold, pipelines.text.language, pipelines.sft.taxonomy")
    done = subprocess.run([sys.executable, "-c", code], cwd=RULES_DIR.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1500:]

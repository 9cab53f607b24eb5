"""The one language decider (pure, no Beam): the Han share of a text's letters and the script rule.

The measure: ``han_share = Han characters / letters``, Han as :data:`pipelines.text.chinese.HAN`
(the one table of Han ranges), letters as ``str.isalpha`` (Han, kana, hangul, Latin, Cyrillic ...;
not digits, marks, punctuation).

The script rule: a text is Chinese when its Han share reaches a threshold and it has no kana
(kanji with kana is Japanese). What the rest is depends on the question, so the thresholds are
a :class:`LangRule`, with one named rule per question:

* :data:`CLEANER` -- ``RecordCleaner.text_lang``: "zh", "en" or "" (undecided). Han >= 50 % of
  letters is zh; more than 2 % Han is undecided (mixed); otherwise the fastText identifier must
  say "en" with score >= 0.6.
* :data:`TAXONOMY` -- ``taxonomy.detect_lang``: which cue set ("zh" or "en") a record of unknown
  language is matched with. It must pick one, so a mixed text with Han >= 20 % of letters takes
  the zh cues, everything else the en cues: a record the cleaner leaves undecided may be zh here.
  Kana does not count against zh: a Chinese text quoting a Japanese name or a kaomoji (ノ, ロ)
  keeps the zh cues, and Japanese matches the zh cues (kanji) better than the en ones.
* :data:`DENSE_SCRIPT` -- ``RecordCleaner._quick_lang``: the letter budget of a bare refusal.
  The question is whether the text is written in a dense (Han) script, so kana does not count
  against it: Japanese gets the zh budget.
* The fastText identifier (:class:`pipelines.text.langid.LanguageIdentifier`) calls a text zh
  when :func:`mostly_han` with its ``han_share_zh`` (0.3), whatever the model says.

The fastText part is passed in (``identify``: text -> (label, score)) and only called when the
script rule leaves the text open, so the model is loaded lazily by whoever owns it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from pipelines.text.chinese import HAN, HAN_BIT, KANA, KANA_BIT, LETTER_BIT, code_points, script_bits

Identify = Callable[[str], tuple[str, float]]


def letter_count(text: str) -> int:
    """Letters (``str.isalpha``) in text."""
    return sum(map(str.isalpha, text))          # 2-3x faster than a findall of letters


def han_count(text: str) -> int:
    return len(HAN.findall(text))


def han_share(text: str) -> float:
    """Han characters / letters; 0.0 for a text without letters."""
    letters = letter_count(text)
    return han_count(text) / letters if letters else 0.0


def has_kana(text: str) -> bool:
    return KANA.search(text) is not None


def mostly_han_share(text: str, min_share: float, *, kana_blocks: bool = True) -> float | None:
    """The script rule with its evidence: the Han share of the letters when Han characters are at
    least min_share of them (and there is at least one letter) and -- unless kana_blocks is False --
    the text has no kana; else None."""
    letters = letter_count(text)
    if not letters:
        return None
    han = han_count(text)
    if han < min_share * letters or (kana_blocks and has_kana(text)):
        return None
    return han / letters


def mostly_han(text: str, min_share: float, *, kana_blocks: bool = True) -> bool:
    """The script rule (mostly_han_share's verdict)."""
    return mostly_han_share(text, min_share, kana_blocks=kana_blocks) is not None


def script_counts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(letters, Han characters, kana) of each text, as letter_count, han_count and KANA count
    them, for a whole batch at once: table lookups per character, no per-text Python loop."""
    codes, doc = code_points(texts)
    bits = script_bits(codes)
    return tuple(np.bincount(doc[(bits & bit) != 0], minlength=len(texts)) for bit in (LETTER_BIT, HAN_BIT, KANA_BIT))


@dataclass(frozen=True)
class LangRule:
    """Thresholds of the script rule for one question (see the module docstring).

    zh_min_han_share  zh when Han are at least this share of letters (and, with kana_blocks_zh,
                      there is no kana).
    en_max_han_share  None: a two-way rule, every other text is "en" (no model). Otherwise a
                      text with more Han than this share is undecided (""), and one with less is
                      "en" only when ``identify`` says "en" with score >= en_min_score. A text
                      without letters is then undecided too.
    """
    zh_min_han_share: float
    en_max_han_share: float | None = None
    en_min_score: float = 0.6
    kana_blocks_zh: bool = True

    def decide(self, text: str, identify: Identify | None = None) -> str:
        """"zh", "en", or "" (undecided; only a rule with en_max_han_share says that)."""
        letters = letter_count(text)
        if not letters:
            return self.by_script(0, 0, False)
        return self._with_model(self.by_script(letters, han_count(text), has_kana(text)), text, identify)

    def decide_many(self, texts: Sequence[str], identify: Identify | None = None) -> list[str]:
        """``decide`` of each text, the script counts of the whole batch at once (script_counts)."""
        letters, han, kana = (a.tolist() for a in script_counts(texts))
        return [self._with_model(self.by_script(n, h, k > 0), text, identify)
                for text, n, h, k in zip(texts, letters, han, kana)]

    def by_script(self, letters: int, han: int, kana: bool) -> str | None:
        """The verdict from a text's counts: "zh", "en", "" or None (the model must say whether it is "en")."""
        two_way = self.en_max_han_share is None
        if not letters:
            return "en" if two_way else ""
        if han >= self.zh_min_han_share * letters and not (self.kana_blocks_zh and kana):
            return "zh"
        if two_way:
            return "en"
        if han > self.en_max_han_share * letters:
            return ""
        return None

    def _with_model(self, verdict: str | None, text: str, identify: Identify | None) -> str:
        if verdict is not None:
            return verdict
        if identify is None:
            raise ValueError("this rule needs a language identifier for English")
        lang, score = identify(text)
        return "en" if lang == "en" and score >= self.en_min_score else ""


CLEANER = LangRule(zh_min_han_share=0.5, en_max_han_share=0.02, en_min_score=0.6)
TAXONOMY = LangRule(zh_min_han_share=0.2, kana_blocks_zh=False)
DENSE_SCRIPT = LangRule(zh_min_han_share=0.3, kana_blocks_zh=False)


def decide(text: str, rule: LangRule, identify: Identify | None = None) -> str:
    """``rule.decide(text, identify)``."""
    return rule.decide(text, identify)

"""Traditional -> Simplified conversion with OpenCC, applied only to Traditional text.

A document counts as Traditional when enough of its Han characters are
Traditional-only (characters OpenCC's t2s would change): Simplified text has
none, and a Simplified document quoting a Traditional name has a tiny share,
while Traditional text has 15-30 %. Characters are classified once, when the
converter is built (a regex character class of all Traditional-only ones), so the cost
per document is three table lookups per character (or three regex scans), not a conversion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import opencc


# The one table of CJK code-point spans, with named subsets where coverage must differ.
HAN_BMP_SPANS = ((0x3400, 0x4DBF),    # CJK extension A
                 (0x4E00, 0x9FFF),    # CJK unified ideographs
                 (0xF900, 0xFAFF))    # CJK compatibility ideographs
HAN_SPANS = HAN_BMP_SPANS + ((0x20000, 0x2FA1F),)    # + extensions B-F and the compatibility supplement
# Every script written without spaces between words (a word boundary never falls inside a run of these).
CJK_SPANS = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),    # 々 〆 〇
    (0x3021, 0x3029),    # Hangzhou numerals
    (0x3040, 0x30FF),    # hiragana, katakana
    (0x3100, 0x312F),    # bopomofo (ㄉ in 他妈ㄉ王八蛋)
    (0x31A0, 0x31BF),    # bopomofo extended
    (0x31F0, 0x31FF),    # katakana phonetic extensions
    *HAN_BMP_SPANS[:2],
    (0xAC00, 0xD7AF),    # hangul syllables
    HAN_BMP_SPANS[2],
    (0x20000, 0x3FFFF),  # CJK extensions B-H (𨳒, 𡳞 ...)
)


def char_class(spans) -> str:
    """The inside of a regex character class for code-point spans."""
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in spans)


HAN_RANGES = char_class(HAN_SPANS)
HAN = re.compile(f"[{HAN_RANGES}]")
KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa]")   # kana letters, not the middle dot ・ that Chinese uses too


def code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """A batch's code points, all texts concatenated, and the index of the text each belongs to:
    what the batch versions of per-text counts work on (one table lookup per character)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes, np.repeat(np.arange(len(texts)), lengths)


HAN_BIT, KANA_BIT, LETTER_BIT = 1, 2, 4     # script_bits: HAN.match, KANA.match, str.isalpha


def _script_table() -> np.ndarray:
    table = np.zeros(0x10000, dtype=np.uint8)
    for lo, hi in HAN_SPANS:
        if lo <= 0xFFFF:
            table[lo:min(hi, 0xFFFF) + 1] |= HAN_BIT
    table[0x3041:0x3097] |= KANA_BIT
    table[0x30A1:0x30FB] |= KANA_BIT
    letters = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and chr(c).isalpha()]
    table[letters] |= LETTER_BIT
    return table


_SCRIPT_BMP = _script_table()


def script_bits(codes: np.ndarray) -> np.ndarray:
    """Per code point: HAN_BIT | KANA_BIT | LETTER_BIT as HAN, KANA and str.isalpha say."""
    bits = np.take(_SCRIPT_BMP, np.minimum(codes, 0xFFFF))
    if codes.size and int(codes.max()) > 0xFFFF:
        for i in np.flatnonzero(codes > 0xFFFF).tolist():    # rare: Han extensions B+, emoji
            ch = chr(int(codes[i]))
            bits[i] = (HAN_BIT if HAN.match(ch) else 0) | (LETTER_BIT if ch.isalpha() else 0)
    return bits


def _traditional_only_chars() -> list[str]:
    """Every Han character that OpenCC t2s changes (~3k of them, all in the BMP)."""
    t2s = opencc.OpenCC("t2s")
    chars = [chr(c) for lo, hi in HAN_BMP_SPANS for c in range(lo, hi + 1)]
    converted = t2s.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):          # never seen; fall back to one call per character
        converted = [t2s.convert(c) for c in chars]
    return [c for c, s in zip(chars, converted) if c != s]



@dataclass(frozen=True)
class ScriptConfig:
    enabled: bool = True
    opencc_config: str = "t2s"
    min_traditional_chars: int = 1
    min_traditional_share: float = 0.05

    @classmethod
    def from_rules(cls, rules: dict) -> "ScriptConfig":
        return cls(**{k: rules[k] for k in ("enabled", "opencc_config", "min_traditional_chars", "min_traditional_share")})


@dataclass(frozen=True)
class ScriptCounts:
    han: int
    traditional_only: int
    kana: int


class ScriptConverter:
    """Detects Traditional script and converts it; Simplified text is returned untouched."""

    def __init__(self, config: ScriptConfig):
        self.config = config
        self._converters: dict[str, opencc.OpenCC] = {}
        traditional = _traditional_only_chars()
        self._traditional = re.compile("[" + "".join(re.escape(c) for c in traditional) + "]")
        self._traditional_bmp = np.zeros(0x10000, dtype=bool)
        self._traditional_bmp[[ord(c) for c in traditional]] = True

    def converter(self, name: str) -> opencc.OpenCC:
        conv = self._converters.get(name)
        if conv is None:
            conv = self._converters[name] = opencc.OpenCC(name)
        return conv

    def counts(self, text: str) -> ScriptCounts:
        return ScriptCounts(han=len(HAN.findall(text)), traditional_only=len(self._traditional.findall(text)),
                            kana=len(KANA.findall(text)))

    def counts_many(self, texts: Sequence[str]) -> list[ScriptCounts]:
        """[self.counts(t) for t in texts], for a batch at once."""
        if not texts:
            return []
        codes, doc = code_points(texts)
        n = len(texts)
        trad = np.take(self._traditional_bmp, np.minimum(codes, 0xFFFF)) & (codes <= 0xFFFF)
        bits = script_bits(codes)
        han, kana = (np.bincount(doc[(bits & bit) != 0], minlength=n).tolist() for bit in (HAN_BIT, KANA_BIT))
        return [ScriptCounts(h, t, k) for h, t, k in zip(han, np.bincount(doc[trad], minlength=n).tolist(), kana)]

    def is_traditional(self, text: str, counts: ScriptCounts | None = None) -> bool:
        c, cfg = counts or self.counts(text), self.config
        if c.han == 0 or c.kana > 0.05 * c.han:      # no Han, or Japanese (kanji are not Traditional Chinese)
            return False
        return c.traditional_only >= cfg.min_traditional_chars and c.traditional_only >= cfg.min_traditional_share * c.han

    def __call__(self, text: str, opencc_config: str | None = None) -> tuple[str, bool]:
        """Returns (text, converted). Only text detected as Traditional is converted."""
        if not self.config.enabled or not self.is_traditional(text):
            return text, False
        return self._convert(text, opencc_config)

    def many(self, texts: Sequence[str], opencc_configs: Sequence[str | None]) -> list[tuple[str, bool]]:
        """[self(t, c) for t, c in zip(texts, opencc_configs)], the detection for a batch at once."""
        if not self.config.enabled:
            return [(t, False) for t in texts]
        return [self._convert(t, c) if self.is_traditional(t, counts) else (t, False)
                for t, c, counts in zip(texts, opencc_configs, self.counts_many(texts))]

    def _convert(self, text: str, opencc_config: str | None) -> tuple[str, bool]:
        converted = self.converter(opencc_config or self.config.opencc_config).convert(text)
        # Per-character detection can fire on a character t2s keeps in its phrase (蒜薹).
        return converted, converted != text

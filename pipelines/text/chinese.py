"""Traditional -> Simplified conversion with OpenCC, applied only to Traditional text.

A document counts as Traditional when enough of its Han characters are
Traditional-only (characters OpenCC's t2s would change): Simplified text has
none, and a Simplified document quoting a Traditional name has a tiny share,
while Traditional text has 15-30 %. Characters are
classified once each (OpenCC on the single character) and cached, so the cost
per document is a Counter over its characters, not a conversion.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import opencc


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FA1F or 0xF900 <= o <= 0xFAFF


def is_kana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x30FF


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
        self._t2s = opencc.OpenCC("t2s")
        self._converters: dict[str, opencc.OpenCC] = {}
        self._traditional: dict[str, bool] = {}   # char -> does t2s change it

    def converter(self, name: str) -> opencc.OpenCC:
        conv = self._converters.get(name)
        if conv is None:
            conv = self._converters[name] = opencc.OpenCC(name)
        return conv

    def _is_traditional_char(self, ch: str) -> bool:
        known = self._traditional.get(ch)
        if known is None:
            known = self._traditional[ch] = self._t2s.convert(ch) != ch
        return known

    def counts(self, text: str) -> ScriptCounts:
        han = trad = kana = 0
        for ch, n in Counter(text).items():
            if is_han(ch):
                han += n
                if self._is_traditional_char(ch):
                    trad += n
            elif is_kana(ch):
                kana += n
        return ScriptCounts(han, trad, kana)

    def is_traditional(self, text: str) -> bool:
        c, cfg = self.counts(text), self.config
        if c.han == 0 or c.kana > 0.05 * c.han:      # no Han, or Japanese (kanji are not Traditional Chinese)
            return False
        return c.traditional_only >= cfg.min_traditional_chars and c.traditional_only >= cfg.min_traditional_share * c.han

    def __call__(self, text: str, opencc_config: str | None = None) -> tuple[str, bool]:
        """Returns (text, converted). Only text detected as Traditional is converted."""
        if not self.config.enabled or not self.is_traditional(text):
            return text, False
        converted = self.converter(opencc_config or self.config.opencc_config).convert(text)
        # Per-character detection can fire on a character t2s keeps in its phrase (蒜薹).
        return converted, converted != text

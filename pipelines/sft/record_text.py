"""SFT record text: the cleaning of every text field (cleaning_rules/sft.yaml `cleaning`), and the
text tests the filters share (placeholders, repeats, code). Pure, no Beam.

The cleaning order: special tokens, HTML residue, invisible characters, trimming, template
residue, replacements, then Traditional -> Simplified over the whole record. The text functions
are the pretraining ones (pipelines/text/).
"""
from __future__ import annotations

import os
import re
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

import yaml

from pipelines.text.chinese import HAN, HAN_RANGES, ScriptConfig, ScriptConverter
from pipelines.text.fold import compact as fold   # what "the same text" compares
from pipelines.text.normalize import TAG, NormalizeConfig, Normalizer
from pipelines.core import yaml_files

TEXT_FIELDS = ("instruction", "input", "output")
CLEANING_IDS = ("special_tokens", "invisible_chars", "html_residue", "template_residue", "replacements", "t2s")

_CODE_SYMBOL = re.compile(r"[=(){}\[\]<>;_/*+\-#$%^&|\\~`@0-9]")
_CODE_FENCE = "```"
_HSPACE_RUN = re.compile(r"[^\S\n]+")
# HTML residue in an answer keeps its shape: block tags become line breaks, inline tags
# vanish between Chinese characters ("<b>长城</b>是" -> "长城是") and become a space elsewhere.
_BLOCK_TAG = re.compile(r"[^\S\n]*<(?:br|hr)\b[^<>]{0,200}>[^\S\n]*"
                        r"|[^\S\n]*</?(?:p|div|li|ul|ol|tr|table|h[1-6]|blockquote|section|article)\b[^<>]{0,200}>[^\S\n]*", re.I)
_CJK_CHAR = f"[{HAN_RANGES}\u3000-\u303f\uff00-\uffef]"
_TAG_MARK = "\x00"
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_TAG_BETWEEN_CJK = re.compile(f"(?<={_CJK_CHAR}){_TAG_MARK}+(?={_CJK_CHAR})")
_SPACE_BEFORE_PUNCT = re.compile(r"[^\S\n]+(?=[.,;:!?，。！？；：、)\]）】]|$)", re.MULTILINE)
_MD_IMAGE = re.compile(r"\A(?:\s*!\[[^\]]*\]\([^)]*\)\s*)+\Z")
# A placeholder token: <...>, [...] or 【...】 around a few words. Not 《title》, {set},
# (aside), and never data: digits or list separators inside ("[7, 8, 9, 11]" is an answer).
_BRACKETED = re.compile(r"\A\s*[<\[【]\s*([^<>\[\]【】\n\d,，、;；=]*?)\s*[>\]】]\s*\Z")
_PLACEHOLDER_TRIM = " \t\n\"'“”‘’`.,:;!?。，：；！？、()（）[]【】<>《》{}「」"


class SftRulesError(ValueError):
    """The SFT rules are unusable (unknown rule id, bad pattern, missing file)."""


class Replacement:
    """One curator keyword or regex replacement."""

    def __init__(self, spec: dict):
        self.id = spec.get("id")
        if not self.id:
            raise SftRulesError(f"replacement without an id: {spec}")
        self.fields = tuple(spec.get("fields") or ("instruction", "input", "output", "history"))
        self.enabled = bool(spec.get("enabled", True))
        self.replacement = str(spec.get("replacement", ""))
        self.example = spec.get("example")
        self.keyword = spec.get("keyword")
        pattern = spec.get("pattern")
        if (self.keyword is None) == (pattern is None):
            raise SftRulesError(f"replacement {self.id}: give exactly one of keyword / pattern")
        if self.keyword is not None:
            self.keyword = str(self.keyword)
            if not self.keyword:
                raise SftRulesError(f"replacement {self.id}: empty keyword")
            self.regex = None
        else:
            try:
                self.regex = re.compile(pattern, re.MULTILINE)
            except re.error as e:
                raise SftRulesError(f"replacement {self.id}: bad pattern {pattern!r}: {e}") from e

    def __call__(self, text: str) -> str:
        if self.regex is None:
            return text.replace(self.keyword, self.replacement) if self.keyword in text else text
        return self.regex.sub(self.replacement, text)


def load_replacements(path: str | os.PathLike) -> list[Replacement]:
    with open(path, encoding="utf-8") as f:
        data = yaml_files.load(f) or {}
    reps = [Replacement(s) for s in data.get("replacements") or []]
    ids = [r.id for r in reps]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SftRulesError(f"{path}: duplicate replacement ids {dup}")
    return reps


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


def near_repeat(a: str, b: str, min_dice: float, min_length_ratio: float) -> bool:
    """True when b repeats a: equal after folding, or similar length and bigram Dice >= min_dice."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    la, lb = len(fa), len(fb)
    if min(la, lb) < min_length_ratio * max(la, lb) or min(la, lb) < 4:
        return False
    ba, bb = _bigrams(fa), _bigrams(fb)
    return 2 * len(ba & bb) / (len(ba) + len(bb)) >= min_dice


def only_repeats(source: str, text: str, max_new_share: float, min_length_ratio: float) -> bool:
    """True when ``text`` adds (almost) nothing to ``source``: equal after folding, or
    at least min_length_ratio of its length with at most max_new_share of its
    character bigrams absent from ``source``."""
    fs, ft = fold(source), fold(text)
    if not fs or not ft:
        return False
    if fs == ft:
        return True
    if len(ft) < min_length_ratio * len(fs) or len(ft) < 4:
        return False
    bs = _bigrams(fs)
    # With k of text's distinct bigrams in source (k <= |bs|) and n new, the test n <= share * (n + k)
    # needs n <= share / (1 - share) * |bs|: a text that adds more new bigrams than that is decided
    # as soon as they are seen (unrelated outputs, after a few characters) instead of in full.
    if max_new_share < 1:
        limit, new = max_new_share / (1 - max_new_share) * len(bs), set()
        for i in range(len(ft) - 1):
            gram = ft[i:i + 2]
            if gram not in bs:
                new.add(gram)
                if len(new) > limit:
                    return False
    bt = _bigrams(ft)
    return len(bt - bs) <= max_new_share * len(bt)


_CODE_LINE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import|return\b|for .*:|while .*:|if .*:|elif |else:|try:|except|print\(|"
    r"function\b|var |let |const |public |private |static |#include|using |package |SELECT\b|INSERT\b|UPDATE\b|"
    r"CREATE\b|FROM\b|WHERE\b|GROUP BY|ORDER BY|<[A-Za-z/!]|[{}\[\]]|//|/\*|\$ |>>> |[\w.\[\]]+\s*[+\-*/]?=\s*\S|\w+\(.*\)\s*;?\s*$)")


def looks_like_code(text: str, max_symbol_share: float = 0.25) -> bool:
    """Code, markup, data or math: a fence, a share of symbol characters, or
    (for several lines) a third of the lines looking like code; one token (a file name)."""
    if _CODE_FENCE in text:
        return True
    stripped = text.strip()
    if stripped and len(stripped) < 100 and not any(c.isspace() for c in stripped) and not HAN.search(stripped):
        return True
    nonspace = len("".join(text.split()))
    if nonspace and len(_CODE_SYMBOL.findall(text)) > max_symbol_share * nonspace:
        return True
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return False
    code = sum(1 for ln in lines if _CODE_LINE.match(ln))
    return code >= 2 and code >= len(lines) / 3 or (len(lines) == 1 and code == 1 and len(stripped) < 200 and
                                                     len(_CODE_SYMBOL.findall(text)) >= 3)


class Placeholders:
    """Whole-field placeholder matcher: a listed word, or a short bracketed token."""

    def __init__(self, words, bracket_max: int):
        words = [str(w) for w in words if w is not None]
        self.words = {fold(w) or w.strip().lower() for w in words}
        self.raw_words = {w.strip().lower() for w in words}
        self.bracket_max = bracket_max

    def __call__(self, text: str) -> bool:
        t = text.strip()
        if not t:
            return False
        low = t.lower()
        if low in self.raw_words or low.strip(_PLACEHOLDER_TRIM) in self.raw_words:
            return True
        if len(t) <= 40 and fold(t) in self.words and fold(t):
            return True
        m = _BRACKETED.match(t)
        if m and 0 < len(m.group(1)) <= self.bracket_max and "\n" not in m.group(1):
            return True
        return False


class TextCleaner:
    """The `cleaning` rules of sft.yaml over a record's text fields. Build once per worker."""

    def __init__(self, rules: dict, base_dir: str | os.PathLike = "."):
        self.rules = rules
        self.base_dir = Path(base_dir)
        norm = rules.get("normalize") or {}
        cfg = NormalizeConfig.from_rules({"remove_invisible": norm.get("remove_invisible", True),
                                          "strip_html": norm.get("strip_html", True),
                                          "special_tokens": norm.get("special_tokens") or [],
                                          "collapse_whitespace": False})
        self._special = cfg.special_pattern()
        self._norm_html = Normalizer(dc_replace(cfg, special_tokens=()))
        self._norm_plain = Normalizer(dc_replace(cfg, special_tokens=(), strip_html=False))
        self._collapse = bool(norm.get("collapse_whitespace", False))
        self._norm_collapse = Normalizer(dc_replace(cfg, special_tokens=(), collapse_whitespace=True))
        self._html_guard = tuple(str(w).lower() for w in norm.get("html_code_guard") or ())

        self.cleaning = {r["id"]: r for r in rules.get("cleaning") or []}
        for rid in self.cleaning:
            if rid not in CLEANING_IDS:
                raise SftRulesError(f"unknown cleaning rule id {rid!r} (known: {', '.join(CLEANING_IDS)})")
        self._clean_on = {rid: self.cleaning.get(rid, {}).get("enabled", True) and rid in self.cleaning
                          for rid in CLEANING_IDS}

        # Template residue.
        tp = (self.cleaning.get("template_residue") or {}).get("parameters") or {}
        hashed = "|".join(re.escape(w) for w in sorted(tp.get("hashed_words") or [], key=len, reverse=True))
        bare = "|".join(re.escape(w) for w in sorted(tp.get("bare_words") or [], key=len, reverse=True))
        alts = []
        if hashed:
            alts.append(rf"#{{1,4}}[ \t]*(?:{hashed})[ \t]*[:：]?")
        if bare:
            alts.append(rf"(?:{bare})[ \t]*[:：]")
        head = "|".join(alts) or r"(?!)"
        self._residue_head = re.compile(rf"\A\s*(?:{head})\s*", re.IGNORECASE if not bare else 0)
        self._residue_head_i = re.compile(rf"\A\s*(?:#{{1,4}}[ \t]*(?:{hashed})[ \t]*[:：]?)\s*", re.IGNORECASE) if hashed else None
        self._residue_tail = re.compile(rf"\s*\n\s*#{{1,4}}[ \t]*(?:{hashed})[ \t]*[:：]?\s*\Z", re.IGNORECASE) if hashed else None
        pre = [re.escape(p) for p in tp.get("preambles") or []]
        self._preamble = re.compile(rf"\A\s*(?:{'|'.join(pre)})[^\n]*\n+", re.IGNORECASE) if pre else None

        # Replacements.
        self.replacements: list[Replacement] = []
        rep_file = rules.get("replacements")
        if rep_file and self._clean_on["replacements"]:
            p = Path(rep_file)
            self.replacements = [r for r in load_replacements(p if p.is_absolute() else self.base_dir / p) if r.enabled]

        # Traditional -> Simplified.
        t2s = rules.get("traditional_to_simplified") or {"enabled": False}
        self.script = ScriptConverter(ScriptConfig.from_rules(t2s)) if t2s.get("enabled") and self._clean_on["t2s"] else None

    def _html_allowed(self, text: str, instruction_low: str) -> bool:
        if _CODE_FENCE in text:
            return False
        return not any(w in instruction_low for w in self._html_guard)

    def _normalize(self, text: str, instruction_low: str, changed: set[str]) -> str:
        on = self._clean_on
        if self._special is not None and on["special_tokens"]:
            new = self._special.sub("", text)
            if new != text:
                changed.add("special_tokens_removed")
                text = new
        field_changes: set[str] = set()
        if on["html_residue"] and ("<" in text or "&" in text) and self._html_allowed(text, instruction_low):
            norm = self._norm_collapse if self._collapse else self._norm_html
            if "<" in text and not self._collapse:
                text = self._strip_tags(text, field_changes)
        else:
            norm = self._norm_collapse if self._collapse else self._norm_plain
        if not on["invisible_chars"] and not on["html_residue"]:
            return text.strip()
        text, ch = norm(text)
        field_changes.update(ch)
        changed.update(field_changes)
        if "html_removed" in field_changes and not self._collapse:
            # Tags became spaces: tidy the spaces they left (this field has no code).
            text = _SPACE_BEFORE_PUNCT.sub("", _HSPACE_RUN.sub(" ", text))
        return text.strip()

    @staticmethod
    def _strip_tags(text: str, changed: set[str]) -> str:
        new = TAG.sub(_TAG_MARK, _BLOCK_TAG.sub("\n", text))
        new = _TAG_BETWEEN_CJK.sub("", new).replace(_TAG_MARK, " ")
        if new != text:
            changed.add("html_removed")
        return _MANY_BLANK_LINES.sub("\n\n", new)

    def _strip_residue(self, text: str, changed: set[str]) -> str:
        if not text:
            return text
        orig = text
        if self._preamble is not None:
            text = self._preamble.sub("", text, count=1)
        for _ in range(6):
            new = self._residue_head.sub("", text, count=1)
            if new == text and self._residue_head_i is not None:
                new = self._residue_head_i.sub("", text, count=1)
            if new == text:
                break
            text = new
        if self._residue_tail is not None and "#" in text:
            text = self._residue_tail.sub("", text)
        if text != orig:
            changed.add("template_residue_removed")
            text = text.strip()
        return text

    def _clean_text(self, text: Any, field: str, instruction_low: str, changed: set[str]) -> str:
        if text is None:
            return ""
        if not isinstance(text, str):
            text = str(text)
        text = self._normalize(text, instruction_low, changed)
        if self._clean_on["template_residue"]:
            text = self._strip_residue(text, changed)
        for rep in self.replacements:
            if field in rep.fields:
                new = rep(text)
                if new != text:
                    changed.add("replaced:" + rep.id)
                    text = new.strip()
        return text

    def clean(self, rec: dict) -> list[str]:
        """Cleans every text field of `rec` in place (history turns left empty are dropped); returns
        what changed, in a fixed order."""
        changed: set[str] = set()
        instr_low = ("" if rec.get("instruction") is None else str(rec.get("instruction"))).lower()
        for key, text in list(text_slots(rec)):
            set_text(rec, key, self._clean_text(text, key[0], instr_low, changed))
        rec["history"] = [t for t in rec["history"] if (t.get("user") or t.get("assistant"))]
        if self.script is not None:
            joined = "\n".join(t for _, t in text_slots(rec) if t)
            if joined and self.script.is_traditional(joined):
                conv = self.script.converter(self.script.config.opencc_config)
                for key, text in list(text_slots(rec)):
                    if text:
                        text = conv.convert(text)
                        if self._clean_on["template_residue"]:   # 輸入： is 输入： now
                            text = self._strip_residue(text, changed)
                        set_text(rec, key, text)
                changed.add("t2s")
        applied = [c for c in ("special_tokens_removed", "html_removed", "invisible_removed",
                               "template_residue_removed", "t2s") if c in changed]
        return applied + sorted(c for c in changed if c.startswith("replaced:"))


def text_slots(rec: dict):
    """(key, text) for every text field, history turns included; `set_text` writes one back."""
    for f in TEXT_FIELDS:
        yield (f, None, None), rec.get(f) or ""
    for i, turn in enumerate(rec.get("history") or []):
        for role in ("user", "assistant"):
            yield ("history", i, role), turn.get(role) or ""


def set_text(rec: dict, key, value: str) -> None:
    f, i, role = key
    if i is None:
        rec[f] = value
    else:
        rec["history"][i][role] = value

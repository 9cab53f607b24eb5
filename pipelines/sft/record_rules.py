"""Cleaning and filtering of SFT records, driven by cleaning_rules/sft.yaml (pure, no Beam).

A record is a dict: id, source, lang, instruction, input, output, history (list of
{user, assistant}), flags (list of str), category, subcategory, label_source,
source_class. Build one :class:`RecordCleaner` per worker::

    rules = load_sft_rules("cleaning_rules/sft.yaml")
    cleaner = RecordCleaner.from_rules(rules, base_dir="cleaning_rules", sensitive=None)
    record, rejection, applied = cleaner.clean(record)

``clean`` never mutates its argument. It returns ``(cleaned record, None, applied)``
or ``(None, (rule_id, reason), applied)``; ``applied`` lists what was changed
(also appended to the record's ``flags``): ``special_tokens_removed``,
``invisible_removed``, ``html_removed``, ``template_residue_removed``,
``replaced:<id>``, ``t2s``, ``input_cleared:<rule>``, ``input_as_instruction``,
``masked:<list>``.

Order: cleaning (special tokens, HTML residue, invisible characters, trimming,
template residue, replacements, Traditional -> Simplified) then the filters in
the order of ``filters`` in the rules (sensitive words, invalid input -> clear,
input repeating the instruction -> clear, invalid / refusal / repeated output ->
drop, length bounds, language mismatch unless translation).

The text functions are the pretraining ones: :mod:`pipelines.text.normalize`,
:mod:`pipelines.text.chinese`, :mod:`pipelines.text.langid`, and (through the
``sensitive`` hook) :mod:`pipelines.text.sensitive`.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any, Callable, Protocol

import yaml

from pipelines.text.chinese import HAN, HAN_RANGES, ScriptConfig, ScriptConverter
from pipelines.text.fold import compact as fold   # what "the same text" compares (tests import it here)
from pipelines.text.langid import LangIdConfig, LanguageIdentifier
from pipelines.text.language import CLEANER, DENSE_SCRIPT, LangRule, mostly_han
from pipelines.text.normalize import TAG, NormalizeConfig, Normalizer

__all__ = ["RecordCleaner", "SftRulesError", "load_sft_rules", "load_replacements", "build_sensitive_filter",
           "build_sensitive_filters", "with_absolute_paths", "looks_like_code", "only_repeats", "near_repeat",
           "Replacement", "TEXT_FIELDS", "FILTER_IDS", "CLEANING_IDS"]

TEXT_FIELDS = ("instruction", "input", "output")
FILTER_IDS = ("sensitive_words", "invalid_input", "input_repeats_instruction", "invalid_output", "refusal_output",
              "output_repeats_instruction", "length_bounds", "language_mismatch")
CLEANING_IDS = ("special_tokens", "invisible_chars", "html_residue", "template_residue", "replacements", "t2s")

Rejection = tuple[str, str]

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


class SensitiveFilterLike(Protocol):
    """The interface of pipelines.text.sensitive.SensitiveWordFilter the cleaner uses."""

    def apply(self, text: str, lang: str) -> Any: ...   # -> FilterOutcome (text, dropped_by, reason, masked)


# --------------------------------------------------------------------------- loading
def load_sft_rules(path: str | os.PathLike) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def with_absolute_paths(rules: dict, base_dir: str | os.PathLike) -> dict:
    """A copy of an SFT rules dict whose file references (replacements, taxonomy, the
    sensitive-word rule's lists_from) are absolute against base_dir: what a variant of the
    rules written elsewhere (a benchmark, a test) needs to keep pointing at the same files."""
    out = json.loads(json.dumps(rules))
    base = Path(base_dir).resolve()
    for key, default in (("replacements", None), ("taxonomy", "taxonomy.yaml")):
        if out.get(key, default):
            out[key] = str(base / out.get(key, default))
    for rule in out.get("filters") or []:
        params = rule.get("parameters") or {}
        if rule.get("id") == "sensitive_words" and params.get("lists_from"):
            params["lists_from"] = str(base / params["lists_from"])
    return out


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
        data = yaml.safe_load(f) or {}
    reps = [Replacement(s) for s in data.get("replacements") or []]
    ids = [r.id for r in reps]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SftRulesError(f"{path}: duplicate replacement ids {dup}")
    return reps


def build_sensitive_filter(rules: dict, base_dir: str | os.PathLike, source: str | None = None):
    """A SensitiveWordFilter built as the ``sensitive_words`` filter rule declares:
    the pretraining lists (``lists_from``), plus ``extra_lists``, with ``overrides``
    applied to every list; with ``source``, that source's ``source_allow_words`` are
    allowed in every list. Returns None when the rule is absent or disabled."""
    from pipelines.text.sensitive import SensitiveWordFilter

    rule = next((r for r in rules.get("filters") or [] if r.get("id") == "sensitive_words"), None)
    if rule is None or not rule.get("enabled", True):
        return None
    params = rule.get("parameters") or {}
    base = Path(base_dir)
    lists: list[dict] = []
    src = params.get("lists_from")
    if src:
        src_path = (base / src).resolve()       # absolute: the list paths below must not resolve against base twice
        pre = load_sft_rules(src_path)
        src_dir = src_path.parent
        for d in (pre.get("sensitive_words") or {}).get("lists") or []:
            d = dict(d)
            for key in ("paths", "allow_paths"):
                if key in d:
                    d[key] = [str(p) if os.path.isabs(str(p)) else str(src_dir / p) for p in d[key]]
            lists.append(d)
    lists.extend(dict(d) for d in params.get("extra_lists") or [])
    overrides = params.get("overrides") or {}
    lists = [{**d, **overrides} for d in lists]
    extra_allow = list((params.get("source_allow_words") or {}).get(source) or []) if source else []
    if extra_allow:
        lists = [{**d, "allow_words": list(d.get("allow_words") or []) + extra_allow} for d in lists]
    return SensitiveWordFilter.from_rules(lists, base) if lists else None


def build_sensitive_filters(rules: dict, base_dir: str | os.PathLike) -> dict | None:
    """{"*": default filter, <source>: filter with that source's allow words, ...}: what
    RecordCleaner(sensitive=...) takes to apply ``source_allow_words``."""
    default = build_sensitive_filter(rules, base_dir)
    if default is None:
        return None
    rule = next(r for r in rules.get("filters") or [] if r.get("id") == "sensitive_words")
    out = {"*": default}
    for src in (rule.get("parameters") or {}).get("source_allow_words") or {}:
        out[src] = build_sensitive_filter(rules, base_dir, src)
    return out


# --------------------------------------------------------------------------- helpers
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
    bs, bt = _bigrams(fs), _bigrams(ft)
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


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))          # 2-3x faster than a findall of letters


class _Placeholders:
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


# --------------------------------------------------------------------------- cleaner
class RecordCleaner:
    """Cleans and filters SFT records (see module docstring). Build once per worker."""

    def __init__(self, rules: dict, base_dir: str | os.PathLike = ".", sensitive: SensitiveFilterLike | None = None,
                 langid: Callable[[str], tuple[str, float]] | None = None):
        self.rules = rules
        self.base_dir = Path(base_dir)
        self.sensitive = sensitive
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
        self.filters = [r for r in rules.get("filters") or []]
        for r in self.filters:
            if r.get("id") not in FILTER_IDS:
                raise SftRulesError(f"unknown filter rule id {r.get('id')!r} (known: {', '.join(FILTER_IDS)})")
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

        # Language identification (lazy: the model loads on first use).
        self._langid = langid
        self._langid_cfg = LangIdConfig.from_rules(rules["language"]) if rules.get("language") else LangIdConfig()

        # Filter parameters.
        fp = {r["id"]: (r.get("parameters") or {}) for r in self.filters}
        self._invalid_input = _Placeholders(fp.get("invalid_input", {}).get("words") or [],
                                            fp.get("invalid_input", {}).get("bracket_placeholder_max_chars", 12))
        self._invalid_output = _Placeholders(fp.get("invalid_output", {}).get("words") or [],
                                             fp.get("invalid_output", {}).get("bracket_placeholder_max_chars", 12))
        rp = fp.get("refusal_output", {})
        try:
            self._refusals = [re.compile(p) for p in rp.get("patterns") or []]
            self._refusal_fillers = [re.compile(p) for p in rp.get("fillers") or []]
        except re.error as e:
            raise SftRulesError(f"refusal_output: bad pattern: {e}") from e
        self._refusal_rest = rp.get("max_rest_letters") or {"zh": 12, "en": 40}
        self._refusal_max_chars = rp.get("max_output_chars", 200)
        self._fp = fp
        lm = fp.get("language_mismatch", {})
        self._exempt = tuple(str(k).lower() for k in lm.get("exempt_keywords") or ())

    @classmethod
    def from_rules(cls, rules: dict, base_dir: str | os.PathLike = ".", sensitive: SensitiveFilterLike | None = None,
                   langid: Callable[[str], tuple[str, float]] | None = None) -> "RecordCleaner":
        return cls(rules, base_dir, sensitive=sensitive, langid=langid)

    # ------------------------------------------------------------------ language
    @property
    def langid(self) -> Callable[[str], tuple[str, float]]:
        if self._langid is None:
            self._langid = LanguageIdentifier(self._langid_cfg)
        return self._langid

    @staticmethod
    def _han_heavy(text: str, min_han_zh: float) -> bool:
        """Chinese by script alone (the zh half of :meth:`text_lang`)."""
        return mostly_han(text, min_han_zh)

    def text_lang(self, text: str, min_score_en: float = CLEANER.en_min_score,
                  min_han_zh: float = CLEANER.zh_min_han_share, max_han_en: float = CLEANER.en_max_han_share) -> str:
        """"zh", "en", or "" (undecided: too mixed, unsure or another language):
        :data:`pipelines.text.language.CLEANER` with these thresholds, fastText loaded only if needed."""
        rule = LangRule(zh_min_han_share=min_han_zh, en_max_han_share=max_han_en, en_min_score=min_score_en)
        return rule.decide(text, lambda t: self.langid(t))

    @staticmethod
    def _quick_lang(text: str) -> str:
        """"zh" or "en" by script (kana counts as dense too): picks a bare refusal's letter budget."""
        return DENSE_SCRIPT.decide(text)

    # ------------------------------------------------------------------ cleaning
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

    def _texts(self, rec: dict):
        """(getter/setter key, text) for every text field, history turns included."""
        for f in TEXT_FIELDS:
            yield (f, None, None), rec.get(f) or ""
        for i, turn in enumerate(rec.get("history") or []):
            for role in ("user", "assistant"):
                yield ("history", i, role), turn.get(role) or ""

    @staticmethod
    def _set(rec: dict, key, value: str) -> None:
        f, i, role = key
        if i is None:
            rec[f] = value
        else:
            rec["history"][i][role] = value

    # ------------------------------------------------------------------ main entry
    def clean(self, record: dict) -> tuple[dict | None, Rejection | None, list[str]]:
        rec = dict(record)
        rec["history"] = [dict(t) for t in record.get("history") or [] if isinstance(t, dict)]
        flags = list(record.get("flags") or [])
        changed: set[str] = set()
        raw = {f: ("" if rec.get(f) is None else str(rec.get(f))) for f in TEXT_FIELDS}

        # 1. cleaning
        instr_low = raw["instruction"].lower()
        for key, text in list(self._texts(rec)):
            field = key[0]
            self._set(rec, key, self._clean_text(text, field, instr_low, changed))
        rec["history"] = [t for t in rec["history"] if (t.get("user") or t.get("assistant"))]
        if self.script is not None:
            joined = "\n".join(t for _, t in self._texts(rec) if t)
            if joined and self.script.is_traditional(joined):
                conv = self.script.converter(self.script.config.opencc_config)
                for key, text in list(self._texts(rec)):
                    if text:
                        text = conv.convert(text)
                        if self._clean_on["template_residue"]:   # 輸入： is 输入： now
                            text = self._strip_residue(text, changed)
                        self._set(rec, key, text)
                changed.add("t2s")
        applied = [c for c in ("special_tokens_removed", "html_removed", "invisible_removed",
                               "template_residue_removed", "t2s") if c in changed]
        applied += sorted(c for c in changed if c.startswith("replaced:"))

        # 2. filters
        for rule in self.filters:
            if not rule.get("enabled", True):
                continue
            rid = rule["id"]
            rej = getattr(self, "_f_" + rid)(rec, raw, applied)
            if rej is not None:
                return None, (rid, rej), applied
        rec["flags"] = flags + [a for a in applied if a not in flags]
        return rec, None, applied

    # ------------------------------------------------------------------ filters
    # Each returns None (keep, possibly after changing rec / applied) or a reason (drop).
    def _f_sensitive_words(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        filt = self.sensitive
        if isinstance(filt, dict):       # per source, "*" for the others (build_sensitive_filters)
            filt = filt.get(rec.get("source") or "", filt.get("*"))
        if filt is None:
            return None
        for key, text in list(self._texts(rec)):
            if not text:
                continue
            # Chinese lists on text with Han characters, English lists on all text
            # (English words appear in Chinese answers, and the reverse does not).
            for lang in (("zh", "en") if HAN.search(text) else ("en",)):
                out = filt.apply(text, lang)
                if getattr(out, "dropped_by", None):
                    return f"{key[0]}: {out.reason}"
                if getattr(out, "masked", 0):
                    text = out.text
                    self._set(rec, key, text)
                    tag = "masked:sensitive_words"
                    if tag not in applied:
                        applied.append(tag)
        return None

    def _f_invalid_input(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        if (rec["input"] and self._invalid_input(rec["input"])) or (raw["input"].strip() and self._invalid_input(raw["input"])):
            rec["input"] = ""
            applied.append("input_cleared:invalid_input")
        return None

    def _f_input_repeats_instruction(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        p = self._fp.get("input_repeats_instruction", {})
        if rec["input"] and rec["instruction"] and near_repeat(
                rec["instruction"], rec["input"], p.get("min_dice", 0.8), p.get("min_length_ratio", 0.75)):
            rec["input"] = ""
            applied.append("input_cleared:input_repeats_instruction")
        return None

    def _f_invalid_output(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        out = rec["output"]
        if not out:
            return "empty output" + (f" (was {raw['output'].strip()[:30]!r})" if raw["output"].strip() else "")
        if self._invalid_output(out) or self._invalid_output(raw["output"]) or _MD_IMAGE.match(out):
            return f"placeholder output {out[:30]!r}"
        return None

    def _f_refusal_output(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        out = rec["output"]
        if not out or len(out) > self._refusal_max_chars:
            return None
        rest, hit = out, False
        for pat in self._refusals:
            new = pat.sub("", rest)
            if new != rest:
                hit, rest = True, new
        if not hit:
            return None
        for pat in self._refusal_fillers:
            rest = pat.sub("", rest)
        limit = self._refusal_rest.get(self._quick_lang(out), self._refusal_rest.get("en", 40))
        if _letters(rest) <= limit:
            return f"bare refusal {out[:40]!r}"
        return None

    def _f_output_repeats_instruction(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        p = self._fp.get("output_repeats_instruction", {})
        if rec["output"] and rec["instruction"] and only_repeats(
                rec["instruction"], rec["output"], p.get("max_new_bigram_share", 0.05), p.get("min_length_ratio", 0.8)):
            return "output repeats the instruction"
        return None

    def _f_length_bounds(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        p = self._fp.get("length_bounds", {})
        if not rec["instruction"] and rec["input"] and p.get("input_as_instruction", True):
            rec["instruction"], rec["input"] = rec["input"], ""
            applied.append("input_as_instruction")
        checks = (("instruction", p.get("instruction_min", 1), p.get("instruction_max")),
                  ("input", 0, p.get("input_max")),
                  ("output", p.get("output_min", 1), p.get("output_max")))
        for f, lo, hi in checks:
            n = len(rec[f])
            if n < lo:
                return f"{f}: {n} chars < {lo}"
            if hi is not None and n > hi:
                return f"{f}: {n} chars > {hi}"
        total_max = p.get("total_max")
        if total_max is not None:
            total = sum(len(t) for _, t in self._texts(rec))
            if total > total_max:
                return f"total: {total} chars > {total_max}"
        return None

    def _f_language_mismatch(self, rec: dict, raw: dict, applied: list[str]) -> str | None:
        p = self._fp.get("language_mismatch", {})
        out, instr = rec["output"], rec["instruction"]
        if _letters(out) < p.get("min_output_letters", 20) or _CODE_FENCE in out:
            return None
        # Only a Chinese/English switch is judged: when both texts are in the same script
        # (both mostly Han, or both without Han) there is nothing to decide, and the
        # language identifier is not needed.
        if _letters(instr) >= p.get("min_instruction_letters", 4) and \
                self._han_heavy(out, p.get("min_han_share_zh", 0.5)) == self._han_heavy(instr, p.get("min_han_share_zh", 0.5)):
            return None
        if looks_like_code(out, p.get("max_code_share", 0.25)):
            return None
        ctx = (instr + "\n" + rec["input"]).lower()
        if any(k in ctx for k in self._exempt):
            return None
        kw = dict(min_score_en=p.get("min_score_en", 0.6), min_han_zh=p.get("min_han_share_zh", 0.5),
                  max_han_en=p.get("max_han_share_en", 0.02))
        out_lang = self.text_lang(out, **kw)
        if not out_lang:
            return None
        if _letters(instr) >= p.get("min_instruction_letters", 4):
            in_lang = self.text_lang(instr, **kw)
        else:
            in_lang = rec.get("lang") if rec.get("lang") in ("zh", "en") else ""
        if in_lang and in_lang != out_lang:
            # An input in the output's language (edit / rewrite this text) makes it fine.
            if rec["input"] and _letters(rec["input"]) >= p.get("min_instruction_letters", 4) \
                    and self.text_lang(rec["input"], **kw) == out_lang:
                return None
            return f"instruction is {in_lang}, output is {out_lang}"
        return None

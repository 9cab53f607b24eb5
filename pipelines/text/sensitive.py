"""Sensitive-word filter: word lists -> one Aho-Corasick automaton per language.

Pure text code (no Beam import). The filter is built once from a list of
:class:`SensitiveListConfig` and then scans documents of up to a few MB:

* every term of every list of a language goes into ONE Aho-Corasick automaton
  (``ahocorasick_rs``, a Rust automaton: every overlapping match, as pyahocorasick's
  ``iter`` gave them, 2.5x faster; payload: which lists hold the term); the allow-words
  of those lists go into the same automaton, so a document is read once;
* matching is case-insensitive (terms and text are lowercased);
* a term without any CJK character (English terms, and e.g. "13." in a Chinese
  list; "13点" has one) matches whole words only: the characters right before and after
  the match must not be a letter, digit or underscore (Han/kana/hangul
  characters do not count as letters here, so "这个fuck" still matches);
* a term with CJK characters matches as a substring, except where the hit lies
  inside an occurrence of one of the list's allow-words (性 in 性能, 奸 in 奸臣);
* overlapping hits of one list are counted once: the counted hits are the
  leftmost-longest non-overlapping matches (他妈的 is one hit, not 他妈 + 他妈的 +
  妈的; 抽插你它马的 is two: 抽插 + 你它马的, the 插你 across them not counting);
  the spans (what masking replaces) are the union of all matches.

A list *triggers* on a document when its hit count is at least ``min_hits``,
its distinct matched terms number at least ``min_distinct`` and its density
(hits per 1,000 characters) is at least ``density_per_1k``.
:meth:`SensitiveWordFilter.apply` first looks for a triggering ``drop`` list;
if there is none, triggering ``mask`` lists have their spans replaced by
``mask_char``.

Word-list format (see :func:`load_wordlist`): UTF-8 text, one term per line,
``#`` starts a comment (a whole line, or trailing after whitespace).
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from typing import Callable

import ahocorasick_rs

from pipelines.text.chinese import CJK_SPANS
from pipelines.text.fold import utf8_safe

__all__ = [
    "WordListError",
    "load_wordlist",
    "SensitiveListConfig",
    "ListHits",
    "FilterOutcome",
    "SensitiveWordFilter",
    "has_cjk",
    "opencc_converter",
]

MAX_TERMS_REPORTED = 10
ACTIONS = ("drop", "mask")
DEFAULT_MIN_TERM_CHARS = {"zh": 2, "en": 3}


class WordListError(ValueError):
    """A word list (or a list's rules) cannot be used; the message names file and line."""


# --------------------------------------------------------------------------- characters
# Scripts written without spaces between words: a character of these is never
# a word boundary problem for a Latin term, and a term containing one matches
# as a substring.
_CJK_RANGES = CJK_SPANS


def _is_cjk_char(c: str) -> bool:
    o = ord(c)
    if o < 0x2E80:
        return False
    for lo, hi in _CJK_RANGES:
        if lo <= o <= hi:
            return True
    return False


def has_cjk(s: str) -> bool:
    """True when ``s`` holds at least one Han/kana/hangul/bopomofo character."""
    return any(_is_cjk_char(c) for c in s)


def _is_word_char(c: str) -> bool:
    """Letter, digit or underscore, but not a CJK character (those are written without spaces)."""
    if c == "_":
        return True
    if c < "\x80":
        return c.isalnum()
    return c.isalnum() and not _is_cjk_char(c)


def _lower_same_length(text: str) -> str:
    """``text.lower()`` with the guarantee that indices stay aligned with ``text``."""
    low = text.lower()
    if len(low) == len(text):
        return low
    # Rare: a character whose lowercase is longer (U+0130 İ -> i + combining dot).
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --------------------------------------------------------------------------- word lists
def _strip_comment(line: str) -> str:
    s = line.strip()
    if not s or s.startswith("#"):
        return ""
    # "#" after whitespace starts a trailing comment; "C#" is a term.
    for i in range(1, len(s)):
        if s[i] == "#" and s[i - 1].isspace():
            return s[:i].strip()
    return s


def load_wordlist(path: str | os.PathLike) -> list[str]:
    """Terms of a plain-text word list, in file order, without duplicates.

    UTF-8 (a BOM is ignored), one term per line; ``#`` starts a comment (whole
    line, or trailing after whitespace); blank lines are skipped; terms are
    stripped. A line that is not UTF-8 raises :class:`WordListError` naming
    ``file:line``. Lines are kept as they are (no lowercasing): the filter
    lowercases when it builds its automaton.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise WordListError(f"{path}: cannot read word list: {e.strerror or e}") from e
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    terms: list[str] = []
    seen: set[str] = set()
    for no, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise WordListError(
                f"{path}:{no}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1}); "
                "word lists must be UTF-8 text"
            ) from None
        term = _strip_comment(line)
        if term and term not in seen:
            seen.add(term)
            terms.append(term)
    return terms


# --------------------------------------------------------------------------- config
@dataclass(frozen=True)
class SensitiveListConfig:
    """One word list and what to do when it triggers on a document.

    name: unique list name, used in reasons and stats (e.g. "zh_porn").
    lang: "zh" or "en" -- the documents the list applies to.
    category: porn, violence, politics, terror, ads, profanity, ...
    paths: word-list files (their terms are merged).
    min_term_chars: terms shorter than this (in characters) are ignored
        (None -> 2 for zh, 3 for en).
    min_hits: hits (all terms together, overlapping matches once) needed to trigger.
    density_per_1k: hits per 1,000 characters of the document needed to
        trigger; 0 = any hit counts.
    allow_words: innocent containing words; a hit inside an occurrence of one
        of them is discarded (性 in 性能, 奸 in 奸臣).
    action: "drop" (the document is removed) or "mask" (hits are replaced).
    mask_char: the character a masked span is made of (same length as the span).
    min_distinct: distinct terms needed to trigger (1: any; 2: one word repeated
        does not trigger, however often).
    """

    name: str
    lang: str
    category: str
    paths: tuple[str, ...]
    min_term_chars: int | None = None
    min_hits: int = 1
    density_per_1k: float = 0.0
    allow_words: tuple[str, ...] = ()
    action: str = "drop"
    mask_char: str = "*"
    min_distinct: int = 1

    def __post_init__(self) -> None:
        if not self.name:
            raise WordListError("sensitive list: empty name")
        if not self.lang:
            raise WordListError(f"sensitive list {self.name}: empty lang")
        if self.action not in ACTIONS:
            raise WordListError(f"sensitive list {self.name}: action must be one of {ACTIONS}, not {self.action!r}")
        if len(self.mask_char) != 1:
            raise WordListError(f"sensitive list {self.name}: mask_char must be one character, not {self.mask_char!r}")
        if self.min_hits < 1:
            raise WordListError(f"sensitive list {self.name}: min_hits must be >= 1")
        if self.min_distinct < 1:
            raise WordListError(f"sensitive list {self.name}: min_distinct must be >= 1")
        if self.density_per_1k < 0:
            raise WordListError(f"sensitive list {self.name}: density_per_1k must be >= 0")
        if self.min_term_chars is not None and self.min_term_chars < 1:
            raise WordListError(f"sensitive list {self.name}: min_term_chars must be >= 1")
        # Normalise sequences given as lists (frozen: go through object.__setattr__).
        object.__setattr__(self, "paths", tuple(self.paths))
        object.__setattr__(self, "allow_words", tuple(self.allow_words))

    @property
    def effective_min_term_chars(self) -> int:
        if self.min_term_chars is not None:
            return self.min_term_chars
        return DEFAULT_MIN_TERM_CHARS.get(self.lang, 2)

    @classmethod
    def from_rules(cls, rules: dict, base_dir: str | os.PathLike = ".") -> "SensitiveListConfig":
        """Build from a rules dict, e.g. one entry of ``sensitive_words.lists`` in a YAML file::

            name: zh_porn
            lang: zh
            category: porn
            paths: [wordlists/zh_porn.txt]     # or `path: ...`; relative to base_dir
            min_term_chars: 2
            min_hits: 1
            min_distinct: 1
            density_per_1k: 0.0
            allow_words: [性能]                # inline innocent containing words ...
            allow_paths: [wordlists/zh_allow.txt]   # ... and/or files of them
            action: drop                       # or mask
            mask_char: "*"
        """
        base = os.fspath(base_dir)

        def resolve(p: str) -> str:
            p = os.path.expanduser(str(p))
            return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))

        name = rules.get("name")
        if not name:
            raise WordListError("sensitive list without a name")
        known = {"name", "lang", "category", "paths", "path", "min_term_chars", "min_hits", "min_distinct",
                 "density_per_1k", "allow_words", "allow_paths", "action", "mask_char"}
        unknown = sorted(set(rules) - known)
        if unknown:
            raise WordListError(f"sensitive list {name}: unknown keys {unknown}")
        paths = rules.get("paths")
        if paths is None:
            paths = [rules["path"]] if rules.get("path") else []
        elif isinstance(paths, str):
            paths = [paths]
        if not paths:
            raise WordListError(f"sensitive list {name}: no paths")
        allow: list[str] = [str(w).strip() for w in rules.get("allow_words") or [] if str(w).strip()]
        allow_paths = rules.get("allow_paths") or []
        if isinstance(allow_paths, str):
            allow_paths = [allow_paths]
        for p in allow_paths:
            allow.extend(load_wordlist(resolve(p)))
        allow = list(dict.fromkeys(allow))
        return cls(
            name=str(name),
            lang=str(rules.get("lang", "")),
            category=str(rules.get("category", "")),
            paths=tuple(resolve(p) for p in paths),
            min_term_chars=rules.get("min_term_chars"),
            min_hits=int(rules.get("min_hits", 1)),
            min_distinct=int(rules.get("min_distinct", 1)),
            density_per_1k=float(rules.get("density_per_1k", 0.0)),
            allow_words=tuple(allow),
            action=str(rules.get("action", "drop")),
            mask_char=str(rules.get("mask_char", "*")),
        )


# --------------------------------------------------------------------------- results
@dataclass
class ListHits:
    """What one list found in one document."""

    hits: int = 0                                   # matches after allow-list and boundary checks, overlaps counted once
    terms: list[str] = field(default_factory=list)  # sorted distinct terms of the counted matches (at most 10)
    distinct: int = 0                               # distinct terms of the counted matches (not capped)
    density_per_1k: float = 0.0                     # hits per 1,000 characters of the document
    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) regions covered by matches (overlaps merged)


@dataclass
class FilterOutcome:
    """Result of :meth:`SensitiveWordFilter.apply` on one document."""

    text: str                       # masked text (or the input, unchanged)
    dropped_by: str | None = None   # name of the drop list that triggered
    reason: str = ""                # human-readable, e.g. "zh_porn: 3 hits (淫秽, 肉棒), 2.4 per 1,000 chars >= 1.0"
    value: float = 0.0              # measured density of the deciding list (the densest list if none decided)
    threshold: float = 0.0          # that list's density_per_1k
    masked: int = 0                 # spans masked
    hits: dict[str, int] = field(default_factory=dict)  # list name -> hits (lists with hits only)

    @property
    def dropped(self) -> bool:
        return self.dropped_by is not None


# --------------------------------------------------------------------------- filter
class _Automaton:
    """One language's terms and allow-words in an ahocorasick_rs automaton, each with its payload
    (key, term list indices, allow list indices, whole_word). Pickles as its patterns: the Rust
    automaton itself does not pickle, and rebuilding it takes milliseconds."""

    def __init__(self, patterns: list[str], payloads: list[tuple]):
        self.patterns, self.payloads = patterns, payloads
        self._ac = ahocorasick_rs.AhoCorasick(patterns)

    def matches(self, text: str):
        """(start, end, payload) of every match, overlapping ones included; positions in characters."""
        payloads = self.payloads
        try:
            found = self._ac.find_matches_as_indexes(text, overlapping=True)
        except UnicodeEncodeError:            # lone surrogates
            found = self._ac.find_matches_as_indexes(utf8_safe(text), overlapping=True)
        for i, start, end in found:
            yield start, end, payloads[i]

    def __getstate__(self):
        return self.patterns, self.payloads

    def __setstate__(self, state):
        self.__init__(*state)


class SensitiveWordFilter:
    """Scans documents for the terms of a set of word lists (see module docstring)."""

    def __init__(self, configs: list[SensitiveListConfig] | tuple[SensitiveListConfig, ...],
                 convert_terms: Callable[[str], str] | None = None):
        """Load the lists and build one automaton per language.

        convert_terms: optional term converter, e.g. ``opencc_converter("t2s")``
            when documents are converted Traditional -> Simplified before
            filtering: each term (and allow-word) is added both as written and
            converted, so the Traditional/Cantonese entries of a list (咸家鏟,
            躝癱) still match converted text (咸家铲, 躝瘫). Not kept on
            the filter (the filter pickles without it).
        """
        self.configs: tuple[SensitiveListConfig, ...] = tuple(configs)
        names = [c.name for c in self.configs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise WordListError(f"sensitive lists: duplicate list names {dup}")
        self._by_name = {c.name: c for c in self.configs}
        self._lists_by_lang: dict[str, list[int]] = {}
        for i, c in enumerate(self.configs):
            self._lists_by_lang.setdefault(self._norm_lang(c.lang), []).append(i)
        self.term_counts: dict[str, int] = {}   # list name -> terms in the automaton
        self._automata: dict[str, _Automaton] = {}
        loaded: dict[str, list[str]] = {}
        for lang, idxs in self._lists_by_lang.items():
            # key -> [term list indices, allow list indices]
            entries: dict[str, tuple[list[int], list[int]]] = {}
            for i in idxs:
                cfg = self.configs[i]
                min_chars = cfg.effective_min_term_chars
                n = 0
                for path in cfg.paths:
                    if path not in loaded:
                        loaded[path] = load_wordlist(path)
                    for term in loaded[path]:
                        if len(term) < min_chars:
                            continue
                        for key in _variants(term, convert_terms):
                            lists = entries.setdefault(key, ([], []))[0]
                            if i not in lists:
                                lists.append(i)
                                n += 1
                self.term_counts[cfg.name] = n
                for w in cfg.allow_words:
                    for key in _variants(w.strip(), convert_terms):
                        allows = entries.setdefault(key, ([], []))[1]
                        if i not in allows:
                            allows.append(i)
            keys = [key for key in entries if key]
            if keys:
                self._automata[lang] = _Automaton(keys, [(key, tuple(entries[key][0]), tuple(entries[key][1]), not has_cjk(key))
                                                         for key in keys])

    @staticmethod
    def _norm_lang(lang: str) -> str:
        return (lang or "").split("-")[0].split("_")[0].lower()

    @classmethod
    def from_rules(cls, lists: list[dict], base_dir: str | os.PathLike = ".") -> "SensitiveWordFilter":
        return cls([SensitiveListConfig.from_rules(d, base_dir) for d in lists])

    # ------------------------------------------------------------------ scanning
    def scan(self, text: str, lang: str) -> dict[str, ListHits]:
        """Hits of every list of ``lang`` in ``text`` (lists without hits included, with 0)."""
        lang = self._norm_lang(lang)
        idxs = self._lists_by_lang.get(lang, [])
        result = {self.configs[i].name: ListHits() for i in idxs}
        auto = self._automata.get(lang)
        if auto is None or not text:
            return result
        low = _lower_same_length(text)
        n = len(low)
        raw: dict[int, list[tuple[int, int, str]]] = {}
        allow: dict[int, list[tuple[int, int]]] = {}
        is_word = _is_word_char
        for start, end, (key, term_lists, allow_lists, whole_word) in auto.matches(low):
            if allow_lists:
                for i in allow_lists:
                    allow.setdefault(i, []).append((start, end))
            if not term_lists:
                continue
            if whole_word and ((start > 0 and is_word(low[start - 1])) or (end < n and is_word(low[end]))):
                continue
            for i in term_lists:
                raw.setdefault(i, []).append((start, end, key))
        for i, found in raw.items():
            allowed = allow.get(i)
            if allowed:
                found = _drop_allowed(found, allowed)
                if not found:
                    continue
            # Leftmost-longest, non-overlapping matches are the counted hits (他妈的 once,
            # not 他妈 + 他妈的 + 妈的); the union of all matches is what gets masked.
            found.sort(key=lambda h: (h[0], -h[1]))
            spans: list[tuple[int, int]] = []
            terms: set[str] = set()
            hits = 0
            counted_end = -1
            for s, e, key in found:
                if s >= counted_end:
                    hits += 1
                    counted_end = e
                    terms.add(key)
                if spans and s < spans[-1][1]:
                    if e > spans[-1][1]:
                        spans[-1] = (spans[-1][0], e)
                else:
                    spans.append((s, e))
            lh = result[self.configs[i].name]
            lh.hits = hits
            lh.spans = spans
            lh.terms = sorted(terms)[:MAX_TERMS_REPORTED]
            lh.distinct = len(terms)
            lh.density_per_1k = hits * 1000.0 / n
        return result

    def apply(self, text: str, lang: str) -> FilterOutcome:
        """Drop, mask or keep ``text`` (see module docstring)."""
        found = self.scan(text, lang)
        out = FilterOutcome(text=text, hits={k: v.hits for k, v in found.items() if v.hits})
        if not out.hits:
            return out
        by_name = self._by_name
        # The densest list, for the record when nothing triggers.
        best = max(out.hits, key=lambda k: found[k].density_per_1k)
        out.value = round(found[best].density_per_1k, 4)
        out.threshold = by_name[best].density_per_1k
        triggered = [by_name[k] for k in found if found[k].hits and self._triggers(by_name[k], found[k])]
        for cfg in triggered:
            if cfg.action == "drop":
                lh = found[cfg.name]
                out.dropped_by = cfg.name
                out.value = round(lh.density_per_1k, 4)
                out.threshold = cfg.density_per_1k
                out.reason = _reason(cfg, lh)
                return out
        masks = [cfg for cfg in triggered if cfg.action == "mask"]
        if masks:
            out.text, out.masked = _mask(text, [(s, e, cfg.mask_char) for cfg in masks for s, e in found[cfg.name].spans])
            out.reason = "; ".join("masked " + _reason(cfg, found[cfg.name]) for cfg in masks)
            lead = max(masks, key=lambda c: found[c.name].density_per_1k)
            out.value = round(found[lead.name].density_per_1k, 4)
            out.threshold = lead.density_per_1k
        return out

    @staticmethod
    def _triggers(cfg: SensitiveListConfig, lh: ListHits) -> bool:
        return (lh.hits >= cfg.min_hits and lh.distinct >= cfg.min_distinct
                and lh.density_per_1k >= cfg.density_per_1k)

    def __repr__(self) -> str:
        return f"SensitiveWordFilter({', '.join(f'{k}={v}' for k, v in self.term_counts.items())})"


def _variants(term: str, convert: Callable[[str], str] | None) -> list[str]:
    """Automaton keys for a term: lowercased, plus its converted form when that differs."""
    if not term:
        return []
    keys = [_lower_same_length(term)]
    if convert is not None:
        conv = _lower_same_length(convert(term))
        if conv and conv != keys[0]:
            keys.append(conv)
    return keys


def opencc_converter(config: str = "t2s") -> Callable[[str], str]:
    """``OpenCC(config).convert`` (opencc imported here, only when asked for)."""
    import opencc  # noqa: PLC0415 - optional dependency

    return opencc.OpenCC(config).convert


def _drop_allowed(found: list[tuple[int, int, str]], allowed: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Hits that do not lie inside an allow-word occurrence (both lists small, or sorted here)."""
    allowed.sort()
    starts = [s for s, _ in allowed]
    max_end: list[int] = []
    m = -1
    for _, e in allowed:
        m = e if e > m else m
        max_end.append(m)
    keep = []
    for hit in found:
        j = bisect.bisect_right(starts, hit[0]) - 1
        if j >= 0 and max_end[j] >= hit[1]:
            continue   # some allow occurrence starting at or before the hit ends at or after it
        keep.append(hit)
    return keep


def _reason(cfg: SensitiveListConfig, lh: ListHits) -> str:
    terms = ", ".join(lh.terms)
    return (f"{cfg.name}: {lh.hits} hit{'s' if lh.hits != 1 else ''} ({terms}), "
            f"{_num(lh.density_per_1k)} per 1,000 chars >= {_num(cfg.density_per_1k)}")


def _num(x: float) -> str:
    """2.4, 1.0, 0.035, 0 -- short but not rounded to nothing."""
    if x == 0:
        return "0"
    return f"{x:.1f}" if x >= 1 else f"{x:.2g}"


def _mask(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, int]:
    """Replace each (merged) span by its mask character; returns the text and the span count."""
    spans.sort()
    merged: list[list] = []
    for s, e, ch in spans:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e, ch])
    parts = []
    pos = 0
    for s, e, ch in merged:
        parts.append(text[pos:s])
        parts.append(ch * (e - s))
        pos = e
    parts.append(text[pos:])
    return "".join(parts), len(merged)

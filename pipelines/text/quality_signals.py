"""Heuristic quality signals and hard filters (Gopher / C4 rules, made Chinese-aware).

`compute_signals(text, lang)` returns the same float-valued keys (`SIGNAL_NAMES`)
for every document, so they can be stored as Parquet columns and re-thresholded
later without recomputing. `first_failure(signals, lang, filters)` applies a list
of `SignalFilter`s (thresholds per language, "default" as fallback) and says which
one a document fails first, and why. `DEFAULT_FILTERS` is the default list in the
same dict form as the rules file; `filters_from_rules` turns such dicts into
filters, with clear errors.

Definitions
-----------
* Words are CJK-aware: every Han character is one word, and every run of other
  letters/digits (Latin, Cyrillic, kana, digits ...; not "_") is one word. No
  segmenter and no assumption of spaces, so Chinese word n-grams are character
  n-grams and English ones are the usual word n-grams; mixed text mixes both.
* Letters are Unicode letters (`[^\\W\\d_]`): Han characters are letters.
* Symbols are characters that are none of: letters, digits, whitespace, common
  punctuation (ASCII  ! " ' ( ) , - . / : ; ?  and the CJK/full-width marks
  such as 。，、；：！？“”‘’（）《》【】「」…—～·). So  # $ % ^ & * | ~ < > { } [ ] = + _ @ \\ `
  and emoji, box drawing, math signs etc. are symbols.
* The "language script" is Han + Latin for zh (bilingual Chinese text with
  English words, pinyin or accented names passes), Latin for en, and Han + Latin
  for any other language code. Latin = ASCII letters, Latin-1/Extended-A/B,
  Latin Extended Additional and full-width Latin letters.
* Lines are the text split on "\\n", stripped; blank lines are ignored.
* Repetition (Gopher): `top_{2,3,4}gram_frac` is (count of the most frequent
  n-gram x its characters) / characters of all words, 0 when no n-gram occurs
  twice (overlapping occurrences are counted, the value is capped at 1).
  `dup_{5..10}gram_frac` is the share of word characters covered by the repeat
  occurrences (every occurrence but the first) of n-grams that occur more than
  once, overlaps counted once.
  These n-gram signals read the first `NGRAM_WORD_CAP` (100,000) words of a
  document only: a 4 MB document costs the same as a ~300-600 kB one here. All
  other signals read the whole text.
* Cost is O(n) per document: character classes are counted as regex runs (one
  C-level scan each, no per-character Python loop); n-grams are 64-bit rolling
  hashes of word hashes (numpy), counted with dicts (hash tables), and each
  longer n only looks at positions whose shorter n-gram repeats. Short documents
  (few words) take a pure-Python path with the same results.
"""
from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

# ---------------------------------------------------------------- signal names

SIGNAL_NAMES: tuple[str, ...] = (
    "n_chars",
    "n_words",
    "mean_word_len",
    "symbol_ratio",
    "digit_ratio",
    "whitespace_ratio",
    "non_language_ratio",
    "cjk_ratio",
    "dup_line_frac",
    "dup_line_char_frac",
    "top_2gram_frac",
    "top_3gram_frac",
    "top_4gram_frac",
    "dup_5gram_frac",
    "dup_6gram_frac",
    "dup_7gram_frac",
    "dup_8gram_frac",
    "dup_9gram_frac",
    "dup_10gram_frac",
    "punct_end_line_frac",
    "bullet_line_frac",
    "ellipsis_line_frac",
    "stopword_count",
    "mojibake_ratio",
)

NGRAM_WORD_CAP = 100_000          # n-gram signals read at most this many words of a document
_TOP_NS = (2, 3, 4)
_DUP_NS = (5, 6, 7, 8, 9, 10)

# ---------------------------------------------------------------- character classes

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_LATIN = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
          "\uff21-\uff3a\uff41-\uff5a")
_BOPOMOFO = "\u3100-\u312f\u31a0-\u31bf"
# Common punctuation (not symbols): ASCII and CJK / full-width marks.
_PUNCT = (
    "!\"'(),\\-./:;?"
    "\u00a1\u00bf\u00ab\u00bb\u00b7"                       # ¡ ¿ « » ·
    "\u2010-\u2027\u2030-\u205e"                            # ‐ – — ‘ ’ “ ” • … ‰ ′ ″ ‹ › ‼ ⁇ ...
    "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u30fb"         # 、。〃 〈〉《》「」『』【】 〔〕〖〗〘〙〚〛〜〝〞〟 ・
    "\uff01\uff02\uff07-\uff0f\uff1a\uff1b\uff1f"          # ！＂＇（）＊＋，－．／：；？ (full width)
    "\uff3b\uff3d\uff5b\uff5d\uff5e-\uff65"                # ［］｛｝～｟｠｡｢｣､･
    "\ufe10-\ufe19\ufe30-\ufe6b"                            # vertical and small forms ︐ ﹏ ﹐ ...
    "\u0300-\u036f"                                         # combining accents (decomposed letters)
)

# Character classes, one lookup per character (a table for the BMP, built once).
_SYM, _HANC, _LAT, _BOPO, _OLET, _DIG, _SPC, _PUN = range(8)
_LEAD_BIT, _ZHSTOP_BIT = 8, 16       # flags: mojibake lead character; Chinese function character
_NCODES = 32

# Function characters of modern and classical Chinese, counted as characters.
_ZH_STOPCHARS = "的了是在和我有这也就不人都个们你他她它要会说与及之其而于以为者所"
_EN_STOPWORDS = ("the", "be", "to", "of", "and", "that", "have", "with", "a", "an", "is", "are",
                 "was", "were", "in", "on", "for", "it", "this", "as", "at", "by", "from", "or",
                 "not", "but", "you", "he", "she", "they", "we", "i")


def _classify(ch: str, _han=re.compile(f"[{_HAN}]"), _lat=re.compile(f"[{_LATIN}]"),
              _bopo=re.compile(f"[{_BOPOMOFO}]"), _letter=re.compile(r"[^\W\d_]"),
              _digit=re.compile(r"\d"), _space=re.compile(r"\s"), _punct=re.compile(f"[{_PUNCT}]")) -> int:
    if _letter.match(ch):
        c = _HANC if _han.match(ch) else _LAT if _lat.match(ch) else _BOPO if _bopo.match(ch) else _OLET
    elif _digit.match(ch):
        c = _DIG
    elif _space.match(ch):
        c = _SPC
    elif _punct.match(ch):
        c = _PUN
    else:
        c = _SYM          # includes "_", emoji, # $ % ^ & * | ~ < > { } [ ] = + @ \ `
    if "\u00c2" <= ch <= "\u00f4" or ch == "\ufffd":
        c |= _LEAD_BIT
    if ch in _ZH_STOPCHARS:
        c |= _ZHSTOP_BIT
    return c


def _build_table() -> np.ndarray:
    table = np.zeros(0x10000, dtype=np.uint8)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue          # lone surrogates: symbols
        table[code] = _classify(chr(code))
    return table


_TABLE = _build_table()
_LOWER = np.arange(0x10000, dtype=np.uint32)
for _c in range(0x10000):
    _l = chr(_c).lower() if not 0xD800 <= _c <= 0xDFFF else ""
    if len(_l) == 1:
        _LOWER[_c] = ord(_l)
_IS_HAN = np.zeros(_NCODES, dtype=bool)
_IS_RUN = np.zeros(_NCODES, dtype=bool)      # letters/digits that make up non-Han words
for _v in range(_NCODES):
    _IS_HAN[_v] = (_v & 7) == _HANC
    _IS_RUN[_v] = (_v & 7) in (_LAT, _BOPO, _OLET, _DIG)

_W = np.random.default_rng(20240611).integers(1, 2**63, size=1024, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SMALL_DOC_CHARS = 2000           # shorter documents take the plain-Python word and n-gram path
_WORD = re.compile(f"[{_HAN}]|[^\\W_{_HAN}]+")      # CJK-aware words (the plain-Python path)
_EN_STOPSET = frozenset(_EN_STOPWORDS)
_HAN_TAG = np.uint64(1 << 62)

_TERMINAL = frozenset(".!?;。！？；…」』”’\"'）)】》〉～~．｡")
_BULLET = re.compile(
    r"[ \t]*(?:[•·●○◦▪▫■□◆◇►▶▸➢➤✓✔☆★\-–—*+>]"      # bullet signs
    r"|\d{1,3}[.)、．）](?!\d)"                         # 1.  2)  3、
    r"|[（(]\d{1,3}[)）]"                               # (1) （2）
    r"|[（(]?[一二三四五六七八九十]{1,3}[、)）.．]"     # 一、 （二）
    r"|[a-zA-Z][.)](?=\s))"                            # a) b.
)

# UTF-8 read as Latin-1 / cp1252: a lead byte (Â..ô) followed by a continuation byte
# (0x80-0xBF as Latin-1 or cp1252), or alone (C1 continuation bytes get stripped by
# normalization; Ã Â â are almost never genuine), the BOM read as Latin-1, and U+FFFD.
_CP1252_CONT = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_CONT}]"
    "|[\u00c2\u00c3\u00e2]"
    "|\ufffd"
)


def _lang_key(lang: str | None) -> str:
    lang = (lang or "").lower()
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    return "other"


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _classes(codes: np.ndarray) -> np.ndarray:
    if codes.size and int(codes.max()) > 0xFFFF:
        v = np.take(_TABLE, np.minimum(codes, 0xFFFF))
        for i in np.flatnonzero(codes > 0xFFFF).tolist():     # rare: Han extensions B+, emoji
            v[i] = _classify(chr(int(codes[i])))
        return v
    return np.take(_TABLE, codes)


def _run_hashes(codes: np.ndarray, idx: np.ndarray, starts_in_idx: np.ndarray) -> np.ndarray:
    """64-bit hashes of the runs of characters codes[idx] (lower-cased);
    starts_in_idx: where each run starts within idx."""
    c = codes[idx]
    c = np.where(c > 0xFFFF, c, np.take(_LOWER, np.minimum(c, 0xFFFF))).astype(np.uint64)
    pos_in_run = np.arange(idx.size) - np.repeat(starts_in_idx, np.diff(np.append(starts_in_idx, idx.size)))
    with np.errstate(over="ignore"):
        contrib = (c + np.uint64(1)) * _W[pos_in_run & 1023]
        h = np.add.reduceat(contrib, starts_in_idx)
        lens = np.diff(np.append(starts_in_idx, idx.size)).astype(np.uint64)
        h = (h ^ (h >> np.uint64(31)) ^ lens) * _MIX
    return h & ~_HAN_TAG


def _word_hash(word: str) -> int:
    codes = _codes(word)
    return int(_run_hashes(codes, np.arange(codes.size), np.zeros(1, dtype=np.int64))[0])


_EN_STOP_HASHES = np.array(sorted({_word_hash(w) for w in _EN_STOPWORDS}), dtype=np.uint64)


# ---------------------------------------------------------------- n-gram repetition

def _ngram_signals_small(toks: list, lens: list[int]) -> dict[str, float]:
    """Plain-Python n-gram signals for short documents (same definitions as the numpy
    path): tuples of words, counted with C-level zip/Counter/set; stops at the first
    n with no repeated n-gram (no longer one can repeat then)."""
    out = dict.fromkeys(_NGRAM_KEYS, 0.0)
    nw = len(toks)
    total = sum(lens)
    if nw < 2 or not total:
        return out
    cum = None
    for n in range(2, 11):
        if nw < n:
            break
        grams = list(zip(*(toks[k:] for k in range(n))))
        if n <= 4:
            counts = Counter(grams)
            top = max(counts.values())
            if top == 1:
                break
            gram = max(counts, key=counts.__getitem__)          # the first most frequent one
            p = grams.index(gram)
            out[f"top_{n}gram_frac"] = min(1.0, top * sum(lens[p:p + n]) / total)
        else:
            if len(set(grams)) == len(grams):
                break
            if cum is None:
                cum = [0]
                for x in lens:
                    cum.append(cum[-1] + x)
            seen: set = set()
            covered = end = 0
            for i, g in enumerate(grams):
                if g in seen:
                    start = i if i > end else end
                    covered += cum[i + n] - cum[start]
                    end = i + n
                else:
                    seen.add(g)
            out[f"dup_{n}gram_frac"] = covered / total
    return out


def _ngram_signals_np(toks: np.ndarray, lens: np.ndarray) -> dict[str, float]:
    """The n-gram signals with 64-bit rolling hashes and numpy.

    g_n[i] hashes words[i:i+n]. An n-gram that repeats has a repeating (n-1)-gram
    prefix, so each n only looks at the positions whose (n-1)-gram repeats. Equal
    hashes are grouped by a stable argsort (C): within a group the first element is
    the first occurrence.
    """
    out = dict.fromkeys(_NGRAM_KEYS, 0.0)
    nw = toks.size
    cum = np.zeros(nw + 1, dtype=np.int64)
    np.cumsum(lens, out=cum[1:])
    total = int(cum[-1])
    if nw < 2 or not total:
        return out
    g = toks
    pos = np.arange(nw)              # positions whose (n-1)-gram occurs at least twice
    with np.errstate(over="ignore"):
        for n in range(2, 11):
            m = nw - n + 1
            if m <= 0:
                break
            g = (g[:-1] ^ (g[:-1] >> np.uint64(29))) * _MIX + toks[n - 1:]
            if pos.size and pos[-1] >= m:
                pos = pos[: np.searchsorted(pos, m)]
            k = pos.size
            if k < 2:
                break
            keys = g[pos]
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            first = np.empty(k, dtype=bool)
            first[0] = True
            np.not_equal(sk[1:], sk[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            if starts.size == k:
                break                     # no repeated n-gram: none for longer n either
            counts = np.diff(starts, append=k)
            if n <= 4:
                top = int(counts.max())
                p = int(pos[order[starts[counts == top]].min()])
                out[f"top_{n}gram_frac"] = min(1.0, top * int(cum[p + n] - cum[p]) / total)
            else:
                rep = pos[order[~first]]
                delta = np.bincount(rep, minlength=nw + 1) - np.bincount(rep + n, minlength=nw + 1)[: nw + 1]
                covered = np.cumsum(delta[:nw]) > 0
                out[f"dup_{n}gram_frac"] = float(lens[covered].sum()) / total
            multi = np.repeat(counts > 1, counts)          # per sorted element
            pos = np.sort(pos[order[multi]])
    return out


_NGRAM_KEYS = tuple(f"top_{n}gram_frac" for n in _TOP_NS) + tuple(f"dup_{n}gram_frac" for n in _DUP_NS)


def _tokens(codes: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word hashes, word lengths, hashes of the non-Han words) in text order."""
    n = codes.size
    han = _IS_HAN[v]
    run = _IS_RUN[v]
    start = run.copy()
    start[1:] &= ~run[:-1]
    idx = np.flatnonzero(run)
    starts_in_idx = np.flatnonzero(start[idx])
    run_h = _run_hashes(codes, idx, starts_in_idx) if idx.size else np.zeros(0, dtype=np.uint64)
    run_len = np.diff(np.append(starts_in_idx, idx.size))
    tok_pos = np.flatnonzero(han | start)
    val = np.zeros(n, dtype=np.uint64)
    ln = np.zeros(n, dtype=np.int64)
    han_pos = np.flatnonzero(han)
    val[han_pos] = codes[han_pos].astype(np.uint64) | _HAN_TAG
    ln[han_pos] = 1
    sp = idx[starts_in_idx]
    val[sp] = run_h
    ln[sp] = run_len
    return val[tok_pos], ln[tok_pos], run_h


# ---------------------------------------------------------------- signals

def compute_signals(text: str, lang: str) -> dict[str, float]:
    """All of `SIGNAL_NAMES` for one document, every value a float.

    `lang` is the document's language ("zh", "en", anything else): it picks the
    script counted as "language" and the stop-word list.
    """
    key = _lang_key(lang)
    codes = _codes(text)
    v = _classes(codes)
    bc = np.bincount(v, minlength=_NCODES)
    cls = bc.reshape(4, 8).sum(axis=0)
    lead = int(bc[_LEAD_BIT:_LEAD_BIT + 8].sum() + bc[_LEAD_BIT + _ZHSTOP_BIT:].sum())
    zh_stop = int(bc[_ZHSTOP_BIT:].sum())
    n_chars = codes.size
    han, lat, bopo, olet = int(cls[_HANC]), int(cls[_LAT]), int(cls[_BOPO]), int(cls[_OLET])
    digits, spaces, symbols = int(cls[_DIG]), int(cls[_SPC]), int(cls[_SYM])
    letters = han + lat + bopo + olet

    n_words = han + int(np.count_nonzero(np.diff(_IS_RUN[v].view(np.int8), prepend=np.int8(0)) == 1))
    word_chars = han + lat + bopo + olet + digits
    small = n_chars < _SMALL_DOC_CHARS
    if small:
        words = _WORD.findall(text.lower())
        en_stop = sum(map(_EN_STOPSET.__contains__, words)) if key != "zh" else 0
    else:
        toks, tok_lens, run_h = _tokens(codes, v)
        en_stop = int(np.isin(run_h, _EN_STOP_HASHES).sum()) if key != "zh" else 0

    if key == "zh":
        non_language = letters - han - lat - bopo
        stop = zh_stop
    elif key == "en":
        non_language = letters - lat
        stop = en_stop
    else:
        non_language = letters - han - lat
        stop = zh_stop + en_stop

    # lines
    lines = [ln for ln in map(str.strip, text.split("\n")) if ln]
    n_lines = len(lines)
    line_chars = sum(map(len, lines))
    line_counts = Counter(lines)
    dup_lines = n_lines - len(line_counts)
    dup_line_chars = sum(len(ln) * (c - 1) for ln, c in line_counts.items() if c > 1) if dup_lines else 0
    term = sum(1 for ln in lines if ln[-1] in _TERMINAL)
    bullets = sum(1 for ln in lines if _BULLET.match(ln))
    ellipsis = sum(1 for ln in lines if (ln[-1] == "…" or ln.endswith("...")))

    mojibake = len(_MOJIBAKE.findall(text)) if lead else 0

    def ratio(a: float, b: float) -> float:
        return float(a) / b if b else 0.0

    out = {
        "n_chars": float(n_chars),
        "n_words": float(n_words),
        "mean_word_len": ratio(word_chars, n_words),
        "symbol_ratio": ratio(symbols, n_chars),
        "digit_ratio": ratio(digits, n_chars),
        "whitespace_ratio": ratio(spaces, n_chars),
        "non_language_ratio": ratio(non_language, letters),
        "cjk_ratio": ratio(han, n_chars - spaces),
        "dup_line_frac": ratio(dup_lines, n_lines),
        "dup_line_char_frac": ratio(dup_line_chars, line_chars),
        "punct_end_line_frac": ratio(term, n_lines),
        "bullet_line_frac": ratio(bullets, n_lines),
        "ellipsis_line_frac": ratio(ellipsis, n_lines),
        "stopword_count": float(stop),
        "mojibake_ratio": ratio(mojibake, n_chars),
    }
    if small:
        words = words[:NGRAM_WORD_CAP]
        out.update(_ngram_signals_small(words, list(map(len, words))))
    else:
        out.update(_ngram_signals_np(toks[:NGRAM_WORD_CAP], tok_lens[:NGRAM_WORD_CAP]))
    return {name: float(out[name]) for name in SIGNAL_NAMES}


# ---------------------------------------------------------------- filters

_LANG_KEYS_HINT = '"zh", "en", "default"'


@dataclass(frozen=True)
class FilterFailure:
    filter_id: str
    signal: str
    value: float
    threshold: float
    bound: str          # "min" or "max"
    lang: str           # the threshold's key: the document language or "default"
    reason: str


def _fmt(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    if abs(x) >= 0.01:
        return f"{x:.2f}"
    return f"{x:.2g}"


@dataclass(frozen=True)
class SignalFilter:
    """Fails a document whose `signal` is below `min` or above `max` for its language.

    Thresholds are per language ({"zh": .., "en": .., "default": ..}); a language
    without a key uses "default"; no key and no default means no bound.
    """
    id: str
    signal: str
    min: dict[str, float] | None = None
    max: dict[str, float] | None = None
    description: str = ""

    def threshold(self, bound: str, lang: str) -> tuple[float | None, str]:
        table = self.min if bound == "min" else self.max
        if not table:
            return None, ""
        if lang in table:
            return table[lang], lang
        if "default" in table:
            return table["default"], "default"
        return None, ""

    def check(self, signals: Mapping[str, float], lang: str) -> FilterFailure | None:
        if self.signal not in signals:
            raise ValueError(f"filter {self.id!r}: signals have no {self.signal!r} (have: {', '.join(sorted(signals))})")
        value = float(signals[self.signal])
        lo, lo_key = self.threshold("min", lang)
        if lo is not None and value < lo:
            return self._failure(value, lo, "min", "<", lang, lo_key)
        hi, hi_key = self.threshold("max", lang)
        if hi is not None and value > hi:
            return self._failure(value, hi, "max", ">", lang, hi_key)
        return None

    def _failure(self, value, thr, bound, op, lang, key) -> FilterFailure:
        where = lang if key == lang else f"{lang}: default"
        reason = f"{self.signal} {_fmt(value)} {op} {bound} {_fmt(thr)} ({where})"
        return FilterFailure(self.id, self.signal, value, float(thr), bound, key, reason)


def first_failure(signals: Mapping[str, float], lang: str, filters: Iterable[SignalFilter]) -> FilterFailure | None:
    """The first filter (in list order) the document fails, or None if it passes all."""
    key = _lang_key(lang) if _lang_key(lang) != "other" else (lang or "")
    for f in filters:
        failure = f.check(signals, key)
        if failure is not None:
            return failure
    return None


def _thresholds(fid: str, bound: str, value) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"filter {fid!r}: {bound!r} must be a map from language ({_LANG_KEYS_HINT}) to a number, "
                         f"got {type(value).__name__} {value!r}")
    out: dict[str, float] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k:
            raise ValueError(f"filter {fid!r}: {bound} has a bad language key {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"filter {fid!r}: {bound}.{k} must be a finite number, got {v!r}")
        out[k] = float(v)
    return out


_FILTER_KEYS = ("id", "signal", "min", "max", "description")


def filters_from_rules(rules: Iterable[Mapping]) -> list[SignalFilter]:
    """Builds filters from the rules-file form: [{id, signal, min: {zh: .., en: ..}, max: {..}, description}]."""
    out: list[SignalFilter] = []
    ids: set[str] = set()
    for i, r in enumerate(rules):
        if not isinstance(r, Mapping):
            raise ValueError(f"filter #{i}: must be a map with keys {', '.join(_FILTER_KEYS)}, got {type(r).__name__}")
        fid = r.get("id")
        if not isinstance(fid, str) or not fid:
            raise ValueError(f"filter #{i}: needs a non-empty string 'id'")
        unknown = [k for k in r if k not in _FILTER_KEYS]
        if unknown:
            raise ValueError(f"filter {fid!r}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(_FILTER_KEYS)}")
        if fid in ids:
            raise ValueError(f"filter {fid!r}: duplicate id")
        ids.add(fid)
        signal = r.get("signal")
        if signal not in SIGNAL_NAMES:
            close = difflib.get_close_matches(str(signal), SIGNAL_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"filter {fid!r}: unknown signal {signal!r}{hint}; known signals: {', '.join(SIGNAL_NAMES)}")
        lo = _thresholds(fid, "min", r.get("min"))
        hi = _thresholds(fid, "max", r.get("max"))
        if not lo and not hi:
            raise ValueError(f"filter {fid!r}: needs a 'min' or a 'max' threshold")
        for k in set(lo or {}) & set(hi or {}):
            if lo[k] > hi[k]:
                raise ValueError(f"filter {fid!r}: min.{k} {lo[k]} is above max.{k} {hi[k]}; no document could pass")
        desc = r.get("description", "")
        if not isinstance(desc, str):
            raise ValueError(f"filter {fid!r}: 'description' must be a string")
        out.append(SignalFilter(fid, signal, lo, hi, desc))
    return out


# ---------------------------------------------------------------- defaults
# Calibrated on bench/results/corpus-30mb-seed1 (see the module tests and the
# calibration notes in the report); order matters for the reported reason only.

DEFAULT_FILTERS: list[dict] = []   # filled below


def default_filters() -> list[SignalFilter]:
    return filters_from_rules(DEFAULT_FILTERS)

"""Heuristic quality signals and hard filters (Gopher / C4 rules, made Chinese-aware).

`compute_signals(text, lang)` returns the same float-valued keys (`SIGNAL_NAMES`)
for every document, so they can be stored as Parquet columns and re-thresholded
later without recomputing. `first_failure(signals, lang, filters)` applies a list
of `SignalFilter`s (thresholds per language, "default" as fallback) and says which
one a document fails first, and why. The filters themselves live in the rules file
(cleaning_rules/pretrain.yaml, `quality.filters`); `filters_from_rules` turns them into
filters, with clear errors.

Definitions
-----------
* Words are CJK-aware: every Han character is one word, and every run of other
  letters/digits (Latin, Cyrillic, kana, digits ...; not "_") is one word. No
  segmenter and no assumption of spaces, so Chinese word n-grams are character
  n-grams and English ones are the usual word n-grams; mixed text mixes both.
  For repetition, words are compared lower-cased.
* Letters are Unicode letters (`[^\\W\\d_]`): Han characters are letters.
* Symbols are characters that are none of: letters, digits, whitespace, common
  punctuation (ASCII  ! " ' ( ) , - . / : ; ?  and the CJK/full-width marks
  such as 。，、；：！？“”‘’（）《》【】「」…—～·). So  # $ % ^ & * | ~ < > { } [ ] = + _ @ \\ `
  and emoji, box drawing, math signs etc. are symbols.
* The "language script" is Han + Latin (+ Bopomofo) for zh, so bilingual
  Chinese text with English words, pinyin or accented names passes; Latin for en;
  Han + Latin for any other language code. Latin = ASCII letters, Latin-1,
  Latin Extended-A/B, Latin Extended Additional and full-width Latin letters.
* Lines are the text split on "\\n", stripped; blank lines are ignored.
* Repetition (Gopher): `top_{2,3,4}gram_frac` = count of the most frequent
  n-gram (ties: the one with most characters) x its characters / characters of
  all words; 0 when no n-gram occurs twice (overlapping occurrences count, the
  value is capped at 1). `dup_{5..10}gram_frac` = share of word characters
  covered by the repeat occurrences (every occurrence but the first) of n-grams
  that occur more than once, overlaps counted once.
  The n-gram signals read the first `NGRAM_WORD_CAP` (100,000) words of a
  document only, so a 4 MB document costs like a ~0.3 MB (zh) or ~0.6 MB (en)
  one there; all other signals read the whole text.
* Stop words: en counts whole words of a short list (the, be, to, of, and, that,
  have, with, a, is, in ...), case-insensitive; zh counts function characters
  (的 了 是 在 和 我 有 这 也 就 不 人 都 ... and classical 之 其 而 于 以 为 者 所);
  other languages count both.
* mojibake_ratio = signs of UTF-8 decoded as Latin-1/cp1252 per character: a
  lead byte Â..ô followed by a continuation byte ("Ã©", "ä½", "â€", "ï¼"), and,
  since normalization removes the C1 bytes, a lead left alone where genuine text
  has none ("SardÃ ", "Ãva", "itâs", a lone "â" for a dash or quote); U+FFFD.
  Genuine accents (Tomáš, mâché, São, naïve) are not signs.

Cost: O(n) per document, no per-character Python loop. Characters are classified
with one table lookup each (numpy, a table built at import) and counted with one
bincount. Words are 64-bit hashes (numpy), or regex matches in documents under
4,000 characters that are not pure Chinese. N-grams are rolling hashes, and each
longer n only looks at the positions whose shorter n-gram repeats (for natural
text a few percent after n=3); equal hashes are grouped by one numpy sort per
group of n (2 / 3-4 / 5-10) while many positions remain, then by dicts (hash
tables). Measured on the benchmark corpus: ~3 MB/s per core on a slow VM.

`compute_signals_batch(texts, langs)` gives the same dicts for many documents at
once (each step above runs once over the whole batch), ~3.4x faster on the
benchmark corpus in batches of 500, where most documents are short and the cost of
one call is mostly overhead.
"""
from __future__ import annotations

import bisect
import difflib
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import Iterable, Mapping

import numpy as np

from pipelines.text.chinese import HAN_RANGES, HAN_SPANS
from schemas.pretrain import SIGNAL_NAMES

# ---------------------------------------------------------------- signal names

# The signals and their order are part of the document schema (one q_* column each): defined there.

NGRAM_WORD_CAP = 100_000     # the n-gram signals read at most this many words of a document
_NGRAM_KEYS = tuple(f"top_{n}gram_frac" for n in (2, 3, 4)) + tuple(f"dup_{n}gram_frac" for n in range(5, 11))
_NP_MIN = 150                # n-gram passes over at least this many positions use numpy
_TINY = 24                   # ... over at most this many, plain Python loops
_PY_TOKENS_MAX_CHARS = 4000  # shorter documents (but pure Chinese) are tokenized with a regex

# ---------------------------------------------------------------- character classes

_HAN = HAN_RANGES
_LATIN = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
          "\uff21-\uff3a\uff41-\uff5a")
_BOPOMOFO = "\u3100-\u312f\u31a0-\u31bf"
# Common punctuation (not symbols): ASCII and CJK / full-width marks.
_PUNCT = (
    "!\"'(),\\-./:;?"
    "\u00a1\u00bf\u00ab\u00bb\u00b7"                       # ¡ ¿ « » ·
    "\u2010-\u2027\u2030-\u205e"                            # ‐ – — ‘ ’ “ ” • … ‰ ′ ″ ‹ › ‼ ⁇ ...
    "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u30fb"         # 、。〃 〈〉《》「」『』【】 〔〕〖〗〘〙〚〛〜〝〞〟 ・
    "\uff01\uff02\uff07-\uff09\uff0c-\uff0f\uff1a\uff1b\uff1f"  # ！＂＇（），－．／：；？ (full width)
    "\uff5e-\uff65"                                        # ～｟｠｡｢｣､･
    "\ufe10-\ufe19\ufe30-\ufe6b"                            # vertical and small forms ︐ ﹏ ﹐ ...
    "\u0300-\u036f"                                         # combining accents (decomposed letters)
)

# One class per character; a table for the BMP, built once.
_SYM, _HANC, _LAT, _BOPO, _OLET, _DIG, _SPC, _PUN = range(8)
_LEAD_BIT, _ZHSTOP_BIT = 8, 16       # flags: mojibake lead character; Chinese function character
_NCODES = 32

_ZH_STOPCHARS = "的了是在和我有这也就不人都个们你他她它要会说与及之其而于以为者所"
_EN_STOPWORDS = ("the", "be", "to", "of", "and", "that", "have", "with", "a", "an", "is", "are",
                 "was", "were", "in", "on", "for", "it", "this", "as", "at", "by", "from", "or",
                 "not", "but", "you", "he", "she", "they", "we", "i")
_EN_STOPSET = frozenset(_EN_STOPWORDS)

_HAN_1 = re.compile(f"[{_HAN}]")
_LAT_1 = re.compile(f"[{_LATIN}]")
_BOPO_1 = re.compile(f"[{_BOPOMOFO}]")
_LETTER_1 = re.compile(r"[^\W\d_]")
_DIGIT_1 = re.compile(r"\d")
_SPACE_1 = re.compile(r"\s")
_PUNCT_1 = re.compile(f"[{_PUNCT}]")


def _classify(ch: str) -> int:
    if _LETTER_1.match(ch):
        c = _HANC if _HAN_1.match(ch) else _LAT if _LAT_1.match(ch) else _BOPO if _BOPO_1.match(ch) else _OLET
    elif _DIGIT_1.match(ch):
        c = _DIG
    elif _SPACE_1.match(ch):
        c = _SPC
    elif _PUNCT_1.match(ch):
        c = _PUN
    else:
        c = _SYM          # "_", # $ % ^ & * | ~ < > { } [ ] = + @ \ `, emoji, lone surrogates ...
    if "\u00c2" <= ch <= "\u00f4" or ch == "\ufffd":
        c |= _LEAD_BIT
    if ch in _ZH_STOPCHARS:
        c |= _ZHSTOP_BIT
    return c


def _build_tables() -> tuple[np.ndarray, np.ndarray]:
    classes = np.zeros(0x10000, dtype=np.uint8)
    lower = np.arange(0x10000, dtype=np.uint32)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        classes[code] = _classify(ch)
        lo = ch.lower()
        if len(lo) == 1:
            lower[code] = ord(lo)
    return classes, lower


_TABLE, _LOWER = _build_tables()
_IS_HAN = np.array([(v & 7) == _HANC for v in range(_NCODES)])
_IS_RUN = np.array([(v & 7) in (_LAT, _BOPO, _OLET, _DIG) for v in range(_NCODES)])  # non-Han word characters

_W = (np.random.default_rng(20240611).integers(0, 2**62, size=1024, dtype=np.int64).astype(np.uint64)
      * np.uint64(2) + np.uint64(1))               # odd random weights for hashing words
_MIX = np.uint64(0x9E3779B97F4A7C15)
_HAN_TAG = np.uint64(1 << 62)
_WORD = re.compile(f"[{_HAN}]|[^\\W_{_HAN}]+")     # CJK-aware words, for the regex tokenizer

_TERMINAL = frozenset(".!?;。！？；…」』”’\"'）)】》〉～~．｡")
_BULLET = re.compile(
    r"(?:[•·●○◦▪▫■□◆◇►▶▸➢➤✓✔☆★\-–—*+>]"               # bullet signs
    r"|\d{1,3}[.)、．）](?!\d)"                         # 1.  2)  3、
    r"|[（(]\d{1,3}[)）]"                               # (1) （2）
    r"|[（(]?[一二三四五六七八九十]{1,3}[、)）.．]"     # 一、 （二）
    r"|[a-zA-Z][.)](?=\s))"                            # a) b.
)
# Mojibake: UTF-8 read as Latin-1 / cp1252. C1 bytes (0x80-0x9F) are removed by
# normalization and NBSP becomes a space, so besides the classic pairs some signs are
# a lone lead character in a telling place.
_MOJIBAKE = re.compile(
    "(?=[\u00c2-\u00f4\ufffd])(?:"                        # (a quick first-character test)
    "[\u00c2-\u00f4][\u00a0-\u00bf€‚„…†‡ˆ‰‹‘’“”•–—˜™›]"  # lead byte + continuation byte: Ã© Â° ä½ å¥ â€ ï¼
    r"|(?<=[a-z])[ÂÃÄÅ]"                                   # a capital lead inside a lower-case word: SardÃ  firstÂ  RodziÅski
    r"|Ã(?=[a-z])"                                         # Ãva (É whose second byte was removed)
    r"|(?<![^\W\d_])â(?![^\W\d_])"                        # a lone â: the rest of — “ ” ’ removed
    r"|(?<=[A-Za-z])â(?=(?:s|t|d|m|ll|re|ve)\b)"           # itâs donât youâve (’ without its C1 bytes)
    r"|(?<![A-Za-z])â(?=[A-Z])"                            # âThe (an opening quote)
    "|\ufffd)"                                           # the replacement character
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


# ---------------------------------------------------------------- words

def _tokens_np(codes: np.ndarray, v: np.ndarray, positions: bool = False) -> tuple[np.ndarray, ...]:
    """(word hashes, word lengths, hashes of the non-Han words), in text order; with
    `positions` also where each word starts and which words are non-Han (a batch
    tells its documents' words apart by position)."""
    han = np.take(_IS_HAN, v)             # np.take: faster than indexing with an array
    run = np.take(_IS_RUN, v)
    if not run.any():
        out = codes[han].astype(np.uint64) | _HAN_TAG, np.ones(int(han.sum()), dtype=np.int64), np.zeros(0, np.uint64)
        if positions:
            tok_pos = np.flatnonzero(han)
            return out + (tok_pos, np.zeros(tok_pos.size, dtype=bool))
        return out
    start = run.copy()
    start[1:] &= ~run[:-1]
    tok_pos = np.flatnonzero(han | start)
    idx = np.flatnonzero(run)
    seg = np.flatnonzero(start[idx])                       # where each run starts within idx
    run_len = np.empty(seg.size, dtype=np.int64)
    np.subtract(seg[1:], seg[:-1], out=run_len[:-1])
    run_len[-1] = idx.size - seg[-1]
    c = codes[idx]
    if int(c.max()) > 0xFFFF:
        c = np.where(c > 0xFFFF, c, np.take(_LOWER, np.minimum(c, 0xFFFF)))
    else:
        c = np.take(_LOWER, c)
    pos_in_run = np.arange(idx.size) - np.repeat(seg, run_len)
    with np.errstate(over="ignore"):
        h = np.add.reduceat((c.astype(np.uint64) + np.uint64(1)) * _W[pos_in_run & 1023], seg)
        h = (h ^ (h >> np.uint64(29))) * _MIX + run_len.astype(np.uint64)
    h &= ~_HAN_TAG
    val = codes[tok_pos].astype(np.uint64) | _HAN_TAG
    ln = np.ones(tok_pos.size, dtype=np.int64)
    is_run = run[tok_pos]
    val[is_run] = h
    ln[is_run] = run_len
    if positions:
        return val, ln, h, tok_pos, is_run
    return val, ln, h


HAN_WORD_TAG = _HAN_TAG     # word_hashes: the bit that marks a Han character's word


def word_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The words of a text as the repetition signals count them (every Han character one word,
    every run of other letters or digits one word, lower-cased), as 64-bit hashes, with the
    character position where each word starts. A Han character's hash has HAN_WORD_TAG set."""
    codes = _codes(text)
    val, _, _, pos, _ = _tokens_np(codes, _classes(codes), positions=True)
    return val, pos


def _word_hash(word: str) -> int:
    codes = _codes(word)
    return int(_tokens_np(codes, _classes(codes))[2][0])


_EN_STOP_HASHES = np.array(sorted({_word_hash(w) for w in _EN_STOPWORDS}), dtype=np.uint64)


# ---------------------------------------------------------------- n-gram repetition

_SENTINEL = np.uint64(3 << 62)       # tags the keys of n-grams that would run past the end


def _group_keys(rows: list[np.ndarray], stable: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """The keys of all rows sorted together: (order, first), first[i] True when sorted element i
    starts a group of equal keys (plus a True past the end); None when no key repeats. A stable sort
    keeps each group's first occurrence first (what _pass_np reads); the batch passes find it with
    a reduction and take numpy's faster default sort."""
    stacked = np.concatenate(rows) if len(rows) > 1 else rows[0]
    n = stacked.size
    order = stacked.argsort(kind="stable") if stable else stacked.argsort()
    sk = stacked[order]
    first = np.empty(n + 1, dtype=bool)
    first[0] = first[n] = True
    np.not_equal(sk[1:], sk[:-1], out=first[1:n])
    return None if first.all() else (order, first)


def _pass_np(n_lo, n_hi, toks, cum, pos, keys, out, want_next):
    """n = n_lo..n_hi at once with numpy. pos (ascending) are the positions whose
    (n_lo-1)-gram repeats and keys those (n_lo-1)-grams' hashes. The n-gram hashes
    of all n are sorted together (one stable argsort: equal hashes form a group,
    whose first element is the first occurrence). Returns the positions whose
    n_hi-gram repeats and their hashes when want_next, else None."""
    nw = toks.size
    size = pos.size
    rows = []
    k = keys
    for n in range(n_lo, n_hi + 1):
        k = k * _MIX + toks[np.minimum(pos + (n - 1), nw - 1)]
        cut = int(np.searchsorted(pos, nw - n + 1))
        if cut < size:                     # no n-gram there: a unique key
            k[cut:] = _SENTINEL + np.uint64(n << 40) + np.arange(cut, size, dtype=np.uint64)
        rows.append(k)
    if (grouped := _group_keys(rows, stable=True)) is None:
        return None
    order, first = grouped
    total_size = order.size
    total = int(cum[-1])
    unit = total == nw
    row_of = order // size                              # per sorted element
    if n_lo <= 4:
        starts = first[:total_size].nonzero()[0]
        counts = np.diff(starts, append=total_size)
        grow = row_of[starts]
        for n in range(n_lo, min(n_hi, 4) + 1):
            c = counts[grow == n - n_lo]
            top = int(c.max()) if c.size else 1
            if top > 1:
                if unit:
                    chars = n
                else:
                    sel = starts[(grow == n - n_lo) & (counts == top)]
                    p = pos[order[sel] % size]
                    chars = int((cum[p + n] - cum[p]).max())
                out[f"top_{n}gram_frac"] = min(1.0, top * chars / total)
    if n_hi >= 5:
        rep_sorted = (~first[:total_size]).nonzero()[0]
        if rep_sorted.size:
            flat = order[rep_sorted]
            r = flat // size
            p = pos[flat % size]
            n_of = r + n_lo
            keep = n_of >= 5
            r, p, n_of = r[keep], p[keep], n_of[keep]
            width = nw + 1
            nrows = n_hi - n_lo + 1
            delta = (np.bincount(r * width + p, minlength=nrows * width)
                     - np.bincount(r * width + p + n_of, minlength=nrows * width))
            covered = np.cumsum(delta.reshape(nrows, width)[:, :nw], axis=1) > 0
            lens = np.diff(cum)
            chars = covered @ lens
            for n in range(max(n_lo, 5), n_hi + 1):
                out[f"dup_{n}gram_frac"] = int(chars[n - n_lo]) / total
    if not want_next:
        return None
    multi = ~(first[:total_size] & first[1:])           # in a group of two or more
    last = n_hi - n_lo
    sel = order[multi & (row_of == last)] - last * size
    sel.sort()
    return pos[sel], rows[-1][sel]


try:                                   # the C helper behind Counter(), without its Python overhead
    from collections import _count_elements
except ImportError:                    # pragma: no cover - other Python implementations
    def _count_elements(mapping, iterable):
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1


def _step_py(n, toks, cum, pos, keys, out):
    """The same step with lists and dicts (C-level iteration), for fewer positions."""
    nw = len(toks)
    m = nw - n + 1
    if pos and pos[-1] >= m:
        cut = bisect.bisect_left(pos, m)
        pos, keys = pos[:cut], keys[:cut]
    if len(pos) < 2:
        return None
    if len(pos) <= _TINY and n > 2:
        return _step_tiny(n, toks, cum, pos, keys, out)
    if n == 2 and len(pos) == nw - 1:
        new = list(zip(toks, toks[1:]))            # word pairs are their own keys
    else:
        new = list(map(hash, zip(keys, map(toks.__getitem__, map((n - 1).__add__, pos)))))
    counts: dict = {}
    _count_elements(counts, new)
    if len(counts) == len(new):
        return None
    cnt = list(map(counts.__getitem__, new))
    total = cum[-1]
    if n <= 4:
        top = max(counts.values())
        if total == nw:                            # every word one character (Chinese)
            chars = n
        else:
            chars = max(cum[p + n] - cum[p] for p in compress(pos, map(top.__eq__, cnt)))
        out[f"top_{n}gram_frac"] = min(1.0, top * chars / total)
    else:
        first = dict(zip(reversed(new), reversed(pos)))      # key -> its smallest position
        covered = end = 0
        for i in compress(pos, map(operator.ne, map(first.__getitem__, new), pos)):
            covered += cum[i + n] - cum[i if i > end else end]
            end = i + n
        out[f"dup_{n}gram_frac"] = covered / total
    keep = list(map((1).__lt__, cnt))
    return list(compress(pos, keep)), list(compress(new, keep))


def _step_tiny(n, toks, cum, pos, keys, out):
    """The same step with plain loops: cheapest for a handful of positions."""
    last = n - 1
    new = [hash((k, toks[i + last])) for i, k in zip(pos, keys)]
    counts: dict = {}
    for k in new:
        counts[k] = counts.get(k, 0) + 1
    if len(counts) == len(new):
        return None
    total = cum[-1]
    if n <= 4:
        top = max(counts.values())
        chars = max(cum[p + n] - cum[p] for p, k in zip(pos, new) if counts[k] == top)
        out[f"top_{n}gram_frac"] = min(1.0, top * chars / total)
    else:
        seen = set()
        covered = end = 0
        for i, k in zip(pos, new):
            if k in seen:
                covered += cum[i + n] - cum[i if i > end else end]
                end = i + n
            else:
                seen.add(k)
        out[f"dup_{n}gram_frac"] = covered / total
    npos, nkeys = [], []
    for p, k in zip(pos, new):
        if counts[k] > 1:
            npos.append(p)
            nkeys.append(k)
    return npos, nkeys


def _ngram_signals(toks, lens) -> dict[str, float]:
    """Gopher repetition signals over a word sequence: a numpy array of word hashes
    (with a numpy array of lengths) or a list of hashable words (with a list).

    Three numpy passes (n=2 over all positions; n=3,4 over the positions whose
    2-gram repeats; n=5..10 over those whose 4-gram repeats) while many positions
    are left, then list steps, one n at a time.
    """
    out = dict.fromkeys(_NGRAM_KEYS, 0.0)
    nw = len(toks)
    if nw < 2:
        return out
    n = 2
    if nw >= _NP_MIN:
        if not isinstance(toks, np.ndarray):
            toks = np.fromiter(map(hash, toks), dtype=np.int64, count=nw).view(np.uint64)
            lens = np.fromiter(lens, dtype=np.int64, count=nw)
        cum = np.zeros(nw + 1, dtype=np.int64)
        np.cumsum(lens, out=cum[1:])
        if not cum[-1]:
            return out
        pos, keys = np.arange(nw), toks
        for lo, hi in ((2, 2), (3, 4), (5, 10)):
            if pos.size < _NP_MIN:
                break
            r = _pass_np(lo, hi, toks, cum, pos, keys, out, want_next=hi < 10)
            if r is None:
                return out
            pos, keys = r
            n = hi + 1
        if n > 10 or pos.size < 2:
            return out
        pos, keys = pos.tolist(), keys.tolist()
        toks, cum = toks.tolist(), cum.tolist()
    else:
        if isinstance(toks, np.ndarray):
            toks, lens = toks.tolist(), lens.tolist()
        cum = list(accumulate(lens, initial=0))
        if not cum[-1]:
            return out
        pos, keys = list(range(nw)), toks
    while n <= 10:
        r = _step_py(n, toks, cum, pos, keys, out)
        if r is None:
            break
        pos, keys = r
        n += 1
    return out


# ---------------------------------------------------------------- signals

def compute_signals(text: str, lang: str) -> dict[str, float]:
    """All of `SIGNAL_NAMES` for one document, every value a float.

    `lang` is the document's language ("zh", "en", anything else): it picks the
    script counted as "language" and the stop-word list.
    """
    key = _lang_key(lang)
    codes = _codes(text)
    v = _classes(codes)
    bc = np.bincount(v, minlength=_NCODES).tolist()
    cls = [bc[i] + bc[i + 8] + bc[i + 16] + bc[i + 24] for i in range(8)]
    lead = sum(bc[8:16]) + sum(bc[24:32])
    zh_stop = sum(bc[16:32])
    n_chars = len(text)
    han, lat, bopo, olet = cls[_HANC], cls[_LAT], cls[_BOPO], cls[_OLET]
    digits, spaces, symbols = cls[_DIG], cls[_SPC], cls[_SYM]
    letters = han + lat + bopo + olet
    word_chars = letters + digits

    if n_chars < _PY_TOKENS_MAX_CHARS and (han < 24 or word_chars > han):
        words = _WORD.findall(text.lower()) if word_chars else []
        n_words = len(words)
        en_stop = sum(map(_EN_STOPSET.__contains__, words)) if key != "zh" and words else 0
        toks, tok_lens = words[:NGRAM_WORD_CAP], list(map(len, words[:NGRAM_WORD_CAP]))
    else:
        toks, tok_lens, run_h = _tokens_np(codes, v)
        n_words = toks.size
        en_stop = int(np.isin(run_h, _EN_STOP_HASHES).sum()) if key != "zh" and run_h.size else 0
        toks, tok_lens = toks[:NGRAM_WORD_CAP], tok_lens[:NGRAM_WORD_CAP]

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
    lines = [ln for ln in map(str.strip, text.split("\n")) if ln] if n_chars else []
    n_lines = len(lines)
    dup_lines = dup_line_chars = 0
    if n_lines > 1:
        line_counts = Counter(lines)
        dup_lines = n_lines - len(line_counts)
        if dup_lines:
            dup_line_chars = sum(len(ln) * (c - 1) for ln, c in line_counts.items() if c > 1)
    line_chars = sum(map(len, lines))
    term = sum(map(_TERMINAL.__contains__, [ln[-1] for ln in lines]))
    bullets = sum(1 for ln in lines if _BULLET.match(ln))
    ellipsis = sum(1 for ln in lines if ln[-1] == "…" or ln.endswith("..."))

    mojibake = len(_MOJIBAKE.findall(text)) if lead else 0

    out = dict.fromkeys(SIGNAL_NAMES, 0.0)
    out["n_chars"] = float(n_chars)
    out["n_words"] = float(n_words)
    out["stopword_count"] = float(stop)
    if n_chars:
        out["symbol_ratio"] = symbols / n_chars
        out["digit_ratio"] = digits / n_chars
        out["whitespace_ratio"] = spaces / n_chars
        out["mojibake_ratio"] = mojibake / n_chars
        if n_chars > spaces:
            out["cjk_ratio"] = han / (n_chars - spaces)
    if n_words:
        out["mean_word_len"] = word_chars / n_words
    if letters:
        out["non_language_ratio"] = non_language / letters
    if n_lines:
        out["dup_line_frac"] = dup_lines / n_lines
        out["dup_line_char_frac"] = dup_line_chars / line_chars
        out["punct_end_line_frac"] = term / n_lines
        out["bullet_line_frac"] = bullets / n_lines
        out["ellipsis_line_frac"] = ellipsis / n_lines
    out.update(_ngram_signals(toks, tok_lens))
    return out


# ---------------------------------------------------------------- batches

_BATCH_DOC_MAX_CHARS = 20_000    # longer documents go through compute_signals alone (overhead negligible there)
_BATCH_CHUNK_CHARS = 1_000_000   # a batch is worked in pieces of about this many characters (bounded memory)
_SPLITMIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_RUN_1 = re.compile(f"[^\\W_{_HAN}]")    # one character of a non-Han word, as _WORD's second branch has it
_UNSAFE_BIT = 32                   # batch classes only: the character is one of _py_unsafe_char's
_batch_table: np.ndarray | None = None
_batch_astral: dict[int, int] = {}


def _word_kind(is_han: bool, is_run: bool) -> int:
    return 1 if is_han else 2 if is_run else 0


def _py_unsafe_char(code: int) -> bool:
    """Whether the regex tokenizer (`_WORD` over `text.lower()`) can split or compare
    words differently from `_tokens_np` (classes, `_LOWER`) because of this character:
    its lower case is several characters ('İ'), depends on context (Σ: σ or ς),
    differs from `_LOWER`'s (astral letters are not lower-cased there), or is another
    kind of word character than the table says (unassigned code points in the Han
    ranges: `_WORD` takes them as Han words, the table as symbols)."""
    ch = chr(code)
    lo = ch.lower()
    if code == 0x3A3 or len(lo) != 1:
        return True
    v = int(_TABLE[code]) if code <= 0xFFFF else _classify(ch)
    if ord(lo) != (int(_LOWER[code]) if code <= 0xFFFF else code):
        return True
    table_kind = _word_kind(bool(_IS_HAN[v]), bool(_IS_RUN[v]))
    return any(_word_kind(bool(_HAN_1.match(c)), bool(_RUN_1.match(c))) != table_kind for c in (ch, lo))


def _build_batch_table() -> np.ndarray:
    """`_TABLE` with `_UNSAFE_BIT` on the characters of `_py_unsafe_char`. Built on first
    use (~10 ms): only characters that change when lower-cased, and the Han ranges,
    can be unsafe in the BMP (elsewhere both tokenizers read the same classes)."""
    unsafe = np.zeros(0x10000, dtype=bool)
    chars = list(map(chr, range(0x10000)))
    for code in [c for c, ch, lo in zip(range(0x10000), chars, map(str.lower, chars)) if ch != lo]:
        unsafe[code] = _py_unsafe_char(code)
    in_han = np.zeros(0x10000, dtype=bool)
    for lo, hi in HAN_SPANS:
        in_han[lo:min(hi, 0xFFFF) + 1] = True
    unsafe |= in_han & ~_IS_HAN[_TABLE]     # Han characters have no case: only the kind can differ
    return _TABLE | (unsafe.astype(np.uint8) << 5)


def _batch_classes(codes: np.ndarray) -> np.ndarray:
    """`_classes`, plus `_UNSAFE_BIT`."""
    global _batch_table
    if _batch_table is None:
        _batch_table = _build_batch_table()
    if codes.size and int(codes.max()) > 0xFFFF:
        v = np.take(_batch_table, np.minimum(codes, 0xFFFF))
        for i in np.flatnonzero(codes > 0xFFFF).tolist():     # rare: Han extensions B+, emoji
            code = int(codes[i])
            c = _batch_astral.get(code)
            if c is None:
                c = _batch_astral[code] = _classify(chr(code)) | (_UNSAFE_BIT if _py_unsafe_char(code) else 0)
            v[i] = c
        return v
    return np.take(_batch_table, codes)


def _doc_salt(doc: np.ndarray) -> np.ndarray:
    """A 64-bit pseudo-random number per document index (splitmix64)."""
    with np.errstate(over="ignore"):
        z = (doc.astype(np.uint64) + np.uint64(1)) * _SPLITMIX[0]
        z = (z ^ (z >> np.uint64(30))) * _SPLITMIX[1]
        z = (z ^ (z >> np.uint64(27))) * _SPLITMIX[2]
        return z ^ (z >> np.uint64(31))


def _ratio(num: np.ndarray, den: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """num / den per document (float64 of two ints: the same value as Python's int / int
    below 2**53), 0.0 where den is 0 or `where` is False."""
    out = np.zeros(den.shape, dtype=np.float64)
    np.divide(num, den, out=out, where=(den > 0) if where is None else where)
    return out


def _pass_batch(n_lo, n_hi, toks, cum, end, tdoc, total, pos, keys, top, dup, want_next):
    """`_pass_np` for the words of many documents at once. The keys carry a salt per
    document, so equal n-grams of two documents fall in two groups (they could share
    one only by a 64-bit collision, as two different n-grams of one document could);
    `end` is the end of each word's document, past which an n-gram gets a unique key.
    The sort need not be stable (a quicksort is several times faster on 64-bit keys):
    a group's first occurrence is its smallest index, found by a reduction. Per
    document: the most frequent n-gram's count (np.maximum.at), the most characters
    among the n-grams with that count, the characters covered by repeat occurrences
    (intervals sorted by position, each counted from the end of the one before it)."""
    nw = toks.size
    nd = total.size
    size = pos.size
    room = end[pos] - pos                  # words from pos to its document's end
    rows = []
    k = keys
    with np.errstate(over="ignore"):
        for n in range(n_lo, n_hi + 1):
            k = k * _MIX + toks[np.minimum(pos + (n - 1), nw - 1)]
            past = np.flatnonzero(room < n)
            if past.size:                      # no n-gram there: a unique key
                k[past] = _SENTINEL + np.uint64(n << 40) + past.astype(np.uint64)
            rows.append(k)
    if (grouped := _group_keys(rows, stable=False)) is None:
        return None
    order, first = grouped
    n_el = order.size
    starts = np.flatnonzero(first[:n_el])
    counts = np.diff(starts, append=n_el)
    if n_lo <= 4:
        multi = counts > 1
        g_el = order[starts[multi]]                    # any element of each repeated n-gram
        g_count = counts[multi]
        g_row = g_el // size
        g_pos = pos[g_el - g_row * size]
        g_doc = tdoc[g_pos]
        for n in range(n_lo, min(n_hi, 4) + 1):
            sel = g_row == n - n_lo
            if not sel.any():
                continue
            c, d, p = g_count[sel], g_doc[sel], g_pos[sel]
            best = np.zeros(nd, dtype=np.int64)
            np.maximum.at(best, d, c)
            at_best = c == best[d]
            d, p = d[at_best], p[at_best]
            chars = np.zeros(nd, dtype=np.int64)
            np.maximum.at(chars, d, cum[p + n] - cum[p])
            has = best > 1
            top[n - 2, has] = np.minimum(1.0, best[has] * chars[has] / total[has])
    if n_hi >= 5:
        firsts = np.repeat(np.minimum.reduceat(order, starts), counts)
        rep = order[(order != firsts) & (order >= (5 - n_lo) * size)]   # repeat occurrences, n >= 5
        if rep.size:
            r = rep // size
            width = nw + 1
            key = np.sort(r * width + pos[rep - r * size])
            r, p = np.divmod(key, width)
            e = p + r + n_lo
            prev = np.zeros(p.size, dtype=np.int64)
            prev[1:] = e[:-1]
            prev[1:][r[1:] != r[:-1]] = 0              # a new n starts a new union
            covered = cum[e] - cum[np.maximum(p, prev)]
            nrows = n_hi - n_lo + 1
            chars = np.bincount(r * nd + tdoc[p], weights=covered, minlength=nrows * nd).reshape(nrows, nd)
            for n in range(max(n_lo, 5), n_hi + 1):
                dup[n - 5] = _ratio(chars[n - n_lo], total)
    if not want_next:
        return None
    multi = ~(first[:n_el] & first[1:])                # in a group of two or more
    last = n_hi - n_lo
    sel = order[multi & (order >= last * size)] - last * size if last else order[multi]
    sel.sort()
    return pos[sel], rows[-1][sel]


def _ngrams_batch(toks, lens, tdoc, nd):
    """The n-gram signals of many documents' words (all of them in one array, each
    document's words together, in order): (top_{2,3,4} rows, dup_{5..10} rows),
    with the three numpy passes of `_ngram_signals` over all documents at once."""
    top = np.zeros((3, nd))
    dup = np.zeros((6, nd))
    nw = toks.size
    counts = np.bincount(tdoc, minlength=nd)
    tend = np.cumsum(counts)
    cum = np.zeros(nw + 1, dtype=np.int64)
    np.cumsum(lens, out=cum[1:])
    total = cum[tend] - cum[tend - counts]
    end = tend[tdoc]
    pos = np.arange(nw)
    with np.errstate(over="ignore"):
        keys = toks + _doc_salt(np.arange(nd))[tdoc]
    for lo, hi in ((2, 2), (3, 4), (5, 10)):
        if pos.size < 2:
            break
        r = _pass_batch(lo, hi, toks, cum, end, tdoc, total, pos, keys, top, dup, want_next=hi < 10)
        if r is None:
            break
        pos, keys = r
    return top, dup


def _signals_chunk(texts: list[str], langs: list) -> list[dict[str, float] | None]:
    """compute_signals for documents of at most `_BATCH_DOC_MAX_CHARS` characters, all
    at once; None for a document that must go through compute_signals alone."""
    nd = len(texts)
    joined = "\n".join(texts)          # "\n" is whitespace: no word, n-gram or line crosses documents
    codes = _codes(joined)
    v = _batch_classes(codes)
    n_chars = np.fromiter(map(len, texts), dtype=np.int64, count=nd)
    starts = np.zeros(nd + 1, dtype=np.int64)
    np.cumsum(n_chars + 1, out=starts[1:])
    doc_of = np.repeat(np.arange(nd), n_chars + 1)[:codes.size]     # a separator counts with the document before it
    bc = np.bincount(doc_of * (2 * _NCODES) + v, minlength=nd * 2 * _NCODES).reshape(nd, 2, _NCODES)
    unsafe = bc[:, 1].sum(axis=1) > 0
    bc = bc.sum(axis=1)
    bc[:-1, _SPC] -= 1                 # ... and is taken off again
    cls = bc[:, 0:8] + bc[:, 8:16] + bc[:, 16:24] + bc[:, 24:32]
    lead = bc[:, 8:16].sum(axis=1) + bc[:, 24:32].sum(axis=1)
    zh_stop = bc[:, 16:32].sum(axis=1)
    han, lat, bopo, olet = cls[:, _HANC], cls[:, _LAT], cls[:, _BOPO], cls[:, _OLET]
    digits, spaces, symbols = cls[:, _DIG], cls[:, _SPC], cls[:, _SYM]
    letters = han + lat + bopo + olet
    word_chars = letters + digits

    # words: numpy for every document. compute_signals uses the regex tokenizer for the
    # documents below; both give the same words unless a character of _py_unsafe_char occurs.
    py = (n_chars < _PY_TOKENS_MAX_CHARS) & ((han < 24) | (word_chars > han))
    alone = py & unsafe
    toks, tok_lens, run_h, tok_pos, is_run = _tokens_np(codes, v & (_NCODES - 1), positions=True)
    tdoc = doc_of[tok_pos]
    n_words = np.bincount(tdoc, minlength=nd)
    en_stop = np.bincount(tdoc[is_run][np.isin(run_h, _EN_STOP_HASHES)], minlength=nd)

    lang_keys = {lang: _lang_key(lang) for lang in set(langs)}
    keys = list(map(lang_keys.__getitem__, langs))
    is_zh = np.fromiter(map("zh".__eq__, keys), dtype=bool, count=nd)
    is_en = np.fromiter(map("en".__eq__, keys), dtype=bool, count=nd)
    non_language = np.where(is_zh, letters - han - lat - bopo, np.where(is_en, letters - lat, letters - han - lat))
    stop = np.where(is_zh, zh_stop, np.where(is_en, en_stop, zh_stop + en_stop))

    # lines: one split; line j starts after the j-th "\n", separators included
    lines = list(map(str.strip, joined.split("\n")))
    line_start = np.zeros(len(lines), dtype=np.int64)
    line_start[1:] = np.flatnonzero(codes == 10) + 1
    kept = np.fromiter(map(bool, lines), dtype=bool, count=len(lines))
    ldoc = np.searchsorted(starts, line_start[kept], side="right") - 1
    lines = list(compress(lines, kept.tolist()))
    n_lines = np.bincount(ldoc, minlength=nd)
    llen = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    line_chars = np.bincount(ldoc, weights=llen, minlength=nd).astype(np.int64)
    lkeys = list(zip(ldoc.tolist(), lines))
    first = dict(zip(reversed(lkeys), range(len(lkeys) - 1, -1, -1)))     # (document, line) -> its first index
    dup = np.fromiter(map(operator.ne, map(first.__getitem__, lkeys), range(len(lkeys))), dtype=bool,
                      count=len(lkeys))
    dup_lines = np.bincount(ldoc[dup], minlength=nd)
    dup_line_chars = np.bincount(ldoc[dup], weights=llen[dup], minlength=nd).astype(np.int64)
    term = np.bincount(ldoc, weights=np.fromiter(map(_TERMINAL.__contains__, map(operator.itemgetter(-1), lines)),
                                                  dtype=bool, count=len(lines)), minlength=nd)
    bullets = np.bincount(ldoc, weights=np.fromiter(map(bool, map(_BULLET.match, lines)), dtype=bool,
                                                     count=len(lines)), minlength=nd)
    ellipsis = np.bincount(ldoc, weights=np.fromiter(map(operator.methodcaller("endswith", ("…", "...")), lines),
                                                      dtype=bool, count=len(lines)), minlength=nd)

    # mojibake: its lookarounds stop at a document's edge, so each document is matched alone
    mojibake = np.zeros(nd, dtype=np.int64)
    for i in np.flatnonzero(lead).tolist():
        mojibake[i] = len(_MOJIBAKE.findall(texts[i]))

    top, dupn = _ngrams_batch(toks, tok_lens, tdoc, nd)

    has_lines = n_lines > 0
    cols = {
        "n_chars": n_chars.astype(np.float64),
        "n_words": n_words.astype(np.float64),
        "stopword_count": stop.astype(np.float64),
        "symbol_ratio": _ratio(symbols, n_chars),
        "digit_ratio": _ratio(digits, n_chars),
        "whitespace_ratio": _ratio(spaces, n_chars),
        "mojibake_ratio": _ratio(mojibake, n_chars),
        "cjk_ratio": _ratio(han, n_chars - spaces),
        "mean_word_len": _ratio(word_chars, n_words),
        "non_language_ratio": _ratio(non_language, letters),
        "dup_line_frac": _ratio(dup_lines, n_lines),
        "dup_line_char_frac": _ratio(dup_line_chars, line_chars, has_lines),
        "punct_end_line_frac": _ratio(term, n_lines),
        "bullet_line_frac": _ratio(bullets, n_lines),
        "ellipsis_line_frac": _ratio(ellipsis, n_lines),
    }
    for n in (2, 3, 4):
        cols[f"top_{n}gram_frac"] = top[n - 2]
    for n in range(5, 11):
        cols[f"dup_{n}gram_frac"] = dupn[n - 5]
    rows = zip(*(cols[name].tolist() for name in SIGNAL_NAMES))
    out = [dict(zip(SIGNAL_NAMES, row)) for row in rows]
    for i in np.flatnonzero(alone).tolist():
        out[i] = None
    return out


def compute_signals_batch(texts: list[str], langs: list[str]) -> list[dict[str, float]]:
    """`[compute_signals(t, l) for t, l in zip(texts, langs)]`, the same values, for a
    batch at once: the cost of a short document is mostly per-call overhead, so the
    batch works on all its documents together.

    The texts are joined with "\\n" (whitespace: no word, n-gram or line runs across
    two documents) and encoded once; characters are classified with one lookup and
    counted per document with one bincount over (document, class); words are
    tokenized once (`_tokens_np`) and told apart by position; the n-gram passes run
    over all documents' words with a per-document salt in the keys (`_pass_batch`);
    lines come from one split, attributed by offset. The ratios are the same float
    divisions of the same integers. Sent to compute_signals one by one: documents over
    `_BATCH_DOC_MAX_CHARS` characters (their overhead is small; this also keeps
    `NGRAM_WORD_CAP` out of the batch), and the rare short document whose regex
    tokenization could differ from the numpy one (`_py_unsafe_char`: 'İ', 'Σ',
    cased astral letters, unassigned Han code points).
    """
    texts = list(texts)
    langs = list(langs)
    if len(texts) != len(langs):
        raise ValueError(f"compute_signals_batch: {len(texts)} texts but {len(langs)} langs")
    out: list = [None] * len(texts)
    chunks: list[list[int]] = [[]]
    size = 0
    for i, text in enumerate(texts):
        if len(text) <= _BATCH_DOC_MAX_CHARS:
            if size >= _BATCH_CHUNK_CHARS:
                chunks.append([])
                size = 0
            chunks[-1].append(i)
            size += len(text) + 1
    for chunk in chunks:
        if chunk:
            for i, s in zip(chunk, _signals_chunk([texts[i] for i in chunk], [langs[i] for i in chunk])):
                out[i] = s
    for i, s in enumerate(out):
        if s is None:
            out[i] = compute_signals(texts[i], langs[i])
    return out


# ---------------------------------------------------------------- filters

@dataclass(frozen=True)
class FilterFailure:
    """Why a document failed: which filter, the measured value and the threshold."""
    filter_id: str
    signal: str
    value: float
    threshold: float
    bound: str          # "min" or "max"
    lang: str           # the threshold's key: the document's language, or "default"
    reason: str         # e.g. "symbol_ratio 0.62 > max 0.35 (zh)"


def _fmt(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    if abs(x) >= 0.01:
        return f"{x:.2f}"
    return f"{x:.2g}"


def _filter_lang(lang: str | None) -> str:
    key = _lang_key(lang)
    return key if key != "other" else (lang or "").lower()


@dataclass(frozen=True)
class SignalFilter:
    """Fails a document whose `signal` is below `min` or above `max` for its language.

    Thresholds are per language ({"zh": .., "en": .., "default": ..}); a language
    without its own key uses "default"; with neither there is no bound.
    """
    id: str
    signal: str
    min: dict[str, float] | None = None
    max: dict[str, float] | None = None
    description: str = ""

    def threshold(self, bound: str, lang: str) -> tuple[float | None, str]:
        """(threshold, the key it came from) for "min" or "max"; (None, "") if unbounded."""
        table = self.min if bound == "min" else self.max
        if not table:
            return None, ""
        lang = _filter_lang(lang)
        if lang in table:
            return table[lang], lang
        if "default" in table:
            return table["default"], "default"
        return None, ""

    def check(self, signals: Mapping[str, float], lang: str) -> FilterFailure | None:
        """The failure of one document, or None if it passes this filter."""
        try:
            value = float(signals[self.signal])
        except KeyError:
            raise ValueError(f"filter {self.id!r}: the signals have no {self.signal!r} "
                             f"(have: {', '.join(sorted(signals))})") from None
        lang = _filter_lang(lang)
        for bound, op, fails in (("min", "<", operator.lt), ("max", ">", operator.gt)):
            thr, key = self.threshold(bound, lang)
            if thr is not None and fails(value, thr):
                where = lang if key == lang else f"{lang or '?'}: default"
                reason = f"{self.signal} {_fmt(value)} {op} {bound} {_fmt(thr)} ({where})"
                return FilterFailure(self.id, self.signal, value, float(thr), bound, key, reason)
        return None


def first_failure(signals: Mapping[str, float], lang: str, filters: Iterable[SignalFilter]) -> FilterFailure | None:
    """The first filter (in list order) that the document fails, or None if it passes all.

    `lang` is the document's language: "zh", "en" (also "zh-Hans", "en_US" ...) or
    any other code, which uses the "default" thresholds.
    """
    for f in filters:
        failure = f.check(signals, lang)
        if failure is not None:
            return failure
    return None


_FILTER_KEYS = ("id", "signal", "min", "max", "description")


def _thresholds(fid: str, bound: str, value) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"filter {fid!r}: {bound!r} must map a language (zh, en, default ...) to a number, "
                         f"got {type(value).__name__} {value!r}")
    out: dict[str, float] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k:
            raise ValueError(f"filter {fid!r}: {bound} has a bad language key {k!r} (use zh, en, default ...)")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"filter {fid!r}: {bound}.{k} must be a finite number, got {v!r}")
        out[k.lower()] = float(v)
    return out


def filters_from_rules(rules: Iterable[Mapping]) -> list[SignalFilter]:
    """Filters from the rules-file form:
    [{id, signal, min: {zh: .., en: .., default: ..}, max: {..}, description}, ...].
    Raises ValueError naming the filter and the problem (unknown signal, with a
    suggestion; unknown key; missing or non-numeric thresholds; duplicate id)."""
    out: list[SignalFilter] = []
    ids: set[str] = set()
    for i, r in enumerate(rules):
        if not isinstance(r, Mapping):
            raise ValueError(f"filter #{i + 1}: must be a map with keys {', '.join(_FILTER_KEYS)}, got {type(r).__name__}")
        fid = r.get("id")
        if not isinstance(fid, str) or not fid:
            raise ValueError(f"filter #{i + 1}: needs a non-empty string 'id'")
        unknown = [k for k in r if k not in _FILTER_KEYS]
        if unknown:
            raise ValueError(f"filter {fid!r}: unknown key(s) {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(_FILTER_KEYS)}")
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
        for k in sorted(set(lo or {}) & set(hi or {})):
            if lo[k] > hi[k]:
                raise ValueError(f"filter {fid!r}: min.{k} {lo[k]:g} is above max.{k} {hi[k]:g}: nothing could pass")
        desc = r.get("description") or ""
        if not isinstance(desc, str):
            raise ValueError(f"filter {fid!r}: 'description' must be a string")
        out.append(SignalFilter(fid, signal, lo, hi, desc))
    return out

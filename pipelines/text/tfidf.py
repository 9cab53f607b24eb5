"""Hashed TF-IDF vectors for near-duplicate verification (pure layer: numpy, no Beam import).

Why TF-IDF after MinHash
------------------------
MinHash-LSH finds pairs whose shingle sets overlap, and it weighs every shingle the same.
Many of its candidates only share boilerplate: a copyright footer, a "follow our account"
line, a navigation menu. TF-IDF weighs a token by its rarity in the corpus, so tokens that
occur in many documents (boilerplate, function words) count little: two different articles
that share a footer get a LOW cosine, while a light edit of one article (typos, a dropped or
inserted sentence, an added boilerplate line) shares its rare content tokens and keeps a
HIGH cosine. MinHash finds candidates cheaply; TF-IDF cosine decides which are duplicates.

Why the document frequencies are over characters, bigrams and words
--------------------------------------------------------------------
TF-IDF tokens of Chinese text are jieba words (jieba's dictionary and algorithm, run by rjieba,
the Rust port: the same words as Python jieba with HMM off, ~12x faster, no 0.5 s dictionary
build and ~90 MB less per process), but segmentation is still too slow for the corpus-wide
document-frequency (DF) pass over every document. It runs only on the documents of candidate
pairs. The DF pass instead counts a vocabulary that needs no
segmentation, taken from the text after NFKC + casefold (the normalisation of
:func:`tokens`):

* every Han character, as a unigram;
* every pair of adjacent Han characters, as a bigram;
* every non-Han "word": a maximal run of letters/digits (``[^\\W_]``) without Han.

Unigrams, bigrams and words are hashed in distinct namespaces (a tag in the 64-bit key)
into ``n_buckets`` buckets, so the corpus DF table is one dense numpy array
(:class:`DocumentFrequencies`) that travels as a Beam side input.

The DF of a TF-IDF token is then looked up as (:meth:`TfidfVectorizer.token_df`):

* no Han character: the DF of its word bucket (min over its word runs if it has several);
* one Han character: the DF of its unigram;
* two or more adjacent Han characters: the MINIMUM DF over its adjacent bigrams. A document
  that contains the word contains each of its bigrams, so every bigram's DF is >= the word's
  DF and the minimum is the tightest of these upper bounds. For a word like 中华人民共和国
  the rarest bigram (民共) is nearly as rare as the word; for a 2-character word it is exact
  (up to hash collisions, which only raise a DF).
* mixed tokens (Han and non-Han, e.g. ``abc中文`` from a non-Chinese document): the Han rule
  on their Han characters (bigrams if any, else unigrams); their word parts are ignored.

Using an upper bound of the DF errs towards a lower idf, i.e. towards treating a token as
more common than it is; common tokens are what must be discounted, so this is the safe side.

Speed
-----
The DF pass (:func:`df_partial`) runs on every document, so it is vectorised over a batch:
the texts are joined, converted to code points once (UTF-32) and mapped through a per code
point table equivalent to NFKC + casefold for the vocabulary (documents with characters for
which a per code point mapping is not exact - combining marks, ``½`` -> ``1⁄2``, ... - are
normalised with :mod:`unicodedata` instead). Han unigrams and bigrams are keyed from code
points; a word is keyed by the sum of a 64-bit mix of (code point, position in word) over
its characters, so no Python runs per word. Keys are finalised with splitmix64 and reduced
mod ``n_buckets``. The token-side lookup uses the same code on the joined tokens, so the
two sides agree by construction.

The vector dimension of a token is ``xxh3_64(token, seed) mod dims``, a namespace separate
from the DF buckets.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import xxhash

from pipelines.text.chinese import HAN_RANGES
from pipelines.text.fold import casefold, utf8_safe
from pipelines.text.hashing import splitmix64_step

__all__ = [
    "TfidfConfig", "DocumentFrequencies", "TfidfVectorizer",
    "tokens", "df_buckets", "df_partial", "token_df", "cosine",
]

_WORD = re.compile(r"[^\W_]+")
_CHAR_LANGS = ("zh", "ja", "ko")
_jieba = None

_U64 = np.uint64
# Namespace tags in the top bits of a 64-bit key (code points need 21 bits, a bigram 42).
_TAG_UNI = _U64(1 << 60)
_TAG_BI = _U64(2 << 60)
_TAG_WCHAR = _U64(3 << 60)
_TAG_WORD = _U64(4 << 60)
_DIM_SEED = 0x7F1D_F00D          # xxh3 seed of the vector dimension of a token
_MAX_CP = 0x110000
_LUT_SPAN = 0x30000              # NFKC / casefold change nothing at or above U+30000
_SUB_BATCH = 1 << 21             # code points per internal batch of df_partial (bounds memory)

_CLS_HAN, _CLS_WORD = 1, 2


def _get_jieba():
    global _jieba
    if _jieba is None:
        import rjieba          # imported on first use: only documents of candidate pairs are segmented
        _jieba = rjieba
    return _jieba


def _is_word_token(tok: str) -> bool:
    """False for tokens made only of whitespace / punctuation / symbols / controls."""
    for ch in tok:
        if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZC":
            return True
    return False


def tokens(text: str, lang: str) -> list[str]:
    """Chinese / Japanese / Korean ('zh*', 'ja*', 'ko*'): jieba words (HMM off; rjieba), NFKC +
    case-folded, tokens of only whitespace/punctuation/symbols dropped.
    Other languages: NFKC + case-folded runs of letters/digits."""
    folded = casefold(text)
    if lang and lang.lower().startswith(_CHAR_LANGS):
        try:
            words = _get_jieba().cut(folded, False)
        except UnicodeEncodeError:            # lone surrogates: jieba split there too, and kept no word of them
            words = _get_jieba().cut(utf8_safe(folded), False)
        return [t for t in words if _is_word_token(t)]
    return _WORD.findall(folded)


@dataclass(frozen=True)
class TfidfConfig:
    n_buckets: int = 2**20       # DF buckets (size of the DF side input)
    dims: int = 2**20            # vector dimensions

    def __post_init__(self):
        if not 0 < self.n_buckets <= 2**32:
            raise ValueError("n_buckets must be in [1, 2**32]")
        if self.dims <= 0 or self.dims > 2**32:
            raise ValueError("dims must be in [1, 2**32]")


def _check_buckets(n_buckets: int) -> int:
    n_buckets = int(n_buckets)
    if not 0 < n_buckets <= 2**32:
        raise ValueError("n_buckets must be in [1, 2**32]")
    return n_buckets


# --- code point tables ------------------------------------------------------------------------

def _parse_ranges(spec: str) -> list[tuple[int, int]]:
    """'a-bc-d' style character-class ranges (single characters allowed) -> [(lo, hi)]."""
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.append((ord(spec[i]), ord(spec[i + 2])))
            i += 3
        else:
            out.append((ord(spec[i]), ord(spec[i])))
            i += 1
    return out


_HAN_SPANS = _parse_ranges(HAN_RANGES)


class _Tables:
    """Per code point lookup tables, built once per process (~0.3 s).

    cls[c]   1 = Han (HAN_RANGES), 2 = non-Han letter/digit (``[^\\W_]``), 0 = other
    fold[c]  NFKC(c).casefold() where that is one code point. Where it is several code
             points that are all class 0 (``…`` -> ``...``, ``¸`` -> space + cedilla) their
             first one: a run of class-0 characters is one boundary, whatever they are, so
             the DF vocabulary is the same. Otherwise c itself, and c is hard.
    hard[c]  a text containing c must be folded by unicodedata: c folds to several code
             points (not all class 0), c or fold[c] is a combining mark, or it can compose
             with the character before it (second of a canonical pair, Hangul V/T jamo).
    """

    def __init__(self):
        every = np.arange(_MAX_CP, dtype=np.uint32)
        every = every[(every < 0xD800) | (every > 0xDFFF)]
        s = re.sub(r"[^\W_]", "\x01", re.sub(r"[\W_]", "\x00", every.tobytes().decode("utf-32-le")))
        word = np.zeros(_MAX_CP, bool)
        word[every] = np.frombuffer(s.encode("utf-32-le"), np.uint32) == 1
        han = np.zeros(_MAX_CP, bool)
        for lo, hi in _HAN_SPANS:
            han[lo:hi + 1] = True
        cls = np.zeros(_MAX_CP, np.uint8)
        cls[word & ~han] = _CLS_WORD
        cls[han] = _CLS_HAN

        cps = np.arange(_LUT_SPAN, dtype=np.uint32)
        cps = cps[(cps < 0xD800) | (cps > 0xDFFF)]
        base_hard = np.zeros(_MAX_CP, bool)
        base_hard[0x1161:0x1176] = True                         # Hangul V jamo
        base_hard[0x11A8:0x11C3] = True                         # Hangul T jamo
        for c in cps.tolist():
            ch = chr(c)
            if unicodedata.combining(ch):
                base_hard[c] = True
            d = unicodedata.decomposition(ch)
            if d and not d.startswith("<"):
                seq = d.split()
                if len(seq) == 2:
                    base_hard[int(seq[1], 16)] = True           # can compose with what precedes it

        pairs = np.zeros((len(cps), 2), np.uint32)              # "c\0c\0...": \0 never composes
        pairs[:, 0] = cps
        parts = casefold(pairs.tobytes().decode("utf-32-le")).split("\x00")[:-1]
        if len(parts) != len(cps):                              # never seen; slow but exact
            parts = [casefold(chr(c)) for c in cps.tolist()]
        lens = np.fromiter(map(len, parts), np.int64, count=len(cps))
        single = np.frombuffer("".join(p if len(p) == 1 else "\x00" for p in parts).encode("utf-32-le"), np.uint32)
        fold = np.arange(_MAX_CP, dtype=np.uint32)
        fold[cps] = np.where(lens == 1, single, cps)
        hard = base_hard | base_hard[fold]
        for i in np.flatnonzero(lens != 1).tolist():
            out = [ord(x) for x in parts[i]]
            if out and not base_hard[out[0]] and all(cls[o] == 0 for o in out):
                fold[cps[i]] = out[0]                          # a boundary, like its expansion
            else:
                hard[cps[i]] = True
        self.fold, self.hard, self.cls = fold, hard, cls


_tables: _Tables | None = None


def _get_tables() -> _Tables:
    global _tables
    if _tables is None:
        _tables = _Tables()
    return _tables


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


def _to_buckets(h: np.ndarray, n_buckets: int) -> np.ndarray:
    if n_buckets & (n_buckets - 1) == 0:
        return (h & _U64(n_buckets - 1)).astype(np.uint32)
    return (h % _U64(n_buckets)).astype(np.uint32)


def _items(cps: np.ndarray, n_buckets: int):
    """DF vocabulary items of folded code points (segments separated by any non-word char).

    Returns (uni_pos, uni_b, bi_pos, bi_b, word_pos, word_b): bucket of each Han unigram,
    adjacent Han bigram and non-Han word, with the position of its first code point.
    """
    cls = _get_tables().cls[cps]
    han = cls == _CLS_HAN
    uni_pos = np.flatnonzero(han)
    uni_key = cps[uni_pos].astype(np.uint64) | _TAG_UNI
    bi_pos = np.flatnonzero(han[:-1] & han[1:])
    bi_key = (cps[bi_pos].astype(np.uint64) << _U64(21)) | cps[bi_pos + 1].astype(np.uint64) | _TAG_BI

    word = cls == _CLS_WORD
    wpos = np.flatnonzero(word)
    if len(wpos):
        starts = np.flatnonzero(np.diff(wpos, prepend=-2) != 1)    # run starts, in wpos index
        lengths = np.diff(starts, append=len(wpos))
        offset = np.arange(len(wpos)) - np.repeat(starts, lengths)
        ch = splitmix64_step(cps[wpos].astype(np.uint64) | (offset.astype(np.uint64) << _U64(21)) | _TAG_WCHAR)
        word_key = np.add.reduceat(ch, starts) ^ (lengths.astype(np.uint64) << _U64(40)) ^ _TAG_WORD
        word_pos = wpos[starts]
    else:
        word_key, word_pos = np.empty(0, np.uint64), np.empty(0, np.int64)
    return (uni_pos, _to_buckets(splitmix64_step(uni_key), n_buckets),
            bi_pos, _to_buckets(splitmix64_step(bi_key), n_buckets),
            word_pos, _to_buckets(splitmix64_step(word_key), n_buckets))


def _batch_codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points of texts joined by \\0, and the start of each text in them."""
    t = _get_tables()
    raw = _codepoints("\x00".join(texts))
    lengths = np.fromiter(map(len, texts), np.int64, count=len(texts)) + 1
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    hard_pos = np.flatnonzero(t.hard[raw])
    if not len(hard_pos):
        return t.fold[raw], starts
    # Documents with a character the per code point table cannot fold exactly: unicodedata.
    hard_docs = set(np.unique(np.searchsorted(starts, hard_pos, "right") - 1).tolist())
    texts = [casefold(s) if i in hard_docs else s for i, s in enumerate(texts)]
    raw = _codepoints("\x00".join(texts))
    lengths = np.fromiter(map(len, texts), np.int64, count=len(texts)) + 1
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    exact = np.repeat(np.fromiter((i in hard_docs for i in range(len(texts))), bool, count=len(texts)), lengths)[:len(raw)]
    return np.where(exact, raw, t.fold[raw]), starts


def _doc_bucket_pairs(texts: Sequence[str], n_buckets: int) -> np.ndarray:
    """Unique (doc << 32 | bucket) keys of a batch of raw texts."""
    cps, starts = _batch_codepoints(texts)
    uni_pos, uni_b, bi_pos, bi_b, word_pos, word_b = _items(cps, n_buckets)
    pos = np.concatenate((uni_pos, bi_pos, word_pos))
    buckets = np.concatenate((uni_b, bi_b, word_b)).astype(np.uint64)
    doc = (np.searchsorted(starts, pos, "right") - 1).astype(np.uint64)
    return _unique((doc << _U64(32)) | buckets)


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted unique values (np.unique's hash-based path is slower on these arrays)."""
    a = np.sort(a)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _sub_batches(texts: Sequence[str]):
    batch, size = [], 0
    for s in texts:
        batch.append(s)
        size += len(s) + 1
        if size >= _SUB_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def df_buckets(text: str, n_buckets: int) -> np.ndarray:
    """Sorted unique uint32 buckets of one document's DF vocabulary (Han unigrams, Han
    bigrams, non-Han words of its NFKC + casefolded text)."""
    n_buckets = _check_buckets(n_buckets)
    return (_doc_bucket_pairs([text], n_buckets) & _U64(0xFFFFFFFF)).astype(np.uint32)


def df_partial(texts: Iterable[str], n_buckets: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Document frequencies of a batch: (unique buckets uint32, counts int64, n_docs), where
    counts[i] is the number of documents of the batch whose vocabulary hits buckets[i]."""
    n_buckets = _check_buckets(n_buckets)
    texts = list(texts)
    if not texts:
        return np.empty(0, np.uint32), np.empty(0, np.int64), 0
    parts = [(_doc_bucket_pairs(b, n_buckets) & _U64(0xFFFFFFFF)).astype(np.int64) for b in _sub_batches(texts)]
    items = sum(map(len, parts))
    if 8 * items >= n_buckets:                      # dense count: O(items + n_buckets), no sort
        dense = np.zeros(n_buckets, np.int64)
        for p in parts:
            dense += np.bincount(p, minlength=n_buckets)
        buckets = np.flatnonzero(dense)
        return buckets.astype(np.uint32), dense[buckets], len(texts)
    flat = np.sort(np.concatenate(parts))
    first = np.flatnonzero(np.diff(flat, prepend=-1))
    return flat[first].astype(np.uint32), np.diff(first, append=len(flat)).astype(np.int64), len(texts)


# --- corpus accumulator -----------------------------------------------------------------------

class DocumentFrequencies:
    """Dense DF table (``df``, shape (n_buckets,)) plus the number of documents counted.

    A Beam CombineFn accumulator: ``empty`` / ``add`` / ``merge``. ``add`` and ``merge``
    update the left operand in place and return it. The table is int32 (4 MiB for 2**20
    buckets) and widens to int64 once n_docs could overflow it. Pickles sparsely while
    fewer than a quarter of the buckets are non-zero, else compressed.
    """

    __slots__ = ("df", "n_docs")

    def __init__(self, df: np.ndarray, n_docs: int):
        df = np.asarray(df)
        if df.ndim != 1 or not len(df):
            raise ValueError("df must be a non-empty 1-d array")
        if n_docs < 0:
            raise ValueError("n_docs must be >= 0")
        self.df = df
        self.n_docs = int(n_docs)

    @classmethod
    def empty(cls, n_buckets: int) -> "DocumentFrequencies":
        return cls(np.zeros(_check_buckets(n_buckets), np.int32), 0)

    @property
    def n_buckets(self) -> int:
        return len(self.df)

    def _widen(self, n_docs: int) -> None:
        if self.df.dtype != np.int64 and n_docs > np.iinfo(self.df.dtype).max:
            self.df = self.df.astype(np.int64)

    def add(self, buckets: np.ndarray, counts: np.ndarray, n_docs: int) -> "DocumentFrequencies":
        """Adds a partial (buckets, counts, n_docs) as returned by :func:`df_partial`."""
        buckets = np.asarray(buckets, np.int64)
        counts = np.asarray(counts, np.int64)
        if buckets.shape != counts.shape:
            raise ValueError("buckets and counts must have the same shape")
        if len(buckets) and (buckets.min() < 0 or buckets.max() >= self.n_buckets):
            raise ValueError(f"bucket out of range [0, {self.n_buckets})")
        self._widen(self.n_docs + n_docs)
        if len(buckets) < 2 or np.all(buckets[1:] > buckets[:-1]):      # unique: fancy += is exact
            self.df[buckets] += counts.astype(self.df.dtype)
        else:
            np.add.at(self.df, buckets, counts.astype(self.df.dtype))
        self.n_docs += int(n_docs)
        return self

    @staticmethod
    def merge(a: "DocumentFrequencies", b: "DocumentFrequencies") -> "DocumentFrequencies":
        """a + b, accumulated into a (associative and commutative)."""
        if a.n_buckets != b.n_buckets:
            raise ValueError(f"cannot merge {a.n_buckets} and {b.n_buckets} buckets")
        a._widen(a.n_docs + b.n_docs)
        a.df += b.df.astype(a.df.dtype, copy=False)
        a.n_docs += b.n_docs
        return a

    def __eq__(self, other) -> bool:
        return (isinstance(other, DocumentFrequencies) and self.n_docs == other.n_docs
                and np.array_equal(self.df, other.df))

    def __repr__(self) -> str:
        return f"DocumentFrequencies(n_buckets={self.n_buckets}, n_docs={self.n_docs}, nonzero={np.count_nonzero(self.df)})"

    def __getstate__(self):
        nz = np.flatnonzero(self.df)
        if len(nz) * 4 < len(self.df):
            return ("sparse", len(self.df), str(self.df.dtype), nz.astype(np.uint32), self.df[nz], self.n_docs)
        # Dense, compressed: mostly small counts, ~6x smaller at zlib's fastest level (~25 ms for
        # 2**20 buckets). The global table travels to every shard of the TF-IDF stage; 4 MiB a copy
        # was the largest thing in a run's memory at that stage.
        return ("zdense", len(self.df), str(self.df.dtype), zlib.compress(self.df.tobytes(), 1), self.n_docs)

    def __setstate__(self, state):
        if state[0] == "sparse":
            _, n, dtype, nz, values, n_docs = state
            df = np.zeros(n, dtype)
            df[nz] = values
        elif state[0] == "zdense":
            _, n, dtype, packed, n_docs = state
            df = np.frombuffer(zlib.decompress(packed), dtype).copy()     # writable: add and merge update it in place
            if len(df) != n:
                raise ValueError(f"document frequencies: {len(df)} buckets unpacked, {n} expected")
        else:
            raise ValueError(f"document frequencies: unknown pickled form {state[0]!r}")
        self.df, self.n_docs = df, n_docs


# --- token DF lookup and vectors --------------------------------------------------------------

def _tokens_df(toks: Sequence[str], df: np.ndarray, n_buckets: int) -> np.ndarray:
    """DF of each (already NFKC + casefolded) token; see the module docstring for the rules."""
    if not toks:
        return np.empty(0, np.int64)
    joined = "\x00".join(toks)
    cps = _codepoints(joined)
    lengths = np.fromiter(map(len, toks), np.int64, count=len(toks)) + 1
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    uni_pos, uni_b, bi_pos, bi_b, word_pos, word_b = _items(cps, n_buckets)
    big = np.iinfo(np.int64).max
    out = np.full(len(toks), big, np.int64)
    has_han = np.zeros(len(toks), bool)
    # priority: bigrams, else unigrams, else (tokens without Han only) words
    for pos, b, is_han in ((bi_pos, bi_b, True), (uni_pos, uni_b, True), (word_pos, word_b, False)):
        if not len(pos):
            continue
        tok = np.searchsorted(starts, pos, "right") - 1
        level = np.full(len(toks), big, np.int64)
        np.minimum.at(level, tok, df[b].astype(np.int64))
        found = level != big
        take = found & ~has_han
        out[take] = level[take]
        if is_han:
            has_han |= found
    out[out == big] = 0                 # no vocabulary item at all (e.g. only marks): unseen
    return out


def token_df(token: str, df: np.ndarray, n_buckets: int) -> int:
    """DF of one TF-IDF token (folded with NFKC + casefold first, as :func:`tokens` does)."""
    return int(_tokens_df([casefold(token)], np.asarray(df), _check_buckets(n_buckets))[0])


def _empty_vector() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, np.uint32), np.empty(0, np.float32)


class TfidfVectorizer:
    """Sparse TF-IDF vectors: sublinear tf (1 + log tf) x smooth idf (log((1+N)/(1+df)) + 1),
    L2-normalised. Dimension of a token: xxh3_64(token, seed) mod ``dims``.

    Keeps a bounded cache token -> (dimension, idf), since a worker sees the same tokens
    over and over (Zipf); ``df`` must not change after construction.
    """

    CACHE_SIZE = 1 << 18

    def __init__(self, df: np.ndarray, n_docs: int, n_buckets: int = 2**20, dims: int = 2**20):
        TfidfConfig(n_buckets, dims)
        df = np.asarray(df)
        if df.shape != (n_buckets,):
            raise ValueError(f"df must have shape ({n_buckets},), got {df.shape}")
        if n_docs < 0:
            raise ValueError("n_docs must be >= 0")
        self.df, self.n_docs, self.n_buckets, self.dims = df, int(n_docs), n_buckets, dims
        self._log_n1 = math.log1p(self.n_docs)
        self._cache: dict[str, tuple[int, float]] = {}

    def token_df(self, token: str) -> int:
        return token_df(token, self.df, self.n_buckets)

    def idf(self, dfs: np.ndarray) -> np.ndarray:
        """Smooth idf of document frequencies (clipped to [0, n_docs])."""
        dfs = np.clip(np.asarray(dfs, np.float64), 0, self.n_docs)
        return self._log_n1 - np.log1p(dfs) + 1.0

    def _lookup(self, toks: list[str]) -> None:
        """Puts (dimension, idf) of tokens missing from the cache into it."""
        if len(self._cache) + len(toks) > self.CACHE_SIZE:
            self._cache.clear()
        idf = self.idf(_tokens_df(toks, self.df, self.n_buckets)).tolist()
        d = self.dims
        for t, i in zip(toks, idf):
            self._cache[t] = (xxhash.xxh3_64_intdigest(t.encode("utf-8", "surrogatepass"), _DIM_SEED) % d, i)

    def vectors(self, texts: Sequence[str], langs: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """One (sorted unique uint32 indices, float32 values) vector per text."""
        if len(texts) != len(langs):
            raise ValueError("texts and langs must have the same length")
        counts = [Counter(tokens(t, lang)) if t else Counter() for t, lang in zip(texts, langs)]
        cache = self._cache
        missing = list({t: None for c in counts for t in c if t not in cache})
        if missing:
            self._lookup(missing)
            cache = self._cache
            if any(t not in cache for c in counts for t in c):      # cache was cleared: this batch only
                self._cache = {}
                self._lookup(list({t: None for c in counts for t in c}))
                cache = self._cache
        out = []
        for c in counts:
            if not c:
                out.append(_empty_vector())
                continue
            dw = [cache[t] for t in c]
            dims = np.fromiter((x[0] for x in dw), np.int64, count=len(dw))
            w = np.fromiter((x[1] for x in dw), np.float64, count=len(dw))
            w *= 1.0 + np.log(np.fromiter(c.values(), np.float64, count=len(c)))
            order = np.argsort(dims, kind="stable")
            idx, w = dims[order], w[order]
            if len(idx) > 1 and not np.all(idx[1:] != idx[:-1]):     # hash collisions: weights add up
                first = np.flatnonzero(np.diff(idx, prepend=-1))
                idx, w = idx[first], np.add.reduceat(w, first)
            norm = math.sqrt(float(w @ w))
            if norm == 0.0:
                out.append(_empty_vector())
                continue
            out.append((idx.astype(np.uint32), (w / norm).astype(np.float32)))
        return out

    def vector(self, text: str, lang: str) -> tuple[np.ndarray, np.ndarray]:
        return self.vectors([text], [lang])[0]


def cosine(a_idx: np.ndarray, a_val: np.ndarray, b_idx: np.ndarray, b_val: np.ndarray) -> float:
    """Cosine of two sparse vectors given as sorted unique indices + values, clamped to
    [0, 1]; 0.0 when either is empty."""
    if len(a_idx) == 0 or len(b_idx) == 0:
        return 0.0
    a_val = np.asarray(a_val, np.float64)
    b_val = np.asarray(b_val, np.float64)
    _, ia, ib = np.intersect1d(a_idx, b_idx, assume_unique=True, return_indices=True)
    if not len(ia):
        return 0.0
    na, nb = math.sqrt(float(a_val @ a_val)), math.sqrt(float(b_val @ b_val))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return max(0.0, min(1.0, float(a_val[ia] @ b_val[ib]) / (na * nb)))

"""MinHash signatures and LSH band keys, vectorised with numpy (pure layer, no Beam import).

Pipeline use: ``shingles`` per document -> ``MinHasher.signatures`` per batch of documents ->
``band_keys_batch`` -> group by band key -> candidate pairs (verified later with TF-IDF).

Hashing scheme (deterministic across processes and machines, so workers agree):

* every shingle (bytes) is hashed once with ``xxhash.xxh3_64`` (seeded with ``config.seed``)
  to a uint64 ``x``;
* permutation ``i`` is the multiply-add hash ``h_i(x) = (a_i * x + b_i) mod 2**64`` with
  ``a_i`` odd and ``a_i, b_i`` 64-bit, drawn from ``numpy.random.RandomState(seed)``. The
  ``mod 2**64`` is numpy's uint64 wraparound, on purpose (Dietzfelbinger multiply-add-shift:
  the high bits, which decide the minimum, are 2-independent). Two ops per element, all
  vectorised as a (shingles x num_perm) broadcast.

  Alternatives measured on this machine (numpy, 128 perms): an exact ``(a*x + b) mod
  (2**61 - 1)`` with 61-bit ``a`` needs a split multiply and ran ~15x slower per element
  (~40 ns vs ~2.5 ns); shrinking ``a`` and ``x`` to 32 bits so the product cannot overflow
  wraps mod p at most 8 times, which leaves each permutation nearly linear and correlates the
  permutations (mean Jaccard-estimate error 0.06, max 0.9 on 2,500 pairs). The
  multiply-add scheme matched datasketch's accuracy (mean |error| 0.027 vs 0.026 on 1,500
  synthetic pairs; binomial expectation ~0.03);
* the signature entry is the minimum over the document's shingles. A document with no
  shingles gets :data:`EMPTY_VALUE` (``2**64 - 1``) in every entry, like datasketch.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import xxhash

from pipelines.text.fold import casefold as fold   # NFKC + casefold: the form shingles are taken from
from pipelines.text.hashing import GOLDEN, splitmix64

EMPTY_VALUE = np.uint64(np.iinfo(np.uint64).max)

_WS = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
_CHAR_LANGS = ("zh", "ja", "ko")


def _is_char_lang(lang: str | None) -> bool:
    return bool(lang) and lang.lower().startswith(_CHAR_LANGS)


def shingles(text: str, lang: str, char_n: int = 5, word_n: int = 3) -> set[bytes]:
    """Shingle set of one document, as UTF-8 bytes.

    * ``lang`` 'zh' (also 'zh-*', 'ja', 'ko'): character ``char_n``-grams of the NFKC,
      case-folded text with all whitespace removed.
    * any other language: word ``word_n``-grams (words = runs of letters/digits, lower-cased),
      joined with one space.

    A text shorter than n (fewer characters / words) yields one shingle, the whole folded
    text; a text with no words but other visible characters yields the folded text; an
    empty or whitespace-only text yields the empty set.
    """
    folded = fold(text)
    if _is_char_lang(lang):
        s = _WS.sub("", folded)
        if not s:
            return set()
        if len(s) <= char_n:
            return {s.encode("utf-8", "surrogatepass")}
        return {s[i:i + char_n].encode("utf-8", "surrogatepass") for i in range(len(s) - char_n + 1)}
    words = _WORD.findall(folded)
    if len(words) <= word_n:
        whole = " ".join(words) if words else _WS.sub(" ", folded).strip()
        return {whole.encode("utf-8", "surrogatepass")} if whole else set()
    return {" ".join(words[i:i + word_n]).encode("utf-8", "surrogatepass")
            for i in range(len(words) - word_n + 1)}


def shingle_hashes(text: str, lang: str, char_n: int = 5, word_n: int = 3, seed: int = 1) -> np.ndarray:
    """The 64-bit hashes of :func:`shingles` (the same n-grams), computed with numpy: the hot path.

    A character n-gram's hash is a mix of a seeded linear combination of its code points; a
    word n-gram's, of its words' xxh3 hashes. Sorted, unique; empty text gives an empty array."""
    folded = fold(text)
    if _is_char_lang(lang):
        s = _WS.sub("", folded)
        if len(s) <= char_n:
            return _whole(s, seed)
        units = np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        n = char_n
    else:
        words = _WORD.findall(folded)
        if len(words) <= word_n:
            return _whole(" ".join(words) if words else _WS.sub(" ", folded).strip(), seed)
        f = xxhash.xxh3_64_intdigest
        units = np.fromiter((f(w.encode("utf-8", "surrogatepass"), seed) for w in words), dtype=np.uint64, count=len(words))
        n = word_n
    coeff = _coefficients(seed, n)
    m = len(units) - n + 1
    h = units[:m] * coeff[0]
    for k in range(1, n):
        h += units[k:k + m] * coeff[k]          # uint64 wraparound on purpose
    return np.unique(splitmix64(h))


def batch_shingle_hashes(texts: Sequence[str], langs: Sequence[str], char_n: int = 5, word_n: int = 3,
                         seed: int = 1, folded: bool = False) -> list[np.ndarray]:
    """:func:`shingle_hashes` of many documents at once: one numpy pass over all of them.

    Each document's array may repeat a hash (an n-gram that occurs twice): a MinHash minimum
    does not care, and skipping the per-document ``unique`` is what makes this fast.
    folded=True: the texts are :func:`fold`-ed already."""
    out: list[np.ndarray] = [np.empty(0, np.uint64)] * len(texts)
    char_units, char_docs, word_units, word_docs = [], [], [], []
    f = xxhash.xxh3_64_intdigest
    for i, (text, lang) in enumerate(zip(texts, langs)):
        f_text = text if folded else fold(text)
        if _is_char_lang(lang):
            s = _WS.sub("", f_text)
            if len(s) <= char_n:
                out[i] = _whole(s, seed)
            else:
                char_units.append(s)
                char_docs.append(i)
        else:
            words = _WORD.findall(f_text)
            if len(words) <= word_n:
                out[i] = _whole(" ".join(words) if words else _WS.sub(" ", f_text).strip(), seed)
            else:
                word_units.append(np.fromiter((f(w.encode("utf-8", "surrogatepass"), seed) for w in words), np.uint64, count=len(words)))
                word_docs.append(i)
    if char_docs:
        lengths = np.fromiter((len(s) for s in char_units), np.int64, count=len(char_units))
        units = np.frombuffer("".join(char_units).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        _ngram_hashes(units, lengths, char_n, seed, char_docs, out)
    if word_docs:
        lengths = np.fromiter((len(u) for u in word_units), np.int64, count=len(word_units))
        _ngram_hashes(np.concatenate(word_units), lengths, word_n, seed, word_docs, out)
    return out


def _ngram_hashes(units: np.ndarray, lengths: np.ndarray, n: int, seed: int, docs: list[int], out: list) -> None:
    """n-gram hashes over concatenated documents (each longer than n units); per-document views into out."""
    coeff = _coefficients(seed, n)
    m = len(units) - n + 1
    h = units[:m] * coeff[0]
    for k in range(1, n):
        h += units[k:k + m] * coeff[k]          # uint64 wraparound on purpose
    h = splitmix64(h)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for doc, start, length in zip(docs, starts.tolist(), lengths.tolist()):
        out[doc] = h[start:start + length - n + 1]     # grams that do not cross into the next document


def _whole(s: str, seed: int) -> np.ndarray:
    if not s:
        return np.empty(0, np.uint64)
    return np.array([xxhash.xxh3_64_intdigest(s.encode("utf-8", "surrogatepass"), seed)], dtype=np.uint64)


@functools.lru_cache(maxsize=16)
def _coefficients(seed: int, n: int) -> np.ndarray:
    rng = np.random.RandomState(seed + 7919)
    return (rng.randint(0, 1 << 63, size=n, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)


def jaccard(a: set, b: set) -> float:
    """True Jaccard similarity; two empty sets are identical (1.0)."""
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class MinHashConfig:
    num_perm: int = 128
    bands: int = 16
    rows: int = 8
    char_n: int = 5
    word_n: int = 3
    seed: int = 1

    def __post_init__(self):
        if self.num_perm <= 0 or self.bands <= 0 or self.rows <= 0:
            raise ValueError("num_perm, bands and rows must be positive")
        if self.bands * self.rows != self.num_perm:
            raise ValueError(f"bands * rows ({self.bands} * {self.rows}) must equal num_perm ({self.num_perm})")
        if self.char_n <= 0 or self.word_n <= 0:
            raise ValueError("char_n and word_n must be positive")
        if not 0 <= self.seed < 2**32:
            raise ValueError("seed must be in [0, 2**32)")

    def threshold(self) -> float:
        """Approximate Jaccard at which a pair becomes an LSH candidate: (1/b)^(1/r)."""
        return (1.0 / self.bands) ** (1.0 / self.rows)


class MinHasher:
    """Built once per worker; deterministic given the config (same seed -> same signatures)."""

    def __init__(self, config: MinHashConfig = MinHashConfig(), chunk_elements: int = 1 << 16):
        self.config = config
        rng = np.random.RandomState(config.seed)
        self.a = (rng.randint(0, 1 << 63, size=config.num_perm, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self.b = rng.randint(0, 1 << 63, size=config.num_perm, dtype=np.uint64) << np.uint64(1)
        self.b |= rng.randint(0, 2, size=config.num_perm, dtype=np.uint64)
        self._a_col, self._b_col = self.a[:, None], self.b[:, None]
        # Shingles per block so a (num_perm, block) uint64 matrix stays ~chunk_elements * 8 bytes
        # (cache-sized blocks measured fastest).
        self._block = max(1, chunk_elements // config.num_perm)

    def shingles(self, text: str, lang: str) -> set[bytes]:
        return shingles(text, lang, self.config.char_n, self.config.word_n)

    def hash_shingles(self, shingle_set: Iterable[bytes]) -> np.ndarray:
        """64-bit base hashes of one shingle set."""
        seed, f = self.config.seed, xxhash.xxh3_64_intdigest
        return np.array([f(s, seed) for s in shingle_set], dtype=np.uint64)

    def _permuted_min(self, x: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """x: concatenated base hashes (non-empty segments beginning at starts) -> (len(starts), P)."""
        # (num_perm, shingles) layout: each permutation's values are contiguous, which made
        # the reduce ~1.5x faster than (shingles, num_perm) here.
        v = np.multiply(self._a_col, x[None, :])   # uint64 wraparound = mod 2**64
        np.add(v, self._b_col, out=v)
        return np.minimum.reduceat(v, starts, axis=1).T

    def signatures(self, shingle_sets: Sequence[Iterable[bytes]]) -> np.ndarray:
        """(n, num_perm) uint64 signatures; empty sets give EMPTY_VALUE rows."""
        return self.signatures_of_hashes([self.hash_shingles(s) for s in shingle_sets])

    def text_signatures(self, texts: Sequence[str], langs: Sequence[str], folded: bool = False) -> np.ndarray:
        """Signatures of texts, via the vectorised :func:`batch_shingle_hashes` (the pipeline's path)."""
        c = self.config
        return self.signatures_of_hashes(batch_shingle_hashes(texts, langs, c.char_n, c.word_n, c.seed, folded))

    def signatures_of_hashes(self, hashed: Sequence[np.ndarray]) -> np.ndarray:
        """(n, num_perm) signatures from each document's 64-bit shingle hashes."""
        n, p = len(hashed), self.config.num_perm
        out = np.full((n, p), EMPTY_VALUE, dtype=np.uint64)
        if n == 0:
            return out
        lengths = np.fromiter((len(h) for h in hashed), dtype=np.int64, count=n)
        block = self._block
        i = 0
        while i < n:
            if lengths[i] == 0:
                i += 1
                continue
            if lengths[i] >= block:          # one big document: running min over slices
                h = hashed[i]
                row = out[i]
                for s in range(0, len(h), block):
                    np.minimum(row, self._permuted_min(h[s:s + block], np.zeros(1, np.int64))[0], out=row)
                i += 1
                continue
            # A group of consecutive documents that fits in one block (skipping empty ones).
            idx, total, j = [], 0, i
            while j < n and (lengths[j] == 0 or total + lengths[j] <= block):
                if lengths[j]:
                    idx.append(j)
                    total += int(lengths[j])
                j += 1
            idx = np.asarray(idx, dtype=np.int64)
            seg = lengths[idx]
            starts = np.zeros(len(idx), dtype=np.int64)
            np.cumsum(seg[:-1], out=starts[1:])
            x = np.concatenate([hashed[k] for k in idx])
            out[idx] = self._permuted_min(x, starts)
            i = j
        return out

    def signature(self, shingle_set: Iterable[bytes]) -> np.ndarray:
        return self.signatures([shingle_set])[0]


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Fraction of equal signature entries."""
    sig_a, sig_b = np.asarray(sig_a), np.asarray(sig_b)
    if sig_a.shape != sig_b.shape:
        raise ValueError("signatures differ in length")
    return float(np.count_nonzero(sig_a == sig_b)) / sig_a.shape[-1]


# --- LSH band keys -------------------------------------------------------------------------



def _band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64: order-sensitive mix of each band's rows (uint64 wraparound on purpose)."""
    r = sigs.reshape(sigs.shape[0], bands, rows)
    with np.errstate(over="ignore"):
        h = np.full(r.shape[:2], np.uint64(rows), dtype=np.uint64)
        for j in range(rows):
            h = splitmix64(h ^ (r[:, :, j] + GOLDEN * np.uint64(j + 1)))
    return h


def band_keys(sigs: np.ndarray, config: MinHashConfig = MinHashConfig()) -> np.ndarray:
    """(n, bands) uint64 LSH keys: a hash of each band's rows with the band index mixed in, so
    equal keys mean "same band, same rows" (up to 64-bit collisions) and the keys of all bands
    can share one grouping."""
    sigs = np.ascontiguousarray(sigs, dtype=np.uint64)
    if sigs.ndim != 2 or sigs.shape[1] != config.num_perm:
        raise ValueError(f"expected (n, {config.num_perm}) signatures, got {sigs.shape}")
    h = _band_hashes(sigs, config.bands, config.rows)
    with np.errstate(over="ignore"):
        return splitmix64(h + GOLDEN * np.arange(1, config.bands + 1, dtype=np.uint64)[None, :])

"""A linear "reference vs raw web" classifier over hashed n-gram features, as GPT-3 used
to score Common Crawl: character n-grams for Chinese, words for English.

Features are hashed (scikit-learn's HashingVectorizer), so the model is just a
weight vector: it is saved as a small .npz (no pickle), loaded once per worker
and applied to whole batches with one sparse matrix product. Scoring does not run the
HashingVectorizer: `hashed_features` builds the same matrix, bit for bit, for a whole batch
at once in numpy (a Python analyzer call per document and a hash call per feature cost ~6x more).
"""
from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipelines.text.chinese import HAN, HAN_SPANS

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{0,30}")
_HAN_RUN = re.compile(f"{HAN.pattern}+")
MAX_CHARS = 1000          # features come from this prefix: enough to judge style, bounded cost


def ngram_features(text: str, han_ngrams: tuple[int, ...] = (2,), word_ngrams: tuple[int, ...] = (1, 2)) -> list[str]:
    """Character n-grams within runs of Han characters, lower-cased word n-grams for Latin text."""
    text = text[:MAX_CHARS]
    feats: list[str] = []
    for run in _HAN_RUN.findall(text):
        for n in han_ngrams:
            feats.extend(run[i:i + n] for i in range(len(run) - n + 1))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    for n in word_ngrams:
        feats.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return feats


def make_vectorizer(n_features: int) -> "HashingVectorizer":  # noqa: F821
    """The reference definition of the features (sklearn, imported here: scoring does not need it,
    and it costs a worker ~70 MB)."""
    from sklearn.feature_extraction.text import HashingVectorizer
    return HashingVectorizer(analyzer=ngram_features, n_features=n_features, alternate_sign=False, norm="l2")


# ---- bulk path: make_vectorizer(n).transform(texts) for a whole batch, without a Python step per feature ----
# The batch is joined into one string and read as code points. Han bigrams are hashed straight from
# their code points; Latin words and word bigrams are slices of a byte string (the text lower-cased,
# one byte per character) and are hashed all at once by a vectorised MurmurHash3. The counts go into
# the CSR matrix sklearn builds, normalised as sklearn does.

_SEP = "\n"             # around documents: neither Han nor a word character, so no n-gram spans two
_MAX_WORD = 31          # the longest match of _LATIN_WORD
_SPACE, _HAN = 0x20, 0x80


def _byte_table() -> np.ndarray:
    """Each code point's byte in the lower-cased text: a-z for ASCII letters, ' and - themselves (the
    characters of _LATIN_WORD), 0x80 for Han characters (HAN's spans), a space for anything else.
    The last entry (a space) stands for every code point past the table."""
    table = np.full(max(hi for _, hi in HAN_SPANS) + 2, _SPACE, dtype=np.uint8)
    for lo, hi in HAN_SPANS:
        table[lo:hi + 1] = _HAN
    for c in "'-" + string.ascii_lowercase:
        table[ord(c)] = table[ord(c.upper())] = ord(c)
    return table


_BYTE = _byte_table()


# -- MurmurHash3 x86_32, seed 0 (sklearn.utils.murmurhash3_32), over uint32 arrays --

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> None:
    """Rotates uint32s left by r bits, in place."""
    high = x >> np.uint32(32 - r)
    x <<= np.uint32(r)
    x |= high


def _scramble(k: np.ndarray) -> np.ndarray:
    """Mixes 4-byte blocks (or the tail), in place."""
    k *= _C1
    _rotl(k, 15)
    k *= _C2
    return k


def _mix_block(h: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Folds the blocks k into the states h, in place."""
    h ^= _scramble(k)
    _rotl(h, 13)
    h *= np.uint32(5)
    h += np.uint32(0xE6546B64)
    return h


def _fmix(h: np.ndarray) -> np.ndarray:
    """The finalisation, in place."""
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def murmurhash3_32(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """sklearn.utils.murmurhash3_32 (as uint32) of every buf[start:start + length]. buf (uint8) must
    have 4 readable bytes after every key: a tail is read as a whole 4-byte word and masked."""
    # words[i]: the 4 bytes from i, copied out of the overlapping view (gathers from that are slow)
    words = np.ascontiguousarray(np.ndarray((len(buf) - 3,), dtype="<u4", buffer=buf, strides=(1,)))
    # keys in order of their number of 4-byte blocks: those with a j-th block are then a suffix
    nblocks = length >> 2
    order = np.argsort(nblocks.astype(np.uint8) if len(nblocks) and nblocks.max() < 256 else nblocks, kind="stable")
    start, length, nblocks = start[order], length[order].astype(np.uint32), nblocks[order]
    h = np.zeros(len(start), dtype=np.uint32)
    for j in range(int(nblocks[-1]) if len(nblocks) else 0):
        first = np.searchsorted(nblocks, j + 1)
        _mix_block(h[first:], words.take(start[first:] + 4 * j))
    tail = words.take(start + 4 * nblocks)
    tail &= np.uint32(0xFFFFFF) >> ((np.uint32(3) - (length & np.uint32(3))) << np.uint32(3))  # its length & 3 bytes
    h ^= _scramble(tail)                        # no tail: 0 scrambles to 0
    h ^= length
    out = np.empty_like(h)
    out[order] = _fmix(h)
    return out


# -- Han bigrams --

def _utf8_han(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 of Han code points (uint32) packed little-endian in a uint32, and its length: 3, or 4 above the BMP."""
    def cont(shift):                     # a continuation byte: 10xxxxxx
        return 0x80 | (c >> shift) & 0x3F
    packed = (0xE0 | c >> 12) | cont(6) << 8 | cont(0) << 16
    astral = c >= 0x10000
    if astral.any():
        packed = np.where(astral, (0xF0 | c >> 18) | cont(12) << 8 | cont(6) << 16 | cont(0) << 24, packed)
    return packed, 3 + astral.view(np.uint8)


def _pair_hashes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """murmurhash3_32 of the UTF-8 of the pairs of Han characters a[k] b[k], via one pair per 8-byte slot."""
    first, n1 = _utf8_han(a.astype(np.uint32))
    second, n2 = _utf8_han(b.astype(np.uint32))
    slots = np.zeros(len(a) + 1, dtype="<u8")          # + a spare slot for the 4-byte reads
    slots[:-1] = second
    slots[:-1] <<= 8 * n1.astype(np.uint64)
    slots[:-1] |= first
    return murmurhash3_32(slots.view(np.uint8), 8 * np.arange(len(a)), (n1 + n2).astype(np.int64))


def _bmp_pair_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per BMP code point: its UTF-8 (3 bytes, packed; right for Han), and what it alone decides of the
    hash of a pair it ends: the scrambled tail (its last 2 bytes) xor the key length 6."""
    c = np.arange(0x10000, dtype=np.uint32)
    packed = (0xE0 | c >> 12) | (0x80 | (c >> 6) & 0x3F) << 8 | (0x80 | c & 0x3F) << 16
    return packed, _scramble(packed >> 8) ^ np.uint32(6)


_BMP_UTF8, _BMP_TAIL = _bmp_pair_tables()


def _bmp_pair_hashes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """murmurhash3_32 of the 6 UTF-8 bytes of the pairs of BMP Han characters a[k] b[k] (intp): one
    block (a's 3 bytes and b's first), then b's last 2 bytes as the tail."""
    k = _BMP_UTF8[a]
    k |= _BMP_UTF8[b] << np.uint32(24)
    h = _mix_block(np.zeros(len(a), dtype=np.uint32), k)
    h ^= _BMP_TAIL[b]
    return _fmix(h)


def _han_bigrams(cp: np.ndarray, text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position and murmurhash3_32 of every pair of adjacent Han characters."""
    i = np.flatnonzero((text[:-1] & text[1:]) == _HAN)      # (nonzero is fastest on bools)
    a, b = cp[i].astype(np.intp), cp[i + 1].astype(np.intp)  # (and gathers on intp indices)
    astral = (a >= 0x10000) | (b >= 0x10000)
    if not astral.any():
        return i, _bmp_pair_hashes(a, b)
    h = np.empty(len(i), dtype=np.uint32)
    h[~astral] = _bmp_pair_hashes(a[~astral], b[~astral])
    h[astral] = _pair_hashes(a[astral], b[astral])
    return i, h


# -- Latin words --

def _latin_words(text: np.ndarray, joined: str) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) positions of _LATIN_WORD's matches in `joined`, in order."""
    inword = (text != _SPACE) & (text != _HAN)
    edges = np.flatnonzero(inword[1:] != inword[:-1]) + 1   # runs of word characters open and close
    start, end = edges[0::2].copy(), edges[1::2]              # in turn: joined starts and ends with _SEP
    # the regex matches from a run's first letter: step over leading apostrophes and hyphens
    # (one round per character; a run, inside one document, is at most MAX_CHARS long)
    skip = np.flatnonzero(text[start] < ord("a"))
    while len(skip):
        start[skip] += 1
        skip = skip[(start[skip] < end[skip]) & (text[start[skip]] < ord("a"))]
    keep = start < end
    start, end = start[keep], end[keep]
    long = end - start > _MAX_WORD
    if not long.any():
        return start, end
    # a run longer than one match is split by the regex itself (rare: long hyphenated chains)
    spans = [m.span() for s, e in zip(start[long], end[long]) for m in _LATIN_WORD.finditer(joined, s, e)]
    extra = np.array(spans, dtype=np.int64).reshape(-1, 2)
    start, end = np.concatenate([start[~long], extra[:, 0]]), np.concatenate([end[~long], extra[:, 1]])
    order = np.argsort(start, kind="stable")
    return start[order], end[order]


def _ranges(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The concatenation of range(start[k], start[k] + length[k])."""
    offset = np.cumsum(length) - length
    return np.repeat(start - offset, length) + np.arange(int(length.sum()))


def _word_ngrams(text: np.ndarray, start: np.ndarray, end: np.ndarray, doc: np.ndarray, n_docs: int):
    """Every word and bigram "w1 w2" as (buffer, start, length, document): the buffer is `text`
    followed by the bigrams whose words are not just one space apart in it. A bigram across two
    documents goes to document n_docs (to be dropped)."""
    length = end - start
    pair_len = length[:-1] + 1 + length[1:]
    pair_start = start[:-1].copy()
    # where one non-word character (a space in `text`) lies between the words, the bigram is a slice of text
    hard = np.flatnonzero((start[1:] - end[:-1] != 1) | (text[end[:-1]] != _SPACE))
    buf = text
    if len(hard):
        # the rest are spelled out: w1, one character that becomes the space, w2
        pieces = _ranges(np.stack([start[hard], start[hard + 1]], axis=1).ravel(),
                         np.stack([length[hard] + 1, length[hard + 1]], axis=1).ravel())
        spelled = text[pieces]
        at = np.cumsum(pair_len[hard]) - pair_len[hard]
        spelled[at + length[hard]] = _SPACE
        buf = np.concatenate([text, spelled])
        pair_start[hard] = len(text) + at
    pair_doc = np.where(doc[:-1] == doc[1:], doc[:-1], n_docs)
    return (np.concatenate([buf, np.zeros(4, dtype=np.uint8)]), np.concatenate([start, pair_start]),
            np.concatenate([length, pair_len]), np.concatenate([doc, pair_doc]))


# -- the matrix --

def _doc_of(pos: np.ndarray, doc_start: np.ndarray) -> np.ndarray:
    """The document of each of the (sorted) character positions pos."""
    first = np.searchsorted(pos, doc_start)
    return np.repeat(np.arange(len(doc_start)), np.diff(first, append=len(pos)))


def _feature_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """murmurhash3_32 of (the UTF-8 of) every feature ngram_features gives, and its document
    (len(texts) for a bigram across two documents)."""
    prefixes = [t[:MAX_CHARS] for t in texts]
    joined = _SEP + _SEP.join(prefixes) + _SEP
    # surrogatepass: a lone surrogate (never part of a feature) must not fail the batch
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    text = np.take(_BYTE, cp, mode="clip")
    size = np.fromiter(map(len, prefixes), dtype=np.int64, count=len(prefixes)) + len(_SEP)
    doc_start = np.cumsum(size) - size + len(_SEP)

    han_pos, han_hash = _han_bigrams(cp, text)
    w_start, w_end = _latin_words(text, joined)
    buf, start, length, word_doc = _word_ngrams(text, w_start, w_end, _doc_of(w_start, doc_start), len(texts))
    return (np.concatenate([han_hash, murmurhash3_32(buf, start, length)]),
            np.concatenate([_doc_of(han_pos, doc_start), word_doc]))


def _columns(h: np.ndarray, n_features: int) -> np.ndarray:
    """sklearn's column of a hash: abs(h as int32) % n_features, and for h = -2**31,
    (2**31 - 1 - (n_features - 1)) % n_features = 2**31 % n_features. As uint32 the abs of
    -2**31 reads 2**31, so one formula covers both."""
    h = np.abs(h.view(np.int32)).view(np.uint32)
    if n_features & (n_features - 1) == 0:          # a power of two: a mask, much faster than %
        return h & np.uint32(n_features - 1)
    return h % np.uint32(n_features)


def _count_matrix(doc: np.ndarray, col: np.ndarray, n_docs: int, n_features: int) -> sp.csr_matrix:
    """Counts per (document, column), columns sorted: the CSR that sklearn's sum_duplicates leaves.
    Entries of document n_docs are dropped."""
    key_type = np.uint32 if (n_docs + 1) * n_features < 2**32 else np.uint64   # 32-bit keys sort faster
    key = doc.astype(key_type) * key_type(n_features) + col
    key.sort()
    new = np.ones(len(key), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    first = np.flatnonzero(new)
    counts = np.diff(first, append=len(key)).astype(np.float64)
    key = key[first]
    indptr = np.searchsorted(key, np.arange(n_docs + 1, dtype=key_type) * key_type(n_features))
    counts, key = counts[:indptr[-1]], key[:indptr[-1]]
    row = np.repeat(np.arange(n_docs, dtype=key_type), np.diff(indptr))
    index_type = np.int32 if len(key) < 2**31 else np.int64
    return sp.csr_matrix((counts, (key - row * key_type(n_features)).astype(index_type), indptr.astype(index_type)),
                         shape=(n_docs, n_features))


def _normalize_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """sklearn.preprocessing.normalize(x, "l2"), in place, bit for bit: the squares of counts are
    integers, so their sum is exact in any order; rows of zeros stay zero. (sklearn's own spends
    more on checking its input than on the arithmetic of a batch.)"""
    sums = np.add.reduceat(np.append(x.data * x.data, 0.0), x.indptr[:-1])   # wrong only for empty rows,
    x.data /= np.repeat(np.sqrt(sums), np.diff(x.indptr))                    # which have nothing to divide
    return x


def hashed_features(texts: list[str], n_features: int) -> sp.csr_matrix:
    """make_vectorizer(n_features).transform(texts), bit for bit (for ngram_features' default
    n-gram sizes), built for the whole batch at once. Takes an empty batch, which sklearn refuses."""
    if not texts:
        return sp.csr_matrix((0, n_features), dtype=np.float64)
    h, doc = _feature_hashes(texts)
    return _normalize_rows(_count_matrix(doc, _columns(h, n_features), len(texts), n_features))


@dataclass(eq=False)
class QualityModel:
    coef: np.ndarray
    intercept: float
    n_features: int
    meta: dict

    def score(self, texts: list[str]) -> np.ndarray:
        """Probability that each text is reference-like, in [0, 1]."""
        if not texts:
            return np.zeros(0)
        z = hashed_features(texts, self.n_features) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: str) -> None:
        with open(path, "wb") as f:
            np.savez_compressed(f, coef=self.coef.astype(np.float32), intercept=np.float64(self.intercept),
                                n_features=np.int64(self.n_features), meta=np.array(json.dumps(self.meta)))

    @classmethod
    def load(cls, path: str) -> "QualityModel":
        with np.load(path, allow_pickle=False) as z:
            return cls(coef=z["coef"].astype(np.float64), intercept=float(z["intercept"]), n_features=int(z["n_features"]),
                       meta=json.loads(str(z["meta"])))


def train(positive: list[str], negative: list[str], n_features: int = 2**18, c: float = 1.0, seed: int = 0) -> QualityModel:
    from sklearn.linear_model import LogisticRegression

    if not positive or not negative:
        raise ValueError(f"training needs both classes: {len(positive)} positive, {len(negative)} negative texts")
    x = hashed_features(positive + negative, n_features)
    y = np.array([1] * len(positive) + [0] * len(negative))
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=seed)
    clf.fit(x, y)
    return QualityModel(coef=clf.coef_[0].copy(), intercept=float(clf.intercept_[0]), n_features=n_features,
                        meta={"positive": len(positive), "negative": len(negative), "C": c})


def pareto_keep(doc_id: str, score: float, alpha: float) -> bool:
    """GPT-3's filter: keep when a Pareto(alpha) draw exceeds 1 - score. The draw is
    derived from the document id, so a rerun keeps exactly the same documents."""
    u = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big") / 2**64
    draw = (1.0 - u) ** (-1.0 / alpha) - 1.0       # numpy.random.pareto's (Lomax) distribution, by inversion
    return draw > 1.0 - score

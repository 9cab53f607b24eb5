"""Hashed TF-IDF vectors for near-duplicate verification (pure layer, no Beam import).

Why TF-IDF after MinHash: MinHash candidates include pairs that only share boilerplate
(copyright footers, "follow our account" lines). Those tokens occur in many documents, so
their idf is low and such a pair gets a low cosine; a genuine near copy (typos, a dropped
or inserted sentence) shares its rare content tokens and keeps a high cosine.

Tokens are hashed into ``n_buckets`` buckets (xxh3_64, stable across processes), so the
corpus document-frequency table is a ``dict[int, int]`` (or a dense ``np.ndarray``) that
can be combined across workers with :func:`merge_df`.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import xxhash

_WORD = re.compile(r"[^\W_]+")
_CHAR_LANGS = ("zh", "ja", "ko")
_jieba = None


def _get_jieba():
    global _jieba
    if _jieba is None:
        import jieba
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def _is_word_token(tok: str) -> bool:
    """False for tokens made only of whitespace / punctuation / symbols / controls."""
    for ch in tok:
        if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZC":
            return True
    return False


def tokens(text: str, lang: str) -> list[str]:
    """Chinese ('zh*'): jieba words (HMM off), case-folded, whitespace/punctuation dropped.
    Other languages: case-folded runs of letters/digits."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if lang and lang.lower().startswith(_CHAR_LANGS):
        return [t for t in _get_jieba().lcut(folded, HMM=False) if _is_word_token(t)]
    return _WORD.findall(folded)


@dataclass(frozen=True)
class TfidfConfig:
    n_buckets: int = 2**20

    def __post_init__(self):
        if self.n_buckets <= 0:
            raise ValueError("n_buckets must be positive")


def token_bucket(token: str, n_buckets: int = TfidfConfig.n_buckets) -> int:
    """Stable bucket of a token: xxh3_64(utf-8) mod n_buckets."""
    return xxhash.xxh3_64_intdigest(token.encode("utf-8", "surrogatepass")) % n_buckets


def document_frequencies(token_lists: Iterable[Iterable[str]],
                         n_buckets: int = TfidfConfig.n_buckets) -> dict[int, int]:
    """bucket -> number of documents containing a token in that bucket."""
    df: Counter = Counter()
    for toks in token_lists:
        df.update({token_bucket(t, n_buckets) for t in toks})
    return dict(df)


def merge_df(a: Mapping[int, int], b: Mapping[int, int]) -> dict[int, int]:
    """Sum of two document-frequency tables (associative and commutative: a CombineFn merge)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def cosine(u: Mapping[int, float], v: Mapping[int, float]) -> float:
    """Cosine of two sparse vectors; 0.0 when either is empty."""
    if not u or not v:
        return 0.0
    if len(u) > len(v):
        u, v = v, u
    dot = sum(w * v.get(k, 0.0) for k, w in u.items())
    nu = math.sqrt(sum(w * w for w in u.values()))
    nv = math.sqrt(sum(w * w for w in v.values()))
    if nu == 0.0 or nv == 0.0:
        return 0.0
    return max(0.0, min(1.0, dot / (nu * nv)))


class TfidfVectorizer:
    """Sublinear tf (1 + log tf) x smooth idf (log((1+N)/(1+df)) + 1), L2-normalised."""

    def __init__(self, df: Mapping[int, int] | np.ndarray, n_docs: int,
                 config: TfidfConfig = TfidfConfig()):
        if n_docs < 0:
            raise ValueError("n_docs must be >= 0")
        if isinstance(df, np.ndarray) and df.shape != (config.n_buckets,):
            raise ValueError(f"dense df must have shape ({config.n_buckets},), got {df.shape}")
        self.df = df
        self.n_docs = n_docs
        self.config = config
        self._log_n1 = math.log(1 + n_docs)

    def _df(self, bucket: int) -> int:
        if isinstance(self.df, np.ndarray):
            return int(self.df[bucket])
        return self.df.get(bucket, 0)

    def idf(self, bucket: int) -> float:
        return self._log_n1 - math.log(1 + self._df(bucket)) + 1.0

    def vector(self, toks: Iterable[str]) -> dict[int, float]:
        n = self.config.n_buckets
        tf = Counter(token_bucket(t, n) for t in toks)
        vec = {b: (1.0 + math.log(c)) * self.idf(b) for b, c in tf.items()}
        norm = math.sqrt(sum(w * w for w in vec.values()))
        if norm == 0.0:
            return {}
        return {b: w / norm for b, w in vec.items()}

    @staticmethod
    def cosine(u: Mapping[int, float], v: Mapping[int, float]) -> float:
        return cosine(u, v)

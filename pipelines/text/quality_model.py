"""A linear "reference vs raw web" classifier over hashed n-gram features, as GPT-3 used
to score Common Crawl: character n-grams for Chinese, words for English.

Features are hashed (scikit-learn's HashingVectorizer), so the model is just a
weight vector: it is saved as a small .npz (no pickle), loaded once per worker
and applied to whole batches with one sparse matrix product.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from pipelines.text.chinese import HAN

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


def make_vectorizer(n_features: int) -> HashingVectorizer:
    return HashingVectorizer(analyzer=ngram_features, n_features=n_features, alternate_sign=False, norm="l2")


@dataclass(eq=False)
class QualityModel:
    coef: np.ndarray
    intercept: float
    n_features: int
    meta: dict

    def __post_init__(self):
        self._vectorizer = make_vectorizer(self.n_features)

    def score(self, texts: list[str]) -> np.ndarray:
        """Probability that each text is reference-like, in [0, 1]."""
        if not texts:
            return np.zeros(0)
        z = self._vectorizer.transform(texts) @ self.coef + self.intercept
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
    x = make_vectorizer(n_features).transform(positive + negative)
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

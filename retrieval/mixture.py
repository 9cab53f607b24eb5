"""The mixture of lexical and dense scores: each retriever's scores over the chunks are min-max
normalised to [0, 1] (over all chunks, so a chunk neither retriever likes scores 0), then
score = w_lexical * lexical + w_dense * dense, with the weights normalised to sum to 1."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Weights:
    lexical: float = 0.5
    dense: float = 0.5

    def __post_init__(self):
        for name in ("lexical", "dense"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1e6:
                raise ValueError(f"weight {name!r} must be a number >= 0, got {v!r}")
        if self.lexical + self.dense <= 0:
            raise ValueError("the weights must not both be 0")

    @property
    def normalised(self) -> tuple[float, float]:
        total = self.lexical + self.dense
        return self.lexical / total, self.dense / total


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores mapped to [0, 1]; all equal (no retriever preference) maps to 0."""
    if scores.size == 0:
        return scores
    lo, hi = float(scores.min()), float(scores.max())
    return np.zeros_like(scores) if hi <= lo else (scores - lo) / (hi - lo)


def mix(lexical: np.ndarray, dense: np.ndarray, weights: Weights) -> np.ndarray:
    wl, wd = weights.normalised
    return wl * minmax(lexical) + wd * minmax(dense)


def top(scores: np.ndarray, k: int) -> list[int]:
    """The indices of the k highest scores, best first (ties: lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    return sorted(part.tolist(), key=lambda i: (-scores[i], i))

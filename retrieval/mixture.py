"""The mixture of lexical and dense scores: each retriever's scores over the chunks are scaled to
[0, 1] by the best chunk's score, negative scores (a dense cosine) clipped to 0, so a chunk
neither retriever finds anything in scores 0 and every chunk that matches keeps a score above 0;
then score = w_lexical * lexical + w_dense * dense, with the weights normalised to sum to 1."""
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


def scaled(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the best one, negatives clipped to 0: in [0, 1], 0 = no match."""
    clipped = np.clip(scores, 0, None)
    best = float(clipped.max(initial=0))
    return clipped / best if best > 0 else np.zeros_like(clipped)


def mix(lexical: np.ndarray, dense: np.ndarray, weights: Weights) -> np.ndarray:
    """The weighted sum of two retrievers' scores, each already `scaled`."""
    wl, wd = weights.normalised
    return wl * lexical + wd * dense


def top(scores: np.ndarray, k: int) -> list[int]:
    """The indices of the k highest scores, best first (ties: lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    return sorted(part.tolist(), key=lambda i: (-scores[i], i))

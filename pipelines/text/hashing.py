"""The one 64-bit mixing function of the text and dedupe code: splitmix64, vectorised over uint64
arrays (wraparound on purpose). MinHash permutations, LSH band keys, shard numbers and the hashed
TF-IDF vocabulary all go through it."""
from __future__ import annotations

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)       # splitmix64's increment (2^64 / golden ratio)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a fast 64-bit mix."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def splitmix64_step(x: np.ndarray) -> np.ndarray:
    """A whole splitmix64 step: the increment added, then the finaliser."""
    return splitmix64(x + GOLDEN)

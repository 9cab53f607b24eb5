"""Edges between documents that may be copies: exact groups and LSH buckets.

Both work on one shard of (key, handle) rows at a time: rows with equal keys
always share a shard, so a shard holds whole groups. A handle is a document's
64-bit id inside the dedupe stage.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from pipelines.core import counters as C


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal values in a sorted array."""
    if len(sorted_keys) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.concatenate([[0], np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1])
    lengths = np.diff(np.concatenate([starts, [len(sorted_keys)]]))
    return starts, lengths


def exact_edges(keys: np.ndarray, handles: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Star edges linking the members of each exact-key group to its smallest handle.

    Returns (a, b, number of groups with more than one member). A group of m copies gives
    m - 1 edges: linear, however many copies there are."""
    keys, handles = np.asarray(keys, np.uint64), np.asarray(handles, np.uint64)
    order = np.lexsort((handles, keys))
    k, h = keys[order], handles[order]
    starts, lengths = _runs(k)
    group_start = np.repeat(starts, lengths)
    member = np.arange(len(k)) != group_start
    return h[group_start[member]], h[member], int((lengths > 1).sum())


@dataclass
class BucketStats:
    buckets: int = 0                 # buckets with two or more distinct documents
    pairs: int = 0                   # candidate pairs emitted (before removing repeats across bands)
    oversized: int = 0               # buckets larger than max_bucket, linked linearly
    largest: int = 0
    sizes: Counter = field(default_factory=Counter)

    def as_counts(self) -> dict:
        return {C.dedupe("lsh_buckets"): self.buckets, C.dedupe("lsh_pairs"): self.pairs,
                C.dedupe("lsh_oversized_buckets"): self.oversized, C.largest("largest_bucket"): self.largest}


def bucket_pairs(keys: np.ndarray, handles: np.ndarray, exact: np.ndarray, max_bucket: int
                 ) -> tuple[np.ndarray, np.ndarray, BucketStats]:
    """Candidate pairs from LSH buckets (documents sharing a band key).

    Members of a bucket that are exact copies of each other (same exact key) are
    represented by one of them: the exact stage links copies already, and an all-identical
    bucket of a thousand copies must not cost half a million pairs. A bucket of up to
    `max_bucket` distinct documents gives all its pairs; a larger one is linked linearly,
    each member to the bucket's first one and to its neighbour in handle order (2(m-1)
    pairs), which keeps every member reachable for the verification without the
    quadratic blow-up; such buckets are counted in the stats."""
    keys, handles, exact = (np.asarray(x, np.uint64) for x in (keys, handles, exact))
    stats = BucketStats()
    order = np.lexsort((handles, exact, keys))
    k, h, e = keys[order], handles[order], exact[order]
    if len(k) == 0:
        return np.empty(0, np.uint64), np.empty(0, np.uint64), stats
    first_of_copy = np.concatenate([[True], (k[1:] != k[:-1]) | (e[1:] != e[:-1])])
    k, h = k[first_of_copy], h[first_of_copy]
    starts, lengths = _runs(k)
    a_out, b_out = [], []
    for s, m in zip(starts[lengths > 1].tolist(), lengths[lengths > 1].tolist()):
        members = h[s:s + m]
        stats.buckets += 1
        stats.largest = max(stats.largest, m)
        if m <= max_bucket:
            i, j = zip(*combinations(range(m), 2))
            a_out.append(members[list(i)])
            b_out.append(members[list(j)])
        else:
            stats.oversized += 1
            a_out.append(np.concatenate([np.repeat(members[:1], m - 1), members[1:-1]]))
            b_out.append(np.concatenate([members[1:], members[2:]]))
    if not a_out:
        return np.empty(0, np.uint64), np.empty(0, np.uint64), stats
    a, b = np.concatenate(a_out), np.concatenate(b_out)
    stats.pairs = len(a)
    return a, b, stats

"""Connected components by alternating Large-Star and Small-Star (Kiveris et al.,
"Connected Components in MapReduce and Beyond", SoCC 2014), vectorised over edge arrays.

Each step needs, for every node, only that node's own edges: Large-Star the
node's whole neighbourhood, Small-Star the edges to its smaller neighbours. The
Beam layer therefore shards edges by node and runs one step per shard; no step
gathers the graph. Nodes are uint64 handles; the component id is the smallest
handle of the component.

Rounds. Alternating the two steps converges to a star forest (every node linked
straight to its component's smallest node). The paper proves O(log^2 n) rounds;
measured on paths in the worst node order, one Large+Small pair roughly halves
the longest chain (a path of 4,096 nodes needs 12 pairs, see `rounds_needed`).
Duplicate clusters are a few documents with short chains, so the default of 12
rounds leaves a wide margin. A node that has not reached its star by then is
counted (`unconverged`) and keeps the smallest node it reached: its cluster may
be split, never merged wrongly.
"""
from __future__ import annotations

import numpy as np

from pipelines.dedupe.tables import unique_pairs

_EMPTY = np.empty(0, np.uint64)


def _grouped_min(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort edges by src; per src node: its neighbours' minimum. Returns (src sorted, dst
    sorted alike, minimum neighbour of each edge's src node)."""
    order = np.argsort(src, kind="stable")
    s, d = src[order], dst[order]
    starts = np.concatenate([[0], np.flatnonzero(s[1:] != s[:-1]) + 1])
    mins = np.minimum.reduceat(d, starts)
    lengths = np.diff(np.concatenate([starts, [len(s)]]))
    return s, d, np.repeat(mins, lengths)


def large_star(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Directed edges holding every node's full neighbourhood (both directions of each
    undirected edge) -> undirected edges (hi, lo): every larger neighbour of a node, and
    the node itself, linked to the smallest of the node and its neighbours."""
    src, dst = np.asarray(src, np.uint64), np.asarray(dst, np.uint64)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if len(src) == 0:
        return _EMPTY, _EMPTY
    s, d, m = _grouped_min(src, dst)
    m = np.minimum(m, s)
    larger = d > s
    return unique_pairs(np.concatenate([d[larger], s]), np.concatenate([m[larger], m]))


def small_star(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges (hi > lo), all edges of a node as its larger end present ->
    each node and its smaller neighbours linked to the smallest of them."""
    hi, lo = unique_pairs(hi, lo)
    if len(hi) == 0:
        return _EMPTY, _EMPTY
    s, d, m = _grouped_min(hi, lo)
    return unique_pairs(np.concatenate([d, s]), np.concatenate([m, m]))


def both_directions(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([a, b]), np.concatenate([b, a])


def labels(child: np.ndarray, parent: np.ndarray, parents_seen: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, int]:
    """Final labelling of one shard after the rounds.

    child/parent: the edges (hi, lo) whose hi falls in this shard; parents_seen: every lo
    of any edge that falls in this shard. Returns (node, component id) for the shard's
    nodes, and how many of them had not converged (several parents, or a parent that has
    a parent itself)."""
    child, parent, parents_seen = (np.asarray(x, np.uint64) for x in (child, parent, parents_seen))
    nodes_out, label_out, unconverged = [], [], 0
    if len(child):
        order = np.lexsort((parent, child))
        c, p = child[order], parent[order]
        starts = np.concatenate([[0], np.flatnonzero(c[1:] != c[:-1]) + 1])
        counts = np.diff(np.concatenate([starts, [len(c)]]))
        unconverged += int((counts > 1).sum())
        nodes_out.append(c[starts])
        label_out.append(p[starts])           # the smallest parent
    roots = np.setdiff1d(np.unique(parents_seen), child)
    deep = np.intersect1d(np.unique(parents_seen), child)
    unconverged += len(deep)
    nodes_out.append(roots)
    label_out.append(roots)
    return np.concatenate(nodes_out), np.concatenate(label_out), unconverged


def components(a: np.ndarray, b: np.ndarray, rounds: int = 12) -> dict[int, int]:
    """In-memory reference: node -> component id, with the same steps the Beam layer shards."""
    hi, lo = unique_pairs(a, b)
    for _ in range(rounds):
        hi, lo = large_star(*both_directions(hi, lo))
        hi, lo = small_star(hi, lo)
    nodes, ids, _ = labels(hi, lo, lo)
    return dict(zip(nodes.tolist(), ids.tolist()))


def rounds_needed(chain_length: int) -> int:
    """Large+Small rounds until a path of `chain_length` nodes in the worst order is one star."""
    nodes = np.arange(1, chain_length + 1, dtype=np.uint64)
    # Alternate ends inward (1, n, 2, n-1, ...): the order measured slowest.
    order = np.empty_like(nodes)
    order[0::2] = nodes[: (chain_length + 1) // 2]
    order[1::2] = nodes[::-1][: chain_length // 2]
    hi, lo = unique_pairs(order[:-1], order[1:])
    for r in range(1, 200):
        hi, lo = large_star(*both_directions(hi, lo))
        hi, lo = small_star(hi, lo)
        if len(np.unique(hi)) == len(hi) and not np.intersect1d(hi, lo).size:
            return r
    raise RuntimeError("did not converge")

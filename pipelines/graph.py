"""Connected components by alternating Large-Star and Small-Star (Kiveris et al.,
"Connected Components in MapReduce and Beyond", SoCC 2014), as pure functions.

Each operation looks at one node and its neighbours only, so a distributed
runner can apply it per key after grouping edges by node; no step needs the
whole graph in one place. Alternating the two converges to stars: every node
linked to the smallest node of its component (the component id). The paper
proves O(log^2 n) rounds; on a path, one Large-Star + Small-Star pair roughly
halves the diameter, so the pair count grows with log2 of the longest chain
(see `rounds_needed`). Duplicate clusters are small and shallow in practice.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator

Edge = tuple[Hashable, Hashable]


def large_star(node, neighbours: Iterable) -> Iterator[Edge]:
    """Links every larger neighbour (and the node) to the smallest of node and neighbours."""
    nbrs = set(neighbours)
    m = min(nbrs | {node})
    for u in nbrs:
        if u > node:
            yield (u, m)
    if m != node:
        yield (node, m)


def small_star(node, neighbours: Iterable) -> Iterator[Edge]:
    """Links every smaller-or-equal neighbour (and the node) to the smallest of them."""
    smaller = {u for u in neighbours if u <= node}
    if not smaller:
        return
    m = min(smaller | {node})
    for u in smaller:
        if u != m:
            yield (u, m)
    if node != m:
        yield (node, m)


def _adjacency(edges: Iterable[Edge]) -> dict:
    adj: dict = {}
    for u, v in edges:
        if u == v:
            adj.setdefault(u, set())
            continue
        adj.setdefault(u, set()).add(v)
        adj.setdefault(v, set()).add(u)
    return adj


def star_round(edges: Iterable[Edge]) -> set[Edge]:
    """One Large-Star followed by one Small-Star, in memory (the reference for the Beam version)."""
    out = set()
    for node, nbrs in _adjacency(edges).items():
        out.update(large_star(node, nbrs))
    # Small-Star groups by the smaller-or-equal side: emit directed edges keyed by the larger endpoint.
    by_node: dict = {}
    for u, v in out:
        by_node.setdefault(u, set()).add(v)
        by_node.setdefault(v, set()).add(u)
    result = set()
    for node, nbrs in by_node.items():
        result.update(small_star(node, nbrs))
    return result


def components(edges: Iterable[Edge], rounds: int) -> dict:
    """node -> component id (smallest node), after `rounds` star rounds; in memory."""
    current = {tuple(e) for e in edges}
    nodes = {n for e in current for n in e}
    for _ in range(rounds):
        nxt = star_round(current)
        if nxt == current:
            break
        current = nxt
    labels = {n: n for n in nodes}
    for u, v in current:
        hi, lo = (u, v) if u > v else (v, u)
        labels[hi] = min(labels[hi], lo)
    return labels


def is_star_forest(edges: Iterable[Edge]) -> bool:
    """True when every edge links a node to a centre that links to nothing smaller: converged."""
    parent: dict = {}
    for u, v in edges:
        hi, lo = (u, v) if u > v else (v, u)
        if parent.setdefault(hi, lo) != lo:
            return False
    return all(p not in parent for p in parent.values())


def rounds_needed(chain_length: int) -> int:
    """Star rounds until a path of `chain_length` nodes in the worst order becomes one star."""
    nodes = list(range(chain_length))
    edges = set(zip(nodes, nodes[1:]))
    for r in range(1, 200):
        edges = star_round(edges)
        if is_star_forest(edges):
            return r
    raise RuntimeError("did not converge")

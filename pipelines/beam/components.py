"""Connected components in Beam: alternating Large-Star / Small-Star rounds (pipelines/graph.py).

Every round groups edges by node, so no worker ever holds more than one node's
neighbours; nothing gathers all documents or all pairs. A Beam graph is static,
so the rounds are unrolled: `rounds` pairs suffice for chains of about
2**rounds nodes (a path of 4,096 nodes needs 12 in the worst order measured,
see `graph.rounds_needed`); near-duplicate clusters are far smaller. Nodes of a
component that has not become a star after the last round are counted under
`components_unconverged` so a run can report it rather than hide it.
"""
from __future__ import annotations

import apache_beam as beam

from pipelines.graph import large_star, small_star

DEFAULT_ROUNDS = 12


def _both_directions(edge):
    u, v = edge
    if u != v:
        yield (u, v)
        yield (v, u)


def _star_step(name: str, edges, step):
    return (edges
            | f"{name}Directed" >> beam.FlatMap(_both_directions)
            | f"{name}Group" >> beam.GroupByKey()
            | f"{name}Star" >> beam.FlatMapTuple(lambda node, nbrs: step(node, nbrs)))


def _labels(node, parents):
    """After the rounds each non-root node should have exactly one parent, its component id."""
    parents = set(parents)
    yield beam.pvalue.TaggedOutput("labels", (node, min(parents)))
    if len(parents) > 1:
        yield beam.pvalue.TaggedOutput("unconverged", node)


class ConnectedComponents(beam.PTransform):
    """PCollection of (u, v) edges -> PCollection of (node, component id = smallest node id).

    The second output, `unconverged`, holds nodes that still had several parents
    after the last round (empty when `rounds` sufficed)."""

    def __init__(self, rounds: int = DEFAULT_ROUNDS):
        super().__init__()
        self.rounds = rounds

    def expand(self, edges):
        current = edges | "Dedup" >> beam.Distinct()
        for r in range(self.rounds):
            current = _star_step(f"Large{r}", current, large_star)
            current = _star_step(f"Small{r}", current, small_star) | f"Distinct{r}" >> beam.Distinct()
        # Edges now point from each node to its component's smallest node.
        parents = (current
                   | "ToParent" >> beam.Map(lambda e: (max(e), min(e)))
                   | "GroupParents" >> beam.GroupByKey()
                   | "Label" >> beam.FlatMapTuple(_labels).with_outputs("labels", "unconverged"))
        roots = (parents.labels
                 | "Roots" >> beam.Map(lambda kv: (kv[1], kv[1]))
                 | "DistinctRoots" >> beam.Distinct())
        labels = (parents.labels, roots) | "AllLabels" >> beam.Flatten()
        # A parent that has a parent itself means the forest is not yet a set of stars.
        deep = ({"children": parents.labels | "ByParent" >> beam.Map(lambda kv: (kv[1], kv[0])), "own": parents.labels}
                | "ParentsOfParents" >> beam.CoGroupByKey()
                | "Deep" >> beam.FlatMapTuple(lambda node, g: list(g["children"]) if list(g["own"]) else []))
        unconverged = (parents.unconverged, deep) | "AllUnconverged" >> beam.Flatten() | "DistinctUnconverged" >> beam.Distinct()
        return {"labels": labels, "unconverged": unconverged}

"""Connected components in Beam: alternating Large-Star / Small-Star rounds over sharded edge
tables (pipelines/dedupe/components.py holds the steps and the reasoning about rounds).
"""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa

from pipelines.beam.dedupe_common import STATS, main_output, stats_output
from pipelines.beam.portable import MAIN, Branches
from pipelines.core import counters as C
from pipelines.dedupe import components as cc
from pipelines.dedupe.tables import PAIRS, concat, pairs_table, split_by_shard, u64

LABELS = pa.schema([("handle", pa.uint64()), ("root", pa.uint64())])



def _directed_by_src(edges: pa.Table, n_shards: int):
    src, dst = cc.both_directions(u64(edges, "a"), u64(edges, "b"))
    yield from split_by_shard(pairs_table(src, dst), "a", n_shards)


def _large_star(element, n_shards):
    shard, tables = element
    t = concat(tables, PAIRS)
    hi, lo = cc.large_star(u64(t, "a"), u64(t, "b"))
    if len(hi):
        yield from split_by_shard(pairs_table(hi, lo), "a", n_shards)


def _small_star(element):
    shard, tables = element
    t = concat(tables, PAIRS)
    hi, lo = cc.small_star(u64(t, "a"), u64(t, "b"))
    if len(hi):
        yield pairs_table(hi, lo)


def _children_and_parents(edges: pa.Table, n_shards: int):
    yield from ((s, ("child", t)) for s, t in split_by_shard(edges, "a", n_shards))
    yield from ((s, ("parent", t)) for s, t in split_by_shard(edges, "b", n_shards))


def _labels(element, n_shards):
    shard, tagged = element
    child = concat([t for kind, t in tagged if kind == "child"], PAIRS)
    parent = concat([t for kind, t in tagged if kind == "parent"], PAIRS)
    nodes, roots, unconverged = cc.labels(u64(child, "a"), u64(child, "b"), u64(parent, "b"))
    yield stats_output({C.dedupe("clustered_documents"): len(nodes), C.dedupe("cc_unconverged"): unconverged})
    if len(nodes):
        yield from map(main_output, split_by_shard(pa.table({"handle": pa.array(nodes), "root": pa.array(roots)}, schema=LABELS),
                                                   "handle", n_shards))


class ConnectedComponents(beam.PTransform):
    """Edge tables (a, b) -> {MAIN: label tables (handle, root) sharded by handle, STATS: counts};
    see pipelines/dedupe/components.py."""

    def __init__(self, rounds: int, n_shards: int):
        super().__init__()
        self.rounds, self.n_shards = rounds, n_shards

    def expand(self, edges):
        S = self.n_shards
        current = edges
        for r in range(self.rounds):
            current = (current
                       | f"Directed{r}" >> beam.FlatMap(_directed_by_src, S)
                       | f"GroupLarge{r}" >> beam.GroupByKey()
                       | f"LargeStar{r}" >> beam.FlatMap(_large_star, S)
                       | f"GroupSmall{r}" >> beam.GroupByKey()
                       | f"SmallStar{r}" >> beam.FlatMap(_small_star))
        return (current
                | "ChildrenParents" >> beam.FlatMap(_children_and_parents, S)
                | "GroupLabels" >> beam.GroupByKey()
                | "Labels" >> beam.FlatMap(_labels, S)
                | "LabelOutputs" >> Branches(MAIN, STATS))

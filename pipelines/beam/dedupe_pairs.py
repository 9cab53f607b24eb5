"""Candidate pairs and their TF-IDF verification in Beam: exact groups, LSH buckets, distinct pairs,
vectors of the candidate documents only, cosine per pair.
"""
from __future__ import annotations

import os
import time
from collections import Counter

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.beam.dedupe_common import ShardBuffer, main_output, read_chunk, stats_output, tables_of
from pipelines.beam.memory import release_memory
from pipelines.beam.portable import stable_key
from pipelines.beam.progress import progress
from pipelines.core import counters as C
from pipelines.dedupe.candidates import bucket_pairs, exact_edges
from pipelines.dedupe.config import DedupeConfig, threshold_of
from pipelines.dedupe.features import BANDS, EXACT, FEATURES
from pipelines.dedupe.tables import PAIRS, column, concat, pairs_table, split_by_shard, u64, unique_pairs
from pipelines.text.tfidf import TfidfVectorizer, cosine

VECTORS = pa.schema([("handle", pa.uint64()), ("lang", pa.string()),
                     ("idx", pa.list_(pa.uint32())), ("val", pa.list_(pa.float32()))])
NEEDED = pa.schema([("handle", pa.uint64()), ("chunk", pa.string()), ("row", pa.int64()), ("lang", pa.string())])



def exact_edges_of_shard(element, n_shards):
    shard, tables = element
    t = concat(tables_of(tables), EXACT)
    a, b, groups = exact_edges(u64(t, "key"), u64(t, "handle"))
    yield stats_output({C.dedupe("exact_groups"): groups, C.dedupe("exact_edges"): len(a)})
    if len(a):
        yield main_output(pairs_table(a, b))


def bucket_pairs_of_shard(element, max_bucket, n_shards):
    shard, tables = element
    t = concat(tables_of(tables), BANDS)
    a, b, stats = bucket_pairs(u64(t, "key"), u64(t, "handle"), u64(t, "exact"), max_bucket)
    yield stats_output(stats.as_counts())
    hi, lo = unique_pairs(a, b)                       # repeats within this shard; across shards below
    if len(hi):
        yield from map(main_output, split_by_shard(pairs_table(hi, lo), "a", n_shards))


def distinct_pairs_of_shard(element, n_shards):
    """Pairs of one shard (by their larger handle): distinct pairs, and their endpoints by shard."""
    shard, tables = element
    t = concat(tables, PAIRS)
    hi, lo = unique_pairs(u64(t, "a"), u64(t, "b"))
    yield stats_output({C.dedupe("candidate_pairs"): len(hi)})
    if len(hi):
        yield main_output((shard, pairs_table(hi, lo)))
        ends = np.unique(np.concatenate([hi, lo]))
        for s, part in split_by_shard(pa.table({"handle": pa.array(ends)}), "handle", n_shards):
            yield "endpoints", (s, part)


def locate_rows(element, n_shards):
    """Endpoints + features of one handle shard -> (chunk's shard, (chunk, rows to vectorise))."""
    shard, grouped = element
    ends = [t for t in grouped["endpoints"]]
    if not ends:
        return
    wanted = pa.concat_tables(ends).column("handle")
    f = concat(tables_of(grouped["features"]), FEATURES)
    f = f.filter(pc.is_in(f.column("handle"), value_set=pc.unique(wanted)))
    f = f.select(NEEDED.names)
    for chunk in pc.unique(f.column("chunk")).to_pylist():
        yield stable_key(chunk, n_shards), (chunk, f.filter(pc.equal(f.column("chunk"), chunk)))


class Vectorise(beam.DoFn):
    """(shard, {"rows": [(chunk, rows)], "df": [document frequencies]}) -> TF-IDF vectors of those
    rows, by handle shard, spilled to files under `spill` (a vector is as long as its document has
    terms). jieba runs only here."""

    def __init__(self, config: DedupeConfig, spill: str):
        self.config, self.spill = config, spill

    def setup(self):
        self._vectorizer, self._docs, self._busy = None, 0, 0.0

    def process(self, element):
        shard, grouped = element
        by_chunk: dict = {}
        for chunk, table in grouped["rows"]:
            by_chunk.setdefault(chunk, []).append(table)
        if not by_chunk:
            return
        if self._vectorizer is None:
            df = list(grouped["df"])[0]
            self._vectorizer = TfidfVectorizer(df.df, df.n_docs, n_buckets=self.config.df_buckets)
        buffer = ShardBuffer(self.config.shards, spill=(self.spill, f"from-{shard}"))
        for chunk in sorted(by_chunk):
            for _, out in buffer.add("vectors", self._vectorise(chunk, by_chunk[chunk]), "handle"):
                yield out
        for _, out in buffer.flush():
            yield out
        release_memory()

    def _vectorise(self, chunk: str, tables: list) -> pa.Table:
        needed = concat(tables, NEEDED)
        rows = np.unique(column(needed, "row"))
        texts = read_chunk(chunk, ["text"]).column("text").take(pa.array(rows)).to_pylist()
        by_row = {r: i for i, r in enumerate(rows.tolist())}
        pick = [by_row[r] for r in column(needed, "row").tolist()]
        t0 = time.monotonic()
        pairs = self._vectorizer.vectors([texts[i] for i in pick], needed.column("lang").to_pylist())
        self._busy += time.monotonic() - t0
        idx, val = [i for i, _ in pairs], [v for _, v in pairs]
        self._docs += needed.num_rows
        return pa.table({"handle": needed.column("handle"), "lang": needed.column("lang"),
                         "idx": pa.array(idx, pa.list_(pa.uint32())), "val": pa.array(val, pa.list_(pa.float32()))},
                        schema=VECTORS)

    def teardown(self):
        if self._docs:
            progress(f"worker {os.getpid()}: TF-IDF vectors of {self._docs} candidate documents ({self._busy:.1f} s computing)")


def _lookup(vectors: pa.Table, handles: np.ndarray) -> np.ndarray:
    """Row index in `vectors` of each handle (all present)."""
    keys = u64(vectors, "handle")
    order = np.argsort(keys)
    return order[np.searchsorted(keys, handles, sorter=order)]


def attach_first_vector(element, n_shards, spill):
    """Pairs (by larger handle) + vectors of that shard -> pairs carrying the first vector, by smaller
    handle, spilled to files under `spill`."""
    shard, grouped = element
    pairs = concat(grouped["pairs"], PAIRS)
    if not pairs.num_rows:
        return
    vectors = concat(tables_of(grouped["vectors"]), VECTORS)
    rows = _lookup(vectors, u64(pairs, "a"))
    with_a = pa.table({"a": pairs.column("a"), "b": pairs.column("b"), "a_lang": vectors.column("lang").take(pa.array(rows)),
                       "a_idx": vectors.column("idx").take(pa.array(rows)),
                       "a_val": vectors.column("val").take(pa.array(rows))})
    buffer = ShardBuffer(n_shards, spill=(spill, f"from-{shard}"))
    for _, out in buffer.add("with_a", with_a, "b"):
        yield out
    for _, out in buffer.flush():
        yield out


def verify_pairs(element, thresholds):
    shard, grouped = element
    pairs = tables_of(grouped["pairs"])
    if not pairs:
        return
    pairs = pa.concat_tables(pairs)
    vectors = concat(tables_of(grouped["vectors"]), VECTORS)
    rows = _lookup(vectors, u64(pairs, "b"))
    b_idx = vectors.column("idx").take(pa.array(rows)).to_numpy(zero_copy_only=False)
    b_val = vectors.column("val").take(pa.array(rows)).to_numpy(zero_copy_only=False)
    a_idx = pairs.column("a_idx").to_numpy(zero_copy_only=False)
    a_val = pairs.column("a_val").to_numpy(zero_copy_only=False)
    cos = np.fromiter((cosine(ai, av, bi, bv) for ai, av, bi, bv in zip(a_idx, a_val, b_idx, b_val)), np.float64, count=len(rows))
    a_lang = pairs.column("a_lang").to_pylist()
    b_lang = vectors.column("lang").take(pa.array(rows)).to_pylist()
    needed = np.fromiter((max(threshold_of(thresholds, x), threshold_of(thresholds, y)) for x, y in zip(a_lang, b_lang)),
                         np.float64, count=len(rows))
    ok = cos >= needed
    hist = Counter(C.cosine(f"{min(int(c * 10), 9) / 10:.1f}") for c in cos)
    yield stats_output({C.dedupe("verified_pairs"): int(ok.sum()), C.dedupe("unverified_pairs"): int((~ok).sum()), **hist})
    if ok.any():
        yield main_output(pairs_table(u64(pairs, "a")[ok], u64(pairs, "b")[ok]))

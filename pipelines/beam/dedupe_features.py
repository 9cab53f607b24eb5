"""Dedupe features in Beam: document tables -> sharded features, band keys, exact keys and document
frequencies, emitted once per unit of work (a split's staged file, or an input file).
"""
from __future__ import annotations

import os
import time

import apache_beam as beam
import pyarrow as pa
import xxhash

from pipelines.beam.dedupe_common import ShardBuffer, list_chunks, read_chunk
from pipelines.beam.progress import progress
from pipelines.beam.worker_exit import exit_promptly_at_shutdown
from pipelines.core import counters as C
from pipelines.dedupe.config import DedupeConfig
from pipelines.dedupe.features import FeatureExtractor
from pipelines.text.tfidf import DocumentFrequencies

FEATURE_TAGS = ("features", "bands", "exact", "df", "staged")
COLUMNS = ["id", "text", "lang", "category", "quality_score"]


class FeatureEmitter:
    """Collects the features of one unit's document tables; `done` yields them as (tag, value):
    ("features" | "bands" | "exact", (shard, table)), ("df", partial frequencies) and
    ("staged", file) naming the unit's file for the final write."""

    def __init__(self, config: DedupeConfig, extractor: FeatureExtractor, spill: tuple[str, str]):
        self.config, self.extractor = config, extractor
        self._buffer = ShardBuffer(config.shards, spill=spill)
        self._df = None
        self.seconds = 0.0

    def add(self, table: pa.Table, ref: str, identity: str | None = None):
        t0 = time.monotonic()
        f = self.extractor.extract(table.select([c for c in COLUMNS if c in table.column_names]), ref, identity)
        self.seconds += time.monotonic() - t0
        yield from self._buffer.add("features", f.features, "handle")
        yield from self._buffer.add("bands", f.bands, "key")
        yield from self._buffer.add("exact", f.exact, "key")
        if self._df is None:
            self._df = DocumentFrequencies.empty(self.config.df_buckets)
        self._df.add(*f.df)

    def done(self, file: str):
        yield from self._buffer.flush()
        if self._df is not None:
            yield "df", self._df
        yield "staged", file


class ExtractFeatures(beam.DoFn):
    """A Parquet file of documents (an earlier run's data/, or any corpus) -> its row groups' features
    (see FeatureEmitter; spilled under `shuffle`) and the count of documents read."""

    def __init__(self, config: DedupeConfig, shuffle: str):
        self.config, self.shuffle = config, shuffle

    def setup(self):
        exit_promptly_at_shutdown()
        self.extractor = FeatureExtractor(self.config)
        self._docs, self._busy = 0, 0.0

    def process(self, path: str):
        unit = xxhash.xxh3_128_hexdigest(path.encode("utf-8", "surrogatepass"))
        emitter, rows = FeatureEmitter(self.config, self.extractor, (self.shuffle, unit)), 0
        for ref in list_chunks(path):
            table = read_chunk(ref)
            rows += table.num_rows
            yield from emitter.add(table, ref)
        yield from emitter.done(path)
        yield "stats", {"counts": {C.READ: rows}}
        self._docs += rows
        self._busy += emitter.seconds

    def teardown(self):
        if self._docs:
            progress(f"worker {os.getpid()}: dedupe features of {self._docs} documents ({self._busy:.1f} s computing)")


class DfCombine(beam.CombineFn):
    def __init__(self, n_buckets: int):
        self.n_buckets = n_buckets

    def create_accumulator(self):
        return DocumentFrequencies.empty(self.n_buckets)

    def add_input(self, acc, partial: DocumentFrequencies):
        return DocumentFrequencies.merge(acc, partial)

    def merge_accumulators(self, accs):
        accs = iter(accs)
        out = next(accs)
        for a in accs:
            out = DocumentFrequencies.merge(out, a)
        return out

    def extract_output(self, acc):
        return acc

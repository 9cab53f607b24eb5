"""Dedupe features in Beam: per chunk (or per staged document table) -> sharded features, band keys,
exact keys and document frequencies.
"""
from __future__ import annotations

import os
import time

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from pipelines.beam.dedupe_common import ShardBuffer, read_chunk
from pipelines.beam.progress import progress
from pipelines.dedupe.config import DedupeConfig
from pipelines.dedupe.features import FeatureExtractor, chunk_ref
from pipelines.text.tfidf import DocumentFrequencies


class ExtractFeatures(beam.DoFn):
    """Chunk reference -> (chunk, rows) (main), and, sharded: FEATURES by handle, band keys and
    exact keys by key; document frequencies summed over the bundle."""
    COLUMNS = ["id", "text", "lang", "category", "quality_score"]

    def __init__(self, config: DedupeConfig):
        self.config = config

    def setup(self):
        self.extractor = FeatureExtractor(self.config)
        self._docs, self._busy = 0, 0.0           # documents and seconds spent on them, for the progress line

    def start_bundle(self):
        self._buffer = ShardBuffer(self.config.shards)
        self._df = None

    def finish_bundle(self):
        yield from self._buffer.flush(windowed=True)
        if self._df is not None:
            yield beam.pvalue.TaggedOutput("df", WindowedValue(self._df, MIN_TIMESTAMP, [GlobalWindow()]))

    def process(self, ref: str):
        table = read_chunk(ref)
        yield from self.emit(table.select([c for c in self.COLUMNS if c in table.column_names]), ref)

    def emit(self, table: pa.Table, ref: str):
        t0 = time.monotonic()
        f = self.extractor.extract(table, ref)
        self._busy += time.monotonic() - t0
        self._docs += table.num_rows
        yield ref, table.num_rows
        yield from self._buffer.add("features", f.features, "handle")
        yield from self._buffer.add("bands", f.bands, "key")
        yield from self._buffer.add("exact", f.exact, "key")
        if self._df is None:
            self._df = DocumentFrequencies.empty(self.config.df_buckets)
        self._df.add(*f.df)

    def teardown(self):
        if self._docs:
            progress(f"worker {os.getpid()}: dedupe features of {self._docs} documents ({self._busy:.1f} s computing)")


class StageDocuments(ExtractFeatures):
    """Document tables of the cleaning stage -> staging Parquet files (one per table), then
    the same outputs as ExtractFeatures. The file name is a hash of the table's first and
    last source positions, so a retried bundle rewrites the same file."""

    def __init__(self, config: DedupeConfig, staging_dir: str):
        super().__init__(config)
        self.staging_dir = staging_dir

    def process(self, table: pa.Table):
        ids = table.column("id")
        key = "\0".join(str(x) for x in (table.column("source_file")[0], table.column("source_line")[0], ids[0],
                                          table.column("source_line")[-1], ids[-1], table.num_rows))
        path = FileSystems.join(self.staging_dir, xxhash.xxh3_128_hexdigest(key.encode("utf-8", "surrogatepass")) + ".parquet")
        with FileSystems.create(path, mime_type="application/octet-stream", compression_type=CompressionTypes.UNCOMPRESSED) as f:
            pq.write_table(table, f, row_group_size=table.num_rows + 1, compression="zstd")
        yield from self.emit(table, chunk_ref(path, 0))


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

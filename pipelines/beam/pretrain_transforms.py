"""DoFns of the pretraining pipeline: plan splits, read them, process batches."""
from __future__ import annotations


import apache_beam as beam
import pyarrow as pa

from pipelines.beam.progress import Throughput
from pipelines.document_processor import DocumentProcessor, PretrainConfig
from pipelines.readers import match, plan_splits, read_split
from schemas import pretrain as schema

STATS = "stats"
REJECTED = "rejected"
DEAD_LETTER = "dead_letter"


class PlanSplits(beam.DoFn):
    """(source, format, pattern) -> splits of the files it matches; the file list goes to STATS."""

    def __init__(self, split_bytes: int):
        self.split_bytes = split_bytes

    def process(self, element):
        source, fmt, pattern = element
        files = match(pattern)
        if not files:
            yield beam.pvalue.TaggedOutput(STATS, {"counts": {"unmatched_patterns": 1},
                                                   "inputs": [{"source": source, "path": pattern, "bytes": 0, "splits": 0}]})
        for path, size in files:
            splits = plan_splits(source, fmt, path, size, self.split_bytes)
            yield beam.pvalue.TaggedOutput(STATS, {"counts": {"input_files": 1, "input_bytes": size},
                                                   "inputs": [{"source": source, "path": path, "bytes": size, "splits": len(splits)}]})
            yield from splits


class ReadSplits(beam.DoFn):
    def __init__(self, batch_records: int, batch_bytes: int):
        self.batch_records, self.batch_bytes = batch_records, batch_bytes

    def process(self, split):
        yield from read_split(split, self.batch_records, self.batch_bytes)


def _table(rows: list[dict], arrow_schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=arrow_schema)


class ProcessBatches(beam.DoFn):
    """RawBatch -> a table of documents (main output), rejects, dead letters and counts."""

    def __init__(self, config: PretrainConfig):
        self.config = config

    def setup(self):
        self.processor = DocumentProcessor(self.config)      # OpenCC + fastText, once per worker
        self.throughput = Throughput()

    def process(self, batch):
        result = self.processor.process(batch)
        if result.documents:
            yield _table(result.documents, schema.DOCUMENT)
        if result.rejected:
            yield beam.pvalue.TaggedOutput(REJECTED, _table(result.rejected, schema.REJECTED))
        if result.dead_letters:
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, _table(result.dead_letters, schema.DEAD_LETTER))
        yield beam.pvalue.TaggedOutput(STATS, {"counts": dict(result.counts)})
        self.throughput.add(len(batch.items), batch.nbytes)

    def teardown(self):
        self.throughput.done()

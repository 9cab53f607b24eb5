"""DoFn of the SFT pipeline: raw batches -> record tables (with the dedupe key), rejects, dead letters, counts."""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa

from pipelines.beam.progress import Throughput
from pipelines.sft.adapters import records_to_table
from pipelines.sft.processor import SftConfig, SftProcessor
from schemas import sft as schema

STATS, REJECTED, DEAD_LETTER = "stats", "rejected", "dead_letter"


class ProcessSftBatches(beam.DoFn):
    def __init__(self, config: SftConfig):
        self.config = config

    def setup(self):
        self.processor = SftProcessor(self.config)       # rules, automata, taxonomy: once per worker
        self.throughput = Throughput()

    def process(self, batch):
        result = self.processor.process(batch)
        if result.documents:
            table = records_to_table(result.documents)
            # The dedupe stages key on `text`: instruction + input, as the issue asks.
            key = [r["instruction"] + "\n" + (r.get("input") or "") for r in result.documents]
            yield table.append_column("text", pa.array(key, pa.large_string()))
        if result.rejected:
            yield beam.pvalue.TaggedOutput(REJECTED, pa.Table.from_pylist(result.rejected, schema=schema.REJECTED))
        if result.dead_letters:
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, pa.Table.from_pylist(result.dead_letters, schema=schema.DEAD_LETTER))
        yield beam.pvalue.TaggedOutput(STATS, {"counts": dict(result.counts)})
        self.throughput.add(len(batch.items), batch.nbytes)

    def teardown(self):
        self.throughput.done()

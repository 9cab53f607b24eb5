"""Baseline for the benchmark: the pipeline's own functions in a plain Python loop, no Beam.

    python -m bench.plain_loop --sources SOURCES --output OUT [--rules RULES]

Same reading, same DocumentProcessor, Parquet written with pyarrow directly.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq

from bench.stage_times import batches, corpus
from pipelines.core import counters as C
from pipelines.core.rules import DEFAULT_RULES
from pipelines.pretrain.processor import DocumentProcessor
from schemas import pretrain as schema


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sources", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--rules", default=str(DEFAULT_RULES))
    a = ap.parse_args(argv)
    config, files = corpus(a.sources, a.rules)
    processor = DocumentProcessor(config)
    os.makedirs(a.output, exist_ok=True)
    writers = {name: pq.ParquetWriter(f"{a.output}/{name}.parquet", s, compression="zstd")
               for name, s in (("data", schema.DOCUMENT), ("rejected", schema.REJECTED), ("dead_letter", schema.DEAD_LETTER))}
    counts, t0 = Counter(), time.monotonic()
    for source, path, size in files:
        counts[C.total("input_bytes")] += size
        for batch in batches(config, source, path, size):
            result = processor.process(batch)
            counts.update(result.counts)
            for name, rows in (("data", result.documents), ("rejected", result.rejected), ("dead_letter", result.dead_letters)):
                if rows:
                    writers[name].write_table(pa.Table.from_pylist(rows, schema=writers[name].schema))
    for w in writers.values():
        w.close()
    print(json.dumps({"seconds": round(time.monotonic() - t0, 2), "counts": {k: counts[C.total(k)] for k in ("read", "written", "rejected", "dead_letter", "input_bytes")},
                      "stage_seconds": {k: round(v, 3) for k, v in getattr(processor, "seconds", {}).items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Seconds per pretraining step over a corpus, for any revision of the project.

    python /path/to/bench/stage_times.py --sources SOURCES [--rules RULES]

Runs the same reading and DocumentProcessor as bench/plain_loop.py, with a timer around each
step's `apply` and `apply_batch` (the outermost call only), and prints {"stage_seconds": {...},
"input_bytes": N} as JSON. It uses only what every revision since the step protocol has
(DocumentProcessor(config).steps.steps), so bench/pretrain_bench.py runs this file with an older
checkout first on sys.path to time the baseline the same way as the current tree.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterator

from pipelines.core.readers import RawBatch, match, plan_splits, read_split
from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA, load_rules
from pipelines.core.sources import Source, load_sources
from pipelines.pretrain.processor import DocumentProcessor, PretrainConfig


def timed(step, seconds: Counter) -> None:
    """Wraps the step's apply and apply_batch; a call inside another timed call is not counted twice."""
    depth = [0]

    def wrap(method):
        @functools.wraps(method)
        def call(*args, **kwargs):
            depth[0] += 1
            t0 = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    seconds[step.name] += time.perf_counter() - t0
        return call

    step.apply = wrap(step.apply)
    step.apply_batch = wrap(step.apply_batch)


def corpus(sources_path: str, rules_path: str) -> tuple[PretrainConfig, list[tuple[Source, str, int]]]:
    """The pipeline's configuration and the input files, (source, path, bytes) each."""
    rules, sources = load_rules(rules_path, RULES_SCHEMA), load_sources(sources_path)
    config = PretrainConfig.from_rules(rules.data, sources.sources, Path(rules.path).parent)
    return config, [(s, path, size) for s in sources.sources for pattern in s.patterns for path, size in match(pattern)]


def batches(config: PretrainConfig, source: Source, path: str, size: int) -> Iterator[RawBatch]:
    """A file's batches, read as the pipeline reads them (splits, then batches)."""
    for split in plan_splits(source.name, source.format, path, size, config.split_bytes):
        yield from read_split(split, config.batch_records, config.batch_bytes)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sources", required=True)
    ap.add_argument("--rules", default=str(DEFAULT_RULES))
    a = ap.parse_args(argv)
    config, files = corpus(a.sources, a.rules)
    processor = DocumentProcessor(config)
    seconds: Counter = Counter()
    for step in processor.steps.steps:
        timed(step, seconds)
    total_bytes, t0 = 0, time.perf_counter()
    for source, path, size in files:
        total_bytes += size
        for batch in batches(config, source, path, size):
            processor.process(batch)
    process = time.perf_counter() - t0
    seconds["other (parse, chain, reading)"] = process - sum(seconds.values())
    print(json.dumps({"stage_seconds": {k: round(v, 3) for k, v in seconds.items()}, "input_bytes": total_bytes,
                      "seconds": round(process, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

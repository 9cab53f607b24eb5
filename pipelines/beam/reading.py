"""Reading in Beam: the input files planned into splits, and each split read, cleaned and written.

Planning runs in lanes: the pipeline starts from one element per (source pattern, lane), so even a
corpus of one large file starts as many elements (a runner such as Dask keeps the partitioning of
the first PCollection for the whole pipeline). Large uncompressed JSONL files are cut into byte
ranges that the lanes scan in parallel for newlines; a GroupByKey per file turns the scans into
splits with exact line numbers. Then the splits are spread over the workers and each split is one
unit of work for `CleanSplits`.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter

import apache_beam as beam
import pyarrow as pa
import xxhash

from pipelines.beam.memory import release_memory
from pipelines.beam.dedupe_features import FeatureEmitter
from pipelines.beam.dedupe_output import decide, output_name
from pipelines.beam.outputs import TableFiles
from pipelines.beam.portable import Branches, Redistribute, stable_key
from pipelines.beam.progress import Throughput
from pipelines.core import counters as C
from pipelines.dedupe.clusters import DECISIONS
from pipelines.dedupe.config import DedupeConfig
from pipelines.dedupe.features import FeatureExtractor, chunk_ref
from pipelines.beam.storage import join
from pipelines.beam.worker_exit import exit_promptly_at_shutdown
from pipelines.core.records import BatchResult
from pipelines.core.readers import (RangeScan, RawBatch, Split, byte_ranges, match, plan_splits, plannable_in_ranges,
                               read_split, scan_range, splits_from_scans)

STAGING_DOCS = "docs"
SHUFFLE = "shuffle"          # spilled dedupe keys, under the staging folder
NO_DECISIONS = DECISIONS.empty_table()
_PROCESS_CACHE: dict = {}
_CACHE_ENTRIES = 6          # a pipeline's worth; a process that runs pipeline after pipeline keeps only the latest


def per_process(key: str, build):
    """One object per worker process and key: models and automata are loaded once per process,
    however many bundles or partitions (each with its own DoFn setup) the runner gives it."""
    if key not in _PROCESS_CACHE:
        while len(_PROCESS_CACHE) >= _CACHE_ENTRIES:
            _PROCESS_CACHE.pop(next(iter(_PROCESS_CACHE)))
        _PROCESS_CACHE[key] = build()
    return _PROCESS_CACHE[key]


def _input_stats(source: str, path: str, size: int, splits: int) -> tuple[str, dict]:
    return "stats", {"counts": {C.total("input_files"): 1, C.total("input_bytes"): size},
                     "inputs": [{"source": source, "path": path, "bytes": size, "splits": splits}]}


class _PlanLane(beam.DoFn):
    """(source, format, pattern, lane) -> this lane's share of the planning, keyed by file:
    ("splits", [Split]) for a file planned whole, ("scan", RangeScan) for each range of a large
    JSONL file, ("unmatched", None) for a pattern that matches no file."""

    def __init__(self, split_bytes: int, lanes: int):
        self.split_bytes, self.lanes = split_bytes, lanes

    def process(self, element):
        source, fmt, pattern, lane = element
        files = match(pattern)
        if not files and lane == 0:
            yield _file_key(source, fmt, pattern, 0), ("unmatched", None)
        for path, size in files:
            first_lane = stable_key(path, self.lanes)
            if not plannable_in_ranges(fmt, path, size, self.split_bytes):
                if first_lane == lane:
                    yield _file_key(source, fmt, path, size), ("splits", [tuple(s) for s in plan_splits(source, fmt, path, size, self.split_bytes)])
                continue
            for i, (start, end) in enumerate(byte_ranges(size, self.split_bytes)):
                if (first_lane + i) % self.lanes == lane:
                    try:
                        scan = scan_range(path, start, end)
                    except Exception:  # noqa: BLE001 - planned whole instead; reading it then dead-letters the file
                        scan = RangeScan(start, end, -1, -1)
                    yield _file_key(source, fmt, path, size), ("scan", tuple(scan))


def _file_key(source: str, fmt: str, path: str, size: int) -> str:
    # A string key: a tuple key came out of the Dask runner's GroupByKey mangled.
    return json.dumps([source, fmt, path, size])


def _splits_of_file(element):
    """A file's planning (whole, or the scans of its ranges) -> ("split", Split) and ("stats", ...)."""
    key, parts = element
    source, fmt, path, size = json.loads(key)
    parts = list(parts)
    if parts[0][0] == "unmatched":
        yield "stats", {"counts": {C.total("unmatched_patterns"): 1}, "inputs": [{"source": source, "path": path, "bytes": 0, "splits": 0}]}
        return
    if parts[0][0] == "splits":
        splits = [Split(*s) for s in parts[0][1]]
    else:
        scans = [RangeScan(*scan) for _, scan in parts]
        if any(s.newlines < 0 for s in scans):
            splits = [Split(source, path, fmt, 0, -1, 1)]
        else:
            splits = splits_from_scans(source, fmt, path, scans)
    yield _input_stats(source, path, size, len(splits))
    yield from (("split", s) for s in splits)


def _split_key(split) -> str:
    return Split(*split).key()


class PlanSplits(beam.PTransform):
    """Source specs (source, format, pattern) -> {"splits": spread over the workers, "stats"}."""

    def __init__(self, specs: list[tuple[str, str, str]], split_bytes: int, lanes: int = 8):
        super().__init__()
        self.specs, self.split_bytes, self.lanes = specs, split_bytes, lanes

    def expand(self, pbegin):
        lanes = [(*spec, lane) for spec in self.specs for lane in range(self.lanes)]
        # One path from the Create to the splits (no Flatten): on the Dask runner every Flatten and
        # join adds partitions, and every later shuffle costs tasks per partition.
        planned = (pbegin
                   | "Lanes" >> beam.Create(lanes)
                   | "PlanLanes" >> beam.ParDo(_PlanLane(self.split_bytes, self.lanes))
                   | "GroupByFile" >> beam.GroupByKey()
                   | "SplitsOfFiles" >> beam.FlatMap(_splits_of_file)
                   | "PlanOutputs" >> Branches("split", "stats"))
        return {"splits": planned["split"] | "Distribute" >> Redistribute(_split_key), "stats": planned["stats"]}


class CleanSplits(beam.DoFn):
    """Split -> its records read in batches and cleaned by the pipeline's processor; documents
    written to a staging file (one row group per batch), rejects and dead letters to their output
    files, all named after the split. Emits, as (tag, value), the staged documents' dedupe
    features (FeatureEmitter) and the stats (counts and files written).

    Without dedupe and sampling (`dedupe.active` false) nothing is decided later: the documents go
    straight to OUT/data/ under the name the final write would give them, in `document_schema`,
    and no features are emitted (a staged copy, read back and rewritten, cost ~10 % of the run).

    cleaning: the pipeline's side of it (PretrainCleaning, SftCleaning): `processor()`,
    `documents(result)` and the REJECTED / DEAD_LETTER schemas."""

    def __init__(self, cleaning, dedupe: DedupeConfig, output: str, staging: str, batch_records: int, batch_bytes: int,
                 max_record_bytes: int, document_schema: pa.Schema):
        self.cleaning, self.dedupe, self.output, self.staging = cleaning, dedupe, output, staging
        self.batch_records, self.batch_bytes, self.max_record_bytes = batch_records, batch_bytes, max_record_bytes
        self.document_schema = document_schema
        self._key = uuid.uuid4().hex              # the same in every copy of this DoFn: one processor per process

    def setup(self):
        exit_promptly_at_shutdown()
        self.processor = per_process(self._key + "processor", self.cleaning.processor)
        self.extractor = (per_process(self._key + "features", lambda: FeatureExtractor(self.dedupe))
                          if self.dedupe.active else None)          # no features without dedupe or sampling
        self.throughput = per_process(self._key + "throughput", Throughput)

    def process(self, split):
        split = Split(*split)
        name = xxhash.xxh3_128_hexdigest(split.key().encode("utf-8", "surrogatepass"))
        staged = join(self.staging, STAGING_DOCS, f"{name}.parquet")
        direct = not self.dedupe.active
        documents = ("data", (join(self.output, "data", output_name(staged, True) + ".parquet"), self.document_schema)) \
            if direct else ("staged", (staged, None))
        files = TableFiles({documents[0]: documents[1],
                            "rejected": (join(self.output, "rejected", f"filters-part-{name}.parquet"), self.cleaning.REJECTED),
                            "dead_letter": (join(self.output, "dead_letter", f"part-{name}.parquet"), self.cleaning.DEAD_LETTER)})
        features = None if direct else FeatureEmitter(self.dedupe, self.extractor, (join(self.staging, SHUFFLE), name))
        counts, final, row_group = Counter(), Counter(), 0
        with files:
            for batch in read_split(split, self.batch_records, self.batch_bytes, self.max_record_bytes):
                for result_counts, documents, rejected, dead_letters in self._clean(batch):
                    C.merge(counts, result_counts)
                    if documents is not None and direct:
                        files.write("data", decide(documents, NO_DECISIONS, {}, self.dedupe.sampling, final)[0])
                    elif documents is not None:
                        files.write("staged", documents)
                        yield from features.add(documents, chunk_ref(staged, row_group), f"{row_group}:{name}")
                        row_group += 1
                    files.write("rejected", rejected)
                    files.write("dead_letter", dead_letters)
                self.throughput.add(len(batch.items), batch.nbytes)
            written = files.close()
        release_memory()
        if written["files"].pop("staged", []):
            yield from features.done(staged)
        # The processor's "written" documents are only cleaned: what is written is counted where it is.
        yield "stats", {"counts": C.merge(C.cleaned_not_written(counts), final), **written}

    def _clean(self, batch: RawBatch) -> list[tuple]:
        """[(counts, documents, rejected, dead letters)] of a batch, tables or None: the batch at once,
        or, when that fails (a stage, or a row Arrow cannot hold), record by record, so that one record
        becomes a dead letter with its file, line and error, and the others go on."""
        try:
            return [self._tables(self.processor.process(batch))]
        except Exception:  # noqa: BLE001 - retried record by record below
            pass
        out = []
        for item in batch.items:
            single = RawBatch(batch.source, batch.path, batch.format, [item])
            try:
                out.append(self._tables(self.processor.process(single)))
            except Exception as e:  # noqa: BLE001 - this record's fate, not the run's
                out.append(self._failed(batch, item, e))
        if batch.error is not None:
            out.append(self._tables(self.processor.process(RawBatch(batch.source, batch.path, batch.format, [],
                                                                    error=batch.error))))
        return out

    def _tables(self, result) -> tuple:
        c = self.cleaning
        return (dict(result.counts), c.documents(result.documents) if result.documents else None,
                c.rejected(result.rejected) if result.rejected else None,
                c.dead_letters(result.dead_letters) if result.dead_letters else None)

    def _failed(self, batch: RawBatch, item: tuple, error: Exception) -> tuple:
        line, raw = item
        kind = "unencodable_string" if isinstance(error, UnicodeError) else "processing_error"
        result = BatchResult()
        result.counts.update({C.READ: 1, C.source(batch.source, "read"): 1})
        result.dead_letter(batch.source, batch.path, line, kind, f"{type(error).__name__}: {error}",
                           raw if isinstance(raw, bytes) else repr(raw).encode("utf-8", "backslashreplace"))
        return self._tables(result)

    def teardown(self):
        self.throughput.done()


CLEAN_TAGS = ("features", "bands", "exact", "df", "staged", "stats")

"""Resolution of clusters, sampling rates and the final write, file by file, in Beam.
"""
from __future__ import annotations

import os
from collections import Counter
from itertools import compress

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import xxhash
from apache_beam.io.filesystems import FileSystems

from pipelines.beam.components import LABELS
from pipelines.beam.dedupe_common import list_chunks, read_chunk, tables_of
from pipelines.beam.outputs import TableFiles
from pipelines.beam.progress import progress
from pipelines.core import counters as C
from pipelines.dedupe import clusters, sampling
from pipelines.dedupe.config import DedupeConfig
from pipelines.dedupe.features import FEATURES, parse_chunk_ref
from pipelines.dedupe.tables import column, concat, split_by_shard
from schemas import pretrain as schema


def cluster_members(element, n_shards):
    shard, grouped = element
    labels = concat(grouped["labels"], LABELS)
    if not labels.num_rows:
        return
    features = concat(tables_of(grouped["features"]), FEATURES)
    members = labels.join(features, keys="handle", join_type="inner")
    yield from split_by_shard(members.select(clusters.MEMBERS.names).cast(clusters.MEMBERS), "root", n_shards)


def resolve_clusters(element, mode, score_tie):
    """Clusters of one shard -> (file, its documents' decisions) for each file they lie in."""
    shard, tables = element
    decisions = clusters.resolve(concat(tables, clusters.MEMBERS), mode, score_tie)
    files = pa.array([parse_chunk_ref(c)[0] for c in decisions.column("chunk").to_pylist()], pa.string())
    for file in pc.unique(files).to_pylist():
        yield file, decisions.filter(pc.equal(files, file))


def stratum_sizes(features: pa.Table, unit: str, by_lang: bool = True):
    """Per-stratum size of every document (before dedupe), for the sampling rates."""
    out = Counter()
    amount = column(features, "n_bytes") if unit == "bytes" else np.ones(features.num_rows)
    for lang, cat, x in zip(features.column("lang").to_pylist(), features.column("category").to_pylist(), amount.tolist()):
        out[sampling.stratum(lang, cat, by_lang)] += x
    yield dict(out)


def stratum_deltas(element, unit: str, by_lang: bool = True):
    """What dedupe takes off each stratum: dropped documents, and the weight below 1 of kept ones."""
    _, decisions = element
    out = Counter()
    amount = column(decisions, "n_bytes") if unit == "bytes" else np.ones(decisions.num_rows)
    weight = column(decisions, "weight")
    for lang, cat, x, w in zip(decisions.column("lang").to_pylist(), decisions.column("category").to_pylist(), amount.tolist(), weight.tolist()):
        out[sampling.stratum(lang, cat, by_lang)] += x * (w - 1.0)
    yield dict(out)


class SumDicts(beam.CombineFn):
    def create_accumulator(self):
        return Counter()

    def add_input(self, acc, d):
        acc.update(d)
        return acc

    def merge_accumulators(self, accs):
        out = Counter()
        for a in accs:
            out.update(a)
        return out

    def extract_output(self, acc):
        return dict(acc)


CLUSTER_COLUMNS = ("cluster_id", "cluster_size", "weight")


def _column_or_nulls(table: pa.Table, name: str, type_: pa.DataType):
    return table.column(name).cast(type_) if name in table.column_names else pa.nulls(table.num_rows, type_)


def output_name(file: str, staged: bool) -> str:
    """The output files' name for one unit's file: a staged file's own (hash) name, so the same input
    gives the same names in any output folder; else a hash of the input file's path."""
    if staged:
        return "part-" + file.rsplit("/", 1)[-1].removesuffix(".parquet")
    return "part-" + xxhash.xxh3_64_hexdigest(file.encode("utf-8", "surrogatepass"))


class WriteFiles(beam.DoFn):
    """(file, {"staged": [file], "decisions": [tables], "rates": [rates]}) -> the file's documents that
    stay, written to OUT/data/, the duplicates to OUT/rejected/ and the sampled-out ids to
    OUT/sampled_out/ (one output file each, named after the input file); emits the counts and files.

    document_schema: the schema of the documents written; None keeps the chunk's own columns."""

    def __init__(self, config: DedupeConfig, document_schema: pa.Schema, output: str, staged: bool):
        self.config, self.document_schema, self.output, self.staged = config, document_schema, output, staged

    def setup(self):
        self._docs = 0

    def process(self, element):
        file, grouped = element
        if not list(grouped["staged"]):                       # decisions always come with their file
            return
        rates = (list(grouped["rates"]) or [{}])[0]
        decisions = concat(list(grouped["decisions"]), clusters.DECISIONS)
        name = output_name(file, self.staged) + ".parquet"
        files = TableFiles({"data": (FileSystems.join(self.output, "data", name), self.document_schema),
                            "rejected": (FileSystems.join(self.output, "rejected", "dedupe-" + name), schema.REJECTED),
                            "sampled_out": (FileSystems.join(self.output, "sampled_out", name), schema.SAMPLED)})
        counts = Counter()
        with files:
            for ref in list_chunks(file):
                mine = decisions.filter(pc.equal(decisions.column("chunk"), ref)) if decisions.num_rows else decisions
                kept, rejected, sampled = self._decide(read_chunk(ref), mine, rates, counts)
                files.write("data", kept)
                files.write("rejected", rejected)
                files.write("sampled_out", sampled)
            yield "stats", {"counts": dict(counts), **files.close()}

    def _decide(self, table, decisions, rates, counts: Counter):
        self._docs += table.num_rows
        return decide(table, decisions, rates, self.config.sampling, counts)

    def teardown(self):
        if self._docs:
            progress(f"worker {os.getpid()}: {self._docs} documents through dedupe and sampling to the output")


def decide(table: pa.Table, decisions: pa.Table, rates: dict, sampling_config, counts: Counter) -> tuple:
    """A unit's documents and the dedupe decisions that concern them (by row of `table`; none: every
    document stays, whole) -> (kept, with the cluster columns; rejected duplicates; sampled-out ids),
    tables or None; adds the written, rejected and sampling counts to `counts`."""
    table = table.drop_columns([c for c in CLUSTER_COLUMNS if c in table.column_names])
    n = table.num_rows
    ids = table.column("id").to_pylist()
    cluster_id, size, weight = list(ids), np.ones(n, np.int32), np.ones(n, np.float32)
    keep = np.ones(n, bool)
    rule, dup_of = [None] * n, [None] * n
    for row, k, r, d, c, s, w in zip(column(decisions, "row").tolist(), column(decisions, "keep").tolist(),
                                     decisions.column("rule").to_pylist(), decisions.column("dup_of").to_pylist(),
                                     decisions.column("cluster_id").to_pylist(), column(decisions, "cluster_size").tolist(),
                                     column(decisions, "weight").tolist()):
        keep[row], rule[row], dup_of[row], cluster_id[row], size[row], weight[row] = k, r, d, c, s, w
    langs = table.column("lang").to_pylist()
    cats = table.column("category").to_pylist() if "category" in table.column_names else [None] * n
    strata = [sampling.stratum(lang, c, sampling_config.by_lang) for lang, c in zip(langs, cats)]
    seed = sampling_config.seed
    # keep() is called only where a stratum is sampled down (a rate under 1); most runs sample nothing.
    sampled = (np.array([k and rates.get(st, 1.0) < 1.0 and not sampling.keep(i, rates[st], seed)
                         for i, st, k in zip(ids, strata, keep.tolist())], dtype=bool)
               if any(r < 1.0 for r in rates.values()) else np.zeros(n, bool))
    n_bytes = pc.binary_length(table.column("text")).to_numpy(zero_copy_only=False).astype(np.float64)
    sources = _column_or_nulls(table, "source", pa.string()).to_pylist()
    for i in np.flatnonzero(~keep).tolist():
        counts[C.rejected(rule[i])] += 1
    written = keep & ~sampled
    counts[C.SAMPLED_OUT] += int(sampled.sum())
    counts[C.WRITTEN] += int(written.sum())
    for src, k in Counter(compress(sources, written.tolist())).items():
        counts[C.source(src, "written")] += k
    _add_by_stratum(counts, "in", strata, keep, n_bytes, weight)
    _add_by_stratum(counts, "out", strata, written, n_bytes, weight)
    counts[C.N_REJECTED] += int((~keep).sum())
    out = table.append_column("cluster_id", pa.array(cluster_id, pa.string())) \
               .append_column("cluster_size", pa.array(size)).append_column("weight", pa.array(weight))
    kept = out.filter(pa.array(written)) if written.any() else None
    rejects = _rejects(table, ~keep, rule, dup_of, size) if (~keep).any() else None
    sampled_out = None
    if sampled.any():
        s = table.filter(pa.array(sampled))
        sampled_out = pa.table({
            "id": s.column("id"), "source": _column_or_nulls(s, "source", pa.string()),
            "lang": s.column("lang"), "category": pa.array([c for c, m in zip(cats, sampled) if m], pa.string()),
            "n_bytes": pa.array([b for b, m in zip(n_bytes, sampled) if m], pa.int64()),
            "weight": pa.array(weight[sampled])}, schema=schema.SAMPLED)
    return kept, rejects, sampled_out


def _rejects(table, mask, rule, dup_of, size) -> pa.Table:
    idx = np.flatnonzero(mask)
    t = table.take(pa.array(idx))
    prefix = [x[:schema.TEXT_PREFIX_CHARS] for x in t.column("text").to_pylist()]
    return pa.table({
        "id": t.column("id"), "source": pc.fill_null(_column_or_nulls(t, "source", pa.string()), "unknown"),
        "rule": pa.array([rule[i] for i in idx], pa.string()),
        "reason": pa.array([f"duplicate of {dup_of[i]} (cluster of {size[i]})" for i in idx], pa.string()),
        "value": pa.nulls(len(idx), pa.float64()), "threshold": pa.nulls(len(idx), pa.float64()),
        "text_prefix": pa.array(prefix, pa.string()), "lang": t.column("lang"),
        "source_file": _column_or_nulls(t, "source_file", pa.string()),
        "source_line": _column_or_nulls(t, "source_line", pa.int64()),
        "dup_of": pa.array([dup_of[i] for i in idx], pa.string()),
    }, schema=schema.REJECTED)


def _add_by_stratum(counts: Counter, side: str, strata: list[str], mask: np.ndarray, n_bytes: np.ndarray,
                    weight: np.ndarray) -> None:
    """The sampling counters of one side ("in": every document kept by dedupe; "out": those written):
    weighted bytes and documents per stratum."""
    w = weight.astype(np.float64)
    sums: dict[str, list[float]] = {}
    for st, b, x in zip(compress(strata, mask.tolist()), (n_bytes * w)[mask].tolist(), w[mask].tolist()):
        acc = sums.setdefault(st, [0.0, 0.0])
        acc[0] += b
        acc[1] += x
    for st, (b, x) in sums.items():
        counts[C.sampling(side, st, "bytes")] += b
        counts[C.sampling(side, st, "documents")] += x


def sampling_rates(sizes, deltas, config):
    after = Counter(sizes)
    after.update(deltas)
    return sampling.rates(config, dict(after))

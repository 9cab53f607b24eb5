"""Dedupe and sampling in Beam: the wiring of pipelines/dedupe/ over sharded Arrow tables.

Input: a PCollection of chunk references (row groups of Parquet files of
documents). Every grouping step moves (shard, table) elements: equal keys share
a shard, so each step sees whole groups, and no step holds more than one shard
of keys, pairs or edges. Texts are read from the chunks twice: once for the
features (all documents), once for TF-IDF vectors (only documents in candidate
pairs), and a last time when the output is written, chunk by chunk, with the
decisions that concern that chunk.

    chunks -> features (exact key, band keys, df) -> exact groups ----------------+
                                                  -> LSH buckets -> pairs -> vectors -> cosine -+-> components
    components + features -> clusters resolved -> decisions by chunk -> write (with sampling)
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from pipelines.beam.progress import progress
from pipelines.dedupe import clusters, components as cc, sampling
from pipelines.dedupe.candidates import bucket_pairs, exact_edges
from pipelines.dedupe.config import DedupeConfig, threshold_of
from pipelines.dedupe.features import BANDS, EXACT, FEATURES, FeatureExtractor, chunk_ref, parse_chunk_ref
from pipelines.dedupe.tables import PAIRS, column, concat, pairs_table, split_by_shard, u64, unique_pairs
from pipelines.text.tfidf import DocumentFrequencies, TfidfVectorizer, cosine
from schemas import pretrain as schema

STATS, REJECTED, SAMPLED = "stats", "rejected", "sampled"
VECTORS = pa.schema([("handle", pa.uint64()), ("lang", pa.string()),
                     ("idx", pa.list_(pa.uint32())), ("val", pa.list_(pa.float32()))])
LABELS = pa.schema([("handle", pa.uint64()), ("root", pa.uint64())])
NEEDED = pa.schema([("handle", pa.uint64()), ("chunk", pa.string()), ("row", pa.int64()), ("lang", pa.string())])


_open_files = threading.local()


def _parquet_file(path: str, keep: int = 4) -> pq.ParquetFile:
    """An open Parquet file, kept per thread for the next row groups of the same file: parsing
    the footer of a file with many row groups again for each one cost more than reading them."""
    cache = getattr(_open_files, "files", None)
    if cache is None:
        cache = _open_files.files = {}
    if path not in cache:
        if len(cache) >= keep:
            cache.pop(next(iter(cache))).close()
        cache[path] = pq.ParquetFile(FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED))
    return cache[path]


def read_chunk(ref: str, columns: list[str] | None = None) -> pa.Table:
    path, row_group = parse_chunk_ref(ref)
    return _parquet_file(path).read_row_group(row_group, columns=columns)


def list_chunks(path: str) -> list[str]:
    """Chunk references (one per row group) of one Parquet file."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return [chunk_ref(path, i) for i in range(pq.ParquetFile(f).num_row_groups)]


def _stats(**counts) -> beam.pvalue.TaggedOutput:
    return beam.pvalue.TaggedOutput(STATS, {"counts": {k: v for k, v in counts.items() if v}})


def _shard(table: pa.Table, column_name: str, n_shards: int):
    yield from split_by_shard(table, column_name, n_shards)


class ShardBuffer:
    """Sharded tables gathered over a bundle: one element per (output, shard) when the bundle
    ends (or when `max_rows` rows wait), instead of one per input chunk and shard. Each
    element costs the runner a fixed encode/decode, so fewer, larger elements are faster."""

    def __init__(self, n_shards: int, max_rows: int = 2_000_000):
        self.n_shards, self.max_rows = n_shards, max_rows
        self._parts: dict = {}
        self._rows = 0

    def add(self, tag: str | None, table: pa.Table, column_name: str):
        """Buffers `table` split by `column_name`; yields outputs only when the buffer is full."""
        for shard, part in split_by_shard(table, column_name, self.n_shards):
            self._parts.setdefault((tag, shard), []).append(part)
            self._rows += part.num_rows
        if self._rows >= self.max_rows:
            yield from self.flush()

    def flush(self, windowed: bool = False):
        for (tag, shard), parts in self._parts.items():
            value = (shard, pa.concat_tables(parts).combine_chunks())   # one chunk per column: cheaper to encode
            if windowed:               # finish_bundle outputs carry their window explicitly
                value = WindowedValue(value, MIN_TIMESTAMP, [GlobalWindow()])
            yield beam.pvalue.TaggedOutput(tag, value) if tag else value
        self._parts, self._rows = {}, 0


# --- features -------------------------------------------------------------------------------

class ExtractFeatures(beam.DoFn):
    """Chunk reference -> (chunk, rows) (main), and, sharded: FEATURES by handle, band keys and
    exact keys by key; document frequencies summed over the bundle."""
    COLUMNS = ["id", "text", "lang", "category", "quality_score"]

    def __init__(self, config: DedupeConfig):
        self.config = config

    def setup(self):
        self.extractor = FeatureExtractor(self.config)
        self._docs, self._start = 0, time.monotonic()

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
        f = self.extractor.extract(table, ref)
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
            progress(f"worker {os.getpid()}: dedupe features of {self._docs} documents in {time.monotonic() - self._start:.1f} s")


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


# --- candidates -----------------------------------------------------------------------------

def _exact_edges(element, n_shards):
    shard, tables = element
    t = concat(tables, EXACT)
    a, b, groups = exact_edges(u64(t, "key"), u64(t, "handle"))
    yield _stats(**{"dedupe:exact_groups": groups, "dedupe:exact_edges": len(a)})
    if len(a):
        yield pairs_table(a, b)


def _bucket_pairs(element, max_bucket, n_shards):
    shard, tables = element
    t = concat(tables, BANDS)
    a, b, stats = bucket_pairs(u64(t, "key"), u64(t, "handle"), u64(t, "exact"), max_bucket)
    yield _stats(**stats.as_counts())
    hi, lo = unique_pairs(a, b)                       # repeats within this shard; across shards below
    if len(hi):
        yield from _shard(pairs_table(hi, lo), "a", n_shards)


def _distinct_pairs(element, n_shards):
    """Pairs of one shard (by their larger handle): distinct pairs, and their endpoints by shard."""
    shard, tables = element
    t = concat(tables, PAIRS)
    hi, lo = unique_pairs(u64(t, "a"), u64(t, "b"))
    yield _stats(**{"dedupe:candidate_pairs": len(hi)})
    if len(hi):
        yield shard, pairs_table(hi, lo)
        ends = np.unique(np.concatenate([hi, lo]))
        for s, part in _shard(pa.table({"handle": pa.array(ends)}), "handle", n_shards):
            yield beam.pvalue.TaggedOutput("endpoints", (s, part))


def _locate(element):
    """Endpoints + features of one handle shard -> (chunk, rows to vectorise)."""
    shard, grouped = element
    ends = [t for t in grouped["endpoints"]]
    if not ends:
        return
    wanted = pa.concat_tables(ends).column("handle")
    f = concat(grouped["features"], FEATURES)
    f = f.filter(pc.is_in(f.column("handle"), value_set=pc.unique(wanted)))
    f = f.select(NEEDED.names)
    for chunk in pc.unique(f.column("chunk")).to_pylist():
        yield chunk, f.filter(pc.equal(f.column("chunk"), chunk))


class Vectorise(beam.DoFn):
    """(chunk, rows) -> TF-IDF vectors of those rows, by handle shard. jieba runs only here."""

    def __init__(self, config: DedupeConfig):
        self.config = config

    def setup(self):
        self._vectorizer, self._docs, self._start = None, 0, time.monotonic()

    def start_bundle(self):
        self._buffer = ShardBuffer(self.config.shards)

    def finish_bundle(self):
        yield from self._buffer.flush(windowed=True)

    def process(self, element, df):
        chunk, tables = element
        if self._vectorizer is None:
            self._vectorizer = TfidfVectorizer(df.df, df.n_docs, n_buckets=self.config.df_buckets)
        needed = concat(tables, NEEDED)
        rows = np.unique(column(needed, "row"))
        texts = read_chunk(chunk, ["text"]).column("text").take(pa.array(rows)).to_pylist()
        by_row = {r: i for i, r in enumerate(rows.tolist())}
        pick = [by_row[r] for r in column(needed, "row").tolist()]
        pairs = self._vectorizer.vectors([texts[i] for i in pick], needed.column("lang").to_pylist())
        idx, val = [i for i, _ in pairs], [v for _, v in pairs]
        self._docs += needed.num_rows
        vectors = pa.table({"handle": needed.column("handle"), "lang": needed.column("lang"),
                            "idx": pa.array(idx, pa.list_(pa.uint32())), "val": pa.array(val, pa.list_(pa.float32()))},
                           schema=VECTORS)
        yield from self._buffer.add(None, vectors, "handle")

    def teardown(self):
        if self._docs:
            progress(f"worker {os.getpid()}: TF-IDF vectors of {self._docs} candidate documents in {time.monotonic() - self._start:.1f} s")


def _lookup(vectors: pa.Table, handles: np.ndarray) -> np.ndarray:
    """Row index in `vectors` of each handle (all present)."""
    keys = u64(vectors, "handle")
    order = np.argsort(keys)
    return order[np.searchsorted(keys, handles, sorter=order)]


def _attach_first(element, n_shards):
    """Pairs (by larger handle) + vectors of that shard -> pairs carrying the first vector, by smaller handle."""
    shard, grouped = element
    pairs = concat(grouped["pairs"], PAIRS)
    if not pairs.num_rows:
        return
    vectors = concat(grouped["vectors"], VECTORS)
    rows = _lookup(vectors, u64(pairs, "a"))
    with_a = pa.table({"a": pairs.column("a"), "b": pairs.column("b"), "a_lang": vectors.column("lang").take(pa.array(rows)),
                       "a_idx": vectors.column("idx").take(pa.array(rows)),
                       "a_val": vectors.column("val").take(pa.array(rows))})
    yield from _shard(with_a, "b", n_shards)


def _verify(element, thresholds):
    shard, grouped = element
    pairs = [t for t in grouped["pairs"]]
    if not pairs:
        return
    pairs = pa.concat_tables(pairs)
    vectors = concat(grouped["vectors"], VECTORS)
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
    hist = Counter(f"dedupe_cosine:{min(int(c * 10), 9) / 10:.1f}" for c in cos)
    yield _stats(**{"dedupe:verified_pairs": int(ok.sum()), "dedupe:unverified_pairs": int((~ok).sum()), **hist})
    if ok.any():
        yield pairs_table(u64(pairs, "a")[ok], u64(pairs, "b")[ok])


# --- connected components -------------------------------------------------------------------

def _directed_by_src(edges: pa.Table, n_shards: int):
    src, dst = cc.both_directions(u64(edges, "a"), u64(edges, "b"))
    yield from _shard(pairs_table(src, dst), "a", n_shards)


def _large_star(element, n_shards):
    shard, tables = element
    t = concat(tables, PAIRS)
    hi, lo = cc.large_star(u64(t, "a"), u64(t, "b"))
    if len(hi):
        yield from _shard(pairs_table(hi, lo), "a", n_shards)


def _small_star(element):
    shard, tables = element
    t = concat(tables, PAIRS)
    hi, lo = cc.small_star(u64(t, "a"), u64(t, "b"))
    if len(hi):
        yield pairs_table(hi, lo)


def _children_and_parents(edges: pa.Table, n_shards: int):
    yield from ((s, ("child", t)) for s, t in _shard(edges, "a", n_shards))
    yield from ((s, ("parent", t)) for s, t in _shard(edges, "b", n_shards))


def _labels(element, n_shards):
    shard, tagged = element
    child = concat([t for kind, t in tagged if kind == "child"], PAIRS)
    parent = concat([t for kind, t in tagged if kind == "parent"], PAIRS)
    nodes, roots, unconverged = cc.labels(u64(child, "a"), u64(child, "b"), u64(parent, "b"))
    yield _stats(**{"dedupe:clustered_documents": len(nodes), "dedupe:cc_unconverged": unconverged})
    if len(nodes):
        yield from _shard(pa.table({"handle": pa.array(nodes), "root": pa.array(roots)}, schema=LABELS), "handle", n_shards)


class ConnectedComponents(beam.PTransform):
    """Edge tables (a, b) -> label tables (handle, root) sharded by handle; see pipelines/dedupe/components.py."""

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
                | "Labels" >> beam.FlatMap(_labels, S).with_outputs(STATS, main="labels"))


# --- resolution, sampling and output --------------------------------------------------------

def _members(element, n_shards):
    shard, grouped = element
    labels = concat(grouped["labels"], LABELS)
    if not labels.num_rows:
        return
    features = concat(grouped["features"], FEATURES)
    members = labels.join(features, keys="handle", join_type="inner")
    yield from _shard(members.select(clusters.MEMBERS.names).cast(clusters.MEMBERS), "root", n_shards)


def _resolve(element, mode, score_tie):
    shard, tables = element
    decisions = clusters.resolve(concat(tables, clusters.MEMBERS), mode, score_tie)
    for chunk in pc.unique(decisions.column("chunk")).to_pylist():
        yield chunk, decisions.filter(pc.equal(decisions.column("chunk"), chunk))


def _stratum_sizes(features: pa.Table, unit: str):
    """Per-stratum size of every document (before dedupe), for the sampling rates."""
    out = Counter()
    amount = column(features, "n_bytes") if unit == "bytes" else np.ones(features.num_rows)
    for lang, cat, x in zip(features.column("lang").to_pylist(), features.column("category").to_pylist(), amount.tolist()):
        out[sampling.stratum(lang, cat)] += x
    yield dict(out)


def _stratum_deltas(element, unit: str):
    """What dedupe takes off each stratum: dropped documents, and the weight below 1 of kept ones."""
    _, decisions = element
    out = Counter()
    amount = column(decisions, "n_bytes") if unit == "bytes" else np.ones(decisions.num_rows)
    weight = column(decisions, "weight")
    for lang, cat, x, w in zip(decisions.column("lang").to_pylist(), decisions.column("category").to_pylist(), amount.tolist(), weight.tolist()):
        out[sampling.stratum(lang, cat)] += x * (w - 1.0)
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


class WriteChunk(beam.DoFn):
    """(chunk, {"chunk": [ref], "decisions": [tables]}) -> documents (main), rejects, sampled-out ids, counts.

    document_schema: the schema of the documents written; None keeps the chunk's own columns."""

    def __init__(self, config: DedupeConfig, document_schema: pa.Schema | None):
        self.config, self.document_schema = config, document_schema

    def setup(self):
        self._docs, self._start = 0, time.monotonic()

    def process(self, element, rates):
        ref, grouped = element
        if list(grouped["chunk"]):                              # decisions always come with their chunk
            yield from self._write(ref, grouped["decisions"], rates)

    def _write(self, ref, decision_tables, rates):
        table = read_chunk(ref)
        table = table.drop_columns([c for c in CLUSTER_COLUMNS if c in table.column_names])
        n = table.num_rows
        ids = table.column("id").to_pylist()
        cluster_id, size, weight = list(ids), np.ones(n, np.int32), np.ones(n, np.float32)
        keep = np.ones(n, bool)
        rule, dup_of = [None] * n, [None] * n
        decisions = concat(decision_tables, clusters.DECISIONS)
        for row, k, r, d, c, s, w in zip(column(decisions, "row").tolist(), column(decisions, "keep").tolist(),
                                         decisions.column("rule").to_pylist(), decisions.column("dup_of").to_pylist(),
                                         decisions.column("cluster_id").to_pylist(), column(decisions, "cluster_size").tolist(),
                                         column(decisions, "weight").tolist()):
            keep[row], rule[row], dup_of[row], cluster_id[row], size[row], weight[row] = k, r, d, c, s, w
        langs = table.column("lang").to_pylist()
        cats = table.column("category").to_pylist() if "category" in table.column_names else [None] * n
        strata = [sampling.stratum(lang, c) for lang, c in zip(langs, cats)]
        sampled = np.array([keep[i] and not sampling.keep(ids[i], rates.get(strata[i], 1.0), self.config.sampling.seed)
                            for i in range(n)], dtype=bool)
        counts = Counter()
        n_bytes = [len(t.encode("utf-8", "surrogatepass")) for t in table.column("text").to_pylist()]
        sources = _column_or_nulls(table, "source", pa.string()).to_pylist()
        for i in range(n):
            if not keep[i]:
                counts[f"rejected:{rule[i]}"] += 1
            elif sampled[i]:
                counts["sampled_out"] += 1
                counts[f"sampling_in:{strata[i]}:bytes"] += n_bytes[i] * float(weight[i])
                counts[f"sampling_in:{strata[i]}:documents"] += float(weight[i])
            else:
                counts["written"] += 1
                counts[f"source:{sources[i]}:written"] += 1
                for unit, x in (("bytes", n_bytes[i] * float(weight[i])), ("documents", float(weight[i]))):
                    counts[f"sampling_in:{strata[i]}:{unit}"] += x
                    counts[f"sampling_out:{strata[i]}:{unit}"] += x
        counts["rejected"] = int((~keep).sum())
        written = keep & ~sampled
        out = table.append_column("cluster_id", pa.array(cluster_id, pa.string())) \
                   .append_column("cluster_size", pa.array(size)).append_column("weight", pa.array(weight))
        if written.any():
            out = out.filter(pa.array(written))
            yield out.select(self.document_schema.names).cast(self.document_schema) if self.document_schema else out
        if (~keep).any():
            yield beam.pvalue.TaggedOutput(REJECTED, self._rejects(table, ~keep, rule, dup_of, size))
        if sampled.any():
            s = table.filter(pa.array(sampled))
            yield beam.pvalue.TaggedOutput(SAMPLED, pa.table({
                "id": s.column("id"), "source": _column_or_nulls(s, "source", pa.string()),
                "lang": s.column("lang"), "category": pa.array([c for c, m in zip(cats, sampled) if m], pa.string()),
                "n_bytes": pa.array([b for b, m in zip(n_bytes, sampled) if m], pa.int64()),
                "weight": pa.array(weight[sampled])}, schema=schema.SAMPLED))
        yield beam.pvalue.TaggedOutput(STATS, {"counts": dict(counts)})
        self._docs += n

    def _rejects(self, table, mask, rule, dup_of, size) -> pa.Table:
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

    def teardown(self):
        if self._docs:
            progress(f"worker {os.getpid()}: wrote {self._docs} documents after dedupe/sampling in {time.monotonic() - self._start:.1f} s")


def _rates(sizes, deltas, config):
    after = Counter(sizes)
    after.update(deltas)
    return sampling.rates(config, dict(after))


def extracted_outputs(result) -> dict:
    """The input of DedupeAndSample from the result of ParDo(ExtractFeatures / StageDocuments).with_outputs(...)."""
    return {"chunks": result.chunks, **{name: result[name] for name in ("features", "bands", "exact", "df")}}


class DedupeAndSample(beam.PTransform):
    """features (FEATURES tables, one per chunk) + their side outputs -> documents, rejects, sampled, stats.

    Input: {"chunks", "features", "bands", "exact", "df"}, the outputs of ExtractFeatures or StageDocuments
    (see `extracted_outputs`)."""

    def __init__(self, config: DedupeConfig, document_schema: pa.Schema | None):
        super().__init__()
        self.config, self.document_schema = config, document_schema

    def expand(self, extracted):
        c, S = self.config, self.config.shards
        p = extracted["features"].pipeline
        stats = []
        features = extracted["features"]
        edge_sets = []
        if c.enabled and c.exact:
            exact = (extracted["exact"]
                     | "GroupExact" >> beam.GroupByKey()
                     | "ExactEdges" >> beam.FlatMap(_exact_edges, S).with_outputs(STATS, main="edges"))
            edge_sets.append(exact.edges)
            stats.append(exact[STATS])
        if c.enabled and c.near:
            df = extracted["df"] | "DocumentFrequencies" >> beam.CombineGlobally(DfCombine(c.df_buckets))
            buckets = (extracted["bands"]
                       | "GroupBuckets" >> beam.GroupByKey()
                       | "BucketPairs" >> beam.FlatMap(_bucket_pairs, c.max_bucket, S).with_outputs(STATS, main="pairs"))
            stats.append(buckets[STATS])
            pairs = (buckets.pairs | "GroupPairs" >> beam.GroupByKey()
                     | "DistinctPairs" >> beam.FlatMap(_distinct_pairs, S).with_outputs(STATS, "endpoints", main="pairs"))
            stats.append(pairs[STATS])
            vectors = ({"endpoints": pairs.endpoints, "features": features}
                       | "JoinEndpoints" >> beam.CoGroupByKey()
                       | "Locate" >> beam.FlatMap(_locate)
                       | "GroupByChunk" >> beam.GroupByKey()
                       | "Vectorise" >> beam.ParDo(Vectorise(c), beam.pvalue.AsSingleton(df)))
            with_a = ({"pairs": pairs.pairs, "vectors": vectors}
                      | "JoinFirst" >> beam.CoGroupByKey()
                      | "AttachFirst" >> beam.FlatMap(_attach_first, S))
            verified = ({"pairs": with_a, "vectors": vectors}
                        | "JoinSecond" >> beam.CoGroupByKey()
                        | "Verify" >> beam.FlatMap(_verify, c.tfidf_threshold).with_outputs(STATS, main="edges"))
            stats.append(verified[STATS])
            edge_sets.append(verified.edges)
        if not edge_sets:
            edge_sets.append(p | "NoEdges" >> beam.Create([]))
        edges = tuple(edge_sets) | "AllEdges" >> beam.Flatten()
        labels = edges | "Components" >> ConnectedComponents(c.cc_rounds, S)
        stats.append(labels[STATS])
        decisions = ({"labels": labels.labels, "features": features}
                     | "JoinLabels" >> beam.CoGroupByKey()
                     | "Members" >> beam.FlatMap(_members, S)
                     | "GroupClusters" >> beam.GroupByKey()
                     | "Resolve" >> beam.FlatMap(_resolve, c.mode, c.score_tie))
        unit = c.sampling.unit
        sizes = (features | "StratumSizes" >> beam.FlatMap(lambda kv: _stratum_sizes(kv[1], unit))
                 | "SumSizes" >> beam.CombineGlobally(SumDicts()))
        deltas = (decisions | "StratumDeltas" >> beam.FlatMap(_stratum_deltas, unit)
                  | "SumDeltas" >> beam.CombineGlobally(SumDicts()))
        rates = sizes | "Rates" >> beam.Map(_rates, beam.pvalue.AsSingleton(deltas), c.sampling)
        chunks = extracted["chunks"] | "KeyChunks" >> beam.Map(lambda ref_rows: (ref_rows[0], ref_rows[0]))
        written = ({"chunk": chunks, "decisions": decisions}
                   | "JoinDecisions" >> beam.CoGroupByKey()
                   | "WriteChunks" >> beam.ParDo(WriteChunk(c, self.document_schema), beam.pvalue.AsSingleton(rates))
                   .with_outputs(REJECTED, SAMPLED, STATS, main="documents"))
        stats.append(written[STATS])
        return {"documents": written.documents, REJECTED: written[REJECTED], SAMPLED: written[SAMPLED],
                STATS: tuple(stats) | "DedupeStats" >> beam.Flatten()}

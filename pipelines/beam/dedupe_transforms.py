"""Dedupe and sampling in Beam: the wiring of pipelines/dedupe/ over sharded Arrow tables.

Input: the features of the documents of each unit of work (a split's staged
Parquet file, or an input file), sharded, with the files themselves. Every
grouping step moves (shard, table) elements: equal keys share a shard, so each
step sees whole groups, and no step holds more than one shard of keys, pairs or
edges. Texts are read from the chunks twice: once for the features (all
documents), once for TF-IDF vectors (only documents in candidate pairs), and a
last time when the output is written, file by file, with the decisions that
concern that file.

    features (exact key, band keys, df) -> exact groups ----------------------------+
                                        -> LSH buckets -> pairs -> vectors -> cosine -+-> components
    components + features -> clusters resolved -> decisions by file -> write (with sampling)

Nothing here is a side input, a tagged output or a Beam file sink (pipelines/beam/portable.py
says why): global values (document frequencies, sampling rates) reach their consumers through
GroupByKey joins, and WriteFiles writes each file's outputs itself.
"""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa

from pipelines.beam.components import ConnectedComponents
from pipelines.beam.dedupe_common import STATS, list_chunks, read_chunk, tables_of
from pipelines.beam.dedupe_features import FEATURE_TAGS, DfCombine, ExtractFeatures, FeatureEmitter
from pipelines.beam.dedupe_output import (
    CLUSTER_COLUMNS,
    SumDicts,
    WriteFiles,
    cluster_members,
    resolve_clusters,
    sampling_rates,
    stratum_deltas,
    stratum_sizes,
)
from pipelines.beam.dedupe_pairs import (
    Vectorise,
    attach_first_vector,
    bucket_pairs_of_shard,
    distinct_pairs_of_shard,
    exact_edges_of_shard,
    locate_rows,
    verify_pairs,
)
from pipelines.beam.portable import MAIN, Branches, broadcast, combine_globally, to_keys
from pipelines.dedupe.config import DedupeConfig

__all__ = ["DedupeAndSample", "ExtractFeatures", "FeatureEmitter", "FEATURE_TAGS", "list_chunks", "read_chunk",
           "CLUSTER_COLUMNS", "STATS"]


def _sampling_rates(element, config):
    _, grouped = element
    sizes = (list(grouped["sizes"]) or [{}])[0]
    deltas = (list(grouped["deltas"]) or [{}])[0]
    yield sampling_rates(sizes, deltas, config)


def _nothing(_):
    return []


class DedupeAndSample(beam.PTransform):
    """The units' features -> the output files written, and the run statistics (one PCollection).

    Input: {tag: PCollection} for FEATURE_TAGS ("features", "bands", "exact" as (shard, table),
    "df" partial frequencies, "staged" the files whose documents are decided and written)."""

    def __init__(self, config: DedupeConfig, document_schema: pa.Schema, output: str, staged: bool, shuffle: str):
        super().__init__()
        self.config, self.document_schema, self.output, self.staged = config, document_schema, output, staged
        self.shuffle = shuffle          # folder for the tables too large to travel through the runner

    def expand(self, extracted):
        c, S = self.config, self.config.shards
        stats = []
        features = extracted["features"]
        edge_sets = []
        if c.enabled and c.exact:
            exact = (extracted["exact"]
                     | "GroupExact" >> beam.GroupByKey()
                     | "ExactEdges" >> beam.FlatMap(exact_edges_of_shard, S)
                     | "ExactOutputs" >> Branches(MAIN, STATS))
            edge_sets.append(exact[MAIN])
            stats.append(exact[STATS])
        if c.enabled and c.near:
            df = combine_globally(extracted["df"], DfCombine(c.df_buckets), "DocumentFrequencies")
            buckets = (extracted["bands"]
                       | "GroupBuckets" >> beam.GroupByKey()
                       | "BucketPairs" >> beam.FlatMap(bucket_pairs_of_shard, c.max_bucket, S)
                       | "BucketOutputs" >> Branches(MAIN, STATS))
            stats.append(buckets[STATS])
            pairs = (buckets[MAIN] | "GroupPairs" >> beam.GroupByKey()
                     | "DistinctPairs" >> beam.FlatMap(distinct_pairs_of_shard, S)
                     | "PairOutputs" >> Branches(MAIN, STATS, "endpoints"))
            stats.append(pairs[STATS])
            rows = ({"endpoints": pairs["endpoints"], "features": features}
                    | "JoinEndpoints" >> beam.CoGroupByKey()
                    | "Locate" >> beam.FlatMap(locate_rows, S))
            vectors = ({"rows": rows, "df": broadcast(df, range(S), "DfToShards")}
                       | "JoinDf" >> beam.CoGroupByKey()
                       | "Vectorise" >> beam.ParDo(Vectorise(c, self.shuffle)))
            with_a = ({"pairs": pairs[MAIN], "vectors": vectors}
                      | "JoinFirst" >> beam.CoGroupByKey()
                      | "AttachFirst" >> beam.FlatMap(attach_first_vector, S, self.shuffle))
            verified = ({"pairs": with_a, "vectors": vectors}
                        | "JoinSecond" >> beam.CoGroupByKey()
                        | "Verify" >> beam.FlatMap(verify_pairs, c.tfidf_threshold)
                        | "VerifiedOutputs" >> Branches(MAIN, STATS))
            stats.append(verified[STATS])
            edge_sets.append(verified[MAIN])
        if edge_sets:
            edges = tuple(edge_sets) | "AllEdges" >> beam.Flatten()
            labels = edges | "Components" >> ConnectedComponents(c.cc_rounds, S)
            stats.append(labels[STATS])
            decisions = ({"labels": labels[MAIN], "features": features}
                         | "JoinLabels" >> beam.CoGroupByKey()
                         | "Members" >> beam.FlatMap(cluster_members, S)
                         | "GroupClusters" >> beam.GroupByKey()
                         | "Resolve" >> beam.FlatMap(resolve_clusters, c.mode, c.score_tie))
        else:
            decisions = features | "NoDecisions" >> beam.FlatMap(_nothing)
        unit = c.sampling.unit
        sizes = combine_globally(features | "StratumSizes" >> beam.FlatMap(lambda kv: stratum_sizes(tables_of([kv[1]])[0], unit,
                                                                                                    c.sampling.by_lang)),
                                 SumDicts(), "SumSizes")
        deltas = combine_globally(decisions | "StratumDeltas" >> beam.FlatMap(stratum_deltas, unit, c.sampling.by_lang),
                                  SumDicts(), "SumDeltas")
        rates = ({"sizes": sizes | "KeySizes" >> beam.Map(lambda v: (None, v)),
                  "deltas": deltas | "KeyDeltas" >> beam.Map(lambda v: (None, v))}
                 | "JoinSizes" >> beam.CoGroupByKey()
                 | "Rates" >> beam.FlatMap(_sampling_rates, c.sampling))
        staged = extracted["staged"]
        written = ({"staged": staged | "KeyStaged" >> beam.Map(lambda f: (f, f)), "decisions": decisions,
                    "rates": to_keys(rates, staged, "RatesToFiles", default={})}
                   | "JoinDecisions" >> beam.CoGroupByKey()
                   | "WriteFiles" >> beam.ParDo(WriteFiles(c, self.document_schema, self.output, self.staged))
                   | "WrittenStats" >> Branches(STATS))
        stats.append(written[STATS])
        return tuple(stats) | "DedupeStats" >> beam.Flatten()

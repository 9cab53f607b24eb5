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

import apache_beam as beam
import pyarrow as pa

from pipelines.beam.components import ConnectedComponents
from pipelines.beam.dedupe_common import REJECTED, SAMPLED, STATS, list_chunks, read_chunk
from pipelines.beam.dedupe_features import DfCombine, ExtractFeatures, StageDocuments
from pipelines.beam.dedupe_output import (
    CLUSTER_COLUMNS,
    SumDicts,
    WriteChunk,
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
from pipelines.dedupe.config import DedupeConfig

__all__ = ["DedupeAndSample", "ExtractFeatures", "StageDocuments", "extracted_outputs", "list_chunks", "read_chunk",
           "CLUSTER_COLUMNS", "REJECTED", "SAMPLED", "STATS"]


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
                     | "ExactEdges" >> beam.FlatMap(exact_edges_of_shard, S).with_outputs(STATS, main="edges"))
            edge_sets.append(exact.edges)
            stats.append(exact[STATS])
        if c.enabled and c.near:
            df = extracted["df"] | "DocumentFrequencies" >> beam.CombineGlobally(DfCombine(c.df_buckets))
            buckets = (extracted["bands"]
                       | "GroupBuckets" >> beam.GroupByKey()
                       | "BucketPairs" >> beam.FlatMap(bucket_pairs_of_shard, c.max_bucket, S).with_outputs(STATS, main="pairs"))
            stats.append(buckets[STATS])
            pairs = (buckets.pairs | "GroupPairs" >> beam.GroupByKey()
                     | "DistinctPairs" >> beam.FlatMap(distinct_pairs_of_shard, S).with_outputs(STATS, "endpoints", main="pairs"))
            stats.append(pairs[STATS])
            vectors = ({"endpoints": pairs.endpoints, "features": features}
                       | "JoinEndpoints" >> beam.CoGroupByKey()
                       | "Locate" >> beam.FlatMap(locate_rows)
                       | "GroupByChunk" >> beam.GroupByKey()
                       | "Vectorise" >> beam.ParDo(Vectorise(c), beam.pvalue.AsSingleton(df)))
            with_a = ({"pairs": pairs.pairs, "vectors": vectors}
                      | "JoinFirst" >> beam.CoGroupByKey()
                      | "AttachFirst" >> beam.FlatMap(attach_first_vector, S))
            verified = ({"pairs": with_a, "vectors": vectors}
                        | "JoinSecond" >> beam.CoGroupByKey()
                        | "Verify" >> beam.FlatMap(verify_pairs, c.tfidf_threshold).with_outputs(STATS, main="edges"))
            stats.append(verified[STATS])
            edge_sets.append(verified.edges)
        if not edge_sets:
            edge_sets.append(p | "NoEdges" >> beam.Create([]))
        edges = tuple(edge_sets) | "AllEdges" >> beam.Flatten()
        labels = edges | "Components" >> ConnectedComponents(c.cc_rounds, S)
        stats.append(labels[STATS])
        decisions = ({"labels": labels.labels, "features": features}
                     | "JoinLabels" >> beam.CoGroupByKey()
                     | "Members" >> beam.FlatMap(cluster_members, S)
                     | "GroupClusters" >> beam.GroupByKey()
                     | "Resolve" >> beam.FlatMap(resolve_clusters, c.mode, c.score_tie))
        unit = c.sampling.unit
        sizes = (features | "StratumSizes" >> beam.FlatMap(lambda kv: stratum_sizes(kv[1], unit, c.sampling.by_lang))
                 | "SumSizes" >> beam.CombineGlobally(SumDicts()))
        deltas = (decisions | "StratumDeltas" >> beam.FlatMap(stratum_deltas, unit, c.sampling.by_lang)
                  | "SumDeltas" >> beam.CombineGlobally(SumDicts()))
        rates = sizes | "Rates" >> beam.Map(sampling_rates, beam.pvalue.AsSingleton(deltas), c.sampling)
        chunks = extracted["chunks"] | "KeyChunks" >> beam.Map(lambda ref_rows: (ref_rows[0], ref_rows[0]))
        written = ({"chunk": chunks, "decisions": decisions}
                   | "JoinDecisions" >> beam.CoGroupByKey()
                   | "WriteChunks" >> beam.ParDo(WriteChunk(c, self.document_schema), beam.pvalue.AsSingleton(rates))
                   .with_outputs(REJECTED, SAMPLED, STATS, main="documents"))
        stats.append(written[STATS])
        return {"documents": written.documents, REJECTED: written[REJECTED], SAMPLED: written[SAMPLED],
                STATS: tuple(stats) | "DedupeStats" >> beam.Flatten()}

"""The pipelines' Beam graphs, runner-portable (pipelines/beam/portable.py):

    corpus (pretraining, SFT):  plan splits -> clean each split (stage documents, write rejects and
                                dead letters) -> dedupe and sample -> write each staged file's outputs
                                (without dedupe and sampling: clean each split and write its documents)
    dedupe (a clean corpus):    its files -> features -> dedupe and sample -> write each file's outputs

Every branch ends in the one FinalSink, which writes the run's statistics (counts, inputs, the
files written) for the driver to turn into the manifest.
"""
from __future__ import annotations

import dataclasses

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from pipelines.beam.dedupe_transforms import FEATURE_TAGS, DedupeAndSample, ExtractFeatures
from pipelines.beam.outputs import FinalSink
from pipelines.beam.portable import Branches, Redistribute
from pipelines.beam.reading import CLEAN_TAGS, SHUFFLE, CleanSplits, PlanSplits
from pipelines.dedupe.config import DedupeConfig


def effective(config: DedupeConfig) -> DedupeConfig:
    """With dedupe off, no band or exact keys are computed (sampling still needs the features)."""
    return config if config.enabled else dataclasses.replace(config, exact=False, near=False)


def build_corpus_pipeline(p: beam.Pipeline, specs: list[tuple[str, str, str]], cleaning, dedupe: DedupeConfig,
                          document_schema: pa.Schema, output: str, staging: str, stats_path: str,
                          split_bytes: int, batch_records: int, batch_bytes: int, max_record_bytes: int) -> None:
    """specs: (source, format, pattern) per input pattern; cleaning: see CleanSplits."""
    dedupe = effective(dedupe)
    planned = p | "Plan" >> PlanSplits(specs, split_bytes)
    cleaned = (planned["splits"]
               | "CleanSplits" >> beam.ParDo(CleanSplits(cleaning, dedupe, output, staging, batch_records, batch_bytes,
                                                         max_record_bytes, document_schema))
               | "CleanOutputs" >> Branches(*CLEAN_TAGS))
    stats = [planned["stats"], cleaned["stats"]]
    if dedupe.active:                 # else CleanSplits wrote the documents to OUT/data/ itself
        stats.append({t: cleaned[t] for t in FEATURE_TAGS}
                     | "Dedupe" >> DedupeAndSample(dedupe, document_schema, output, True, FileSystems.join(staging, SHUFFLE)))
    _ = (tuple(stats)
         | "AllStats" >> beam.Flatten()
         | "Finish" >> FinalSink(stats_path))


def build_dedupe_pipeline(p: beam.Pipeline, files: list[str], dedupe: DedupeConfig, document_schema: pa.Schema,
                          output: str, staging: str, stats_path: str) -> None:
    """files: Parquet files of documents, each one unit of work."""
    extracted = (p
                 | "ListFiles" >> beam.Create(files)
                 | "Distribute" >> Redistribute(str)
                 | "Features" >> beam.ParDo(ExtractFeatures(dedupe, FileSystems.join(staging, SHUFFLE)))
                 | "FeatureOutputs" >> Branches(*FEATURE_TAGS, "stats"))
    deduped = ({t: extracted[t] for t in FEATURE_TAGS}
               | "Dedupe" >> DedupeAndSample(dedupe, document_schema, output, False, FileSystems.join(staging, SHUFFLE)))
    _ = ((extracted["stats"], deduped)
         | "AllStats" >> beam.Flatten()
         | "Finish" >> FinalSink(stats_path))

"""Dedupe (and sample) a corpus of documents that is already clean.

    python -m pipelines.dedupe --input 'OUT/data/*.parquet' --output OUT2 \
        [--rules cleaning_rules/pretrain.yaml] [--mode drop|weight] [--overwrite] [Beam options]

The same dedupe and sampling stages the pretraining pipeline runs after its
filters, on Parquet files of documents (columns id, text, lang; category and
quality_score when present): to re-dedupe with other settings without cleaning
again, or to dedupe a corpus made elsewhere. Reads the `dedupe:` and
`sampling:` sections of the rules file. Writes OUT2/data/ (the input's columns
plus cluster_id, cluster_size, weight), OUT2/rejected/ (rule exact_duplicate or
near_duplicate, dup_of), OUT2/sampled_out/ and OUT2/manifest.json.
"""
from __future__ import annotations

import dataclasses
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.beam import storage as mf
from pipelines.beam.command import Command, Job, UsageError, dedupe_removed, staging
from pipelines.beam.dedupe_output import CLUSTER_COLUMNS
from pipelines.beam.graph import build_dedupe_pipeline, effective
from pipelines.dedupe.config import DedupeConfig
from pipelines.core.readers import match
from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA, RulesError, load_rules
from schemas import pretrain as schema


def add_arguments(parser) -> None:
    parser.add_argument("--input", help="Parquet files of documents: a path, glob or gs:// URL (required)")
    parser.add_argument("--rules", default=str(DEFAULT_RULES), help="rules file whose dedupe: and sampling: sections apply "
                        "(default: cleaning_rules/pretrain.yaml)")
    parser.add_argument("--mode", choices=["drop", "weight"], help="override dedupe.mode of the rules file")


def output_schema(first_file: str) -> pa.Schema:
    """The input's columns, with the cluster columns (replaced if the input has them already)."""
    with FileSystems.open(first_file, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        s = pq.ParquetFile(f).schema_arrow
    missing = [c for c in ("id", "text", "lang") if c not in s.names]
    if missing:
        raise UsageError(f"{first_file}: no column {', '.join(missing)}; documents need id, text and lang")
    keep = [f for f in s if f.name not in CLUSTER_COLUMNS]
    cluster = [f for f in schema.DOCUMENT if f.name in CLUSTER_COLUMNS]
    return pa.schema(keep + cluster, metadata=s.metadata)


def prepare(args) -> Job:
    files = [path for path, _ in match(args.input)]
    if not files:
        raise UsageError(f"--input {args.input} matches no file")
    try:
        rules = load_rules(args.rules, RULES_SCHEMA)
        config = DedupeConfig.from_rules(rules.data.get("dedupe") or {"enabled": True, "mode": "drop"}, rules.data.get("sampling"))
        if args.mode:
            config = dataclasses.replace(config, mode=args.mode, enabled=True)
    except (RulesError, ValueError) as e:
        raise UsageError(str(e)) from None
    document_schema = output_schema(files[0])
    return Job(rules=rules, dedupe=config, description=f"{len(files)} file(s), mode {config.mode}",
               build=lambda p, output, stats: build_dedupe_pipeline(p, files, effective(config), document_schema, output,
                                                                    staging(output), stats),
               input=args.input, input_files=files, write_report=False)


def summary(m: dict) -> str:
    c, d, a = m["counts"], m["dedupe"], m["accounting"]
    return (f"dedupe: {c['read']} documents in {m['seconds']:.1f} s; written {c['written']}, rejected {c['rejected']}, "
            f"sampled out {c['sampled_out']}\n  {dedupe_removed(d)}"
            f" ({d.get('candidate_pairs', 0)} candidate pairs, {d.get('verified_pairs', 0)} verified)\n"
            f"  accounting {'holds' if a['holds'] else 'DOES NOT HOLD'}\nmanifest: {mf.join(m['output'], 'manifest.json')}")


COMMAND = Command("dedupe", "python -m pipelines.dedupe", __doc__, add_arguments, ("input",), prepare, summary)
run, main = COMMAND.run, COMMAND.main

if __name__ == "__main__":
    sys.exit(main())

"""Dedupe (and sample) a corpus of documents that is already clean.

    python -m pipelines.dedupe_corpus --input 'OUT/data/*.parquet' --output OUT2 \
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
import logging
import sys
import time

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipelines import manifest as mf
from pipelines.beam.dedupe_output import CLUSTER_COLUMNS
from pipelines.beam.graph import build_dedupe_pipeline, effective
from pipelines.dedupe.config import DedupeConfig
from pipelines.cli import (STAGING_DIR, PretrainOptions, UsageError, dedupe_sections, finish_outputs, prepare_output,
                           resolve_output, run_command, stats_path, structured_counts, with_local_runner)
from pipelines.readers import match
from pipelines.rules import RULES_SCHEMA, RulesError, load_rules
from schemas import pretrain as schema

log = logging.getLogger("pipelines.dedupe_corpus")


class DedupeOptions(PipelineOptions):
    """--output, --rules and --overwrite are the pretraining pipeline's options (PretrainOptions):
    Beam parses every options class together, so each flag is declared once."""

    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument("--input", help="Parquet files of documents: a path, glob or gs:// URL (required)")
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


def run(argv: list[str] | None = None) -> dict:
    options = PipelineOptions(with_local_runner(list(sys.argv[1:] if argv is None else argv)))
    opts, common = options.view_as(DedupeOptions), options.view_as(PretrainOptions)
    missing = [f"--{name}" for name, value in (("input", opts.input), ("output", common.output)) if not value]
    if missing:
        raise UsageError(f"missing {' and '.join(missing)}; see: python -m pipelines.dedupe_corpus --help")
    files = [path for path, _ in match(opts.input)]
    if not files:
        raise UsageError(f"--input {opts.input} matches no file")
    try:
        rules = load_rules(common.rules, RULES_SCHEMA)
        config = DedupeConfig.from_rules(rules.data.get("dedupe") or {"enabled": True, "mode": "drop"}, rules.data.get("sampling"))
        if opts.mode:
            config = dataclasses.replace(config, mode=opts.mode, enabled=True)
    except (RulesError, ValueError) as e:
        raise UsageError(str(e)) from None
    output = resolve_output(common.output)
    document_schema = output_schema(files[0])
    prepare_output(output, common.overwrite)
    log.warning("dedupe: %d file(s), mode %s, output %s", len(files), config.mode, output)
    started, t0 = mf.now(), time.monotonic()
    p = beam.Pipeline(options=options)
    build_dedupe_pipeline(p, files, effective(config), document_schema, output, mf.join(output, STAGING_DIR), stats_path(output))
    p.run().wait_until_finish()
    stats, outputs = finish_outputs(output)
    counts = stats["counts"]
    manifest = {
        "kind": "dedupe", "schema_version": schema.SCHEMA_VERSION, "output": output, "code_version": mf.code_version(),
        "started": started, "finished": mf.now(), "seconds": round(time.monotonic() - t0, 2),
        "runner": options.view_as(StandardOptions).runner, "input": opts.input, "input_files": files,
        "rules": {"path": rules.path, "sha256": rules.sha256},
        "counts": structured_counts(counts), **dedupe_sections(counts, config),
        "accounting": mf.accounting(counts, outputs, stats["files"]), "outputs": outputs,
    }
    mf.write_manifest(output, manifest)
    return manifest


def _report(m: dict) -> int:
    c, d, a = m["counts"], m["dedupe"], m["accounting"]
    print(f"dedupe: {c['read']} documents in {m['seconds']:.1f} s; written {c['written']}, rejected {c['rejected']}, "
          f"sampled out {c['sampled_out']}\n  removed {d['exact_duplicates_removed']} exact and {d['near_duplicates_removed']} near copies"
          f" ({d.get('candidate_pairs', 0)} candidate pairs, {d.get('verified_pairs', 0)} verified)\n"
          f"  accounting {'holds' if a['holds'] else 'DOES NOT HOLD'}\nmanifest: {mf.join(m['output'], 'manifest.json')}")
    return 0 if a["holds"] else 1


def main(argv: list[str] | None = None) -> int:
    return run_command(argv, run, lambda: print(__doc__), _report)


if __name__ == "__main__":
    sys.exit(main())

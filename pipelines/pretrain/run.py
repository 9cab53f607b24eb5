"""The pretraining corpus pipeline.

    python -m pipelines.pretrain --sources SOURCES.{json,yaml} --output OUT \
        [--rules cleaning_rules/pretrain.yaml] [--overwrite] [Beam options]

Reads the sources, drops what cannot be a document into OUT/dead_letter/,
normalizes, converts Traditional to Simplified, identifies the language, and
writes OUT/data/ (documents), OUT/rejected/ (with rule and reason) and
OUT/manifest.json. Beam's own options pick the runner: the local runner by
default (`--direct_running_mode multi_processing --direct_num_workers 2` to use
two cores), or `--runner DataflowRunner --project ... --region ...
--temp_location gs://... --setup_file ./setup.py`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import apache_beam as beam

from pipelines.beam.command import Command, Job, UsageError, check_patterns, dedupe_removed, staging
from pipelines.beam.graph import build_corpus_pipeline
from pipelines.beam.pretrain_transforms import PretrainCleaning, save_contamination
from pipelines.beam.storage import join
from pipelines.core.manifest import FileRef
from pipelines.pretrain.processor import DocumentProcessor, PretrainConfig
from pipelines.text.contamination import ContaminationIndex
from pipelines.core.readers import match
from pipelines.report import report_line
from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA, LoadedRules, RulesError, load_rules
from pipelines.core.sources import SourcesError, SourcesFile, load_sources
from schemas import pretrain as schema

__all__ = ["DEFAULT_RULES", "COMMAND", "UsageError", "build_pipeline", "run", "main"]


def add_arguments(parser) -> None:
    parser.add_argument("--sources", help="sources file (JSON or YAML): source -> {lang, category, files, format} (required)")
    parser.add_argument("--rules", default=str(DEFAULT_RULES), help="rules file (default: cleaning_rules/pretrain.yaml)")


def build_pipeline(p: beam.Pipeline, config: PretrainConfig, sources: SourcesFile, output: str, stats: str,
                   contamination: ContaminationIndex | None = None) -> None:
    specs = [(s.name, s.format, pattern) for s in sources.sources for pattern in s.patterns]
    cleaning = PretrainCleaning(config, save_contamination(contamination, staging(output)))
    build_corpus_pipeline(p, specs, cleaning, config.dedupe, schema.DOCUMENT, output, staging(output), stats,
                          config.split_bytes, config.batch_records, config.batch_bytes, config.max_record_bytes)


def load_inputs(rules_path: str, sources_path: str) -> tuple[LoadedRules, SourcesFile]:
    try:
        rules = load_rules(rules_path, RULES_SCHEMA)
        sources = load_sources(sources_path)
    except (RulesError, SourcesError) as e:
        raise UsageError(str(e)) from None
    check_patterns(sources)
    return rules, sources


def build_config(rules: LoadedRules, sources: SourcesFile) -> tuple[PretrainConfig, ContaminationIndex | None]:
    """Loads what the rules point at (quality model, word lists, benchmark files); a missing or broken
    file is a usage error. Returns the config and the benchmark index (None: decontamination off)."""
    try:
        config = PretrainConfig.from_rules(rules.data, sources.sources, Path(rules.path).parent)
        processor = DocumentProcessor(config)   # what every worker builds (custom steps included) builds here first
        return config, processor.contamination
    except OSError as e:
        raise UsageError(f"{rules.path}: cannot read {e.filename or 'a file the rules refer to'}: {e.strerror}") from None
    except ValueError as e:          # WordListError, a bad filter, a corrupt model file
        raise UsageError(f"{rules.path}: {e}") from None


def prepare(args) -> Job:
    rules, sources = load_inputs(args.rules, args.sources)
    config, contamination = build_config(rules, sources)
    return Job(rules=rules, dedupe=config.dedupe, description=f"{len(sources.sources)} source(s)",
               build=lambda p, output, stats: build_pipeline(p, config, sources, output, stats, contamination),
               sources_file=FileRef(sources.path, sources.sha256),
               sources={s.name: {"lang": s.lang, "category": s.category, "format": s.format, "files": list(s.patterns)}
                        for s in sources.sources},
               dedupe_sections=False)


def summary(manifest: dict) -> str:
    c, a, output = manifest["counts"], manifest["accounting"], manifest["output"]
    lines = [
        f"pretrain: {c['read']} records read from {c['input_files']} file(s), {c['input_bytes'] / 1e6:.1f} MB, in {manifest['seconds']:.1f} s",
        f"  written      {c['written']}",
        f"  rejected     {c['rejected']}" + "".join(f"\n    {k:<22} {v}" for k, v in sorted(c["by_rule"].items())),
        f"  dead letters {c['dead_letter']}" + "".join(f"\n    {k:<22} {v}" for k, v in sorted(c["by_error"].items())),
        *([f"  sampled out  {c['sampled_out']}"] if "sampling" in manifest else []),
        "  languages    " + ", ".join(f"{k} {v}" for k, v in sorted(c["languages"].items())),
        f"  converted Traditional->Simplified: {c['stages'].get('t2s_converted', 0)}",
        *([_dedupe_line(manifest["dedupe"])] if "dedupe" in manifest else []),
        f"  accounting   read {a['read']} = written {a['written']} + rejected {a['rejected']} + dead letters {a['dead_letter']}"
        + f" + sampled out {a['sampled_out']}: "
        + ("holds" if a["holds"] else "DOES NOT HOLD"),
        f"output:   {join(output, 'data')}",
        f"manifest: {join(output, 'manifest.json')}",
        report_line(output),
    ]
    return "\n".join(lines)


def _dedupe_line(d: dict) -> str:
    return (f"  dedupe       {d['mode']}: {d.get('candidate_pairs', 0)} candidate pairs, {d.get('verified_pairs', 0)} verified, "
            f"{d.get('clustered_documents', 0)} documents in clusters; {dedupe_removed(d)}")


COMMAND = Command("pretrain", "python -m pipelines.pretrain", __doc__, add_arguments, ("sources",), prepare, summary)
run, main = COMMAND.run, COMMAND.main

if __name__ == "__main__":
    sys.exit(main())

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

import logging
import sys
import time
from pathlib import Path

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, TestOptions

from pipelines import manifest as mf
from pipelines.beam.graph import build_corpus_pipeline
from pipelines.beam.pretrain_transforms import PretrainCleaning
from pipelines.cli import (STAGING_DIR, PretrainOptions, UsageError, dedupe_sections,
                           finish_outputs, prepare_output, resolve_output, run_command, stats_path, structured_counts,
                           with_local_runner)
from pipelines.document_processor import PretrainConfig
from pipelines.readers import match
from pipelines.report import REPORT_FILE, report_line, try_write_report
from pipelines.rules import DEFAULT_RULES, RULES_SCHEMA, LoadedRules, RulesError, load_rules
from pipelines.sources import SourcesError, SourcesFile, load_sources
from schemas import pretrain as schema

__all__ = ["DEFAULT_RULES", "PretrainOptions", "UsageError", "build_pipeline", "run", "main"]
log = logging.getLogger("pipelines.pretrain")


def build_pipeline(p: beam.Pipeline, config: PretrainConfig, sources: SourcesFile, output: str) -> None:
    specs = [(s.name, s.format, pattern) for s in sources.sources for pattern in s.patterns]
    build_corpus_pipeline(p, specs, PretrainCleaning(config), config.dedupe, schema.DOCUMENT, output,
                          mf.join(output, STAGING_DIR), stats_path(output), config.split_bytes,
                          config.batch_records, config.batch_bytes, config.max_record_bytes)


def _load_inputs(opts: PretrainOptions) -> tuple[LoadedRules, SourcesFile]:
    try:
        rules = load_rules(opts.rules, RULES_SCHEMA)
        sources = load_sources(opts.sources)
    except (RulesError, SourcesError) as e:
        raise UsageError(str(e)) from None
    for s in sources.sources:
        for pattern in s.patterns:
            if "://" not in pattern and not match(pattern):       # remote patterns are matched on the workers
                raise UsageError(f"{sources.path}: source '{s.name}': '{pattern}' matches no file")
    return rules, sources


def _build_config(rules: LoadedRules, sources: SourcesFile) -> PretrainConfig:
    """Loads what the rules point at (quality model, word lists); a missing or broken file is a usage error."""
    try:
        return PretrainConfig.from_rules(rules.data, sources.sources, Path(rules.path).parent)
    except OSError as e:
        raise UsageError(f"{rules.path}: cannot read {e.filename or 'a file the rules refer to'}: {e.strerror}") from None
    except ValueError as e:          # WordListError, a bad filter, a corrupt model file
        raise UsageError(f"{rules.path}: {e}") from None


def run(argv: list[str] | None = None) -> dict | None:
    options = PipelineOptions(with_local_runner(list(sys.argv[1:] if argv is None else argv)))
    opts = options.view_as(PretrainOptions)
    missing = [f"--{name}" for name in ("sources", "output") if not getattr(opts, name)]
    if missing:
        raise UsageError(f"missing {' and '.join(missing)}; see: python -m pipelines.pretrain --help")
    output = resolve_output(opts.output)
    rules, sources = _load_inputs(opts)
    config = _build_config(rules, sources)
    dry_run = options.view_as(TestOptions).dry_run
    if not dry_run:
        prepare_output(output, opts.overwrite)
        _drop_old_report(output)
    runner = options.view_as(StandardOptions).runner
    log.warning("pretrain: %d source(s), rules %s, output %s, runner %s", len(sources.sources), rules.path, output, runner)
    started, t0 = mf.now(), time.monotonic()
    p = beam.Pipeline(options=options)
    build_pipeline(p, config, sources, output)
    result = p.run()
    result.wait_until_finish()
    if dry_run:
        return {"dry_run": True, "job": getattr(result, "job", None)}
    manifest = finish(output, rules, sources, options, started, time.monotonic() - t0, config)
    try_write_report(output, log)          # OUT/report.html; a failure is a warning, not a failed run
    return manifest


def _drop_old_report(output: str) -> None:
    """An earlier run's report.html must not sit beside this run's outputs if this run stops short."""
    path = mf.join(output, REPORT_FILE)
    if FileSystems.exists(path):
        FileSystems.delete([path])


def finish(output: str, rules: LoadedRules, sources: SourcesFile, options: PipelineOptions, started: str, seconds: float,
           config: PretrainConfig | None = None) -> dict:
    stats, outputs = finish_outputs(output)
    counts = stats["counts"]
    manifest = {
        "kind": "pretrain",
        "schema_version": schema.SCHEMA_VERSION,
        "output": output,
        "code_version": mf.code_version(),
        "started": started,
        "finished": mf.now(),
        "seconds": round(seconds, 2),
        "runner": options.view_as(StandardOptions).runner,
        "options": {k: v for k, v in options.get_all_options(drop_default=True).items() if k not in ("sources", "output", "rules")},
        "rules": {"path": rules.path, "sha256": rules.sha256},
        "sources_file": {"path": sources.path, "sha256": sources.sha256},
        "sources": {s.name: {"lang": s.lang, "category": s.category, "format": s.format, "files": list(s.patterns)} for s in sources.sources},
        "inputs": stats["inputs"],
        "counts": structured_counts(counts),
        **(dedupe_sections(counts, config.dedupe) if config and config.dedupe.active else {}),
        "accounting": mf.accounting(counts, outputs, stats["files"]),
        "outputs": outputs,
    }
    mf.write_manifest(output, manifest)
    return manifest


def summary(manifest: dict, output: str) -> str:
    c, a = manifest["counts"], manifest["accounting"]
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
        f"output:   {mf.join(output, 'data')}",
        f"manifest: {mf.join(output, 'manifest.json')}",
        report_line(output),
    ]
    return "\n".join(lines)


def _dedupe_line(d: dict) -> str:
    return (f"  dedupe       {d['mode']}: {d.get('candidate_pairs', 0)} candidate pairs, {d.get('verified_pairs', 0)} verified, "
            f"{d.get('clustered_documents', 0)} documents in clusters; removed {d['exact_duplicates_removed']} exact "
            f"and {d['near_duplicates_removed']} near copies")


def print_help() -> None:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m pipelines.pretrain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Any Apache Beam pipeline option is accepted too (--runner, --direct_num_workers, ...).")
    PretrainOptions._add_argparse_args(parser)
    parser.print_help()


def _report(result: dict | None) -> int:
    if result and not result.get("dry_run"):
        print(summary(result, result["output"]))
        return 0 if result["accounting"]["holds"] else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_command(argv, run, print_help, _report)


if __name__ == "__main__":
    sys.exit(main())

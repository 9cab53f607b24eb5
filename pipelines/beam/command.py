"""The one run skeleton of the pipelines' commands (pretrain, sft, dedupe_corpus).

Each command declares its own flags and how it prepares a :class:`Job` from them; the
skeleton does the rest the same way for all three, as Beam's wordcount.py does: parse the
command's flags with ``parse_known_args`` and hand the rest to Beam (runner and its options),
check the output folder, build and run the graph, then turn the run's statistics into the typed
manifest (pipelines/core/manifest.py), written last, and print a summary.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, TestOptions

from pipelines.beam import storage, warm_workers
from pipelines.beam.local_runner import WarmWorkerRunner
from pipelines.beam.memory import tune_allocator
from pipelines.core import counters as C
from pipelines.core.readers import match
from pipelines.core.manifest import MANIFEST, OUTPUT_DIRS, FileRef, RunManifest, accounting
from pipelines.dedupe import sampling
from pipelines.dedupe.config import DedupeConfig
from pipelines.report import REPORT_FILE, try_write_report
from pipelines.core.rules import LoadedRules
from schemas import pretrain as pretrain_schema
from schemas import sft as sft_schema

STATS_FILE = ("_run", "stats")
STAGING_DIR = "_staging"
BEAM_EPILOG = "Any Apache Beam pipeline option is accepted too (--runner, --direct_num_workers, ...)."


class UsageError(Exception):
    """A problem with the command line, the rules or the sources: reported before any work."""


@dataclass
class Job:
    """What a command prepared from its flags, before any work: the skeleton runs it."""
    rules: LoadedRules
    dedupe: DedupeConfig
    build: Callable[[beam.Pipeline, str, str], None]      # (pipeline, output, stats path) -> the graph
    description: str                                       # the log line at the start
    sources_file: FileRef | None = None
    sources: dict = field(default_factory=dict)
    input: str | None = None
    input_files: list = field(default_factory=list)
    dedupe_sections: bool = True                           # False: only when dedupe or sampling is active
    write_report: bool = True                              # OUT/report.html
    after: Callable[[str], dict] = lambda output: {}       # extra manifest sections from the outputs (SFT: mix)


@dataclass(frozen=True)
class Command:
    name: str                          # pretrain | sft | dedupe
    prog: str                          # python -m ...
    doc: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    required: tuple[str, ...]          # flags without which nothing runs
    prepare: Callable[[argparse.Namespace], Job]
    summary: Callable[[dict], str]

    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog=self.prog, description=self.doc, epilog=BEAM_EPILOG,
                                         formatter_class=argparse.RawDescriptionHelpFormatter)
        self.add_arguments(parser)
        parser.add_argument("--output", help="output folder (local path or gs:// URL) (required)")
        parser.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in --output")
        return parser

    def run(self, argv: list[str] | None = None) -> dict | None:
        """Runs the pipeline; returns the manifest as written ({"dry_run": True, "job": ...} for --dry_run)."""
        args, beam_args = self.parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
        missing = [f"--{name}" for name in (*self.required, "output") if not getattr(args, name)]
        if missing:
            raise UsageError(f"missing {' and '.join(missing)}; see: {self.prog} --help")
        options = PipelineOptions(with_local_runner(beam_args))
        tune_allocator()                         # before the runner starts its threads and worker processes
        job = self.prepare(args)
        output = resolve_output(args.output)
        dry_run = options.view_as(TestOptions).dry_run
        if not dry_run:
            prepare_output(output, args.overwrite)
        runner = options.view_as(StandardOptions).runner
        logging.getLogger(f"pipelines.{self.name}").warning("%s: %s, rules %s, output %s, runner %s", self.name,
                                                            job.description, job.rules.path, output, runner)
        started, t0 = storage.now(), time.monotonic()
        warm = warm_workers.take(self.name, beam_args)
        finished = False
        try:
            p = beam.Pipeline(runner=WarmWorkerRunner(warm.command) if warm else None, options=options)
            job.build(p, output, stats_path(output))
            result = p.run()
            result.wait_until_finish()
            finished = True
        finally:
            if warm:
                warm.close(kill=not finished)
        if dry_run:
            return {"dry_run": True, "job": getattr(result, "job", None)}
        manifest = finish(self.name, job, output, options, started, time.monotonic() - t0)
        storage.write_manifest(output, manifest)
        if job.write_report:
            try_write_report(output, logging.getLogger(f"pipelines.{self.name}"))   # a failure is a warning
        return manifest.to_dict()

    def main(self, argv: list[str] | None = None) -> int:
        """--help, logging, usage errors (exit 2), the summary; exit 1 when the accounting does not hold."""
        argv = list(sys.argv[1:] if argv is None else argv)
        if {"-h", "--help"} & set(argv):
            self.parser().print_help()
            return 0
        configure_logging()
        try:
            manifest = self.run(argv)
        except UsageError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return self.report(manifest)

    def report(self, manifest: dict) -> int:
        """Prints the run's summary; the exit status: 1 when the accounting does not hold."""
        if manifest.get("dry_run"):
            return 0
        print(self.summary(manifest))
        return 0 if manifest["accounting"]["holds"] else 1


def finish(kind: str, job: Job, output: str, options: PipelineOptions, started: str, seconds: float) -> RunManifest:
    """The run's statistics and the files on disk -> the typed manifest."""
    stats, outputs = finish_outputs(output)
    counts = C.from_json(stats["counts"])
    sections = dedupe_sections(counts, job.dedupe) if job.dedupe_sections or job.dedupe.active else {}
    return RunManifest(
        kind=kind, schema_version=(sft_schema if kind == "sft" else pretrain_schema).SCHEMA_VERSION, output=output,
        code_version=storage.code_version(), started=started, finished=storage.now(), seconds=round(seconds, 2),
        runner=str(options.view_as(StandardOptions).runner), rules=FileRef(job.rules.path, job.rules.sha256),
        counts=C.sections(counts), accounting=accounting(counts, outputs, stats["files"]), outputs=outputs,
        options=options.get_all_options(drop_default=True, retain_unknown_options=False), sources_file=job.sources_file,
        sources=job.sources, inputs=stats["inputs"], input=job.input, input_files=job.input_files,
        dedupe=sections.get("dedupe"), sampling=sections.get("sampling"), **job.after(output))


def dedupe_sections(counts, dedupe: DedupeConfig) -> dict:
    """The manifest's `dedupe` and `sampling` sections, from the run's counters."""
    stats, histogram, before, after = C.dedupe_statistics(counts)
    section = {"enabled": dedupe.enabled, "mode": dedupe.mode, "tfidf_threshold": dedupe.tfidf_threshold,
               "minhash": {"num_perm": dedupe.minhash.num_perm, "bands": dedupe.minhash.bands, "rows": dedupe.minhash.rows,
                           "char_ngram": dedupe.minhash.char_n, "word_ngram": dedupe.minhash.word_n},
               "max_bucket": dedupe.max_bucket, "cc_rounds": dedupe.cc_rounds,
               "exact_duplicates_removed": C.get(counts, C.rejected("exact_duplicate")),
               "near_duplicates_removed": C.get(counts, C.rejected("near_duplicate")), "cosine_histogram": histogram,
               "candidate_pairs": 0, "verified_pairs": 0, "clustered_documents": 0, "lsh_oversized_buckets": 0,
               "cc_unconverged": 0, **stats}
    unit = dedupe.sampling.unit
    report = sampling.report(dedupe.sampling, before.get(unit, {}), after.get(unit, {}))
    report["sampled_out"] = C.get(counts, C.SAMPLED_OUT)
    return {"dedupe": section, "sampling": report}


def dedupe_removed(section: dict) -> str:
    """The summaries' line on what dedupe removed (a manifest's `dedupe` section)."""
    return f"removed {section['exact_duplicates_removed']} exact and {section['near_duplicates_removed']} near copies"


def check_patterns(sources) -> None:
    """Every local pattern of a sources file matches a file (remote ones are matched on the workers)."""
    for s in sources.sources:
        for pattern in s.patterns:
            if "://" not in pattern and not match(pattern):
                raise UsageError(f"{sources.path}: source '{s.name}': '{pattern}' matches no file")


# ----------------------------------------------------------------------- the output folder
def resolve_output(output: str) -> str:
    return output if "://" in output else str(Path(output).resolve())


def prepare_output(output: str, overwrite: bool) -> None:
    existing = ([m.path for m in FileSystems.match([storage.join(output, "*")])[0].metadata_list]
                if FileSystems.exists(output) else [])
    if existing and not overwrite:
        raise UsageError(f"{output} already holds {len(existing)} file(s) of an earlier run; pass --overwrite to replace them")
    # The manifest goes first: a run killed from here on leaves a folder that no later stage trusts.
    for name in (MANIFEST, *OUTPUT_DIRS, STATS_FILE[0], STAGING_DIR, REPORT_FILE):
        path = storage.join(output, name)
        if FileSystems.exists(path):
            FileSystems.delete([path])


def staging(output: str) -> str:
    return storage.join(output, STAGING_DIR)


def stats_path(output: str) -> str:
    """Where the pipeline's final sink writes the run's statistics for the driver."""
    return storage.join(output, *STATS_FILE) + ".json"


def finish_outputs(output: str) -> tuple[dict, dict]:
    """After the pipeline: the run's statistics and the output files on disk; the staging area,
    the statistics file and temporary files of failed attempts removed."""
    stats = storage.read_json(stats_path(output))
    for name in (STAGING_DIR, STATS_FILE[0]):
        if FileSystems.exists(storage.join(output, name)):
            FileSystems.delete([storage.join(output, name)])
    storage.delete_temporary_files(output)
    return stats, storage.list_outputs(output)


# ----------------------------------------------------------------------- runner and logging
def with_local_runner(argv: list[str]) -> list[str]:
    """Defaults the runner to the local FnApiRunner, without DirectRunner's attempt to fetch Prism."""
    if not any(a == "--runner" or a.startswith("--runner=") for a in argv):
        argv = [*argv, "--runner=FnApiRunner"]
    return argv


_HARMLESS = ("semi_persistent_directory",       # printed by every local worker at start
             "The new default partition size")   # the Dask runner, for every Create


def configure_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not any(h in record.getMessage() for h in _HARMLESS))
    # The job graph carries the cleaning rules (word lists, models) to the Dask scheduler once: expected.
    warnings.filterwarnings("ignore", message="Sending large graph")

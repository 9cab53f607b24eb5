"""What the pipelines' command lines share: options, usage errors, output folders, logging, counts.

Kept free of the cleaning stages' imports, so pipelines.dedupe_corpus and the dedupe
workers start without loading models they do not use."""
from __future__ import annotations

import logging
from pathlib import Path

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines import manifest as mf
from pipelines.dedupe import sampling
from pipelines.dedupe.config import DedupeConfig
from pipelines.rules import DEFAULT_RULES

STATS_FILE = ("_run", "stats")
STAGING_DIR = "_staging"


class PretrainOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        # Not argparse-required: Beam parses every registered options class for any
        # pipeline in the process, so a required flag here would break unrelated pipelines.
        parser.add_argument("--sources", help="sources file (JSON or YAML): source -> {lang, category, files, format} (required)")
        parser.add_argument("--output", help="output folder (local path or gs:// URL) (required)")
        parser.add_argument("--rules", default=str(DEFAULT_RULES), help="rules file (default: cleaning_rules/pretrain.yaml)")
        parser.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in --output")


class UsageError(Exception):
    """A problem with the command line, the rules or the sources: reported before any work."""


def prepare_output(output: str, overwrite: bool) -> None:
    existing = [m.path for m in FileSystems.match([mf.join(output, "*")])[0].metadata_list] if FileSystems.exists(output) else []
    if existing and not overwrite:
        raise UsageError(f"{output} already holds {len(existing)} file(s) of an earlier run; pass --overwrite to replace them")
    # The manifest goes first: a run killed from here on leaves a folder that no later stage trusts.
    for name in (mf.MANIFEST, *mf.OUTPUT_DIRS, STATS_FILE[0], STAGING_DIR):
        path = mf.join(output, name)
        if FileSystems.exists(path):
            FileSystems.delete([path])


def stats_path(output: str) -> str:
    """Where the pipeline's final sink writes the run's statistics for the driver."""
    return mf.join(output, *STATS_FILE) + ".json"


def finish_outputs(output: str) -> tuple[dict, dict]:
    """After the pipeline: the run's statistics and the output files on disk; the staging area,
    the statistics file and temporary files of failed attempts removed."""
    stats = mf.read_json(stats_path(output))
    for name in (STAGING_DIR, STATS_FILE[0]):
        if FileSystems.exists(mf.join(output, name)):
            FileSystems.delete([mf.join(output, name)])
    mf.delete_temporary_files(output)
    return stats, mf.list_outputs(output)


def resolve_output(output: str) -> str:
    return output if "://" in output else str(Path(output).resolve())


def with_local_runner(argv: list[str]) -> list[str]:
    """Defaults the runner to the local FnApiRunner, without DirectRunner's attempt to fetch Prism."""
    if not any(a == "--runner" or a.startswith("--runner=") for a in argv):
        argv = [*argv, "--runner=FnApiRunner"]
    return argv


def run_command(argv: list[str] | None, run, show_help, report) -> int:
    """A pipeline's main(): --help, logging, usage errors (exit 2), then report(result) -> exit status."""
    import sys
    if {"-h", "--help"} & set(sys.argv[1:] if argv is None else argv):
        show_help()
        return 0
    configure_logging()
    try:
        result = run(argv)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return report(result)


_HARMLESS = ("semi_persistent_directory",       # printed by every local worker at start
             "The new default partition size")   # the Dask runner, for every Create

def configure_logging() -> None:
    import warnings
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not any(h in record.getMessage() for h in _HARMLESS))
    # The job graph carries the cleaning rules (word lists, models) to the Dask scheduler once: expected.
    warnings.filterwarnings("ignore", message="Sending large graph")


def dedupe_sections(counts: dict, dedupe: DedupeConfig) -> dict:
    """The manifest's `dedupe` and `sampling` sections, from the run's counters."""
    section = {"enabled": dedupe.enabled, "mode": dedupe.mode, "tfidf_threshold": dedupe.tfidf_threshold,
               "minhash": {"num_perm": dedupe.minhash.num_perm, "bands": dedupe.minhash.bands, "rows": dedupe.minhash.rows,
                           "char_ngram": dedupe.minhash.char_n, "word_ngram": dedupe.minhash.word_n},
               "max_bucket": dedupe.max_bucket, "cc_rounds": dedupe.cc_rounds,
               "exact_duplicates_removed": counts.get("rejected:exact_duplicate", 0),
               "near_duplicates_removed": counts.get("rejected:near_duplicate", 0), "cosine_histogram": {},
               "candidate_pairs": 0, "verified_pairs": 0, "clustered_documents": 0, "lsh_oversized_buckets": 0,
               "cc_unconverged": 0}
    before: dict = {}
    after: dict = {}
    unit = dedupe.sampling.unit
    for key, n in counts.items():
        head, _, rest = key.partition(":")
        if head == "dedupe":
            section[rest] = n
        elif head == "max" and rest.startswith("dedupe_"):
            section[rest[len("dedupe_"):]] = n
        elif head == "dedupe_cosine":
            section["cosine_histogram"][rest] = n
        elif head in ("sampling_in", "sampling_out") and rest.endswith(":" + unit):
            (before if head == "sampling_in" else after)[rest.rpartition(":")[0]] = n
    report = sampling.report(dedupe.sampling, before, after)
    report["sampled_out"] = counts.get("sampled_out", 0)
    return {"dedupe": section, "sampling": report}


def structured_counts(counts: dict) -> dict:
    """Flat "kind:key" counters -> nested sections of the manifest."""
    out: dict = {"read": 0, "written": 0, "rejected": 0, "dead_letter": 0, "sampled_out": 0, "by_rule": {}, "by_error": {},
                 "stages": {}, "languages": {}, "by_source": {}, "input_files": 0, "input_bytes": 0, "unmatched_patterns": 0}
    for key, n in counts.items():
        head, _, rest = key.partition(":")
        if head in ("dedupe", "dedupe_cosine", "max", "sampling_in", "sampling_out"):
            continue                                  # in the dedupe and sampling sections
        if not rest:
            out[head] = n
        elif head == "rejected":
            out["by_rule"][rest] = n
        elif head == "dead_letter":
            out["by_error"][rest] = n
        elif head == "stage":
            out["stages"][rest] = n
        elif head == "lang":
            out["languages"][rest] = n
        elif head == "source":
            name, _, what = rest.rpartition(":")
            out["by_source"].setdefault(name, {})[what] = n
    return out

"""The handoff from the pipelines: what a pipeline output folder holds, read from its manifest.json.

Paths are never guessed: the manifest lists every Parquet file of `data/` (with row counts),
relative to the output folder; gs:// outputs work through Beam's FileSystems.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class HandoffError(ValueError):
    """The folder is not a finished pipeline output (no manifest, no data, wrong kind)."""


@dataclass(frozen=True)
class PipelineOutput:
    root: str
    kind: str                      # "pretrain" | "sft"
    manifest: dict
    data_files: tuple[str, ...]    # absolute paths (or URLs) of data/*.parquet
    rows: int


def read_output(root: str | Path, kind: str | None = None) -> PipelineOutput:
    root = str(root).rstrip("/")
    path = f"{root}/manifest.json"
    try:
        if "://" in root:
            from apache_beam.io.filesystems import FileSystems
            with FileSystems.open(path) as f:
                manifest = json.loads(f.read().decode("utf-8"))
        else:
            manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HandoffError(f"{path} not found: DATA must be a pipeline output folder (run `make run` or `make sft` first)") from None
    except (OSError, ValueError) as e:
        raise HandoffError(f"{path}: cannot read the manifest: {e}") from None
    got = manifest.get("kind")
    if kind is not None and got != kind:
        raise HandoffError(f"{path}: this is a {got!r} output, the {kind!r} stage needs a {kind!r} pipeline output")
    files = manifest.get("outputs", {}).get("data") or []
    if not files or not manifest.get("accounting", {}).get("holds", False):
        raise HandoffError(f"{path}: the run wrote no data or its accounting does not hold; rerun the pipeline")
    return PipelineOutput(root, got, manifest, tuple(f"{root}/{f['path']}" for f in files), sum(f["rows"] for f in files))


def run_stage(argv: list[str] | None, parse_args: Callable, run: Callable, summary: Callable) -> int:
    """A model stage's main(): parse, run, print summary(args, result); a bad handoff is a clear error (exit 2)."""
    args = parse_args(argv)
    try:
        result = run(args)
    except HandoffError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(summary(args, result))
    return 0

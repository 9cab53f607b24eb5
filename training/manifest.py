"""The handoff from the pipelines: what a pipeline output folder holds, read from its manifest.json.

Paths are never guessed: the manifest lists every Parquet file of `data/` (with row counts),
relative to the output folder; gs:// outputs work through Beam's FileSystems.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipelines.core.manifest import MANIFEST, ManifestError, RunManifest, read_manifest


class HandoffError(ValueError):
    """The folder is not a finished pipeline output (no manifest, no data, wrong kind)."""


@dataclass(frozen=True)
class PipelineOutput:
    root: str
    kind: str                      # "pretrain" | "sft"
    manifest: RunManifest
    data_files: tuple[str, ...]    # absolute paths (or URLs) of data/*.parquet
    rows: int


def read_output(root: str | Path, kind: str | None = None) -> PipelineOutput:
    """The pipeline output folder `root`, through the one manifest reader (pipelines/core/manifest.py)."""
    root = str(root).rstrip("/")
    try:
        manifest = read_manifest(root)
    except ManifestError as e:
        raise HandoffError(str(e)) from None
    path = f"{root}/{MANIFEST}"
    if kind is not None and manifest.kind != kind:
        raise HandoffError(f"{path}: this is a {manifest.kind!r} output, the {kind!r} stage needs a {kind!r} pipeline output")
    if not manifest.outputs.get("data") or not manifest.accounting.holds:
        raise HandoffError(f"{path}: the run wrote no data or its accounting does not hold; rerun the pipeline")
    return PipelineOutput(root, manifest.kind, manifest, manifest.data_files(root), manifest.data_rows)


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

"""Files through Beam's FileSystems (local paths and gs:// alike): atomic writes, the output
folder's Parquet files, JSON, and the code version a manifest records.

The manifest's content is pipelines/core/manifest.py; this module only stores it.
"""
from __future__ import annotations

import json
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

import pipelines
from pipelines.core.manifest import MANIFEST, OUTPUT_DIRS, OutputFile

TMP_MARK = ".tmp-"        # the infix of files being written (pipelines/beam/outputs.py)


def code_version() -> dict:
    version = {"package": pipelines.__version__}
    repo = Path(pipelines.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo, capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            version["git_commit"] = commit.stdout.strip()
            version["git_dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def join(base: str, *parts: str) -> str:
    return FileSystems.join(base, *parts)


def list_outputs(output: str) -> dict[str, list[OutputFile]]:
    """Each output folder's Parquet files with their row counts (read from the footers)."""
    outputs = {}
    for kind in OUTPUT_DIRS:
        files = []
        for m in FileSystems.match([join(output, kind, "*.parquet")])[0].metadata_list:
            with FileSystems.open(m.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                rows = pq.ParquetFile(f).metadata.num_rows
            rel = m.path[len(output):].lstrip("/") if m.path.startswith(output) else m.path
            files.append(OutputFile(rel, rows, m.size_in_bytes))
        outputs[kind] = sorted(files, key=lambda f: f.path)
    return outputs


def delete_temporary_files(output: str) -> None:
    """Half-written files of attempts that a runner retried elsewhere or that were killed."""
    stray = [m.path for kind in OUTPUT_DIRS for m in FileSystems.match([join(output, kind, f"*{TMP_MARK}*")])[0].metadata_list]
    if stray:
        FileSystems.delete(stray)


def create(path: str):
    return FileSystems.create(path, mime_type="application/octet-stream", compression_type=CompressionTypes.UNCOMPRESSED)


def temporary_name(path: str) -> str:
    return f"{path}{TMP_MARK}{uuid.uuid4().hex[:12]}"


def commit(tmp: str, path: str) -> None:
    """Renames a finished temporary file into place, replacing an earlier attempt's file."""
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([tmp], [path])


def write_json_atomically(path: str, data: dict) -> None:
    tmp = temporary_name(path)
    with create(tmp) as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    commit(tmp, path)


def write_manifest(output: str, manifest) -> None:
    """Written last, and atomically: a folder with a manifest.json holds a finished run."""
    write_json_atomically(join(output, MANIFEST), manifest.to_dict())


def read_json(path: str) -> dict:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return json.loads(f.read().decode("utf-8"))

"""The run manifest: inputs, rule hashes, code version, counts, outputs, accounting.

Downstream stages read `OUT/manifest.json` and never guess paths.
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

OUTPUT_DIRS = ("data", "rejected", "dead_letter", "sampled_out")
MANIFEST = "manifest.json"
TMP_MARK = ".tmp-"        # the infix of files being written (pipelines/beam/outputs.py)


def code_version() -> dict:
    version = {"package": pipelines.__version__}
    repo = Path(__file__).resolve().parent.parent
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


def list_outputs(output: str) -> dict:
    """Each output folder's Parquet files with their row counts (read from the footers)."""
    outputs = {}
    for kind in OUTPUT_DIRS:
        files = []
        for m in FileSystems.match([join(output, kind, "*.parquet")])[0].metadata_list:
            with FileSystems.open(m.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                rows = pq.ParquetFile(f).metadata.num_rows
            rel = m.path[len(output):].lstrip("/") if m.path.startswith(output) else m.path
            files.append({"path": rel, "rows": rows, "bytes": m.size_in_bytes})
        outputs[kind] = sorted(files, key=lambda f: f["path"])
    return outputs


def delete_temporary_files(output: str) -> None:
    """Half-written files of attempts that a runner retried elsewhere or that were killed."""
    stray = [m.path for kind in OUTPUT_DIRS for m in FileSystems.match([join(output, kind, f"*{TMP_MARK}*")])[0].metadata_list]
    if stray:
        FileSystems.delete(stray)


def accounting(counts: dict, outputs: dict, reported: dict | None = None) -> dict:
    """records read = written + rejected + dead-lettered + sampled out, checked against the files on disk
    too; `reported`: {kind: [{"path", "rows"}]} the files the pipeline says it wrote, which must be
    exactly the files on disk with the same rows."""
    read = counts.get("read", 0)
    written, rejected, dead = counts.get("written", 0), counts.get("rejected", 0), counts.get("dead_letter", 0)
    sampled = counts.get("sampled_out", 0)
    rows = {k: sum(f["rows"] for f in outputs.get(k, [])) for k in OUTPUT_DIRS}
    result = {
        "read": read, "written": written, "rejected": rejected, "dead_letter": dead, "sampled_out": sampled,
        "holds": read == written + rejected + dead + sampled
        and rows["data"] == written and rows["rejected"] == rejected and rows["dead_letter"] == dead
        and rows["sampled_out"] == sampled,
        "rows_in_files": rows,
    }
    if reported is not None:
        on_disk = {(k, f["path"].rsplit("/", 1)[-1], f["rows"]) for k in OUTPUT_DIRS for f in outputs.get(k, [])}
        said = {(k, f["path"].rsplit("/", 1)[-1], f["rows"]) for k in OUTPUT_DIRS for f in reported.get(k, [])}
        result["files_as_reported"] = on_disk == said
        result["holds"] = result["holds"] and on_disk == said
    return result


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


def write_manifest(output: str, manifest: dict) -> None:
    """Written last, and atomically: a folder with a manifest.json holds a finished run."""
    write_json_atomically(join(output, MANIFEST), manifest)


def read_json(path: str) -> dict:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return json.loads(f.read().decode("utf-8"))

"""The run manifest: inputs, rule hashes, code version, counts, outputs, accounting.

Downstream stages read `OUT/manifest.json` and never guess paths.
"""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

import pipelines

OUTPUT_DIRS = ("data", "rejected", "dead_letter", "sampled_out")


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


def accounting(counts: dict, outputs: dict) -> dict:
    """records read = written + rejected + dead-lettered + sampled out, checked against the files on disk too."""
    read = counts.get("read", 0)
    written, rejected, dead = counts.get("written", 0), counts.get("rejected", 0), counts.get("dead_letter", 0)
    sampled = counts.get("sampled_out", 0)
    rows = {k: sum(f["rows"] for f in outputs.get(k, [])) for k in OUTPUT_DIRS}
    return {
        "read": read, "written": written, "rejected": rejected, "dead_letter": dead, "sampled_out": sampled,
        "holds": read == written + rejected + dead + sampled
        and rows["data"] == written and rows["rejected"] == rejected and rows["dead_letter"] == dead
        and rows["sampled_out"] == sampled,
        "rows_in_files": rows,
    }


def write_json(path: str, data: dict) -> None:
    with FileSystems.create(path, mime_type="application/json", compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def read_json(path: str) -> dict:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return json.loads(f.read().decode("utf-8"))

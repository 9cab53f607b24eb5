"""Where the benchmark files are, and reading them: never a hub download.

The tasks name their files relative to one data folder: `$EVAL_DATA` when set, else the
project's sibling `../shared/data`. A user points the tasks at their own copies with
`EVAL_DATA=/path/to/benchmarks` (one sub-folder per benchmark, as in `../shared/data`).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

DATA_ENV = "EVAL_DATA"
_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


class BenchmarkDataError(RuntimeError):
    """A benchmark file is missing or unreadable; the message names the file (and line)."""


def data_root() -> Path:
    return Path(os.environ.get(DATA_ENV) or _DEFAULT).expanduser()


def resolve(relative: str) -> Path:
    path = data_root() / relative
    if not path.is_file():
        raise BenchmarkDataError(
            f"benchmark file not found: {path} (set ${DATA_ENV} to the folder that holds "
            f"{Path(relative).parts[0]}/; it is now {data_root()})")
    return path


def read_jsonl(path: Path) -> list[dict]:
    """One JSON object per line; a broken line is an error naming the file and line."""
    rows = []
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise BenchmarkDataError(f"{path}:{n}: not valid JSON ({e.msg} at character {e.pos + 1})") from None
            if not isinstance(row, dict):
                raise BenchmarkDataError(f"{path}:{n}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as e:
        raise BenchmarkDataError(f"{path}: not valid JSON ({e})") from None


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes, so a score names exactly the data it was measured on."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()

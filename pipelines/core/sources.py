"""The sources file: which input files make up the corpus, and what each source is.

    zh_book: {lang: zh, category: book, files: [raw/zh_book/*.jsonl], format: jsonl}

JSON or YAML. Relative paths and globs are resolved against the sources file's
folder; gs:// (or any Beam filesystem) URLs are kept as they are. This is the
`sources.json` that shared/bench/make_corpus.py writes.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.core import yaml_files

FORMATS = ("jsonl", "parquet", "html")
_KEYS = {"lang", "category", "files", "format", "text_field"}


class SourcesError(ValueError):
    pass


@dataclass(frozen=True)
class Source:
    name: str
    lang: str
    category: str
    patterns: tuple[str, ...]          # resolved paths or globs
    format: str = "jsonl"
    text_field: str = "text"           # for html sources: the field holding the page


@dataclass(frozen=True)
class SourcesFile:
    path: str
    sha256: str
    sources: tuple[Source, ...]


def _is_url(p: str) -> bool:
    return "://" in p


def _resolve(pattern: str, base: Path) -> str:
    if _is_url(pattern) or os.path.isabs(pattern):
        return pattern
    return str((base / pattern).resolve())


def read_sources_map(path: Path, expected: str) -> tuple[bytes, dict]:
    """The raw bytes and the parsed map of a sources file (JSON or YAML); SourcesError otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SourcesError(f"{path}: cannot read the sources file: {e.strerror}") from None
    try:
        data = json.loads(raw) if path.suffix == ".json" else yaml_files.load(raw)
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as e:
        raise SourcesError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {e}") from None
    if not isinstance(data, dict) or not data:
        raise SourcesError(f"{path}: expected a map from source name to {{{expected}}}")
    return raw, data


def files_field(spec: dict, where: str) -> list[str]:
    files = spec.get("files")
    files = [files] if isinstance(files, str) else files
    if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
        raise SourcesError(f"{where}: field 'files' must be a non-empty list of paths, globs or URLs")
    return files


def source_specs(path: Path, data: dict, keys: set[str], expected: str):
    """(name, spec, where) per source, once the spec is a map with known keys only."""
    for name, spec in data.items():
        where = f"{path}: source '{name}'"
        if not isinstance(spec, dict):
            raise SourcesError(f"{where}: expected a map with {expected}, got {type(spec).__name__}")
        unknown = set(spec) - keys
        if unknown:
            raise SourcesError(f"{where}: unknown key(s) {sorted(unknown)}; expected {sorted(keys)}")
        yield name, spec, where


def load_sources(path: str | Path) -> SourcesFile:
    path = Path(path)
    raw, data = read_sources_map(path, "lang, category, files, format")
    base, sources = path.resolve().parent, []
    for name, spec, where in source_specs(path, data, _KEYS, "lang, category, files"):
        for key in ("lang", "category"):
            if not isinstance(spec.get(key), str) or not spec[key]:
                raise SourcesError(f"{where}: field '{key}' must be a non-empty string")
        files = files_field(spec, where)
        fmt = spec.get("format", "jsonl")
        if fmt not in FORMATS:
            raise SourcesError(f"{where}: field 'format' is {fmt!r}; expected one of {list(FORMATS)}")
        text_field = spec.get("text_field", "html" if fmt == "html" else "text")
        sources.append(Source(name=str(name), lang=spec["lang"], category=spec["category"],
                              patterns=tuple(_resolve(f, base) for f in files), format=fmt, text_field=text_field))
    return SourcesFile(path=str(path), sha256=hashlib.sha256(raw).hexdigest(), sources=tuple(sources))

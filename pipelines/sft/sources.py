"""The SFT sources file: source -> {format, files, [lang], [default label], [field_map]}.

    alpaca_zh: {format: alpaca, files: [raw/alpaca_zh/*.jsonl]}
    code_set:  {format: sharegpt, files: [code/*.jsonl], label: code, field_map: {messages: conversations}}

`format` is one of pipelines.sft.adapters.FORMATS; `label` (a taxonomy category or
subcategory id) labels every record of a single-task source. This is the sources.json
that shared/bench/make_corpus.py --kind sft writes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.sft.adapters import FORMATS, check_field_map
from pipelines.core.sources import SourcesError, _resolve, files_field, read_sources_map, source_specs

_KEYS = {"format", "files", "lang", "label", "field_map"}


@dataclass(frozen=True)
class SftSource:
    name: str
    format: str
    patterns: tuple[str, ...]
    lang: str | None = None
    label: str | None = None
    field_map: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SftSourcesFile:
    path: str
    sha256: str
    sources: tuple[SftSource, ...]


def load_sft_sources(path: str | Path) -> SftSourcesFile:
    path = Path(path)
    raw, data = read_sources_map(path, "format, files")
    base, sources = path.resolve().parent, []
    for name, spec, where in source_specs(path, data, _KEYS, "format and files"):
        if spec.get("format") not in FORMATS:
            raise SourcesError(f"{where}: field 'format' is {spec.get('format')!r}; expected one of {list(FORMATS)}")
        files = files_field(spec, where)
        try:
            field_map = check_field_map(spec.get("field_map") or {})
        except ValueError as e:
            raise SourcesError(f"{where}: {e}") from None
        sources.append(SftSource(name=str(name), format=spec["format"], patterns=tuple(_resolve(f, base) for f in files),
                                 lang=spec.get("lang"), label=spec.get("label"), field_map=field_map))
    return SftSourcesFile(path=str(path), sha256=hashlib.sha256(raw).hexdigest(), sources=tuple(sources))

"""Raw input record -> validated fields, or a dead-letter reason.

Pure functions: no I/O, no Beam.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field


class BadRecord(ValueError):
    """The record cannot become a document; `kind` is a short stable label."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


def decode_line(raw: bytes) -> dict:
    """Parses one JSONL line into an object; raises BadRecord."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRecord("invalid_utf8", f"invalid UTF-8 at byte {e.start}: {raw[e.start:e.start + 4]!r}") from None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise BadRecord("bad_json", f"bad JSON at column {e.colno}: {e.msg}") from None
    if not isinstance(obj, dict):
        raise BadRecord("not_an_object", f"expected a JSON object, got a JSON {type(obj).__name__}")
    return obj


def text_field(obj: dict, field: str) -> str:
    """The document text under `field`; raises BadRecord when it is missing or unusable."""
    if field not in obj:
        raise BadRecord("missing_text", f"no '{field}' field (fields: {', '.join(sorted(map(str, obj))[:10])})")
    value = obj[field]
    if not isinstance(value, str):
        raise BadRecord("text_not_string", f"field '{field}' must be a string, got {type(value).__name__}")
    if not value.strip():
        raise BadRecord("blank_text", f"field '{field}' is blank")
    if "\x00" in value:
        raise BadRecord("nul_bytes", f"field '{field}' contains NUL characters (binary data?)")
    return value


def record_id(obj: dict, text: str, source: str) -> str:
    """The input's own id when it has one, else a stable hash of source and content."""
    rid = obj.get("id")
    if isinstance(rid, str) and rid.strip():
        return rid
    if isinstance(rid, int) and not isinstance(rid, bool):
        return str(rid)
    return "h:" + hashlib.blake2b(f"{source}\x00{text}".encode("utf-8"), digest_size=12).hexdigest()


def optional_str(obj: dict, field: str) -> str | None:
    value = obj.get(field)
    return value if isinstance(value, str) else None


@dataclass
class BatchResult:
    """What a pipeline's per-batch processor returns: kept records, rejections, dead letters, counters."""
    documents: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    dead_letters: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

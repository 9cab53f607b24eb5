"""Raw input record -> validated fields, or a dead-letter reason.

Pure functions: no I/O, no Beam.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

from pipelines.core import counters as C
from schemas.pretrain import RAW_PREFIX_BYTES, TEXT_PREFIX_CHARS


class BadRecord(ValueError):
    """The record cannot become a document; `kind` is a short stable label."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


def decode_line(raw: bytes) -> dict:
    """Parses one JSONL line into an object; raises BadRecord."""
    if not raw.strip():
        raise BadRecord("blank_line", "blank line (no record)")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRecord("invalid_utf8", f"invalid UTF-8 at byte {e.start}: {raw[e.start:e.start + 4]!r}") from None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise BadRecord("bad_json", f"bad JSON at column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise BadRecord("bad_json", "JSON nested too deeply to parse") from None
    except ValueError as e:          # e.g. an integer literal over Python's 4300-digit limit
        raise BadRecord("bad_json", f"bad JSON value: {str(e)[:200]}") from None
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
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadRecord("unencodable_string", f"field '{field}' holds a lone surrogate ({value[e.start]!a}) at character {e.start}, "
                        "which UTF-8 cannot encode") from None
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


def too_long_reject(source: str, path: str, line: int, size: int, prefix: bytes, limit: int) -> dict:
    """The reject of a record over the size limit, which was never read whole (no id: one is made of
    its place)."""
    return {"id": f"{path}:{line}", "source": source, "rule": "too_long",
            "reason": f"record of {size} bytes is over the limit of {limit} bytes (reader.max_record_bytes)",
            "value": float(size), "threshold": float(limit),
            "text_prefix": prefix.decode("utf-8", "replace")[:TEXT_PREFIX_CHARS], "lang": None, "source_file": path, "source_line": line}


def oversize(raw, limit: int) -> tuple[int, bytes] | None:
    """(size, prefix) of a raw record over `limit` bytes: a line the reader skipped as too long (any
    object with `size` and `prefix`), or a Parquet row whose text values are too large; else None."""
    if hasattr(raw, "size") and hasattr(raw, "prefix"):
        return raw.size, raw.prefix
    if isinstance(raw, dict):
        size = sum(len(v.encode("utf-8", "surrogatepass")) if isinstance(v, str) else len(v) if isinstance(v, bytes) else 0
                   for v in raw.values())
        if size > limit:
            return size, repr(raw)[:RAW_PREFIX_BYTES].encode("utf-8", "backslashreplace")
    return None


DEFAULT_MAX_RECORD_BYTES = 16_000_000


class TooLong(NamedTuple):
    """A line longer than the record limit, in place of its bytes: it was never read whole."""
    size: int               # bytes, without the line break
    prefix: bytes           # its first bytes


@dataclass
class RawBatch:
    """Raw records of one split; an item is (line, bytes) for JSONL or (row, dict) for Parquet."""
    source: str
    path: str
    format: str
    items: list
    nbytes: int = 0
    error: tuple[int, str, str] | None = None   # (line, kind, message) when the file broke mid-read


def printable(text: str) -> str:
    """Text a Parquet string column can hold: what UTF-8 cannot encode is written as an escape."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def dead_letter_row(source: str, path: str, line: int | None, kind: str, message: str, raw: bytes | None) -> dict:
    """The one shape of a dead letter (schemas.pretrain.DEAD_LETTER)."""
    return {"source": source, "source_file": printable(path), "source_line": line, "error_kind": kind,
            "error": printable(message)[:1000], "raw": (raw or b"")[:RAW_PREFIX_BYTES]}


@dataclass
class BatchResult:
    """What a pipeline's per-batch processor returns: kept records, rejections, dead letters, counters."""
    documents: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    dead_letters: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)    # {Count: n} (pipelines/core/counters.py)
    traces: list | None = None                          # [(record, [TraceEvent])] when the processor traces

    def dead_letter(self, source: str, path: str, line: int | None, kind: str, message: str, raw: bytes | None) -> None:
        """Records a dead letter and counts it (in total and by kind)."""
        self.dead_letters.append(dead_letter_row(source, path, line, kind, message, raw))
        self.counts[C.N_DEAD_LETTER] += 1
        self.counts[C.dead_letter(kind)] += 1

    # What both processors do around their own parsing and steps:

    def read(self, batch: "RawBatch", max_record_bytes: int, too_long: list) -> Iterator[tuple[int, object]]:
        """The batch's items, each counted read (in total and for its source); one over
        max_record_bytes becomes a too-long reject row in `too_long` instead of being yielded."""
        read, source_read = C.READ, C.source(batch.source, "read")
        for number, raw in batch.items:
            self.counts[read] += 1
            self.counts[source_read] += 1
            if (big := oversize(raw, max_record_bytes)) is not None:
                too_long.append(too_long_reject(batch.source, batch.path, number, *big, max_record_bytes))
                continue
            yield number, raw

    def processing_errors(self, batch: "RawBatch", failed: list[tuple[dict, Exception]], raws: dict) -> None:
        """Dead letters for the records a step raised on (`raws`: source line -> raw line)."""
        for record, error in failed:
            line = record.get("source_line")
            raw = raws.get(line)
            self.dead_letter(batch.source, batch.path, line, "processing_error", f"{type(error).__name__}: {error}",
                             raw if isinstance(raw, bytes) else None)

    def unreadable_rest(self, batch: "RawBatch") -> None:
        """The unreadable rest of a file (batch.error) counts as one record read, and a dead letter."""
        if batch.error is not None:
            line, kind, message = batch.error
            self.counts[C.READ] += 1
            self.counts[C.source(batch.source, "read")] += 1
            self.dead_letter(batch.source, batch.path, line, kind, message, None)

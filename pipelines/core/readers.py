"""Input files -> splits -> batches of raw records, with file and line kept.

A split is a byte range of an uncompressed JSONL file that starts at a line
start (so it can be read on any worker and line numbers stay exact), a whole
compressed file, or a range of Parquet row groups. Reading goes through Beam's
FileSystems, so local paths, globs and gs:// URLs all work; nothing here builds
a pipeline.
"""
from __future__ import annotations

import gzip
from typing import Iterator, NamedTuple

import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.core.records import DEFAULT_MAX_RECORD_BYTES, RawBatch, TooLong
from schemas.pretrain import RAW_PREFIX_BYTES

_SCAN_CHUNK = 4 << 20
_BOM = b"\xef\xbb\xbf"




class Split(NamedTuple):
    """A plain tuple to every runner and serializer (a dataclass element reached Dask's workers as a dict)."""
    source: str
    path: str
    format: str
    start: int          # byte offset (jsonl) or first row group (parquet)
    end: int            # byte offset, row group index (exclusive), or -1 for "to the end"
    first_line: int     # 1-based number of the split's first line or row

    def key(self) -> str:
        """Names what the split covers; files written for it are named after it."""
        return f"{self.source}\0{self.path}\0{self.start}\0{self.end}"


class RangeScan(NamedTuple):
    """What planning needs to know of one byte range [start, end) of an uncompressed JSONL file."""
    start: int
    end: int
    newlines: int           # newlines in [start, end)
    first_newline: int      # offset of the first newline at or after start - 1 and before end; -1: none




def match(pattern: str) -> list[tuple[str, int]]:
    """Paths and sizes a path or glob matches (any Beam filesystem)."""
    result = FileSystems.match([pattern])[0]
    return sorted((m.path, m.size_in_bytes) for m in result.metadata_list)


def _compressed(path: str) -> bool:
    return CompressionTypes.detect_compression_type(path) != CompressionTypes.UNCOMPRESSED


def plan_splits(source: str, fmt: str, path: str, size: int, split_bytes: int) -> list[Split]:
    """Never raises: a file that cannot be planned becomes one whole-file split, and
    reading it then ends in an error batch (a dead letter naming the file)."""
    try:
        return _plan_splits(source, fmt, path, size, split_bytes)
    except Exception:  # noqa: BLE001
        return [Split(source, path, fmt, 0, -1, 1)]


def _plan_splits(source: str, fmt: str, path: str, size: int, split_bytes: int) -> list[Split]:
    if fmt == "parquet":
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            meta = pq.ParquetFile(f).metadata
        splits, row, group_rows = [], 1, [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        for i, n in enumerate(group_rows):
            splits.append(Split(source, path, fmt, i, i + 1, row))
            row += n
        return splits or [Split(source, path, fmt, 0, 0, 1)]
    if _compressed(path) or size <= split_bytes:
        return [Split(source, path, fmt, 0, -1, 1)]
    # Scan once for newlines: cut after the first newline at or past each split_bytes.
    splits, start, line, pos, newlines = [], 0, 1, 0, 0
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        while chunk := f.read(_SCAN_CHUNK):
            offset = 0
            while (target := start + split_bytes - 1 - pos) < len(chunk):
                nl = chunk.find(b"\n", max(offset, target))
                if nl < 0:
                    break
                newlines += chunk.count(b"\n", offset, nl + 1)
                splits.append(Split(source, path, fmt, start, pos + nl + 1, line))
                line, newlines, start, offset = line + newlines, 0, pos + nl + 1, nl + 1
            newlines += chunk.count(b"\n", offset)
            pos += len(chunk)
    if start < pos or not splits:
        splits.append(Split(source, path, fmt, start, -1, line))
    return splits


def plannable_in_ranges(fmt: str, path: str, size: int, split_bytes: int) -> bool:
    """Whether a file is cut into byte ranges scanned in parallel (large uncompressed JSONL) rather
    than planned whole by `plan_splits`."""
    return fmt != "parquet" and size > split_bytes and not _compressed(path)


def byte_ranges(size: int, split_bytes: int) -> list[tuple[int, int]]:
    return [(start, min(size, start + split_bytes)) for start in range(0, size, split_bytes)]


def scan_range(path: str, start: int, end: int) -> RangeScan:
    """Counts the newlines of [start, end) and finds the first line start at or after `start`."""
    first, newlines = -1, 0
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        pos = max(start - 1, 0)
        f.seek(pos)
        while pos < end and (chunk := f.read(min(_SCAN_CHUNK, end - pos))):
            if first < 0 and (nl := chunk.find(b"\n")) >= 0:
                first = pos + nl
            counted = chunk[1:] if pos == start - 1 else chunk       # byte start - 1 belongs to the range before
            newlines += counted.count(b"\n")
            pos += len(chunk)
    return RangeScan(start, end, newlines, first)


def splits_from_scans(source: str, fmt: str, path: str, scans: list[RangeScan]) -> list[Split]:
    """The splits of a file from the scans of all its ranges: each split starts at the first line
    start of a range (a range inside one long line starts none) and knows its first line's number."""
    scans = sorted(RangeScan(*s) for s in scans)
    starts, newlines_before = [], 0
    for scan in scans:
        if scan.start == 0:
            starts.append((0, 1))
        elif scan.first_newline >= 0:
            # The newline at start - 1 ends the range before (counted there); one inside this range is counted here.
            inside = 1 if scan.first_newline >= scan.start else 0
            starts.append((scan.first_newline + 1, newlines_before + inside + 1))
        newlines_before += scan.newlines
    starts = [(b, line) for b, line in starts if not scans or b < scans[-1].end] or [(0, 1)]
    return [Split(source, path, fmt, b, starts[i + 1][0] if i + 1 < len(starts) else -1, line)
            for i, (b, line) in enumerate(starts)]


def _open_text_file(split: Split):
    raw = FileSystems.open(split.path, compression_type=CompressionTypes.UNCOMPRESSED)
    if split.start == 0 and split.end == -1 and split.path.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)      # unlike Beam's reader, raises on a truncated stream
    if split.start == 0 and split.end == -1 and _compressed(split.path):
        raw.close()
        return FileSystems.open(split.path, compression_type=CompressionTypes.AUTO)
    return raw


def _lines(split: Split, max_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Iterator[tuple[int, bytes | TooLong]]:
    """(line number, bytes without the line break) for every line of the split, blank ones too; a
    line over `max_bytes` is skipped a bounded piece at a time and given as TooLong; a UTF-8 byte
    order mark at the start of a file is dropped."""
    with _open_text_file(split) as f:
        if split.start:
            f.seek(split.start)
        pos, line = split.start, split.first_line
        readline = f.readline
        while split.end < 0 or pos < split.end:
            raw = readline(max_bytes + 1)
            if not raw:
                return
            size = len(raw)
            if size > max_bytes and not raw.endswith(b"\n"):
                prefix = raw[:RAW_PREFIX_BYTES]      # what a record too long to read keeps of itself
                while raw and not raw.endswith(b"\n"):
                    raw = readline(1 << 20)
                    size += len(raw)
                pos += size
                yield line, TooLong(size - len(raw) + len(raw.rstrip(b"\r\n")), prefix)
            else:
                pos += size
                body = raw.rstrip(b"\r\n")
                yield line, body[3:] if pos == size and body.startswith(_BOM) else body
            line += 1


def _rows(split: Split) -> Iterator[tuple[int, dict]]:
    with FileSystems.open(split.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        pf = pq.ParquetFile(f)
        row = split.first_line
        end = pf.metadata.num_row_groups if split.end < 0 else split.end
        for group in range(split.start, end):
            for record in pf.read_row_group(group, use_threads=False).to_pylist():
                yield row, record
                row += 1


def read_split(split: Split, batch_records: int, batch_bytes: int,
               max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Iterator[RawBatch]:
    """Yields batches of raw records, every line of the file among them (blank ones and TooLong
    ones too: the processors account for each); a file that breaks mid-read ends with an error batch."""
    items, nbytes, last = [], 0, split.first_line - 1
    reader = _rows(split) if split.format == "parquet" else _lines(split, max_record_bytes)
    try:
        for number, record in reader:
            last = number
            items.append((number, record))
            nbytes += len(record) if isinstance(record, bytes) else 0
            if len(items) >= batch_records or nbytes >= batch_bytes:
                yield RawBatch(split.source, split.path, split.format, items, nbytes)
                items, nbytes = [], 0
    except Exception as e:  # noqa: BLE001 - a corrupt file becomes a dead letter, not a crash
        yield RawBatch(split.source, split.path, split.format, items, nbytes,
                       error=(last + 1, "unreadable_file", f"{type(e).__name__}: {e}"))
        return
    if items:
        yield RawBatch(split.source, split.path, split.format, items, nbytes)

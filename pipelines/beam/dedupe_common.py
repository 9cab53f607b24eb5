"""What the dedupe stages share: chunk reading, counters, and buffered sharded outputs.
"""
from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.beam.portable import MAIN
from pipelines.beam.storage import commit, create, temporary_name
from pipelines.dedupe.features import chunk_ref, parse_chunk_ref
from pipelines.dedupe.tables import split_by_shard

STATS, REJECTED, SAMPLED = "stats", "rejected", "sampled"



_open_files = threading.local()


def _parquet_file(path: str, keep: int = 4) -> pq.ParquetFile:
    """An open Parquet file, kept per thread for the next row groups of the same file: parsing
    the footer of a file with many row groups again for each one cost more than reading them."""
    cache = getattr(_open_files, "files", None)
    if cache is None:
        cache = _open_files.files = {}
    if path not in cache:
        if len(cache) >= keep:
            cache.pop(next(iter(cache))).close()
        cache[path] = pq.ParquetFile(FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED))
    return cache[path]


def read_chunk(ref: str, columns: list[str] | None = None) -> pa.Table:
    path, row_group = parse_chunk_ref(ref)
    return _parquet_file(path).read_row_group(row_group, columns=columns, use_threads=False)


def list_chunks(path: str) -> list[str]:
    """Chunk references (one per row group) of one Parquet file."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return [chunk_ref(path, i) for i in range(pq.ParquetFile(f).num_row_groups)]


def stats_output(counts: dict) -> tuple[str, dict]:
    """A unit's counters ({Count: n}; pipelines/core/counters.py) as a statistics output."""
    return STATS, {"counts": {k: v for k, v in counts.items() if v}}


def main_output(value) -> tuple[str, object]:
    return MAIN, value


def read_table(path: str) -> pa.Table:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return pq.read_table(f, use_threads=False)


def tables_of(values) -> list[pa.Table]:
    """The tables of a grouped value: tables as they came, or read back from spilled files."""
    return [read_table(v) if isinstance(v, str) else v for v in values]


class ShardBuffer:
    """Sharded tables gathered over one unit of work (a split, a file, a shard): one element per
    (output, shard) when the unit is done (or when `max_rows` rows wait), instead of one per
    table and shard. Each element costs the runner a fixed encode/decode, so fewer, larger
    elements are faster. Outputs are (tag, (shard, table)) pairs for `Branches`.

    spill: (folder, unit name): each (output, shard) table is written to a file under the folder
    and only its path travels, so a runner that holds the data between stages in memory (the
    local runner does) holds paths, not the corpus's keys; `tables_of` reads them back."""

    def __init__(self, n_shards: int, max_rows: int = 2_000_000, spill: tuple[str, str] | None = None):
        self.n_shards, self.max_rows, self.spill = n_shards, max_rows, spill
        self._parts: dict = {}
        self._rows = 0
        self._flushes = 0

    def add(self, tag: str, table: pa.Table, column_name: str):
        """Buffers `table` split by `column_name`; yields outputs only when the buffer is full."""
        for shard, part in split_by_shard(table, column_name, self.n_shards):
            self._parts.setdefault((tag, shard), []).append(part)
            self._rows += part.num_rows
        if self._rows >= self.max_rows:
            yield from self.flush()

    def flush(self):
        for (tag, shard), parts in self._parts.items():
            table = pa.concat_tables(parts).combine_chunks()      # one chunk per column: cheaper to encode
            yield tag, (shard, self._spilled(tag, shard, table) if self.spill else table)
        self._parts, self._rows, self._flushes = {}, 0, self._flushes + 1

    def _spilled(self, tag: str, shard: int, table: pa.Table) -> str:
        folder, unit = self.spill
        path = FileSystems.join(folder, tag, f"{shard:05d}", f"{unit}-{self._flushes}.parquet")
        tmp = temporary_name(path)
        with create(tmp) as f:
            pq.write_table(table, f, compression="zstd")
        commit(tmp, path)
        return path

"""Output files written by the pipelines' own DoFns, and the run's one final sink.

Beam's file sinks (WriteToParquetBatched, WriteToText) finalise through a temp folder that not
every runner handles (on the Dask runner they left an empty output). Here every unit of work
(a split, a staged chunk file) writes its own files under names derived from what it read, so a
retried or recomputed unit writes the same file under the same name; each file is written under a
temporary name and renamed into place, so a reader never sees half a file. Every DoFn that writes
reports the files as run statistics, which all flow into `FinalSink`: the last transform of the
pipeline, upstream of which lies the whole graph.
"""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipelines.beam.portable import combine_globally
from pipelines.beam.stats import MergeStats
from pipelines.beam.storage import commit, create, temporary_name, write_json_atomically


class TableFile:
    """A Parquet file written one row group per `write`, created on the first rows (a unit with
    nothing of a kind writes no file) and committed by `close`. schema None: the first table's."""

    def __init__(self, path: str, schema: pa.Schema | None):
        self.path, self.schema = path, schema
        self.rows = 0
        self._tmp = self._stream = self._writer = None

    def write(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        if self._writer is None:
            self.schema = self.schema or table.schema
            self._tmp = temporary_name(self.path)
            self._stream = create(self._tmp)
            self._writer = pq.ParquetWriter(self._stream, self.schema, compression="zstd")
        self._writer.write_table(table.select(self.schema.names).cast(self.schema), row_group_size=table.num_rows + 1)
        self.rows += table.num_rows

    def close(self) -> dict | None:
        """Commits the file; returns its record for the run statistics (None when nothing was written)."""
        if self._writer is None:
            return None
        self._writer.close()
        self._stream.close()
        commit(self._tmp, self.path)
        self._writer = None
        return {"path": self.path, "rows": self.rows}

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
                self._stream.close()
            finally:
                FileSystems.delete([self._tmp])
            self._writer = None


class TableFiles:
    """The files one unit of work writes, by output kind: {kind: TableFile}."""

    def __init__(self, paths_and_schemas: dict[str, tuple[str, pa.Schema]]):
        self.files = {kind: TableFile(path, schema) for kind, (path, schema) in paths_and_schemas.items()}

    def write(self, kind: str, table: pa.Table | None) -> None:
        if table is not None:
            self.files[kind].write(table)

    def close(self) -> dict:
        """{"files": {kind: [records]}} for the run statistics."""
        out = {}
        for kind, f in self.files.items():
            record = f.close()
            if record:
                out.setdefault(kind, []).append(record)
        return {"files": out}

    def abort(self) -> None:
        for f in self.files.values():
            f.abort()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        return False


class _WriteStats(beam.DoFn):
    def __init__(self, path: str):
        self.path = path

    def process(self, stats):
        write_json_atomically(self.path, stats)
        yield self.path


class FinalSink(beam.PTransform):
    """All the run's statistics (counts, inputs, files written) -> one JSON file. Apply it last."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def expand(self, stats):
        merged = combine_globally(stats, MergeStats(), "MergeStats")
        return merged | "WriteStats" >> beam.ParDo(_WriteStats(self.path))

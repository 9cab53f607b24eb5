"""The pretraining pipeline's side of CleanSplits: its processor and its tables."""
from __future__ import annotations

import io

import pyarrow as pa
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.beam.storage import commit, create, temporary_name
from pipelines.pretrain.processor import DocumentProcessor, PretrainConfig
from pipelines.text.contamination import ContaminationIndex
from schemas import pretrain as schema


class PretrainCleaning:
    REJECTED, DEAD_LETTER = schema.REJECTED, schema.DEAD_LETTER

    def __init__(self, config: PretrainConfig, contamination_index: str | None = None):
        self.config = config
        self.contamination_index = contamination_index   # the benchmark index the driver saved (see save_contamination)

    def processor(self) -> DocumentProcessor:
        index = None
        if self.contamination_index is not None:
            with FileSystems.open(self.contamination_index, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                index = ContaminationIndex.load(self.config.contamination, io.BytesIO(f.read()))
        return DocumentProcessor(self.config, contamination=index)     # OpenCC + fastText, once per worker process

    def documents(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=schema.DOCUMENT)

    def rejected(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.REJECTED)

    def dead_letters(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.DEAD_LETTER)


def save_contamination(index: ContaminationIndex | None, folder: str) -> str | None:
    """The driver's benchmark index, written once under `folder` (the run's staging area) for the
    workers to load: rebuilding it from the files cost each worker a second, and shipping it inside
    the pipeline made every stage slow to start."""
    if index is None:
        return None
    path = FileSystems.join(folder, "contamination.npz")
    tmp = temporary_name(path)
    with create(tmp) as f:
        index.save(f)
    commit(tmp, path)
    return path

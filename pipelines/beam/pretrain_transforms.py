"""The pretraining pipeline's side of CleanSplits: its processor and its tables."""
from __future__ import annotations

import pyarrow as pa

from pipelines.pretrain.processor import DocumentProcessor, PretrainConfig
from schemas import pretrain as schema


class PretrainCleaning:
    REJECTED, DEAD_LETTER = schema.REJECTED, schema.DEAD_LETTER

    def __init__(self, config: PretrainConfig):
        self.config = config

    def processor(self) -> DocumentProcessor:
        return DocumentProcessor(self.config)      # OpenCC + fastText, once per worker process

    def documents(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=schema.DOCUMENT)

    def rejected(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.REJECTED)

    def dead_letters(self, rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.DEAD_LETTER)

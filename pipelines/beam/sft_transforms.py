"""The SFT pipeline's side of CleanSplits: its processor and its tables (records with the dedupe key)."""
from __future__ import annotations

import pyarrow as pa

from pipelines.beam.pretrain_transforms import PretrainCleaning
from pipelines.sft.adapters import records_to_table
from pipelines.sft.processor import SftConfig, SftProcessor
from schemas import sft as schema


class SftCleaning(PretrainCleaning):
    REJECTED, DEAD_LETTER = schema.REJECTED, schema.DEAD_LETTER

    def __init__(self, config: SftConfig):
        self.config = config

    def processor(self) -> SftProcessor:
        return SftProcessor(self.config)           # rules, automata, taxonomy: once per worker process

    def documents(self, rows: list[dict]) -> pa.Table:
        table = records_to_table(rows)
        # The dedupe stages key on `text`: instruction + input.
        key = [r["instruction"] + "\n" + (r.get("input") or "") for r in rows]
        return table.append_column("text", pa.array(key, pa.large_string()))

"""Training examples from a pipeline output: Parquet shards listed by the manifest, read with `datasets`.

Continued pretraining: documents sampled by their dedupe `weight` (a document of weight w is
kept with probability w, decided by a hash of its id, so a cluster of n near copies in
weight mode contributes one document on average and the choice is the same on every run),
tokenized, joined with EOS and packed into fixed-length blocks (training/packing.py).
SFT: every record in the TigerBot prompt format with the loss on the response only
(training/sft_format.py).

`streaming=True` reads the shards lazily (an IterableDataset; the Trainer then needs
max_steps); otherwise the examples are built once and cached in memory.
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Iterator

from training.manifest import PipelineOutput
from training.packing import pack
from training.sft_format import tokenize_sft

PRETRAIN_COLUMNS = ["id", "text", "weight"]
SFT_COLUMNS = ["id", "instruction", "input", "output", "history", "system"]


def unit_hash(key: str) -> float:
    """A stable number in [0, 1) for a key: how every per-document choice (sampling by weight,
    held-out slices, calibration order) is made deterministic."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") / 2**64


def keep_by_weight(doc_id: str, weight: float | None, seed: int = 0) -> bool:
    """Deterministic Bernoulli(weight) per document id."""
    return weight is None or weight >= 1.0 or unit_hash(f"{seed}:{doc_id}") < weight


def row_text(row: dict, kind: str) -> str:
    """The text of a pipeline row: pretrain `text`; SFT system, history turns, instruction, input
    and output joined by newlines."""
    if kind == "pretrain":
        return row.get("text") or ""
    parts = [row.get("system")]
    for turn in row.get("history") or []:
        parts += [turn.get("user"), turn.get("assistant")]
    parts += [row.get("instruction"), row.get("input"), row.get("output")]
    return "\n".join(p for p in parts if p)


def load_rows(output: PipelineOutput, columns: list[str], streaming: bool = False):
    """The `data/` rows of a pipeline output as a datasets (Iterable)Dataset with the given columns."""
    from datasets import load_dataset

    ds = load_dataset("parquet", data_files={"train": list(output.data_files)}, split="train", streaming=streaming)
    present = [c for c in columns if c in ds.column_names] if ds.column_names else columns
    return ds.select_columns(present)


def pretrain_token_lists(rows: Iterable[dict], tokenizer, seed: int = 0) -> Iterator[list[int]]:
    """Token ids of the documents kept by weight (no special tokens: packing adds EOS)."""
    for row in rows:
        if keep_by_weight(row["id"], row.get("weight"), seed):
            yield tokenizer(row["text"], add_special_tokens=False)["input_ids"]


def pretrain_blocks(rows: Iterable[dict], tokenizer, block_size: int, seed: int = 0) -> Iterator[dict]:

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    yield from pack(pretrain_token_lists(rows, tokenizer, seed), block_size, tokenizer.eos_token_id, pad)


def sft_examples(rows: Iterable[dict], tokenizer, max_length: int) -> Iterator[dict]:

    for row in rows:               # tokenize_sft never cuts the response to nothing: every example has labels
        example = tokenize_sft(row, tokenizer, max_length)
        yield {k: example[k] for k in ("input_ids", "labels", "attention_mask")}


def build_dataset(output: PipelineOutput, stage: str, tokenizer, *, block_size: int = 512, max_length: int = 1024,
                  seed: int = 0, streaming: bool = False):
    """The training dataset of a stage: packed blocks (pretrain) or masked SFT examples."""
    from datasets import Dataset, IterableDataset

    columns = PRETRAIN_COLUMNS if stage == "pretrain" else SFT_COLUMNS
    rows = load_rows(output, columns, streaming=streaming)

    def generate():
        if stage == "pretrain":
            yield from pretrain_blocks(rows, tokenizer, block_size, seed)
        else:
            yield from sft_examples(rows, tokenizer, max_length)

    if streaming:
        return IterableDataset.from_generator(generate)
    examples = list(generate())
    if not examples:
        raise ValueError(f"{output.root}: no training examples (is the output empty, or every weight 0?)")
    return Dataset.from_list(examples)


def output_rows(output: PipelineOutput, extra_columns: tuple[str, ...] = ("lang", "category")) -> Iterator[dict]:
    """Every data row of an output, streamed, with the columns row_text needs plus `extra_columns`."""
    base = ["id", "text"] if output.kind == "pretrain" else SFT_COLUMNS
    yield from load_rows(output, base + [c for c in extra_columns if c not in base], streaming=True)


def iter_texts(output: PipelineOutput) -> Iterator[str]:
    """Every document's text (row_text), e.g. to train a tokenizer."""
    for row in output_rows(output, ()):
        yield row_text(row, output.kind)

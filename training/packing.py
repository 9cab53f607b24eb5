"""Packing tokenized documents into fixed-length blocks for causal-LM pretraining.

`pack` joins the documents, each followed by EOS, and cuts the stream into blocks of exactly
`block_size` tokens: a long document spans several blocks, a block holds the end of one document
and the start of the next, and the last partial block is padded (labels -100, attention 0), so
every token of every document (and every EOS) is in exactly one block. Each block also carries
`doc_ids`: the index, within the block, of the document each token belongs to (0 for the first,
-1 on padding).

How far attention reaches across the documents of a block is chosen by the collator
(`PackedCollator(mode)`):

  cross           input_ids / labels / 2D attention_mask: tokens attend to every earlier token of
                  the block, across document boundaries (GPT-style packing). Works for every
                  causal LM, BLOOM included.
  position_ids    also position_ids restarting at 0 at each document start within the block
                  (position_ids_per_document); attention still crosses documents (the 2D mask is
                  kept, so transformers does not infer packed sequences from the positions).
  block_diagonal  position_ids plus a 4D additive float mask (batch, 1, seq, seq)
                  (block_diagonal_mask): attention stays inside each document.

Which models honour which: Llama-style models (Llama, Mistral, Qwen2, ... with rotary
embeddings) take `position_ids` and use a 4D `attention_mask` as given (eager and sdpa
attention; with sdpa a float mask rules out the flash kernel). BLOOM uses ALiBi computed from a
2D attention mask and has no position ids: use `cross` only (a 4D mask breaks its ALiBi, and
position_ids are ignored). In transformers 5 (checked with 5.17), position_ids passed *without*
an attention_mask and with use_cache=False (no KV cache) also make Llama-style models build the
per-document mask themselves (masking_utils.find_packed_sequence_indices; varlen kernels under
flash-attention 2): the same result as block_diagonal without materializing a seq x seq mask.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

IGNORE_INDEX = -100
MODES = ("cross", "position_ids", "block_diagonal")


def pack(token_lists: Iterable[list[int]], block_size: int, eos_id: int, pad_id: int) -> Iterator[dict]:
    """Blocks of exactly block_size tokens: input_ids, labels, attention_mask, doc_ids (lists)."""
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    ids: list[int] = []
    docs: list[int] = []          # running document number of each buffered token
    doc_no = 0
    for tokens in token_lists:
        ids.extend(tokens)
        ids.append(eos_id)
        docs.extend([doc_no] * (len(tokens) + 1))
        doc_no += 1
        if len(ids) >= block_size:
            start = 0
            while len(ids) - start >= block_size:
                yield _block(ids[start:start + block_size], docs[start:start + block_size], block_size, pad_id)
                start += block_size
            ids, docs = ids[start:], docs[start:]
    if ids:
        yield _block(ids, docs, block_size, pad_id)


def _block(ids: list[int], docs: list[int], block_size: int, pad_id: int) -> dict:
    first = docs[0]
    pad = block_size - len(ids)
    return {
        "input_ids": ids + [pad_id] * pad,
        "labels": ids + [IGNORE_INDEX] * pad,
        "attention_mask": [1] * len(ids) + [0] * pad,
        "doc_ids": [d - first for d in docs] + [-1] * pad,
    }


def position_ids_per_document(doc_ids: Sequence[int]) -> list[int]:
    """Positions restarting at 0 at each document start within the block (padding counts on as
    its own run)."""
    if hasattr(doc_ids, "tolist"):
        doc_ids = doc_ids.tolist()
    out: list[int] = []
    prev, pos = None, 0
    for d in doc_ids:
        pos = pos + 1 if d == prev else 0
        out.append(pos)
        prev = d
    return out


def block_diagonal_mask(doc_ids_batch, dtype=None):
    """4D additive mask (batch, 1, seq, seq): 0 where key and query are in the same document and
    key <= query, torch.finfo(dtype).min elsewhere. Padding (-1) attends to earlier padding only,
    so no row is fully masked."""
    import torch

    dtype = dtype or torch.float32
    doc = torch.as_tensor(doc_ids_batch, dtype=torch.long)
    if doc.dim() == 1:
        doc = doc.unsqueeze(0)
    seq = doc.shape[-1]
    same = doc[:, :, None] == doc[:, None, :]
    causal = torch.ones(seq, seq, dtype=torch.bool, device=doc.device).tril()
    allowed = same & causal
    mask = torch.zeros(allowed.shape, dtype=dtype, device=doc.device)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask.unsqueeze(1)


class PackedCollator:
    """Stacks packed blocks into a batch for one of MODES (see the module docstring). doc_ids are
    used for position_ids / the mask and are not passed to the model."""

    def __init__(self, mode: str = "cross", mask_dtype=None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.mask_dtype = mask_dtype

    def __call__(self, features: list[dict]) -> dict:
        import torch

        def stack(key):
            return torch.tensor([f[key].tolist() if hasattr(f[key], "tolist") else list(f[key]) for f in features],
                                dtype=torch.long)

        batch = {"input_ids": stack("input_ids"), "labels": stack("labels"), "attention_mask": stack("attention_mask")}
        if self.mode == "cross":
            return batch
        doc_ids = stack("doc_ids")
        batch["position_ids"] = torch.tensor([position_ids_per_document(row) for row in doc_ids.tolist()],
                                             dtype=torch.long)
        if self.mode == "block_diagonal":
            batch["attention_mask"] = block_diagonal_mask(doc_ids, self.mask_dtype)
        return batch

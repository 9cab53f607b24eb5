"""Calibration and evaluation text from a pipeline output (never C4, never a download).

Documents are split by a hash of their id: the calibration pool (hash < 1 - held_out) and a
held-out slice for perplexity, so the two never share a document. The calibration set is
drawn round-robin over the output's (language, category) strata in hash order, so every
language and category of the curated corpus is represented and the same samples come out on
every run.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from training.data import output_rows, row_text, unit_hash
from training.manifest import PipelineOutput

HELD_OUT = 0.1


def _rows(output: PipelineOutput) -> Iterator[dict]:
    yield from output_rows(output, ("lang", "category"))


def calibration_texts(output: PipelineOutput, n: int, held_out: float = HELD_OUT) -> list[str]:
    """n documents from the calibration pool, round-robin over (lang, category) strata."""
    strata: dict[tuple, list[tuple[float, str]]] = defaultdict(list)
    for row in _rows(output):
        h = unit_hash(row["id"])
        if h < 1 - held_out:
            strata[(row.get("lang"), row.get("category"))].append((h, row_text(row, output.kind)))
    queues = [sorted(v, reverse=True) for _, v in sorted(strata.items(), key=lambda kv: str(kv[0]))]
    picked: list[str] = []
    while len(picked) < n and any(queues):
        for q in queues:
            if q and len(picked) < n:
                picked.append(q.pop()[1])
    return picked


def held_out_texts(output: PipelineOutput, held_out: float = HELD_OUT) -> list[str]:
    """The held-out slice, in hash order."""
    rows = [(unit_hash(r["id"]), row_text(r, output.kind)) for r in _rows(output)]
    return [t for h, t in sorted(rows) if h >= 1 - held_out]

"""Arrow tables as the unit of work: split by shard, concatenate, look up.

Dedupe moves small numeric tables (handles, keys, pairs) between Beam stages in
a few thousand elements instead of one element per document or per pair, which
keeps the local runner's per-element cost off the hot path.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa

from pipelines.text.hashing import splitmix64


def shard_of(keys: np.ndarray, n_shards: int) -> np.ndarray:
    """Shard of each uint64 key; mixed first so that keys sharing low bits still spread."""
    return (splitmix64(np.asarray(keys, dtype=np.uint64)) % np.uint64(n_shards)).astype(np.int64)


def split_by_shard(table: pa.Table, column: str, n_shards: int) -> Iterator[tuple[int, pa.Table]]:
    """(shard, rows of `table` whose `column` falls in that shard), for the non-empty shards."""
    if table.num_rows == 0:
        return
    shards = shard_of(u64(table, column), n_shards)
    order = np.argsort(shards, kind="stable")
    ordered = shards[order]
    bounds = np.flatnonzero(np.diff(ordered)) + 1
    for idx in np.split(order, bounds):
        yield int(shards[idx[0]]), table.take(pa.array(idx))


def concat(tables: Iterable[pa.Table], schema: pa.Schema) -> pa.Table:
    tables = [t for t in tables if t is not None and t.num_rows]
    if not tables:
        return schema.empty_table()
    return pa.concat_tables([t.select(schema.names).cast(schema) for t in tables]).combine_chunks()


def u64(table: pa.Table, column: str) -> np.ndarray:
    return table.column(column).to_numpy().astype(np.uint64, copy=False)


def column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def pairs_table(a: np.ndarray, b: np.ndarray) -> pa.Table:
    return pa.table({"a": pa.array(a, pa.uint64()), "b": pa.array(b, pa.uint64())}, schema=PAIRS)


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct undirected pairs as (hi, lo) with hi > lo; self pairs dropped."""
    a, b = np.asarray(a, np.uint64), np.asarray(b, np.uint64)
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    keep = hi != lo
    if not keep.any():
        return np.empty(0, np.uint64), np.empty(0, np.uint64)
    both = np.unique(np.stack([hi[keep], lo[keep]], axis=1), axis=0)
    return both[:, 0].copy(), both[:, 1].copy()


PAIRS = pa.schema([("a", pa.uint64()), ("b", pa.uint64())])

"""Per-chunk dedupe features: handles, exact keys, LSH band keys, document frequencies.

A chunk is one row group of a Parquet file of documents (the pipeline's staging
files, or an earlier run's data/). Everything later refers to a document by its
handle, a 64-bit hash of (chunk, row), and reads texts back by (chunk, row) only
for documents in candidate pairs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import xxhash

from pipelines.dedupe.config import DedupeConfig
from pipelines.text.dedupe_key import exact_hashes
from pipelines.text.minhash import MinHasher, band_keys, fold
from pipelines.text.tfidf import df_partial

FEATURES = pa.schema([
    ("handle", pa.uint64()), ("id", pa.string()), ("chunk", pa.string()), ("row", pa.int64()),
    ("lang", pa.string()), ("category", pa.string()), ("score", pa.float32()),
    ("n_bytes", pa.int64()), ("exact", pa.uint64()),
])
BANDS = pa.schema([("key", pa.uint64()), ("handle", pa.uint64()), ("exact", pa.uint64())])
EXACT = pa.schema([("key", pa.uint64()), ("handle", pa.uint64())])
# Columns a chunk must have; category and quality_score may be absent (an earlier run's data/ has them).
NEEDED = ("id", "text", "lang")


def chunk_ref(path: str, row_group: int) -> str:
    return f"{row_group}:{path}"


def parse_chunk_ref(ref: str) -> tuple[str, int]:
    rg, _, path = ref.partition(":")
    return path, int(rg)


def handles(chunk: str, n: int) -> np.ndarray:
    prefix = chunk.encode("utf-8", "surrogatepass") + b"\0"
    return np.fromiter((xxhash.xxh3_64_intdigest(prefix + str(i).encode()) for i in range(n)), np.uint64, count=n)


@dataclass
class ChunkFeatures:
    features: pa.Table
    bands: pa.Table
    exact: pa.Table
    df: tuple[np.ndarray, np.ndarray, int]


class FeatureExtractor:
    """Built once per worker (the MinHash permutations)."""

    def __init__(self, config: DedupeConfig):
        self.config = config
        self.hasher = MinHasher(config.minhash)

    def extract(self, table: pa.Table, chunk: str, identity: str | None = None) -> ChunkFeatures:
        """identity: what the handles hash (default: the chunk reference). A staged chunk passes a
        name without the output folder, so the same input gets the same handles wherever it runs."""
        n = table.num_rows
        texts = table.column("text").to_pylist()
        langs = table.column("lang").to_pylist()
        h = handles(identity or chunk, n)
        if self.config.exact or self.config.near:
            folded = [fold(t) for t in texts]
            exact = exact_hashes(texts, folded)
        else:                                  # dedupe off: sampling reads the other columns only
            exact = np.zeros(n, np.uint64)
        names = table.column_names
        features = pa.table({
            "handle": pa.array(h), "id": table.column("id").cast(pa.string()), "chunk": pa.array([chunk] * n, pa.string()),
            "row": pa.array(np.arange(n, dtype=np.int64)), "lang": pa.array(langs, pa.string()),
            "category": table.column("category").cast(pa.string()) if "category" in names else pa.nulls(n, pa.string()),
            "score": table.column("quality_score").cast(pa.float32()) if "quality_score" in names else pa.nulls(n, pa.float32()),
            "n_bytes": pa.array([len(t.encode("utf-8", "surrogatepass")) for t in texts], pa.int64()),
            "exact": pa.array(exact),
        }, schema=FEATURES)
        if self.config.near:
            sigs = self.hasher.text_signatures(folded, langs, folded=True)
            keys = band_keys(sigs, self.config.minhash)
            b = keys.shape[1]
            bands = pa.table({"key": pa.array(keys.reshape(-1)), "handle": pa.array(np.repeat(h, b)),
                              "exact": pa.array(np.repeat(exact, b))}, schema=BANDS)
            df = df_partial(texts, self.config.df_buckets)
        else:
            bands = BANDS.empty_table()
            df = (np.empty(0, np.uint32), np.empty(0, np.int64), 0)
        exact_t = pa.table({"key": pa.array(exact), "handle": pa.array(h)}, schema=EXACT) if self.config.exact else EXACT.empty_table()
        return ChunkFeatures(features, bands, exact_t, df)

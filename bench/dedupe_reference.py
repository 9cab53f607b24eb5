"""Reference for the near-duplicate stage: datasketch's MinHashLSH used directly, in one process,
on the same shingles as the pipeline (``pipelines.text.minhash.shingles``).

    python -m bench.dedupe_reference DOCS [--num-perm 128 --bands 16 --rows 8 --char-n 5 --word-n 3]

DOCS is a Parquet file or glob (columns id, text, lang), or a raw folder written by
shared/bench/make_corpus.py (``raw/<source>/part-*.jsonl``, or the corpus folder above it): there
every line that parses as a JSON object with a string "text" is a document, its lang the source
folder's first two letters (zh or en). Prints JSON with docs/s, candidate pairs and peak memory.

What is timed (``run_reference``): shingling, signatures, LSH insertion and one query per document.
Loading the documents is not. Documents are shingled and hashed 1,000 at a time (shingle sets
are not kept; holding all of them for the 30 MB corpus took ~1.3 GB). Signatures are datasketch 2.0.0's defaults: scheme ``affine32``,
hash ``sha1_hash32``, seed 1 (``MinHash.bulk``, then ``LeanMinHash`` per signature;
``LeanMinHash.bulk`` raises TypeError in 2.0.0). A document with more than ``max_batch`` shingles
(the corpus's 4 MB document) is hashed with ``MinHash.update_batch`` in slices of ``max_batch``,
because one ``update_batch`` over all of them builds a (shingles x num_perm) matrix of several
hundred MB; the signature is the same. Peak memory is the process's peak resident set
(``ru_maxrss``), so it includes the documents held in memory; ``rss_start_mb`` is the resident
set when the timed part began.
"""
from __future__ import annotations

import argparse
import glob
import json
import resource
import sys
import time
from pathlib import Path

import psutil

from pipelines.text.minhash import shingles


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB


def run_reference(docs, num_perm: int = 128, bands: int = 16, rows: int = 8, char_n: int = 5, word_n: int = 3,
                  max_batch: int = 50_000, batch: int = 1000, return_pairs: bool = False) -> dict:
    """docs: sequence of (id, text, lang). Returns docs, seconds, docs_per_s, candidate_pairs,
    peak_rss_mb (plus phase times; ``pairs``, sorted (id_a, id_b) tuples, when return_pairs).
    A candidate pair is two documents that share at least one LSH band (each unordered pair
    once). Documents are keyed by position, so repeated ids are allowed. Documents are shingled
    and hashed ``batch`` at a time, so only one batch's shingle sets are held at once."""
    import datasketch
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    if bands * rows > num_perm:
        raise ValueError(f"bands * rows ({bands} * {rows}) exceeds num_perm ({num_perm})")
    docs = list(docs)
    rss_start = psutil.Process().memory_info().rss / 2**20
    kwargs = {"num_perm": num_perm}
    sigs: list = []
    shingle_s = minhash_s = 0.0
    empty = sliced = 0
    t0 = time.perf_counter()
    for start in range(0, len(docs), batch):       # shingle sets are dropped batch by batch
        ta = time.perf_counter()
        sets = [shingles(text, lang, char_n, word_n) for _, text, lang in docs[start:start + batch]]
        tb = time.perf_counter()
        empty += sum(not s for s in sets)
        small = [s for s in sets if len(s) <= max_batch]
        lean = iter([LeanMinHash(m) for m in MinHash.bulk(small, **kwargs)])
        for s in sets:
            if len(s) <= max_batch:
                sigs.append(next(lean))
                continue
            m, items = MinHash(**kwargs), list(s)
            for k in range(0, len(items), max_batch):
                m.update_batch(items[k:k + max_batch])
            sigs.append(LeanMinHash(m))
            sliced += 1
        shingle_s += tb - ta
        minhash_s += time.perf_counter() - tb
    sets = small = None
    t2 = time.perf_counter()
    probe = MinHash(**kwargs)
    scheme, hashfunc = probe.scheme, probe.hashfunc.__name__

    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(sigs):
            session.insert(i, m, check_duplication=False)
    t3 = time.perf_counter()

    pairs: set[tuple[int, int]] = set()
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j > i:
                pairs.add((i, j))
    t4 = time.perf_counter()

    seconds = t4 - t0
    out = {
        "docs": len(docs),
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(docs) / seconds, 1) if seconds > 0 else None,
        "candidate_pairs": len(pairs),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_start_mb": round(rss_start, 1),
        "phase_seconds": {"shingles": round(shingle_s, 3), "minhash": round(minhash_s, 3),
                          "lsh_insert": round(t3 - t2, 3), "lsh_query": round(t4 - t3, 3)},
        "empty_shingle_sets": empty,
        "docs_hashed_in_slices": sliced,
        "params": {"num_perm": num_perm, "bands": bands, "rows": rows, "char_n": char_n, "word_n": word_n,
                   "datasketch": datasketch.__version__, "scheme": scheme, "hashfunc": hashfunc, "seed": 1},
    }
    if return_pairs:
        out["pairs"] = sorted(tuple(sorted((docs[i][0], docs[j][0]))) for i, j in pairs)
    return out


def load_raw_dir(raw_dir: Path) -> list[tuple[str, str, str]]:
    """(id, text, lang) for every line of raw/<source>/*.jsonl that parses as an object with a
    string "text"; lang = the source folder's first two letters. Lines without a string id get
    "<file>:<line>"."""
    raw_dir = Path(raw_dir)
    if (raw_dir / "raw").is_dir():
        raw_dir = raw_dir / "raw"
    docs = []
    for path in sorted(raw_dir.glob("*/*.jsonl")):
        lang = path.parent.name[:2]
        with open(path, "rb") as f:
            for n, line in enumerate(f, 1):
                try:
                    obj = json.loads(line)
                except ValueError:          # malformed JSON, invalid UTF-8
                    continue
                if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                    rid = obj.get("id")
                    docs.append((rid if isinstance(rid, str) else f"{path.relative_to(raw_dir)}:{n}", obj["text"], lang))
    return docs


def load_parquet(pattern: str) -> list[tuple[str, str, str]]:
    import pyarrow.parquet as pq

    files = sorted(glob.glob(pattern)) or ([pattern] if Path(pattern).is_file() else [])
    if not files:
        raise FileNotFoundError(f"no Parquet files match {pattern}")
    docs = []
    for f in files:
        t = pq.read_table(f, columns=["id", "text", "lang"]).to_pydict()
        docs.extend(zip(t["id"], t["text"], t["lang"]))
    return docs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs", help="Parquet file or glob (id, text, lang), or a make_corpus raw folder")
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--bands", type=int, default=16)
    ap.add_argument("--rows", type=int, default=8)
    ap.add_argument("--char-n", type=int, default=5)
    ap.add_argument("--word-n", type=int, default=3)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    docs = load_raw_dir(Path(a.docs)) if Path(a.docs).is_dir() else load_parquet(a.docs)
    load_s = time.perf_counter() - t0
    result = run_reference(docs, a.num_perm, a.bands, a.rows, a.char_n, a.word_n)
    result = {"input": a.docs, "load_seconds": round(load_s, 2), **result}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

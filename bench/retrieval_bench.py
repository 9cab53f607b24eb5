"""Retrieval quality and cost on real labelled data: every CMRC 2018 dev question (3,219) against
the chunks of all 848 Wikipedia contexts (../shared/data/eval_cmrc2018_zh). A question is answered
at rank r when the r-th distinct document among the retrieved chunks is its own passage.

    python -m bench.retrieval_bench [--queries N] [--scale 10000,100000] [--out bench/results/retrieval.json]

Reports recall@1, recall@5 and MRR (over the top 50 chunks) for lexical only, dense only (LSA) and
mixtures; indexing chunks/s, query latency p50/p95 and the process's resident memory after
building, at each --scale (chunks from the pretraining sample corpora of ../shared/data, repeated
to the size).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from evaluation.data import data_root, read_jsonl, resolve

SHARED = data_root()                     # $EVAL_DATA or ../shared/data, as the evaluation reads it
MIXES = {"lexical only": (1.0, 0.0), "dense only": (0.0, 1.0), "mix 0.7/0.3": (0.7, 0.3), "mix 0.5/0.5": (0.5, 0.5),
         "mix 0.85/0.15": (0.85, 0.15)}


def cmrc(limit: int | None):
    docs, queries = [], []
    for row in read_jsonl(resolve("eval_cmrc2018_zh/sample.jsonl")):
        for p in row.get("paragraphs", [row]):
            docs.append((row["id"], "cmrc2018", p["context"]))
            queries.extend((qa["question"], row["id"]) for qa in p["qas"])
    return docs, queries[:limit] if limit else queries


def rank_of(hits, doc_id: str) -> int | None:
    seen: list[str] = []
    for h in hits:
        if h.chunk.doc_id not in seen:
            seen.append(h.chunk.doc_id)
        if h.chunk.doc_id == doc_id:
            return seen.index(doc_id) + 1
    return None


def quality(kb, queries) -> dict:
    from retrieval.mixture import Weights
    out = {}
    for name, (wl, wd) in MIXES.items():
        ranks, lat = [], []
        for q, doc in queries:
            t0 = time.perf_counter()
            hits = kb.search(q, top_k=50, weights=Weights(wl, wd))
            lat.append(time.perf_counter() - t0)
            ranks.append(rank_of(hits, doc))
        n = len(ranks)
        out[name] = {"recall@1": sum(r == 1 for r in ranks) / n, "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
                     "mrr": sum(1 / r for r in ranks if r) / n, "p50_ms": 1000 * float(np.percentile(lat, 50)),
                     "p95_ms": 1000 * float(np.percentile(lat, 95))}
    return out


def rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2 ** 20


def scale(target: int) -> dict:
    """Build a base of `target` chunks from the pretraining sample texts; time, memory, latency."""
    from retrieval.chunking import ChunkConfig, chunk_text
    from retrieval.knowledge_base import KnowledgeBase
    texts = []
    for folder in ("pretrain_zh_hans_reviews", "pretrain_en_web_mixed", "pretrain_zh_hans_zuozhuan"):
        for path in sorted((SHARED / folder).glob("*.jsonl")):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    text = json.loads(line).get("text")
                    if isinstance(text, str) and text.strip():
                        texts.append(text)
    chunks, i = [], 0
    while len(chunks) < target:
        chunks.extend(chunk_text(f"d{i}", "scale", texts[i % len(texts)], ChunkConfig()))
        i += 1
    chunks = chunks[:target]
    before = rss_mb()
    t0 = time.perf_counter()
    kb = KnowledgeBase("scale", chunks)
    seconds = time.perf_counter() - t0
    lat = []
    for t in texts[:200]:
        q = t[:30]
        t1 = time.perf_counter()
        kb.search(q, top_k=5)
        lat.append(time.perf_counter() - t1)
    return {"chunks": target, "build_s": round(seconds, 2), "chunks_per_s": round(target / seconds, 1),
            "p50_ms": round(1000 * float(np.percentile(lat, 50)), 2), "p95_ms": round(1000 * float(np.percentile(lat, 95)), 2),
            "index_mb": round(rss_mb() - before, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.retrieval_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=None, help="score only the first N questions")
    ap.add_argument("--scale", default="10000,100000", help="chunk counts for the cost figures ('' for none)")
    ap.add_argument("--out", default="bench/results/retrieval.json")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"needs {SHARED}", file=sys.stderr)
        return 2
    from retrieval.knowledge_base import KnowledgeBase
    docs, queries = cmrc(args.queries)
    t0 = time.perf_counter()
    kb = KnowledgeBase.from_documents("cmrc2018", docs)
    build = time.perf_counter() - t0
    print(f"CMRC 2018: {len(docs)} contexts -> {len(kb.chunks)} chunks in {build:.1f} s; {len(queries)} questions")
    report = {"cmrc2018": {"contexts": len(docs), "chunks": len(kb.chunks), "questions": len(queries),
                           "build_s": round(build, 2), "retrievers": quality(kb, queries)}, "scale": []}
    print(f"{'retriever':<15} {'R@1':>6} {'R@5':>6} {'MRR':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for name, r in report["cmrc2018"]["retrievers"].items():
        print(f"{name:<15} {r['recall@1']:6.3f} {r['recall@5']:6.3f} {r['mrr']:6.3f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f}")
    for n in [int(x) for x in args.scale.split(",") if x.strip()]:
        row = scale(n)
        report["scale"].append(row)
        print(f"{n} chunks: built in {row['build_s']} s ({row['chunks_per_s']} chunks/s), query p50 {row['p50_ms']} ms, "
              f"p95 {row['p95_ms']} ms, index ~{row['index_mb']} MB")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

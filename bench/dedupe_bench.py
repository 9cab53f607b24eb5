"""Benchmark of the dedupe stage on the labelled corpus from shared/bench/make_corpus.py.

    python -m bench.dedupe_bench [--target-mb 30] [--grow-mb 120] [--seed 1]

For each corpus size, in one invocation so the figures are comparable:
  cleaned    the pretraining pipeline with dedupe off (cached in bench/results/cleaned-*),
             whose documents are the input of everything below;
  reference  datasketch's MinHashLSH used directly, in one process, on the same
             shingles (bench/dedupe_reference.py): candidates only, no verification;
  beam x2    `python -m pipelines.dedupe` (drop mode), local runner, two workers:
             exact + MinHash-LSH + TF-IDF verification + components + resolution;
  weight     the same in weight mode (checks that each cluster's weights sum to 1).
Reports docs/s and peak memory (whole process tree) beside the reference's, the
memory growth from the small to the large corpus, and precision / recall against
truth.jsonl (bench/dedupe_accuracy.py). Results: bench/results/dedupe_bench.json.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq

from bench.dedupe_accuracy import evaluate_dedupe, weight_sums
from bench.dedupe_reference import run_reference
from bench.pretrain_bench import RESULTS, bench_args, build_corpus, measure, rules_variant


def cleaned_corpus(corpus: Path, mb: float, seed: int) -> Path:
    """The corpus after the cleaning stages (dedupe off), built once and cached."""
    out = RESULTS / f"cleaned-{mb:g}mb-seed{seed}"
    if not (out / "manifest.json").exists():
        path = rules_variant("ldnoobw", dedupe=False)
        print(f"cleaning {corpus.name} (dedupe off) into {out} ...", flush=True)
        measure([sys.executable, "-m", "pipelines.pretrain", "--sources", str(corpus / "sources.json"), "--output", str(out),
                 "--rules", str(path), "--overwrite", "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    return out


def documents(cleaned: Path) -> list[tuple[str, str, str]]:
    docs = []
    for f in sorted((cleaned / "data").glob("*.parquet")):
        t = pq.read_table(f, columns=["id", "text", "lang"])
        docs.extend(zip(t.column("id").to_pylist(), t.column("text").to_pylist(), t.column("lang").to_pylist()))
    return docs


def run_dedupe(cleaned: Path, out: Path, mode: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    m = measure([sys.executable, "-m", "pipelines.dedupe", "--input", str(cleaned / "data" / "*.parquet"),
                 "--output", str(out), "--mode", mode, "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    manifest = json.loads((out / "manifest.json").read_text())
    # docs/s over the pipeline's own time (manifest: from submitting the pipeline to its end,
    # worker start-up, reading and writing Parquet included), as the reference's time covers its
    # own work but not Python's start-up or loading its input; the whole process is listed too.
    m["process_seconds"], m["seconds"] = m["seconds"], manifest["seconds"]
    m["docs"] = manifest["counts"]["read"]
    m["docs_per_s"] = round(m["docs"] / m["seconds"], 1)
    m["process_docs_per_s"] = round(m["docs"] / m["process_seconds"], 1)
    m["accounting_holds"] = manifest["accounting"]["holds"]
    m["dedupe"] = {k: v for k, v in manifest["dedupe"].items() if k != "cosine_histogram"}
    return m


def bench_size(mb: float, seed: int, accuracy: bool, repeat: int) -> dict:
    """Reference and Beam run alternately `repeat` times; the fastest run of each counts (the
    machine is noisy; every run is listed)."""
    corpus = build_corpus(mb, seed)
    cleaned = cleaned_corpus(corpus, mb, seed)
    docs = documents(cleaned)
    print(f"corpus {corpus.name}: {len(docs)} cleaned documents", flush=True)
    refs, beams = [], []
    for _ in range(repeat):
        refs.append(run_reference(docs))
        r = refs[-1]
        print(f"  reference  {r['seconds']:7.1f} s  {r['docs_per_s']:8.0f} docs/s  peak {r['peak_rss_mb']:7.0f} MB", flush=True)
        beams.append(run_dedupe(cleaned, RESULTS / f"dedupe-drop-{mb:g}mb", "drop"))
        b = beams[-1]
        print(f"  beam x2    {b['seconds']:7.1f} s  {b['docs_per_s']:8.0f} docs/s  peak {b['peak_mb']:7.0f} MB", flush=True)
    ref = max(refs, key=lambda r: r["docs_per_s"])
    beam = max(beams, key=lambda r: r["docs_per_s"])
    result = {"corpus": str(corpus), "documents": len(docs), "text_bytes": sum(len(t.encode("utf-8")) for _, t, _ in docs),
              "reference": ref, "beam_x2": beam,
              "all_runs": {"reference_docs_per_s": [r["docs_per_s"] for r in refs], "beam_x2_docs_per_s": [b["docs_per_s"] for b in beams],
                           "beam_x2_peak_mb": [b["peak_mb"] for b in beams]},
              "throughput_ratio": round(beam["docs_per_s"] / ref["docs_per_s"], 3),
              "throughput_pass": beam["docs_per_s"] >= ref["docs_per_s"]}
    if accuracy:
        result["accuracy"] = evaluate_dedupe(RESULTS / f"dedupe-drop-{mb:g}mb", corpus / "truth.jsonl", corpus / "raw",
                                             cleaned / "data")
        weight = run_dedupe(cleaned, RESULTS / f"dedupe-weight-{mb:g}mb", "weight")
        result["weight_mode"] = {"run": weight, **weight_sums(RESULTS / f"dedupe-weight-{mb:g}mb")}
    return result


def main(argv=None) -> int:
    a = bench_args(argv, __doc__)
    if a is None:
        return 2
    report = {"small": bench_size(a.target_mb, a.seed, accuracy=True, repeat=2)}
    if a.grow_mb:
        report["large"] = bench_size(a.grow_mb, a.seed, accuracy=False, repeat=1)
        s, l = report["small"], report["large"]
        report["memory_growth"] = {"input_ratio": round(l["documents"] / s["documents"], 3),
                                   "text_bytes_ratio": round(l["text_bytes"] / s["text_bytes"], 3),
                                   "beam_peak_ratio": round(l["beam_x2"]["peak_mb"] / s["beam_x2"]["peak_mb"], 3),
                                   "reference_peak_ratio": round(l["reference"]["peak_rss_mb"] / s["reference"]["peak_rss_mb"], 3)}
    (RESULTS / "dedupe_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk in ("throughput_ratio", "accuracy", "weight_mode")} if isinstance(v, dict) and "reference" in v else v
                      for k, v in report.items()}, indent=1, default=str))
    print(f"results: {RESULTS / 'dedupe_bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

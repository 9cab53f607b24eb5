"""How the pretraining pipeline's cost grows with its input: make_corpus corpora of 30, 120 and 480 MB
(seed 1) with two local workers, and the 120 MB corpus on a local Dask cluster (a scheduler and two
worker processes on loopback).

    python -m bench.scale_bench [--sizes 30 120 480] [--dask-mb 120] [--workers 2]

For each run: wall time, docs/s, MB/s, CPU seconds and the peak resident memory of the whole
process tree (driver, runner workers, and for Dask the scheduler and workers). Targets: MB/s at the
largest size >= 0.9 x MB/s at 120 MB; peak memory at the largest size <= 1.5 x that at the smallest.
Writes bench/results/scale.json. Needs ../shared.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.pretrain_bench import RESULTS, build_corpus, measure, rules_variant
from pipelines import dask_cluster


def _run(corpus: Path, out: Path, rules: Path, runner_args: list[str], also: list[int] = ()) -> dict:
    cmd = [sys.executable, "-m", "pipelines.pretrain", "--sources", str(corpus / "sources.json"), "--output", str(out),
           "--rules", str(rules), "--overwrite", *runner_args]
    m = measure(cmd, also)
    m.pop("log")
    manifest = json.loads((out / "manifest.json").read_text())
    mb = manifest["counts"]["input_bytes"] / 1e6
    docs = manifest["counts"]["read"]
    m.update(corpus_mb=round(mb, 1), documents=docs, docs_per_s=round(docs / m["seconds"], 1),
             mb_per_s=round(mb / m["seconds"], 3), accounting_holds=manifest["accounting"]["holds"])
    shutil.rmtree(out)
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=float, nargs="+", default=[30, 120, 480], help="corpus sizes in MB (default 30 120 480)")
    ap.add_argument("--dask-mb", type=float, default=120, help="the size also run on a Dask cluster (0: none)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not (RESULTS.parent.parent.parent / "shared" / "bench" / "make_corpus.py").exists():
        print("../shared is not present: nothing to measure", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    rules = rules_variant("ldnoobw")
    local = [f"--direct_running_mode=multi_processing", f"--direct_num_workers={args.workers}"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        for mb in args.sizes:
            corpus = build_corpus(mb, args.seed)
            m = _run(corpus, Path(tmp) / "out", rules, local)
            rows.append({"run": f"local x{args.workers}", "target_mb": mb, **m})
            print(json.dumps(rows[-1]), flush=True)
        if args.dask_mb:
            corpus = build_corpus(args.dask_mb, args.seed)
            state = Path(tmp) / "cluster"
            info = dask_cluster.start(args.workers, port=8797, state=state, timeout=120)
            try:
                m = _run(corpus, Path(tmp) / "out", rules, dask_cluster.runner_args(info["address"], args.workers), info["pids"])
            finally:
                dask_cluster.stop(state)
            rows.append({"run": f"dask x{args.workers}", "target_mb": args.dask_mb, **m})
            print(json.dumps(rows[-1]), flush=True)
    local_rows = [r for r in rows if r["run"].startswith("local")]
    by_size = {r["target_mb"]: r for r in local_rows}
    largest, smallest = max(by_size), min(by_size)
    targets = {}
    if 120 in by_size and largest > 120:
        targets["mb_per_s_largest_vs_120"] = round(by_size[largest]["mb_per_s"] / by_size[120]["mb_per_s"], 3)
    if largest > smallest:
        targets["peak_largest_vs_smallest"] = round(by_size[largest]["peak_mb"] / by_size[smallest]["peak_mb"], 3)
    print(f"\n{'run':<10} {'MB':>6} {'docs':>8} {'wall s':>8} {'docs/s':>8} {'MB/s':>7} {'CPU s':>8} {'peak MB':>8}")
    for r in rows:
        print(f"{r['run']:<10} {r['corpus_mb']:>6.1f} {r['documents']:>8} {r['seconds']:>8.1f} {r['docs_per_s']:>8.0f} "
              f"{r['mb_per_s']:>7.3f} {r['cpu_seconds']:>8.0f} {r['peak_mb']:>8.0f}")
    print("targets:", json.dumps(targets), "(MB/s ratio >= 0.9, peak ratio <= 1.5)")
    (RESULTS / "scale.json").write_text(json.dumps({"rows": rows, "targets": targets}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the pretraining pipeline on the labelled corpus from shared/bench/make_corpus.py.

    python -m bench.pretrain_bench [--target-mb 30] [--grow-mb 120] [--seed 1] [--baseline REV] [--repeat 3]

Runs, in one invocation so the figures are comparable on a noisy machine:
  plain loop            the same functions in a plain Python loop (bench/plain_loop.py)
  beam x1               the Beam pipeline, local runner, one process
  beam x2               the Beam pipeline, local runner, two worker processes
  beam x2 quality off   the same without quality stages and sensitive words
  beam x2 dedupe        two workers, dedupe on: the whole pipeline
(the sensitive-word filter pointed at the LDNOOBW lists in ../shared/data; dedupe off but in the
last run, as in the plain loop: bench/dedupe_bench.py measures it) and reports docs/s, MB/s and
peak memory (resident memory of the whole process tree, sampled) for each, as ratios to the plain
loop; a table of MB/s per core for each per-document step (bench/stage_times.py); the memory
growth of `beam x2` from --target-mb to --grow-mb; and the accuracy figures of
bench/pretrain_accuracy.py (including HTML extraction on raw_html/).

With --baseline REV (a commit, e.g. the one before a performance change), REV's plain loop, step
table and two-worker runs run too, from a git worktree, each with REV's own rules file, and the
speed-ups and memory ratios against it are reported. The runs compared with REV (plain loop,
beam x2, beam x2 dedupe) and the step table run --repeat times, in interleaved rounds (REV's run,
then this tree's); the medians are reported (peak memory: the largest), with every run's seconds.
beam x1 and beam x2 quality off run once.
Results go to bench/results/pretrain_bench.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

from bench.pretrain_accuracy import evaluate, evaluate_html, score_html
from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA, load_rules
from pipelines.core.sources import load_sources
from pipelines.pretrain.processor import PretrainConfig
from pipelines.text.html_extract import extract_main_text
from pipelines.text.normalize import Normalizer

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
RESULTS = REPO / "bench" / "results"


def build_corpus(mb: float, seed: int) -> Path:
    out = RESULTS / f"corpus-{mb:g}mb-seed{seed}"
    if not (out / "sources.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        print(f"building a {mb:g} MB corpus in {out} ...", flush=True)
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--kind", "pretrain", "--out", str(out), "--target-mb", str(mb), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def measure(cmd: list[str], also: list[int] = (), tree: Path = REPO) -> dict:
    """Runs cmd in `tree` (the project, or a checkout of another revision, first on sys.path);
    returns wall seconds, the peak summed RSS of its process tree (and of the trees of the
    processes `also` names, e.g. a Dask cluster's) and the CPU seconds they used."""
    t0, peak, cpu = time.monotonic(), 0, {}
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        roots = [psutil.Process(proc.pid)] + [psutil.Process(pid) for pid in also]
        base = {}
        for r in roots[1:]:                              # what a running cluster had used before this run
            for p in [r] + r.children(recursive=True):
                base[p.pid] = sum(p.cpu_times()[:2])
        while proc.poll() is None:
            try:
                procs = [p for r in roots for p in [r] + r.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
                for p in procs:
                    t = p.cpu_times()
                    cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)     # children count as their own pids
            except psutil.Error:
                pass
            time.sleep(0.1)
        log.seek(0)
        output = log.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    cpu_seconds = sum(v - base.get(pid, 0.0) for pid, v in cpu.items())
    return {"seconds": round(time.monotonic() - t0, 2), "peak_mb": round(peak / 2**20, 1),
            "cpu_seconds": round(cpu_seconds, 1), "log": output}


LDNOOBW = REPO.parent / "shared" / "data" / "wordlist_ldnoobw" / "lists"


def rules_variant(name: str, out_dir: Path = RESULTS, dedupe: bool = True, tree: Path = REPO) -> Path:
    """A copy of `tree`'s cleaning_rules/pretrain.yaml for the benchmark, with paths made absolute:
    `ldnoobw` points the sensitive-word filter at the LDNOOBW lists (as the issue asks),
    `quality-off` also switches the quality stages and sensitive words off."""
    source = tree / "cleaning_rules" / "pretrain.yaml"
    rules = yaml.safe_load(source.read_text(encoding="utf-8"))
    base = source.parent
    rules["quality"]["model"]["path"] = str(base / rules["quality"]["model"]["path"])
    rules["sensitive_words"]["lists"] = [
        {"name": f"{lang}_ldnoobw", "lang": lang, "category": "profanity", "paths": [str(LDNOOBW / f"{lang}.txt")],
         "allow_paths": [str(base / "wordlists" / f"{lang}_allow.txt")], "min_term_chars": 2 if lang == "zh" else 3,
         "min_hits": 2, "min_distinct": 1, "density_per_1k": 0.3, "action": "drop"} for lang in ("zh", "en")]
    if not dedupe:
        rules["dedupe"]["enabled"] = False
        name += "-no-dedupe"
    if name.startswith("quality-off"):
        rules["quality"]["enabled"] = False
        rules["sensitive_words"]["enabled"] = False
    if tree != REPO:
        name += f"-{tree.name}"
    path = out_dir / f"rules-{name}.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_config(name: str, corpus: Path, out: Path, tree: Path = REPO, dedupe: bool = False) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    src = str(corpus / "sources.json")
    # Dedupe off unless asked: the plain-loop baseline does not dedupe (bench/dedupe_bench.py measures dedupe).
    rules = str(rules_variant("quality-off" if "quality off" in name else "ldnoobw", dedupe=dedupe, tree=tree))
    if name.startswith(("baseline", "plain loop")):
        cmd = [sys.executable, "-m", "bench.plain_loop", "--sources", src, "--output", str(out), "--rules", rules]
    else:
        workers = "2" if name.startswith("beam x2") else "1"
        mode = "multi_processing" if workers == "2" else "in_memory"
        cmd = [sys.executable, "-m", "pipelines.pretrain", "--sources", src, "--output", str(out), "--rules", rules,
               f"--direct_running_mode={mode}", f"--direct_num_workers={workers}"]
    m = measure(cmd, tree=tree)
    m.pop("log")
    truth_lines = sum(1 for _ in open(corpus / "truth.jsonl", encoding="utf-8"))
    mb = sum(p.stat().st_size for p in (corpus / "raw").rglob("*.jsonl")) / 1e6
    m.update(docs_per_s=round(truth_lines / m["seconds"], 1), mb_per_s=round(mb / m["seconds"], 3), corpus_mb=round(mb, 1))
    print(f"  {name:<22} {m['seconds']:7.1f} s  {m['docs_per_s']:8.0f} docs/s  {m['mb_per_s']:6.2f} MB/s  peak {m['peak_mb']:7.0f} MB", flush=True)
    return m


def html_accuracy(corpus: Path) -> dict:
    """Extraction quality on every page (the stage's own output: trafilatura + normalization),
    then the end-to-end pipeline, where pages in other languages are rejected by language ID."""

    sources = RESULTS / "html_sources.json"
    sources.write_text(json.dumps({"pages": {"lang": "en", "category": "web", "format": "html",
                                             "files": [str(corpus / "raw_html" / "pages.jsonl")]}}))
    config = PretrainConfig.from_rules(load_rules(DEFAULT_RULES, RULES_SCHEMA).data, load_sources(sources).sources, DEFAULT_RULES.parent)
    normalize = Normalizer(config.normalize)
    extracted = {}
    with open(corpus / "raw_html" / "pages.jsonl", encoding="utf-8") as f:
        for line in f:
            page = json.loads(line)
            extracted[page["id"]] = normalize(extract_main_text(page["html"], config.html, page.get("url")))[0]
    result = {"extraction": score_html(corpus, extracted)}
    out = RESULTS / "out-html"
    subprocess.run([sys.executable, "-m", "pipelines.pretrain", "--sources", str(sources), "--output", str(out), "--overwrite"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result["pipeline"] = evaluate_html(corpus, out)
    return result


def bench_args(argv, doc: str, baseline: bool = False) -> argparse.Namespace | None:
    """The benchmarks' command line (corpus sizes and seed); None when ../shared is missing."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target-mb", type=float, default=30)
    ap.add_argument("--grow-mb", type=float, default=120, help="second corpus size for the memory-growth check (0: skip)")
    ap.add_argument("--seed", type=int, default=1)
    if baseline:
        ap.add_argument("--baseline", metavar="REV", help="also run git revision REV's plain loop, stage timings and Beam runs "
                        "(from a worktree under bench/results/), side by side with this tree's")
        ap.add_argument("--repeat", type=int, default=3, help="rounds of the runs compared with the baseline and of the "
                        "step timings; the medians are reported (default 3)")
    a = ap.parse_args(argv)
    if baseline and a.repeat < 1:
        ap.error("--repeat must be at least 1")
    if not MAKE_CORPUS.exists():
        print(f"{MAKE_CORPUS} not found: the benchmark needs ../shared", file=sys.stderr)
        return None
    RESULTS.mkdir(parents=True, exist_ok=True)
    return a


def checkout(rev: str) -> Path:
    """A worktree of git revision `rev` under bench/results/ (made once): the code the figures are
    compared with, run side by side with this tree's on the same machine."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    tree = RESULTS / f"baseline-{sha}"
    if not (tree / ".git").exists():
        subprocess.run(["git", "worktree", "add", "--detach", "--force", str(tree), sha], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return tree


def stage_table(corpus: Path, tree: Path = REPO) -> dict:
    """Seconds and MB/s (one core) per pretraining step of `tree`'s code, from bench/stage_times.py."""
    rules = rules_variant("ldnoobw", dedupe=False, tree=tree)
    m = measure([sys.executable, str(REPO / "bench" / "stage_times.py"), "--sources", str(corpus / "sources.json"),
                 "--rules", str(rules)], tree=tree)
    out = json.loads(m["log"].strip().splitlines()[-1])
    mb = out["input_bytes"] / 1e6
    stages = {k: {"seconds": v, "mb_per_s": round(mb / v, 1) if v > 0 else None} for k, v in out["stage_seconds"].items()}
    return {"seconds": out["seconds"], "mb_per_s": round(mb / out["seconds"], 2), "stages": stages}


def print_stage_tables(tables: dict) -> None:
    names = list(dict.fromkeys(k for t in tables.values() for k in t["stages"]))
    print(f"  {'stage (MB/s per core)':<32}" + "".join(f"{label:>14}" for label in tables))
    for n in names + ["all per-document stages"]:
        row = [t["stages"].get(n, {}).get("mb_per_s") if n in t["stages"] else t["mb_per_s"] if n.startswith("all") else None
               for t in tables.values()]
        print(f"  {n:<32}" + "".join(f"{v if v is not None else '-':>14}" for v in row))


def median(values, key=None):
    """The middle value (the lower middle one for an even count) of those not None; None for none."""
    values = sorted((v for v in values if v is not None), key=key)
    return values[(len(values) - 1) // 2] if values else None


def repeated(runs: list[dict]) -> dict:
    """One configuration measured several times: the median run's seconds and rates, the largest
    peak memory, and every run's seconds."""
    best = median(runs, key=lambda r: r["seconds"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs), "runs_seconds": [r["seconds"] for r in runs]}


def median_table(tables: list[dict]) -> dict:
    """The per-step table of repeated bench/stage_times.py runs: each figure the median of its runs."""
    names = list(dict.fromkeys(k for t in tables for k in t["stages"]))
    stages = {n: {"seconds": median(t["stages"].get(n, {}).get("seconds") for t in tables),
                  "mb_per_s": median(t["stages"].get(n, {}).get("mb_per_s") for t in tables)} for n in names}
    return {"seconds": median(t["seconds"] for t in tables), "mb_per_s": median(t["mb_per_s"] for t in tables), "stages": stages,
            "runs_seconds": [t["seconds"] for t in tables]}


def main(argv=None) -> int:
    a = bench_args(argv, __doc__, baseline=True)
    if a is None:
        return 2
    corpus = build_corpus(a.target_mb, a.seed)
    report: dict = {"corpus": str(corpus), "runs": {}, "repeat": a.repeat}
    base = checkout(a.baseline) if a.baseline else None
    print(f"corpus {corpus.name}:")
    # Configurations compared with the baseline run in interleaved rounds (baseline, then this tree,
    # config by config) and report their medians: on a noisy machine a slow spell then hits both sides.
    compared = [("plain loop", False), ("beam x2", False), ("beam x2 dedupe", True)]
    once = [("beam x1", False), ("beam x2 quality off", False)]
    measured: dict[str, list] = {}
    for round_ in range(a.repeat):
        for name, dedupe in compared:
            for tree, label in (((base, f"{name} @baseline"),) if base is not None else ()) + ((REPO, name),):
                out = RESULTS / f"out-{label.replace(' ', '').replace('@', '-')}"
                measured.setdefault(label, []).append(run_config(name, corpus, out, tree, dedupe))
    for name, dedupe in once:
        measured[name] = [run_config(name, corpus, RESULTS / f"out-{name.replace(' ', '')}", REPO, dedupe)]
    if base is not None:
        report["baseline_revision"] = base.name.removeprefix("baseline-")
    report["runs"] = {label: repeated(runs) for label, runs in measured.items()}
    plain = report["runs"]["plain loop"]
    report["ratios_to_plain_loop"] = {n: {"throughput": round(plain["seconds"] / r["seconds"], 3),
                                          "peak_memory": round(r["peak_mb"] / plain["peak_mb"], 3)}
                                      for n, r in report["runs"].items() if n != "plain loop" and "@" not in n}
    rounds = {"this tree": []} if base is None else {"baseline": [], "this tree": []}
    for _ in range(a.repeat):
        for label in rounds:
            rounds[label].append(stage_table(corpus, base if label == "baseline" else REPO))
    tables = {label: median_table(ts) for label, ts in rounds.items()}
    if base is not None:
        report["speedup_vs_baseline"] = {n: round(report["runs"][f"{n} @baseline"]["seconds"] / report["runs"][n]["seconds"], 3)
                                         for n, _ in compared}
        report["speedup_vs_baseline"]["per-document stages"] = round(tables["baseline"]["seconds"] / tables["this tree"]["seconds"], 3)
        report["memory_vs_baseline"] = {n: round(report["runs"][n]["peak_mb"] / report["runs"][f"{n} @baseline"]["peak_mb"], 3)
                                        for n in ("beam x2", "beam x2 dedupe")}
    report["stage_tables"] = tables
    print_stage_tables(tables)
    on, off = report["runs"]["beam x2"]["seconds"], report["runs"]["beam x2 quality off"]["seconds"]
    report["quality_stage_cost"] = {"seconds_on": on, "seconds_off": off, "share_of_pipeline_time": round((on - off) / on, 3),
                                    "threshold": 0.5, "pass": on - off < 0.5 * on}
    if a.grow_mb:
        big = build_corpus(a.grow_mb, a.seed)
        print(f"corpus {big.name}:")
        grown = run_config("beam x2", big, RESULTS / "out-grow")
        small = report["runs"]["beam x2"]
        report["memory_growth"] = {"from_mb": small["corpus_mb"], "to_mb": grown["corpus_mb"], "peak_from": small["peak_mb"],
                                   "peak_to": grown["peak_mb"], "ratio": round(grown["peak_mb"] / small["peak_mb"], 3), "threshold": 2.0}
        report["runs"]["beam x2 (grow)"] = grown
    report["accuracy"] = evaluate(corpus, RESULTS / "out-beamx2")
    html = html_accuracy(corpus)
    report["accuracy"].update({f"html_{k}": v for k, v in html["extraction"].items()})
    report["html_pipeline"] = html["pipeline"]
    (RESULTS / "pretrain_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({"ratios_to_plain_loop": report["ratios_to_plain_loop"], "speedup_vs_baseline": report.get("speedup_vs_baseline"),
                      "memory_vs_baseline": report.get("memory_vs_baseline"), "memory_growth": report.get("memory_growth"),
                      "quality_stage_cost": report["quality_stage_cost"]}, indent=1))
    for k, v in report["accuracy"].items():
        if isinstance(v, dict):
            print(f"  {k:<40} {'PASS' if v.get('pass', True) else 'FAIL'}  {v.get('value', '')}")
    print(f"results: {RESULTS / 'pretrain_bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

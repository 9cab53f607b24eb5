"""Benchmark of the SFT pipeline on the labelled corpus of shared/bench/make_corpus.py --kind sft.

    python -m bench.sft_bench [--seed 1] [--baseline REV] [--repeat 3]

Runs, in one invocation so the figures are comparable on a noisy machine:
  baseline   the SFT per-record stages (adapters, rules, taxonomy) in a plain Python
             loop, no Beam and no dedupe (python -m bench.sft_bench --plain ...)
  beam x1    python -m pipelines.sft, local runner, one process
  beam x2    the same with two worker processes
  beam x2 no dedupe  two workers, dedupe off: the same work as the plain loop
with the sensitive-word filter pointed at the LDNOOBW lists in ../shared/data (as
issue 5 asks), and reports records/s and peak memory (summed RSS of the process tree)
as ratios to the baseline, then the acceptance figures of bench/sft_accuracy.py on the
beam x2 output. With --baseline REV (a commit before a performance change) REV's plain loop
and two-worker runs go beside this tree's, from a git worktree with REV's own sft.yaml (the
same LDNOOBW additions), in --repeat interleaved rounds (REV's run, then this tree's); the
medians are reported, with the speed-ups: wall seconds, and the per-record stages' own
seconds of the plain loops. Results go to bench/results/sft_bench.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from bench.pretrain_bench import LDNOOBW, MAKE_CORPUS, REPO, RESULTS, checkout, measure, repeated
from bench.sft_accuracy import evaluate
from pipelines.core import counters as C
from pipelines.core.readers import match, plan_splits, read_split
from pipelines.sft.processor import SftProcessor, sft_config
from pipelines.sft.record_rules import load_sft_rules, with_absolute_paths
from pipelines.sft.sources import load_sft_sources

SFT_RULES = REPO / "cleaning_rules" / "sft.yaml"


def build_sft_corpus(seed: int, out: Path | None = None) -> Path:
    out = out or RESULTS / f"sft-corpus-seed{seed}"
    if not (out / "sources.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        print(f"building the SFT corpus in {out} ...", flush=True)
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--kind", "sft", "--out", str(out), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
    return out


# LDNOOBW mixes slurs with ordinary words, anatomy and medicine; one hit decides for an SFT
# record, so a curator adding LDNOOBW allows these (cleaning_rules/wordlists/*_allow.txt
# are the project lists' allow-words). Innocent everywhere (adult, passion, mom's, Virgo,
# list numbering "13."):
LDNOOBW_ALLOW = {"zh": ["成人", "激情", "妈妈的", "处女座", "13."],
                 "en": ["sexual", "sexuality", "domination", "nudity", "scat"]}
# Innocent in the medical source only (source_allow_words): the anatomy and sexual-health
# words that medical Q&A uses all the time.
MEDICAL_ALLOW = ["阴茎", "月经", "包皮", "阴道", "龟头", "精子", "乳房", "性交", "外阴", "射精", "乳头", "阴部", "做爱"]


def ldnoobw_lists(base: Path = SFT_RULES.parent) -> list[dict]:
    """The LDNOOBW zh/en lists as `extra_lists` entries of the sensitive_words rule."""
    return [{"name": f"{lang}_ldnoobw", "lang": lang, "category": "mixed", "paths": [str(LDNOOBW / f"{lang}.txt")],
             "allow_paths": [str(base / "wordlists" / f"{lang}_allow.txt")], "allow_words": LDNOOBW_ALLOW[lang],
             "min_term_chars": 2 if lang == "zh" else 4, "action": "drop"} for lang in ("zh", "en")]


def sft_rules_variant(out_dir: Path = RESULTS, tree: Path = REPO, dedupe: bool = True) -> Path:
    """`tree`'s cleaning_rules/sft.yaml with its file references made absolute and the LDNOOBW
    lists added to the sensitive-word rule (with the allow-words above), as issue 5 asks;
    dedupe switched off unless `dedupe`."""
    base = tree / SFT_RULES.relative_to(REPO).parent
    rules = with_absolute_paths(load_sft_rules(base / SFT_RULES.name), base)
    sensitive = next(r for r in rules["filters"] if r["id"] == "sensitive_words")["parameters"]
    sensitive["extra_lists"] = ldnoobw_lists(base)
    sensitive["source_allow_words"] = {"medical_qa_zh": MEDICAL_ALLOW}
    if not dedupe:
        rules["dedupe"]["enabled"] = False
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "sft-rules-ldnoobw" + ("" if dedupe else "-no-dedupe") + ("" if tree == REPO else f"-{tree.name}")
    path = out_dir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def plain_loop(sources_path: str, rules_path: str) -> dict:
    """The baseline: the pipeline's per-record stages over the same batches, in one process."""

    sources = load_sft_sources(sources_path)
    config = sft_config(load_sft_rules(rules_path), Path(rules_path).parent, {s.name: s for s in sources.sources})
    processor, counts, t0 = SftProcessor(config), Counter(), time.monotonic()
    for source in sources.sources:
        for pattern in source.patterns:
            for path, size in match(pattern):
                for split in plan_splits(source.name, "jsonl", path, size, config.split_bytes):
                    for batch in read_split(split, config.batch_records, config.batch_bytes):
                        counts.update(processor.process(batch).counts)
    return {"seconds": round(time.monotonic() - t0, 2), "counts": {k: counts[C.total(k)] for k in ("read", "cleaned", "rejected", "dead_letter")},
            "stage_seconds": {k: round(v, 3) for k, v in processor.seconds.items()}}


def run_config(name: str, corpus: Path, rules: Path, tree: Path = REPO) -> dict:
    out = RESULTS / f"sft-out-{name.replace(' ', '').replace('@', '-')}"
    shutil.rmtree(out, ignore_errors=True)
    src = str(corpus / "sources.json")
    if name.startswith("baseline"):
        cmd = [sys.executable, "-m", "bench.sft_bench", "--plain", src, str(rules)]
    else:
        workers = "2" if name.startswith("beam x2") else "1"
        mode = "multi_processing" if workers == "2" else "in_memory"
        cmd = [sys.executable, "-m", "pipelines.sft", "--sources", src, "--output", str(out), "--rules", str(rules),
               f"--direct_running_mode={mode}", f"--direct_num_workers={workers}"]
    m = measure(cmd, tree=tree)
    lines = sum(1 for _ in open(corpus / "truth.jsonl", encoding="utf-8"))
    m.update(records_per_s=round(lines / m["seconds"], 1), output=str(out))
    if name.startswith("baseline"):                  # the per-record stages' own seconds, process start and rules aside
        m["stage_seconds_total"] = json.loads(m["log"].strip().splitlines()[-1])["seconds"]
    print(f"  {name:<20} {m['seconds']:7.1f} s  {m['records_per_s']:8.0f} records/s  peak {m['peak_mb']:7.0f} MB", flush=True)
    return m


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline", metavar="REV", help="also run git revision REV's plain loop and two-worker run "
                    "(from a worktree under bench/results/), side by side with this tree's")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of the runs compared with the baseline (default 3)")
    ap.add_argument("--plain", nargs=2, metavar=("SOURCES", "RULES"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.repeat < 1:
        ap.error("--repeat must be at least 1")
    if a.plain:
        print(json.dumps(plain_loop(*a.plain)))
        return 0
    if not MAKE_CORPUS.exists():
        print(f"{MAKE_CORPUS} not found: the benchmark needs ../shared", file=sys.stderr)
        return 2
    corpus, rules = build_sft_corpus(a.seed), sft_rules_variant()
    report: dict = {"corpus": str(corpus), "runs": {}}
    print(f"corpus {corpus.name}:")
    compared = ("baseline", "beam x2", "beam x2 no dedupe")
    plain = sft_rules_variant(dedupe=False)
    if a.baseline:
        tree = checkout(a.baseline)
        old_rules = {True: sft_rules_variant(tree=tree), False: sft_rules_variant(tree=tree, dedupe=False)}
        report["baseline_revision"] = a.baseline
        measured: dict[str, list] = {}
        for _ in range(a.repeat):
            for name in compared:
                dedupe = name == "beam x2"
                for label, where, r in ((f"{name} @{a.baseline}", tree, old_rules[dedupe]), (name, REPO, rules if dedupe else plain)):
                    measured.setdefault(label, []).append(run_config(label, corpus, r, where))
        report["runs"] = {label: repeated(runs) for label, runs in measured.items()}
        report["runs"]["beam x1"] = run_config("beam x1", corpus, rules)
        old = {n: report["runs"][f"{n} @{a.baseline}"] for n in compared}
        new = {n: report["runs"][n] for n in compared}
        report["speedup_vs_baseline"] = {
            "plain loop": round(old["baseline"]["seconds"] / new["baseline"]["seconds"], 3),
            "per-record stages": round(old["baseline"]["stage_seconds_total"] / new["baseline"]["stage_seconds_total"], 3),
            **{n: round(old[n]["seconds"] / new[n]["seconds"], 3) for n in compared[1:]}}
        report["beam_x2_to_plain_loop"] = {
            n: {"baseline": round(old["baseline"]["seconds"] / old[n]["seconds"], 3),
                "now": round(new["baseline"]["seconds"] / new[n]["seconds"], 3)} for n in compared[1:]}
        print(json.dumps({k: report[k] for k in ("speedup_vs_baseline", "beam_x2_to_plain_loop")}, indent=1))
    else:
        for name in ("baseline", "beam x1", "beam x2", "beam x2 no dedupe"):
            report["runs"][name] = run_config(name, corpus, plain if name.endswith("no dedupe") else rules)
    base = report["runs"]["baseline"]
    report["ratios_to_baseline"] = {n: {"throughput": round(base["seconds"] / r["seconds"], 3),
                                        "peak_memory": round(r["peak_mb"] / base["peak_mb"], 3)}
                                    for n, r in report["runs"].items() if n in ("beam x1", "beam x2", "beam x2 no dedupe")}
    output = Path(report["runs"]["beam x2"]["output"])
    report["pipeline_seconds"] = json.loads((output / "manifest.json").read_text(encoding="utf-8"))["seconds"]
    report["accuracy"] = evaluate(corpus, output, rules)
    (RESULTS / "sft_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({"ratios_to_baseline": report["ratios_to_baseline"]}, indent=1))
    for k, v in report["accuracy"].items():
        print(f"  {k:<36} {'PASS' if v.get('pass', True) else 'FAIL'}  {v.get('value', '')}")
    print(f"results: {RESULTS / 'sft_bench.json'}")
    return 0 if all(v.get("pass", True) for v in report["accuracy"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

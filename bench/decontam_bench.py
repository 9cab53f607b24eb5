"""Benchmark of decontamination (pipelines/text/contamination.py) on the labelled 30 MB corpus.

    python -m bench.decontam_bench [--target-mb 30] [--seed 1] [--items 1000]

Test items of the seven benchmarks in ../shared/data/eval_* (their sample.jsonl files) are
injected into copies of clean corpus documents, whole or lightly edited (case, full-width
characters, spacing, a few words cut from each end, wrapped in other text), and the corpus plus
the injected documents go through the pretraining per-document steps in one process, with
decontamination on and off. Reports:
  caught        injected documents rejected as `contaminated` (target >= 99 %), per edit
  false hits    corpus documents rejected for holding a whole short test string (target <= 0.1 %); the
                documents that share a run of 13 words with a test item are listed apart: the corpus
                holds the test text (Wikipedia passages, quoted classics)
  pipeline cost the wall time decontamination adds to the two-worker pipeline run, dedupe on
                (target <= 10 %); also the step's share of the per-document steps' seconds, and the
                time to build the index
Results go to bench/results/decontam_bench.json.
"""
from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from bench.pretrain_bench import RESULTS, bench_args, build_corpus, measure, rules_variant
from bench.stage_times import batches, corpus
from pipelines.core.records import RawBatch
from pipelines.pretrain.processor import DocumentProcessor
from pipelines.text.contamination import _records, _strings
from pipelines.text.quality_signals import word_hashes

EVAL = RESULTS.parent.parent.parent / "shared" / "data"
BENCHMARKS = ("eval_cmmlu_zh", "eval_ceval_zh", "eval_c3_zh", "eval_ocnli_zh", "eval_cmrc2018_zh", "eval_piqa_en", "eval_hellaswag_en")
FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"})


def _words(text: str) -> int:
    return word_hashes(text)[0].size


def edits(item: str) -> dict[str, str]:
    """The item as it might leak: whole, re-cased and full-width, re-spaced, and (when it is long
    enough to keep a 13-word run) with a few words cut from each end."""
    out = {"whole": item, "case_width": item.upper().translate(FULL_WIDTH), "spacing": "  ".join(item.split(" ")).replace("，", ", ")}
    if _words(item) >= 20:
        cut = max(1, len(item) // 10)
        out["trimmed"] = item[cut:-cut]
    return out


def injected_items(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(benchmark, edit, text) for n random test items, each an item's longest string."""
    rng = random.Random(seed)
    pool = []
    for name in BENCHMARKS:
        for _, record in _records(str(EVAL / name / "sample.jsonl")):
            text = max(_strings(record), key=len, default="")
            if _words(text) >= 8:
                pool.append((name, text))
    out = []
    for name, text in rng.sample(pool, min(n, len(pool))):
        edit, variant = rng.choice(sorted(edits(text).items()))
        out.append((name, edit, variant))
    return out


def run(processor: DocumentProcessor, config, files, extra: list[str]) -> tuple[list, float]:
    """(rejected rows, seconds of the per-document steps) over the corpus and the `extra` documents."""
    rejected, t0 = [], time.perf_counter()
    for source, path, size in files:
        for batch in batches(config, source, path, size):
            rejected += processor.process(batch).rejected
    items = [(i + 1, json.dumps({"id": f"injected-{i}", "text": t}, ensure_ascii=False).encode()) for i, t in enumerate(extra)]
    for start in range(0, len(items), config.batch_records):
        rejected += processor.process(RawBatch(files[0][0].name, "injected.jsonl", "jsonl", items[start:start + config.batch_records])).rejected
    return rejected, time.perf_counter() - t0


def pipeline_cost(corpus_dir: Path, rules_path: Path) -> dict:
    """The whole pipeline (two workers, the rules' dedupe on) with decontamination on and off, in
    turn: the share of its wall time that decontamination adds (index built on the driver included)."""
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    rules["dedupe"]["enabled"] = True
    runs = {}
    for on in (False, True, False, True):
        rules["decontamination"]["enabled"] = on
        path = RESULTS / f"rules-decontam-{'on' if on else 'off'}.yaml"
        path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
        m = measure([sys.executable, "-m", "pipelines.pretrain", "--sources", str(corpus_dir / "sources.json"), "--output",
                     str(RESULTS / "out-decontam"), "--rules", str(path), "--overwrite",
                     "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
        runs.setdefault(on, []).append(m["seconds"])
    off, on = min(runs[False]), min(runs[True])           # the better of two runs each: less noise
    return {"seconds_off": off, "seconds_on": on, "share": round((on - off) / on, 4), "threshold": 0.10,
            "pass": on - off <= 0.10 * on}


def main(argv=None) -> int:
    a = bench_args(argv, __doc__)
    if a is None or not EVAL.exists():
        print("the benchmark needs ../shared (make_corpus.py and data/eval_*)", file=sys.stderr)
        return 2
    corpus_dir = build_corpus(a.target_mb, a.seed)
    rules_path = rules_variant("decontam", dedupe=False)
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    rules["decontamination"] = {"enabled": True, "ngram": 13, "min_words": 8, "min_han": 10,
                                "benchmarks": [{"name": b, "paths": [str(EVAL / b / "*.jsonl")]} for b in BENCHMARKS]}
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config, files = corpus(str(corpus_dir / "sources.json"), str(rules_path))
    injected = injected_items(1000, a.seed)
    # Wrapped in a clean corpus sentence on each side, as a leak sits in a page.
    wrap = random.Random(a.seed)
    texts = [f"{wrap.choice(['今天的练习如下。', 'Here is the exercise.'])}\n{t}\n{wrap.choice(['以上。', 'Good luck!'])}" for _, _, t in injected]
    t0 = time.perf_counter()
    processor = DocumentProcessor(config)                 # builds the index, as each worker does
    build_seconds = time.perf_counter() - t0
    rejected, seconds = run(processor, config, files, texts)
    hits = {r["id"]: r for r in rejected if r["rule"] == "contaminated"}
    caught = Counter(edit for i, (_, edit, _) in enumerate(injected) if f"injected-{i}" in hits)
    by_edit = Counter(edit for _, edit, _ in injected)
    missed = [{"benchmark": b, "edit": e, "text": t[:120]} for i, (b, e, t) in enumerate(injected) if f"injected-{i}" not in hits]
    # Injected documents another step rejected before decontamination never reach it: counted as caught only if it did.
    corpus_docs = sum(1 for line in open(corpus_dir / "truth.jsonl", encoding="utf-8"))
    corpus_hits = [{"id": k, "reason": r["reason"], "text": r["text_prefix"][:160], "whole_short_string": r["value"] < r["threshold"]}
                   for k, r in hits.items() if not k.startswith("injected-")]
    # A whole short string found in a corpus document is a coincidence of phrases; a shared run of
    # 13 words means the corpus holds the test text (zh_wiki holds CMRC2018's Wikipedia passages,
    # zh_book the classics that CMMLU and C-Eval quote): both are listed, apart.
    false_hits = [h for h in corpus_hits if h["whole_short_string"]]
    shared = [h for h in corpus_hits if not h["whole_short_string"]]
    step = processor.seconds.get("contaminated", 0.0)
    steps = sum(v for k, v in processor.seconds.items() if k != "parse")
    report = {
        "items_injected": len(injected), "index_ngrams": len(next(s for s in processor.steps.steps if s.name == "contaminated").index), "index_build_seconds": round(build_seconds, 2),
        "caught": {"value": round(sum(caught.values()) / len(injected), 4), "threshold": 0.99,
                   "pass": sum(caught.values()) >= 0.99 * len(injected),
                   "by_edit": {e: f"{caught[e]}/{n}" for e, n in sorted(by_edit.items())}},
        "false_hits": {"value": round(len(false_hits) / corpus_docs, 5), "threshold": 0.001, "pass": len(false_hits) <= 0.001 * corpus_docs,
                       "documents": false_hits},
        "corpus_rejected": {"value": round(len(corpus_hits) / corpus_docs, 5), "shared_runs": len(shared),
                            "by_benchmark": dict(Counter(re.search(r" of (\S+) \S+:\d+", h["reason"]).group(1) for h in corpus_hits)),
                            "documents": shared},
        "step_share": {"step_seconds": round(step, 2), "all_steps_seconds": round(steps, 2), "share": round(step / steps, 4),
                       "wall_seconds": round(seconds, 2)},
        "missed": missed[:50],
    }
    report["pipeline_cost"] = pipeline_cost(corpus_dir, rules_path)
    (RESULTS / "decontam_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"  step share   {report['step_share']['share']} of the per-document steps' seconds (one process)")
    for k in ("caught", "false_hits", "pipeline_cost"):
        v = report[k]
        print(f"  {k:<12} {'PASS' if v['pass'] else 'FAIL'}  {v.get('value', v.get('share'))} (threshold {v['threshold']})"
              + (f"  {v['by_edit']}" if k == "caught" else ""))
    print(f"  index: {report['index_ngrams']} n-grams, built with the processor in {report['index_build_seconds']} s")
    print(f"  corpus documents rejected: {report['corpus_rejected']['value']} ({len(shared)} hold a shared run of 13 words: "
          f"{report['corpus_rejected']['by_benchmark']})")
    for d in false_hits:
        print(f"  false hit {d['id']}: {d['reason'][:150]}")
    print(f"results: {RESULTS / 'decontam_bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

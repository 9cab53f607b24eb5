"""`make eval`: score one or more models on the benchmark tasks with lm-evaluation-harness.

    python -m evaluation --model out/model-sft [--model out/model-sft-gptq ...]
        [--baseline out/model-pretrain] [--tasks cmmlu:5,piqa] [--limit 20] [--out out/eval]
        [--batch-size 8] [--device auto] [--dtype auto] [--chat-template] [--data DIR]

Each model (full precision, compressed-tensors quantized, or a LoRA adapter folder) loads
through serving.loader, like the server, and is handed to lm-eval's HF model class. Every
(task, shots) pair is one lm-eval run, so its time is its own. The baseline (default: the first
model) is the denominator of the report's normalised scores; a baseline that is not among the
models is evaluated too. Writes OUT/eval.json and OUT/eval.html.
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import time
from pathlib import Path

from evaluation.data import DATA_ENV, BenchmarkDataError, data_root
from evaluation.scores import normalise, result_row
from evaluation.tasks_index import TASKS_DIR, parse_task_list

EVAL_JSON, EVAL_HTML = "eval.json", "eval.html"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True,
                    help="a model folder; repeat (or separate with commas) to compare several side by side")
    ap.add_argument("--baseline", default=None, help="the model every score is divided by (default: the first --model)")
    ap.add_argument("--tasks", default=None, help="comma-separated task[:shots] (default: every task at its shots)")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N items of each task")
    ap.add_argument("--out", default="out/eval", help="folder for eval.json and eval.html")
    ap.add_argument("--data", default=None, help=f"the benchmark data folder (default: ${DATA_ENV} or ../shared/data)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA when available)")
    ap.add_argument("--dtype", default=None, help="float32, bfloat16, float16 (default: the loader's choice)")
    ap.add_argument("--chat-template", action="store_true", help="wrap prompts in the model's chat template")
    ap.add_argument("--skip-missing-data", action="store_true",
                    help="leave out (with a note) the tasks whose files are missing, instead of failing")
    ap.add_argument("--seed", type=int, default=1234, help="few-shot sampling seed")
    args = ap.parse_args(argv)
    args.model = [m.strip() for item in args.model for m in item.split(",") if m.strip()]
    if not args.model:
        ap.error("--model names no folder")
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be at least 1")
    return args


def _quiet_lm_eval() -> None:
    """lm-eval warns once per truncated prompt; a small model's context makes that thousands of lines."""
    for name in ("lm_eval.models.huggingface", "lm_eval.api.task", "lm_eval.evaluator", "lm_eval.tasks"):
        logging.getLogger(name).setLevel(logging.ERROR)


def model_names(paths: list[str]) -> dict[str, str]:
    """Resolved path -> display name: the folder name, or more of the path when two folders share a name."""
    names = {}
    for p in paths:
        parts = [x for x in Path(p).parts if x != "/"]
        depth = 1
        while any(Path(q).parts[-depth:] == Path(p).parts[-depth:] for q in paths if q != p) and depth < len(parts):
            depth += 1
        names[p] = "/".join(parts[-depth:])
    return names


def check_data(runs) -> list[str]:
    """Every task's rows built once before any model loads, so a bad file fails fast; returns notes
    on the items the benchmarks' protocols leave out."""
    from evaluation import benchmarks
    benchmarks.SKIPPED.clear()
    for task in dict.fromkeys(t for t, _ in runs):
        benchmarks.load_rows(task.benchmark, **task.dataset_kwargs)
    return [f"{where}: {n} item(s) left out, {reason}" for (where, reason), n in sorted(benchmarks.SKIPPED.items())]


def neutral_generation_config(model) -> None:
    """The tasks set their own decoding (greedy, their stop strings, their token budget); a chat
    model's serving defaults (max_new_tokens, sampling) would otherwise take precedence in generate()."""
    from transformers import GenerationConfig
    old = model.generation_config
    model.generation_config = GenerationConfig(bos_token_id=old.bos_token_id, eos_token_id=old.eos_token_id,
                                               pad_token_id=old.pad_token_id)


def evaluate_model(path: str, name: str, runs, args, task_manager, digests: dict[str, dict]) -> tuple[dict, list[dict]]:
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM

    from serving.loader import adapter_base, load

    started = time.perf_counter()
    lm = load(path, device=args.device, dtype=args.dtype)
    info = {"name": name, "path": str(Path(path).resolve()), "adapter": adapter_base(Path(path)) is not None,
            "quantized": bool(getattr(lm.model.config, "quantization_config", None)),
            "context_length": lm.context_length, "device": str(lm.device), "load_seconds": 0.0}
    info["load_seconds"] = round(time.perf_counter() - started, 2)
    neutral_generation_config(lm.model)
    model = HFLM(pretrained=lm.model, tokenizer=lm.tokenizer, batch_size=args.batch_size, max_length=lm.context_length)
    rows = []
    for task, shots in runs:
        t0 = time.perf_counter()
        out = simple_evaluate(model=model, tasks=[task.name], num_fewshot=shots, limit=args.limit,
                              task_manager=task_manager, log_samples=False, bootstrap_iters=1000,
                              apply_chat_template=args.chat_template, random_seed=args.seed,
                              fewshot_random_seed=args.seed, verbosity="ERROR")
        seconds = time.perf_counter() - t0
        row = result_row(name, task.name, shots, task.primary_metric, out["results"][task.name],
                         out["n-samples"][task.name], out["versions"].get(task.name), digests[task.name], seconds, args.limit)
        rows.append(row)
        err = f" ± {row['stderr']:.3f}" if row["stderr"] is not None else ""
        print(f"  {task.benchmark:<10} {shots}-shot  {row['metric']:<8} {row['value']:.3f}{err}  "
              f"n={row['n']}  {seconds:.1f} s", flush=True)
    del model, lm
    gc.collect()
    return info, rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.data:
        os.environ[DATA_ENV] = args.data
    try:
        runs = parse_task_list(args.tasks)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    notes = []
    missing = {t.name: t.missing_files() for t, _ in runs}
    missing = {k: v for k, v in missing.items() if v}
    if missing:
        lines = [f"{task}: {', '.join(files)}" for task, files in missing.items()]
        if not args.skip_missing_data:
            print(f"error: benchmark files not found under {data_root()} (set ${DATA_ENV} or --data):\n  "
                  + "\n  ".join(lines), file=sys.stderr)
            return 2
        notes.append(f"left out, files missing under {data_root()}: " + "; ".join(lines))
        runs = [(t, s) for t, s in runs if t.name not in missing]
        print("note: " + notes[-1], file=sys.stderr)
        if not runs:
            return 0

    _quiet_lm_eval()
    from lm_eval.tasks import TaskManager

    from serving.loader import ModelLoadError

    try:
        notes += check_data(runs)
    except BenchmarkDataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    resolved = {m: str(Path(m).resolve()) for m in args.model + ([args.baseline] if args.baseline else [])}
    paths = list(dict.fromkeys(resolved.values()))
    names = model_names(paths)
    baseline = names[resolved[args.baseline or args.model[0]]]
    task_manager = TaskManager(include_path=str(TASKS_DIR), include_defaults=False)
    digests = {task.name: task.digests() for task in dict.fromkeys(t for t, _ in runs)}   # each file hashed once
    models, rows = [], []
    for path in paths:
        print(f"{names[path]}  ({path})", flush=True)
        try:
            info, model_rows = evaluate_model(path, names[path], runs, args, task_manager, digests)
        except (ModelLoadError, BenchmarkDataError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        models.append(info)
        rows.extend(model_rows)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "engine": _engine_version(),
              "data_root": str(data_root()), "limit": args.limit, "baseline": baseline,
              "chat_template": args.chat_template, "models": models, "results": rows,
              "normalised": normalise(rows, baseline), "notes": notes}
    (out / EVAL_JSON).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    from evaluation.report import write_html
    page = write_html(report, out / EVAL_HTML)
    print(f"results: {out / EVAL_JSON}\nreport:  {page}")
    for name, entry in report["normalised"].items():
        avg = "n/a" if entry["average"] is None else f"{entry['average']:.3f}"
        print(f"  {name}: average of score / {baseline}'s = {avg}")
    return 0


def _engine_version() -> str:
    from importlib.metadata import version
    return f"lm-eval {version('lm-eval')}"

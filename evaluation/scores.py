"""Pure functions over evaluation results: one row per (model, task, shots), and the report's
normalisation (each task's score divided by the baseline model's, then averaged)."""
from __future__ import annotations

import math
from collections.abc import Sequence


def column(row: dict) -> str:
    """A chart / table column: the benchmark and its shots, e.g. 'cmmlu 5-shot'."""
    return f"{row['task'].removeprefix('tiger_')} {row['shots']}-shot"


def result_row(model: str, task: str, shots: int, primary: str, lm_eval_result: dict, n: dict,
               version, digests: dict[str, str], seconds: float, limit) -> dict:
    """One row of eval.json from lm-eval's results[task] (keys 'metric,filter'), n-samples[task]."""
    metrics = {}
    for key, value in lm_eval_result.items():
        name, _, _filter = key.partition(",")
        if not _filter or name.endswith("_stderr") or not isinstance(value, (int, float)):
            continue
        stderr = lm_eval_result.get(f"{name}_stderr,{_filter}")
        metrics[name] = {"value": float(value),
                         "stderr": float(stderr) if isinstance(stderr, (int, float)) and math.isfinite(stderr) else None}
    if primary not in metrics:
        raise ValueError(f"{task}: lm-eval reported {sorted(metrics)}, not the headline metric {primary!r}")
    return {"model": model, "task": task, "shots": shots, "metric": primary,
            "value": metrics[primary]["value"], "stderr": metrics[primary]["stderr"],
            "n": int(n.get("effective", 0)), "n_available": int(n.get("original", 0)), "limit": limit,
            "version": version, "data_files": digests, "metrics": metrics, "seconds": round(seconds, 2)}


def normalise(rows: Sequence[dict], baseline: str) -> dict[str, dict]:
    """{model: {"columns": {column: score / baseline score}, "average": ...}}. The average weighs
    every benchmark once: the mean of its columns' ratios (e.g. 0- and 5-shot), then the mean over
    benchmarks. A column whose baseline score is 0 (or missing) has no ratio and stays out."""
    base = {column(r): r["value"] for r in rows if r["model"] == baseline}
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(r["model"], {"columns": {}, "average": None, "left_out": []})
        b = base.get(column(r))
        if b:
            entry["columns"][column(r)] = r["value"] / b
        else:
            entry["left_out"].append(column(r))
    for entry in out.values():
        per_task: dict[str, list[float]] = {}
        for col, ratio in entry["columns"].items():
            per_task.setdefault(col.split(" ")[0], []).append(ratio)
        means = [sum(r) / len(r) for r in per_task.values()]
        entry["average"] = sum(means) / len(means) if means else None
    return out

"""OUT/eval.html from eval.json's content: a self-contained page (inline CSS and SVG) with the
report's chart, each task's score divided by the baseline model's and their average, and the
raw scores with their standard errors, sizes, times and data hashes."""
from __future__ import annotations

from pathlib import Path

from evaluation.scores import column
from pipelines.report import figures
from pipelines.report.html import Section, cards, facts, figure, note, num, page, table

AVERAGE = "average"


def _columns(report: dict) -> list[str]:
    return list(dict.fromkeys(column(r) for r in report["results"]))


def _model_names(report: dict) -> list[str]:
    return [m["name"] for m in report["models"]]


def normalised_chart(report: dict) -> str:
    cols, norm = _columns(report), report["normalised"]
    series = {}
    for name in _model_names(report):
        entry = norm.get(name, {"columns": {}, "average": None})
        series[name] = [entry["columns"].get(c) for c in cols] + [entry["average"]]
    return figures.grouped_bars(cols + [AVERAGE], series, title=f"Score / {report['baseline']}'s score",
                                ylabel="relative to the baseline (1.0)", reference=1.0)


def _score(row: dict | None) -> str:
    if row is None:
        return ""
    err = f" ± {row['stderr']:.3f}" if row.get("stderr") is not None else ""
    return f"{row['value']:.3f}{err}"


def build_html(report: dict) -> str:
    names, cols = _model_names(report), _columns(report)
    by_key = {(r["model"], column(r)): r for r in report["results"]}
    first = {column(r): r for r in reversed(report["results"])}
    norm = report["normalised"]

    summary = Section("summary", "Summary").add(
        cards([(f"{name} / {report['baseline']}",
                "n/a" if norm.get(name, {}).get("average") is None else f"{norm[name]['average']:.3f}",
                (norm.get(name, {}).get("average") or 1.0) < 1.0) for name in names]),
        note("Each card is the model's headline score divided by the baseline's on the same column, averaged "
             "(each benchmark weighs once: its 0- and 5-shot columns are averaged first); 1.0 = as good as the "
             "baseline, as the TigerBot report shows it. Prompts longer than a model's context are cut from the "
             "left (lm-eval's behaviour): the Runs table gives each model's context length."),
        facts([("baseline", report["baseline"]), ("items per task", report["limit"] or "all"),
               ("engine", report["engine"]), ("benchmark data", report["data_root"]),
               ("chat template", "yes" if report.get("chat_template") else "no"), ("created", report["created"])]))
    for text in report.get("notes", []):
        summary.add(note(text))

    chart = Section("normalised", "Normalised scores").add(
        figure(normalised_chart(report), "Bars: score divided by the baseline's; dashed line: the baseline. "
                                         "A column the baseline scores 0 on has no bar."))
    left_out = {c for e in norm.values() for c in e.get("left_out", [])}
    if left_out:
        chart.add(note("Not in the average (the baseline scored 0): " + ", ".join(sorted(left_out))))

    headers = ["task", "metric", "n"] + names + [f"{n} / baseline" for n in names if n != report["baseline"]]
    rows = []
    for c in cols:
        row = first[c]
        ratios = [num(norm.get(n, {}).get("columns", {}).get(c), 3) for n in names if n != report["baseline"]]
        rows.append([c, row["metric"], row["n"]] + [_score(by_key.get((n, c))) for n in names] + ratios)
    scores = Section("scores", "Scores").add(table(headers, rows, numeric=range(2, len(headers))),
                                             note("Value ± standard error (lm-eval's, bootstrap for non-mean metrics)."))

    metric_rows = [[r["model"], column(r), name, f"{m['value']:.4f}", "" if m["stderr"] is None else f"{m['stderr']:.4f}",
                    r["n"], r["n_available"], r["version"], f"{r['seconds']:.1f}"]
                   for r in report["results"] for name, m in r["metrics"].items()]
    runs = Section("runs", "Runs").add(
        table(["model", "task", "metric", "value", "stderr", "n", "items in file", "task version", "seconds"],
              metric_rows, numeric=(3, 4, 5, 6, 8)),
        table(["model", "path", "quantized", "adapter", "context", "device", "load s"],
              [[m["name"], m["path"], "yes" if m["quantized"] else "no", "yes" if m["adapter"] else "no",
                m["context_length"], m["device"], m["load_seconds"]] for m in report["models"]], numeric=(4, 6)),
        table(["data file", "sha256"], sorted({(f, d) for r in report["results"] for f, d in r["data_files"].items()})))
    return page("Evaluation", f"{len(names)} model(s) on {len(cols)} task column(s), baseline {report['baseline']}",
                [summary, chart, scores, runs], footer="tigerdata evaluation · lm-evaluation-harness")


def write_html(report: dict, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(build_html(report), encoding="utf-8")
    return path

"""Each benchmark's local files turned into the rows its lm-eval task reads: pure functions of
the parsed records, plus one loader per benchmark that lm-eval calls (`custom_dataset`).

A row that a benchmark's protocol excludes (an OCNLI pair without a majority label, a
question whose gold answer is not among its choices) is dropped here and counted in
`SKIPPED`, so the run report can say how many items were left out and why.
"""
from __future__ import annotations

import re
from collections import Counter

from evaluation.data import BenchmarkDataError, read_json, read_jsonl, resolve

LETTERS = ("A", "B", "C", "D")
OCNLI_LABELS = ("entailment", "neutral", "contradiction")
SKIPPED: Counter = Counter()          # (benchmark, reason) -> rows left out


def _require(row: dict, fields, where: str) -> None:
    missing = [f for f in fields if f not in row]
    if missing:
        raise BenchmarkDataError(f"{where}: missing field(s) {', '.join(missing)}; has {', '.join(sorted(row))}")


# ------------------------------------------------------------------ multiple choice over letters
def letter_rows(rows: list[dict], names: dict[str, str], question: str, answer: str, where: str) -> list[dict]:
    """CMMLU / C-Eval rows: question, A-D, gold letter, the subject's Chinese name."""
    out = []
    for i, row in enumerate(rows):
        _require(row, ("subject", question, *LETTERS, answer), f"{where} record {i + 1}")
        gold = str(row[answer]).strip().upper()
        if gold not in LETTERS:
            SKIPPED[(where, f"answer {row[answer]!r} not A-D")] += 1
            continue
        out.append({"subject": row["subject"], "subject_zh": names.get(row["subject"], row["subject"]),
                    "question": str(row[question]).strip(), **{k: str(row[k]) for k in LETTERS},
                    "gold": LETTERS.index(gold)})
    return out


def cmmlu_names(mapping: dict) -> dict[str, str]:
    return {k: v.get("name_zh", k) for k, v in mapping.items()}


def ceval_names(mapping: dict) -> dict[str, str]:
    return {k: v[1] for k, v in mapping.items()}


# ------------------------------------------------------------------ C3: one row per question
def c3_rows(rows: list[dict], where: str) -> list[dict]:
    """A document with several questions becomes one row per question; ids repeat across the
    dialogue and mixed subsets, so a row's id is subset-id-question number."""
    out = []
    for i, row in enumerate(rows):
        _require(row, ("document", "questions"), f"{where} record {i + 1}")
        document = "\n".join(row["document"]) if isinstance(row["document"], list) else str(row["document"])
        for q_no, q in enumerate(row["questions"]):
            choices = [str(c) for c in q.get("choice", [])]
            if q.get("answer") not in choices:
                SKIPPED[(where, "answer not among the choices")] += 1
                continue
            out.append({"id": f"{row.get('subset', '')}-{row.get('id', i)}-{q_no}", "document": document,
                        "question": str(q["question"]), "choices": choices, "gold": choices.index(q["answer"])})
    return out


# ------------------------------------------------------------------ OCNLI
def ocnli_rows(rows: list[dict], where: str) -> list[dict]:
    """Pairs labelled '-' (no 3-of-5 majority) are excluded, as upstream says."""
    out = []
    for i, row in enumerate(rows):
        _require(row, ("sentence1", "sentence2", "label"), f"{where} record {i + 1}")
        if row["label"] not in OCNLI_LABELS:
            SKIPPED[(where, f"label {row['label']!r} (no majority)")] += 1
            continue
        out.append({"premise": row["sentence1"], "hypothesis": row["sentence2"],
                    "gold": OCNLI_LABELS.index(row["label"])})
    return out


# ------------------------------------------------------------------ CMRC 2018: one row per question
def cmrc_rows(rows: list[dict], where: str) -> list[dict]:
    """Passages flattened to questions. Every reference answer is kept, also those with
    answer_start = -1 (not a verbatim span): the official scorer compares texts, not offsets."""
    out = []
    for i, row in enumerate(rows):
        paragraphs = row.get("paragraphs", [row])       # SQuAD nesting or one passage per line
        for p in paragraphs:
            _require(p, ("context", "qas"), f"{where} record {i + 1}")
            for qa in p["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if str(a.get("text", "")).strip()]
                if not answers:
                    SKIPPED[(where, "no reference answer")] += 1
                    continue
                out.append({"id": qa.get("id", ""), "context": p["context"], "question": qa["question"],
                            "answers": answers})
    return out


# ------------------------------------------------------------------ PIQA, HellaSwag
def piqa_rows(rows: list[dict], where: str) -> list[dict]:
    out = []
    for i, row in enumerate(rows):
        _require(row, ("goal", "sol1", "sol2", "label"), f"{where} record {i + 1}")
        out.append({"goal": row["goal"], "choices": [row["sol1"], row["sol2"]], "gold": int(row["label"])})
    return out


def hellaswag_clean(text: str) -> str:
    """lm-eval's HellaSwag preprocessing: WikiHow's ' [title]' marks become '. ', other [..] go."""
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def hellaswag_rows(rows: list[dict], where: str) -> list[dict]:
    out = []
    for i, row in enumerate(rows):
        _require(row, ("context", "endings", "label"), f"{where} record {i + 1}")
        out.append({"query": hellaswag_clean(row["context"]),
                    "choices": [hellaswag_clean(e) for e in row["endings"]], "gold": int(row["label"])})
    return out


# ------------------------------------------------------------------ loaders lm-eval calls
def _dataset(splits: dict[str, list[dict]]):
    import datasets
    return datasets.DatasetDict({name: datasets.Dataset.from_list(rows) for name, rows in splits.items()})


def load(benchmark: str, files: dict[str, str], mapping: str | None = None, **_unused):
    """The DatasetDict for one benchmark: `files` maps split name -> path under the data folder."""
    names: dict[str, str] = {}
    if mapping:
        raw = read_json(resolve(mapping))
        names = cmmlu_names(raw) if benchmark == "cmmlu" else ceval_names(raw)
    splits = {}
    for split, relative in files.items():
        path = resolve(relative)
        rows, where = read_jsonl(path), str(path)
        if benchmark == "cmmlu":
            splits[split] = letter_rows(rows, names, "Question", "Answer", where)
        elif benchmark == "ceval":
            splits[split] = letter_rows(rows, names, "question", "answer", where)
        else:
            splits[split] = ROWS[benchmark](rows, where)
    return _dataset(splits)


ROWS = {"c3": c3_rows, "ocnli": ocnli_rows, "cmrc2018": cmrc_rows, "piqa": piqa_rows, "hellaswag": hellaswag_rows}

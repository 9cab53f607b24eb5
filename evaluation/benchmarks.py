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
SKIPPED: Counter = Counter()          # (file, reason) -> items left out by the protocol


class Skip(Exception):
    """This item is left out by its benchmark's protocol (counted in SKIPPED)."""


def _require(row: dict, fields) -> None:
    if not isinstance(row, dict):
        raise TypeError(f"expected a JSON object, got {type(row).__name__}")
    missing = [f for f in fields if f not in row]
    if missing:
        raise BenchmarkDataError(f"missing field(s) {', '.join(missing)}; has {', '.join(sorted(row))}")


def _text(value, field: str) -> str:
    if not isinstance(value, str):
        raise BenchmarkDataError(f"field {field!r} must be a string, got {type(value).__name__}")
    return value


def _choices(value, field: str, least: int = 2) -> list[str]:
    if not isinstance(value, list) or len(value) < least or not all(isinstance(c, str) for c in value):
        raise BenchmarkDataError(f"field {field!r} must be a list of at least {least} strings")
    return value


def _gold(value, n: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
        raise BenchmarkDataError(f"field {field!r} must be an integer 0-{n - 1}, got {value!r}")
    if not 0 <= int(value) < n:
        raise BenchmarkDataError(f"field {field!r} is {value}, but there are {n} choices")
    return int(value)


def build(rows: list, where: str, item) -> list[dict]:
    """item(row) -> rows for lm-eval, over every record; a record that is not what the benchmark's
    format says is an error naming the file, record and field; an empty result is an error too."""
    out = []
    for i, row in enumerate(rows, 1):
        try:
            out.extend(item(row))
        except Skip as e:
            SKIPPED[(where, str(e))] += 1
        except BenchmarkDataError as e:
            raise BenchmarkDataError(f"{where} record {i}: {e}") from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise BenchmarkDataError(f"{where} record {i}: {type(e).__name__}: {e}") from None
    if not out:
        raise BenchmarkDataError(f"{where}: no item to score ({len(rows)} records read)")
    return out


# ------------------------------------------------------------------ multiple choice over letters
def letter_item(names: dict[str, str], question: str, answer: str):
    """CMMLU / C-Eval: question, A-D, gold letter, the subject's Chinese name."""
    def item(row: dict) -> list[dict]:
        _require(row, ("subject", question, *LETTERS, answer))
        gold = str(row[answer]).strip().upper()
        if gold not in LETTERS:
            raise BenchmarkDataError(f"field {answer!r} must be one of A-D, got {row[answer]!r}")
        return [{"subject": row["subject"], "subject_zh": names.get(row["subject"], row["subject"]),
                 "question": _text(row[question], question).strip(),
                 **{k: str(row[k]) for k in LETTERS}, "gold": LETTERS.index(gold)}]
    return item


def cmmlu_names(mapping: dict) -> dict[str, str]:
    return {k: v.get("name_zh", k) for k, v in mapping.items()}


def ceval_names(mapping: dict) -> dict[str, str]:
    return {k: v[1] for k, v in mapping.items()}


# ------------------------------------------------------------------ C3: one row per question
def c3_item(row: dict) -> list[dict]:
    """A document with several questions becomes one row per question; ids repeat across the
    dialogue and mixed subsets, so a row's id is subset-id-question number."""
    _require(row, ("document", "questions"))
    document = "\n".join(row["document"]) if isinstance(row["document"], list) else _text(row["document"], "document")
    out = []
    for q_no, q in enumerate(row["questions"]):
        _require(q, ("question", "choice", "answer"))
        choices = _choices(q["choice"], "choice")
        if q["answer"] not in choices:
            raise BenchmarkDataError(f"question {q_no + 1}: answer {q['answer']!r} is not among its choices")
        out.append({"id": f"{row.get('subset', '')}-{row.get('id', '')}-{q_no}", "document": document,
                    "question": _text(q["question"], "question"), "choices": choices, "gold": choices.index(q["answer"])})
    return out


# ------------------------------------------------------------------ OCNLI
def ocnli_item(row: dict) -> list[dict]:
    """Pairs labelled '-' (no 3-of-5 majority) are excluded, as upstream says. The hypothesis's
    final full stop goes, so that the prompt's question mark follows the words."""
    _require(row, ("sentence1", "sentence2", "label"))
    if row["label"] == "-":
        raise Skip("label '-' (no majority)")
    if row["label"] not in OCNLI_LABELS:
        raise BenchmarkDataError(f"field 'label' must be one of {', '.join(OCNLI_LABELS)} or '-', got {row['label']!r}")
    return [{"premise": _text(row["sentence1"], "sentence1"),
             "hypothesis": _text(row["sentence2"], "sentence2").rstrip("。.！!？? "),
             "gold": OCNLI_LABELS.index(row["label"])}]


# ------------------------------------------------------------------ CMRC 2018: one row per question
def cmrc_item(row: dict) -> list[dict]:
    """Passages flattened to questions. Every reference answer is kept, also those with
    answer_start = -1 (not a verbatim span): the official scorer compares texts, not offsets."""
    out = []
    for p in row.get("paragraphs", [row]):       # SQuAD nesting or one passage per line
        _require(p, ("context", "qas"))
        for qa in p["qas"]:
            _require(qa, ("question", "answers"))
            if not isinstance(qa["answers"], list):
                raise BenchmarkDataError("field 'answers' must be a list of {text, answer_start}")
            answers = [a["text"] for a in qa["answers"] if isinstance(a, dict) and str(a.get("text", "")).strip()]
            if not answers:
                SKIPPED[("cmrc2018", "no reference answer")] += 1
                continue
            out.append({"id": qa.get("id", ""), "context": _text(p["context"], "context"),
                        "question": _text(qa["question"], "question"), "answers": answers})
    return out


# ------------------------------------------------------------------ PIQA, HellaSwag
def piqa_item(row: dict) -> list[dict]:
    _require(row, ("goal", "sol1", "sol2", "label"))
    return [{"goal": _text(row["goal"], "goal"), "choices": [_text(row["sol1"], "sol1"), _text(row["sol2"], "sol2")],
             "gold": _gold(row["label"], 2, "label")}]


def hellaswag_clean(text: str) -> str:
    """lm-eval's HellaSwag preprocessing: WikiHow's ' [title]' marks become '. ', other [..] go."""
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def hellaswag_item(row: dict) -> list[dict]:
    _require(row, ("context", "endings", "label"))
    endings = _choices(row["endings"], "endings")
    return [{"query": hellaswag_clean(_text(row["context"], "context")),
             "choices": [hellaswag_clean(e) for e in endings], "gold": _gold(row["label"], len(endings), "label")}]


# ------------------------------------------------------------------ loaders lm-eval calls
def _dataset(splits: dict[str, list[dict]]):
    import datasets
    return datasets.DatasetDict({name: datasets.Dataset.from_list(rows) for name, rows in splits.items()})


ITEMS = {"c3": c3_item, "ocnli": ocnli_item, "cmrc2018": cmrc_item, "piqa": piqa_item, "hellaswag": hellaswag_item}


_LOADED: dict[tuple, tuple[dict[str, list[dict]], Counter]] = {}


def _stamp(relative: str) -> tuple:
    path = resolve(relative)
    st = path.stat()
    return str(path), st.st_size, st.st_mtime_ns


def load_rows(benchmark: str, files: dict[str, str], mapping: str | None = None, **_unused) -> dict[str, list[dict]]:
    """split name -> rows for one benchmark: `files` maps split name -> path under the data folder.
    Read once per process and file version: the run's data check, then lm-eval for every model and
    shot count, all use the same rows (their exclusions are counted again in SKIPPED each time)."""
    key = (benchmark, mapping and _stamp(mapping), tuple((split, _stamp(rel)) for split, rel in files.items()))
    if key not in _LOADED:
        before = Counter(SKIPPED)
        splits = _read_rows(benchmark, files, mapping)
        _LOADED[key] = splits, Counter(SKIPPED) - before
        return splits
    splits, skipped = _LOADED[key]
    SKIPPED.update(skipped)
    return splits


def _read_rows(benchmark: str, files: dict[str, str], mapping: str | None) -> dict[str, list[dict]]:
    item = ITEMS.get(benchmark)
    if item is None:
        names = {}
        if mapping:
            raw = read_json(resolve(mapping))
            names = cmmlu_names(raw) if benchmark == "cmmlu" else ceval_names(raw)
        item = letter_item(names, *(("Question", "Answer") if benchmark == "cmmlu" else ("question", "answer")))
    splits = {}
    for split, relative in files.items():
        path = resolve(relative)
        splits[split] = build(read_jsonl(path), str(path), item)
    return splits


def load(benchmark: str, files: dict[str, str], mapping: str | None = None, **_unused):
    """The DatasetDict lm-eval's `custom_dataset` hook returns."""
    return _dataset(load_rows(benchmark, files, mapping))

"""`rules test`: run the examples that the rules carry, and report like a test runner.

SFT rules (`cleaning:` / `filters:` entries of an SFT rules file) carry `examples:` of
{record: {...}, expect: {...}}: `expect` is {dropped: true[, rule: id]} or the field
values the cleaned record must have, plus `flags_include: [...]`. Replacement lists carry
one `example: {text, expect}` per entry. The pretraining rules carry a top-level
`examples:` list of {rule, lang, text, expect: {rejected: id} | {kept: true[, text,
flags_include]}}, run through the per-document stages (DocumentProcessor).
tests/test_sft_rules.py and tests/test_curator_check.py run the same checks.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.readers import RawBatch
from pipelines.core.rule_checks import YamlFile, check_dir, errors, kind_of, load_yaml
from pipelines.core.sources import Source
from pipelines.pretrain.processor import DocumentProcessor, PretrainConfig
from pipelines.sft.record_rules import RecordCleaner, load_replacements

RECORD_DEFAULTS = {"id": "example", "source": "example", "lang": "", "instruction": "", "input": "", "output": "",
                   "history": [], "flags": [], "category": None, "subcategory": None, "label_source": None, "source_class": None}


@dataclass(frozen=True)
class ExampleResult:
    where: str           # file:line:column
    name: str            # e.g. filters/invalid_output[2]
    failure: str | None  # None: passed


def example_record(record: dict) -> dict:
    return {**RECORD_DEFAULTS, **record}


def example_failure(cleaner, example: dict) -> str | None:
    """Why the cleaner's result differs from an SFT rule example's `expect` (None: it matches)."""
    out, rejection, applied = cleaner.clean(example_record(example.get("record") or {}))
    expect = dict(example.get("expect") or {})
    if expect.pop("dropped", False):
        if out is not None:
            return f"expected the record to be dropped, it was kept (flags {applied})"
        rule = expect.pop("rule", None)
        if rule is not None and rejection[0] != rule:
            return f"expected a drop by {rule!r}, got {rejection[0]!r} ({rejection[1]})"
        return None
    if out is None:
        return f"expected the record to be kept, it was dropped by {rejection[0]!r}: {rejection[1]}"
    missing = [flag for flag in expect.pop("flags_include", []) if flag not in applied]
    if missing:
        return f"expected flags {missing}, got {applied}"
    for key, want in expect.items():
        if out.get(key) != want:
            return f"{key}: expected {want!r}, got {out.get(key)!r}"
    return None


def sft_example_results(f: YamlFile, keyword: str | None = None) -> list[ExampleResult]:
    cleaner = RecordCleaner.from_rules(f.data, f.path.parent)
    results = []
    for section in ("cleaning", "filters"):
        for i, rule in enumerate(f.data.get(section) or []):
            if keyword and keyword not in str(rule.get("id")):
                continue
            for j, example in enumerate(rule.get("examples") or []):
                line, col = f.at((section, i, "examples", j))
                results.append(ExampleResult(f"{f.path}:{line}:{col}", f"{section}/{rule.get('id')}[{j}]",
                                             example_failure(cleaner, example)))
    return results


def replacement_example_results(f: YamlFile, keyword: str | None = None) -> list[ExampleResult]:
    results = []
    for i, rep in enumerate(load_replacements(f.path)):
        if keyword and keyword not in rep.id:
            continue
        line, col = f.at(("replacements", i, "example"))
        if not rep.example:
            results.append(ExampleResult(f"{f.path}:{line}:{col}", f"replacements/{rep.id}", "no example: add {text, expect}"))
            continue
        got = rep(rep.example["text"])
        failure = None if got == rep.example["expect"] else f"expected {rep.example['expect']!r}, got {got!r}"
        results.append(ExampleResult(f"{f.path}:{line}:{col}", f"replacements/{rep.id}", failure))
    return results


def pretrain_example_results(f: YamlFile, keyword: str | None = None) -> list[ExampleResult]:
    import json


    examples = [(i, e) for i, e in enumerate(f.data.get("examples") or []) if not keyword or keyword in str(e.get("rule"))]
    if not examples:
        return []
    sources = tuple(Source(f"example_{lang}", lang, "example", ("-",)) for lang in ("zh", "en"))
    processor = DocumentProcessor(PretrainConfig.from_rules(f.data, sources, f.path.parent))
    results = []
    for i, e in examples:
        line, col = f.at(("examples", i))
        raw = json.dumps({"id": f"example-{i}", "text": e["text"]}, ensure_ascii=False).encode("utf-8")
        out = processor.process(RawBatch(f"example_{e['lang']}", str(f.path), "jsonl", [(line, raw)]))
        results.append(ExampleResult(f"{f.path}:{line}:{col}", f"examples/{e['rule']}[{i}]", _pretrain_failure(out, e["expect"])))
    return results


def _pretrain_failure(out, expect: dict) -> str | None:
    if out.dead_letters:
        return f"the example became a dead letter: {out.dead_letters[0]['error']}"
    if "rejected" in expect:
        if out.documents:
            return f"expected a rejection by {expect['rejected']!r}, the document was kept"
        got = out.rejected[0]
        return None if got["rule"] == expect["rejected"] else f"expected a rejection by {expect['rejected']!r}, got {got['rule']!r} ({got['reason']})"
    if not out.documents:
        return f"expected the document to be kept, it was rejected by {out.rejected[0]['rule']!r}: {out.rejected[0]['reason']}"
    doc = out.documents[0]
    missing = [flag for flag in expect.get("flags_include") or [] if flag not in doc["flags"]]
    if missing:
        return f"expected flags {missing}, got {doc['flags']}"
    if "text" in expect and doc["text"] != expect["text"]:
        return f"text: expected {expect['text']!r}, got {doc['text']!r}"
    return None


def collect(directory: Path, keyword: str | None = None) -> list[ExampleResult]:
    results = []
    for path in sorted(Path(directory).glob("*.y*ml")):
        f, _ = load_yaml(path)
        kind = kind_of(f.data) if f is not None else None
        if kind == "sft":
            results += sft_example_results(f, keyword)
        elif kind == "replacements":
            results += replacement_example_results(f, keyword)
        elif kind == "pretrain":
            results += pretrain_example_results(f, keyword)
    return results


def run_examples(directory: Path, keyword: str | None = None, verbose: bool = False) -> int:
    broken = errors(check_dir(directory))
    if broken:
        for p in broken:
            print(p)
        print(f"rules test: the rules do not load ({len(broken)} error(s) from `rules check`); fix those first")
        return 2
    t0 = time.monotonic()
    results = collect(directory, keyword)
    failed = [r for r in results if r.failure]
    for r in results:
        if r.failure:
            print(f"FAIL {r.where}: {r.name}: {r.failure}")
        elif verbose:
            print(f"ok   {r.where}: {r.name}")
    print(f"rules test: {len(results) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - t0:.2f} s")
    return 1 if failed or not results else 0

"""Decontamination: a text that shares a long n-gram with a benchmark's test item is rejected
(rule `contaminated`), and the benchmark is counted (pipelines/text/contamination.py)."""
from __future__ import annotations

from pipelines.core import counters as C
from pipelines.core.steps import Hit, Reject, RuleRow, Step
from pipelines.text.contamination import ContaminationIndex

RULE = "contaminated"


def hit_counter(flag: str) -> C.Count:
    """The manifest's count of one benchmark's hits (the flag is "contaminated:<benchmark>")."""
    return C.stage(flag)


class Decontaminate(Step):
    """Checks a batch's texts against the index at once; `text_of` says what a record's text is."""
    name = RULE

    def __init__(self, index: ContaminationIndex | None, rules: dict, text_of=lambda record: record["text"]):
        self.index, self.rules, self.text_of = index, rules, text_of

    def apply(self, record: dict):
        return self.apply_batch([record])[0]

    def apply_batch(self, records: list[dict]) -> list:
        if self.index is None:
            return records
        found = self.index.find_many([self.text_of(r) for r in records])
        return [r if m is None else self._reject(r, m) for r, m in zip(records, found)]

    def _reject(self, record: dict, match) -> Reject:
        record["flags"].append(f"{RULE}:{match.benchmark}")
        shared = (f"a run of {match.words} words" if match.words >= self.index.config.ngram
                  else f"the whole {match.words}-word string")
        return Reject(RULE, f"holds {shared} of {match.item}: '{match.text}'", match.words, self.index.config.ngram)

    def counts(self, record, flags):
        return [hit_counter(f) for f in flags]

    def hit(self, flag: str) -> Hit:
        return Hit(RULE, "flagged", flag)

    def rows(self):
        r = self.rules
        names = ", ".join(str(b.get("name")) for b in r.get("benchmarks") or []) or "none listed"
        return [RuleRow(RULE, "decontamination", f"shares an n-gram of {r.get('ngram', 13)} words with a test item of: {names}",
                        "drop", bool(r.get("enabled", False)), "", dict(r))]

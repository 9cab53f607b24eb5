"""Sensitive words (pretraining): drop a document by a list's thresholds, or mask its matches."""
from __future__ import annotations

from pipelines.core import counters as C
from pipelines.core.steps import Hit, Reject, RuleRow, Step
from pipelines.text.sensitive import SensitiveWordFilter

MASKED = C.stage("sensitive_masked")


class SensitiveWords(Step):
    name = "sensitive_words"

    def __init__(self, words: SensitiveWordFilter | None, rules: dict):
        self.words, self.rules = words, rules
        lists = rules.get("lists") or []
        self.mask_lists = [str(d.get("name")) for d in lists if d.get("action") == "mask"]

    def apply(self, doc: dict):
        if self.words is None:
            return doc
        outcome = self.words.apply(doc["text"], doc["lang"])
        doc["sensitive_hits"] = sum(outcome.hits.values())
        if outcome.dropped_by:
            return Reject(f"sensitive:{outcome.dropped_by}", outcome.reason, outcome.value, outcome.threshold)
        if outcome.masked:
            doc["text"] = outcome.text
            doc["flags"].append("sensitive_masked")
        return doc

    def counts(self, doc, flags):
        return (MASKED,) if flags else ()

    def _mask_row(self) -> str:
        return f"sensitive:{self.mask_lists[0]}" if len(self.mask_lists) == 1 else "sensitive:mask"

    def hit(self, flag: str) -> Hit:
        return Hit(self._mask_row(), "changed", flag)

    def rows(self):
        enabled, lists, rows = bool(self.rules.get("enabled", True)), self.rules.get("lists") or [], []
        for d in lists:
            if d.get("action") == "mask" and len(self.mask_lists) > 1:
                continue
            desc = (f"{d.get('lang')} {d.get('category')} list ({', '.join(map(str, d.get('paths') or []))}); "
                    f"{d.get('action')} at min_hits {d.get('min_hits')}, min_distinct {d.get('min_distinct')}, "
                    f"density_per_1k {d.get('density_per_1k')}")
            rows.append(RuleRow(f"sensitive:{d.get('name')}", "sensitive words", desc, str(d.get("action")), enabled, "", dict(d)))
        if len(self.mask_lists) > 1:
            rows.append(RuleRow("sensitive:mask", "sensitive words", f"mask lists: {', '.join(self.mask_lists)}", "mask",
                                enabled, "", {"lists": [d for d in lists if d.get("action") == "mask"]}))
        return rows

"""Normalization, one step per operation (special tokens, HTML residue, invisible characters,
whitespace), then the check that something is left."""
from __future__ import annotations

from pipelines.core import counters as C
from pipelines.core.steps import Reject, RuleRow, Step
from pipelines.text.normalize import NormalizeConfig, operations

DESCRIPTIONS = {"special_tokens": "special tokens removed",
                "strip_html": "residual HTML tags, comments and entities removed",
                "remove_invisible": "zero-width, BOM, soft hyphen and control characters removed",
                "collapse_whitespace": "runs of spaces and blank lines collapsed, text trimmed"}


class NormalizeOperation(Step):
    def __init__(self, key: str, flag: str | None, operation):
        self.name, self.key, self.flag, self.operation = f"normalize.{key}", key, flag, operation

    def apply(self, doc: dict):
        new = self.operation(doc["text"])
        if self.flag is not None and new != doc["text"]:
            doc["flags"].append(self.flag)
        doc["text"] = new
        return doc

    def counts(self, doc, flags):
        return [C.stage(f"normalize:{f}") for f in flags]

    def rows(self):
        return [RuleRow(self.name, "normalize", DESCRIPTIONS[self.key], "rewrite", True)]


class NotEmpty(Step):
    name = "empty_after_normalize"

    def apply(self, doc: dict):
        return doc if doc["text"] else Reject(self.name, "nothing left after normalization", text=doc["original_text"])

    def rows(self):
        return [RuleRow(self.name, "normalize", "nothing left after normalization", "drop", True)]


def normalize_steps(config: NormalizeConfig) -> list[Step]:
    return [*(NormalizeOperation(key, flag, op) for key, flag, op in operations(config)), NotEmpty()]

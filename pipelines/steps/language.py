"""Language identification (fastText lid.176 with the Han-share rule) and the kept languages."""
from __future__ import annotations

from pipelines.core import counters as C
from pipelines.core.steps import Hit, Reject, RuleRow, Step
from pipelines.text.langid import LangIdConfig, LanguageIdentifier

DIFFERS = "lang_differs_from_declared"
UNDECLARED = "und"          # BCP 47 "undetermined": a source that declares no language is never flagged


class LanguageFilter(Step):
    name = "language"

    def __init__(self, config: LangIdConfig, declared: dict[str, str], rules: dict):
        self.config, self.declared, self.rules = config, declared, rules
        self.identify = LanguageIdentifier(config)
        self._lang_counts: dict[str, C.Count] = {}

    def apply(self, doc: dict):
        return self._decide(doc, *self.identify(doc["text"]))

    def apply_batch(self, docs: list[dict]) -> list:
        return [self._decide(doc, *found) for doc, found in zip(docs, self.identify.many([d["text"] for d in docs]))]

    def _decide(self, doc: dict, lang: str, score: float):
        doc["lang"], doc["lang_score"] = lang, round(score, 4)
        if doc["lang"] not in self.config.keep:
            return Reject(self.name, f"detected '{doc['lang']}' (score {score:.2f}); kept languages: {', '.join(self.config.keep)}")
        declared = self.declared.get(doc["source"])
        if declared != UNDECLARED and doc["lang"] != declared:
            doc["flags"].append(DIFFERS)
        return doc

    def counts(self, doc, flags):
        key = self._lang_counts.get(doc["lang"])
        if key is None:
            key = self._lang_counts[doc["lang"]] = C.lang(doc["lang"])
        return (key,)

    def hit(self, flag: str) -> Hit:
        return Hit(self.name, "flagged", flag)

    def rows(self):
        return [RuleRow(self.name, "language", f"languages kept: {', '.join(self.config.keep)} "
                        "(flagged: detected language differs from the declared one)", "drop", True, "", dict(self.rules))]

"""The last SFT step: the record's language (the source's, else the cleaner's decision) and its
taxonomy label (category, subcategory, how it was found)."""
from __future__ import annotations

from pipelines.core import counters as C
from pipelines.core.steps import Step
from pipelines.sft.taxonomy import Taxonomy
from pipelines.text.langid import LangIdConfig, LanguageIdentifier
from pipelines.text.language import CLEANER


class LazyIdentifier:
    """fastText, loaded on the first text that needs it (most records are decided by script)."""

    def __init__(self, config: LangIdConfig):
        self.config = config
        self._identify = None

    def __call__(self, text: str) -> tuple[str, float]:
        if self._identify is None:
            self._identify = LanguageIdentifier(self.config)
        return self._identify(text)

    def __getstate__(self):
        return {"config": self.config, "_identify": None}


class Label(Step):
    name = "label"
    closing = True

    def __init__(self, taxonomy: Taxonomy, source_langs: dict[str, str | None], source_labels: dict[str, str | None],
                 identify):
        self.taxonomy, self.source_langs, self.source_labels, self.identify = taxonomy, source_langs, source_labels, identify

    def apply(self, rec: dict):
        return self.apply_batch([rec])[0]

    def apply_batch(self, records: list[dict]):
        # The language of the records whose source does not say it: script counts for the batch at once.
        open_ = [r for r in records if not self.source_langs.get(r.get("source") or "")]
        decided = dict(zip(map(id, open_), CLEANER.decide_many([r["instruction"] + "\n" + r["output"] for r in open_],
                                                               self.identify)))
        labels = []
        for rec in records:
            source = rec.get("source") or ""
            lang = self.source_langs.get(source) or decided[id(rec)] or None
            labels.append((lang, self.taxonomy.classify(rec["instruction"], rec.get("input") or "", lang,
                                                        self.source_labels.get(source))))
        for rec, (lang, label) in zip(records, labels):      # written last: a failed batch is retried record by record
            rec["lang"], rec["category"], rec["subcategory"], rec["label_source"] = lang, label.category, label.subcategory, label.how
        return records

    def counts(self, rec: dict, flags):
        return [C.lang(rec["lang"] or "unknown"), C.source(rec.get("source") or "", "cleaned"),
                *(C.stage(flag.split(":")[0]) for flag in rec.get("flags") or [])]

    def rows(self):
        return []           # no rule of the rules file: the labels have their own section in `rules explain`

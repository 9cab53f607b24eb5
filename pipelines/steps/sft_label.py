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

    def apply_batch(self, records: list[dict]):
        # The language of the records whose source does not say it: script counts for the batch at once.
        langs = [self.source_langs.get(r.get("source") or "") for r in records]
        open_ = [i for i, lang in enumerate(langs) if not lang]
        for i, lang in zip(open_, CLEANER.decide_many([records[i]["instruction"] + "\n" + records[i]["output"] for i in open_],
                                                      self.identify)):
            langs[i] = lang or None
        labels = [(lang, self.taxonomy.classify(rec["instruction"], rec.get("input") or "", lang,
                                                self.source_labels.get(rec.get("source") or "")))
                  for rec, lang in zip(records, langs)]
        for rec, (lang, label) in zip(records, labels):      # written last: a failed batch is retried record by record
            rec["lang"], rec["category"], rec["subcategory"], rec["label_source"] = lang, label.category, label.subcategory, label.how
        return records

    def counts(self, rec: dict, flags):
        return [C.lang(rec["lang"] or "unknown"), C.source(rec.get("source") or "", "cleaned"),
                *(C.stage(flag.split(":")[0]) for flag in rec.get("flags") or [])]

    def rows(self):
        return []           # no rule of the rules file: the labels have their own section in `rules explain`

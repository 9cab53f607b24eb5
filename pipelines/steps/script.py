"""Traditional -> Simplified Chinese (OpenCC), for documents written mostly in Traditional characters."""
from __future__ import annotations

from pipelines.core import counters as C
from pipelines.core.steps import RuleRow, Step
from pipelines.text.chinese import ScriptConfig, ScriptConverter

T2S_CONVERTED = C.stage("t2s_converted")


class ToSimplified(Step):
    name = "t2s"

    def __init__(self, config: ScriptConfig, opencc_by_source: dict[str, str | None]):
        self.config, self.opencc_by_source = config, opencc_by_source
        self.convert = ScriptConverter(config)

    def apply(self, doc: dict):
        return self._update(doc, *self.convert(doc["text"], self.opencc_by_source.get(doc["source"])))

    def apply_batch(self, docs: list[dict]) -> list:
        found = self.convert.many([d["text"] for d in docs], [self.opencc_by_source.get(d["source"]) for d in docs])
        return [self._update(doc, text, converted) for doc, (text, converted) in zip(docs, found)]

    @staticmethod
    def _update(doc: dict, text: str, converted: bool) -> dict:
        doc["text"] = text
        if converted:
            doc["flags"].append("t2s")
        return doc

    def counts(self, doc, flags):
        return (T2S_CONVERTED,) if flags else ()

    def rows(self):
        c = self.config
        return [RuleRow(self.name, "traditional_to_simplified", f"Traditional documents converted to Simplified "
                        f"(OpenCC {c.opencc_config}, min {c.min_traditional_chars} chars, share {c.min_traditional_share})",
                        "rewrite", c.enabled, "", {k: getattr(c, k) for k in c.__dataclass_fields__})]

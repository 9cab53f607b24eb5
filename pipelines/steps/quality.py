"""Quality: the heuristic signal filters (per document) and the quality model's score (per batch)."""
from __future__ import annotations

from pipelines.core.steps import Reject, RuleRow, Step
from pipelines.text.quality_model import QualityModel, pareto_keep
from pipelines.text.quality_signals import SignalFilter, compute_signals, compute_signals_batch, first_failure
from schemas.pretrain import SIGNAL_NAMES


_COLUMN = {name: f"q_{name}" for name in SIGNAL_NAMES}     # a signal's column in the documents table


def _bounds(d) -> str:
    if d is None:
        return ""
    return ", ".join(f"{k} {v}" for k, v in d.items()) if isinstance(d, dict) else str(d)


class QualityFilters(Step):
    """Stores the heuristic signals as q_* columns; rejects by the first hard filter that fails."""
    name = "quality_filters"

    def __init__(self, filters: tuple[SignalFilter, ...], rules: list[dict], enabled: bool):
        self.filters, self.rules, self.enabled = filters, rules, enabled
        self._bounds: dict[str, list] = {}

    def apply(self, doc: dict):
        if not self.enabled:
            return doc
        return self._decide(doc, compute_signals(doc["text"], doc["lang"]))

    def apply_batch(self, docs: list[dict]) -> list:
        if not self.enabled:
            return docs
        signals = compute_signals_batch([d["text"] for d in docs], [d["lang"] for d in docs])
        return [self._decide(doc, s) for doc, s in zip(docs, signals)]

    def _decide(self, doc: dict, signals: dict):
        doc.update(zip(map(_COLUMN.__getitem__, signals), signals.values()))
        failure = self._first_failure(signals, doc["lang"])
        if failure is not None:
            return Reject(failure.filter_id, failure.reason, failure.value, failure.threshold)
        return doc

    def _first_failure(self, signals: dict, lang: str):
        """first_failure with each language's bounds looked up once, not per document."""
        bounds = self._bounds.get(lang)
        if bounds is None:
            bounds = self._bounds[lang] = [(f, f.threshold("min", lang)[0], f.threshold("max", lang)[0]) for f in self.filters]
        for f, lo, hi in bounds:
            v = signals[f.signal]
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return first_failure(signals, lang, [f])     # builds the reason
        return None

    def rows(self):
        rows = []
        for f in self.rules:
            bounds = "; ".join(x for x in (f"min {_bounds(f.get('min'))}" if f.get("min") is not None else "",
                                            f"max {_bounds(f.get('max'))}" if f.get("max") is not None else "") if x)
            rows.append(RuleRow(str(f.get("id")), "quality filter", f"{f.get('signal')} ({bounds}): {f.get('description') or ''}",
                                "drop", self.enabled, "", dict(f)))
        return rows


class QualityModelScore(Step):
    """The classifier scores a batch's surviving documents at once; the source prior scales the score."""
    name = "quality_score"
    batch = True

    def __init__(self, model: QualityModel | None, mode: str, min_score: float, pareto_alpha: float, rules: dict, enabled: bool):
        self.model, self.mode, self.min_score, self.pareto_alpha = model, mode, min_score, pareto_alpha
        self.rules, self.enabled = rules, enabled

    def apply_batch(self, docs: list[dict]) -> list:
        if self.model is None or not docs:
            return docs
        out = []
        for doc, p in zip(docs, self.model.score([d["text"] for d in docs])):
            doc["model_score"] = round(float(p), 4)
            score = doc["quality_score"] = round(min(1.0, float(p) * doc["quality_prior"]), 4)
            if self.mode == "threshold" and score < self.min_score:
                out.append(Reject(self.name, f"quality_score {score:.3f} < min {self.min_score} "
                                  f"(model {doc['model_score']:.3f} x prior {doc['quality_prior']})", score, self.min_score))
            elif self.mode == "pareto" and not pareto_keep(doc["id"], score, self.pareto_alpha):
                out.append(Reject(self.name, f"quality_score {score:.3f}: Pareto(alpha={self.pareto_alpha}) draw "
                                  f"<= 1 - score", score, 1.0 - score))
            else:
                out.append(doc)
        return out

    def rows(self):
        m = self.rules
        return [RuleRow(self.name, "quality model", f"model {m.get('path')}, mode {m.get('mode')}, "
                        f"min_score {m.get('min_score')}, pareto_alpha {m.get('pareto_alpha')}", "drop",
                        self.enabled and (m.get("mode") or "off") != "off", "", dict(m))]

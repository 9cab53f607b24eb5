"""The pretraining pipeline's per-record stages, over batches, without Beam.

parse -> (html extraction) -> normalize -> Traditional->Simplified -> language ID
-> heuristic quality signals and filters -> sensitive words -> quality model score.
The Beam pipeline and the plain-Python baseline in bench/ both call
`DocumentProcessor.process`, so they do exactly the same work.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.dedupe.config import DedupeConfig
from pipelines.records import (DEFAULT_MAX_RECORD_BYTES, BadRecord, BatchResult, RawBatch, decode_line, optional_str,
                               oversize, record_id, text_field, too_long_reject)
from pipelines.sources import Source
from pipelines.text.chinese import ScriptConfig, ScriptConverter
from pipelines.text.html_extract import HtmlConfig, extract_main_text
from pipelines.text.langid import LangIdConfig, LanguageIdentifier
from pipelines.text.normalize import NormalizeConfig, Normalizer
from pipelines.text.quality_model import QualityModel, pareto_keep
from pipelines.text.quality_signals import SignalFilter, compute_signals, filters_from_rules, first_failure
from pipelines.text.sensitive import SensitiveListConfig, SensitiveWordFilter, opencc_converter
from schemas.pretrain import TEXT_PREFIX_CHARS


@dataclass(frozen=True)
class QualityConfig:
    enabled: bool = False
    filters: tuple[SignalFilter, ...] = ()
    model: QualityModel | None = None          # loaded on the driver: workers need no file access
    mode: str = "off"                          # off | threshold | pareto
    min_score: float = 0.0
    pareto_alpha: float = 9.0

    @classmethod
    def from_rules(cls, rules: dict, base_dir: Path) -> "QualityConfig":
        m = rules["model"]
        mode = m["mode"] or "off"
        model = QualityModel.load(str(base_dir / m["path"])) if rules["enabled"] and mode != "off" else None
        return cls(enabled=rules["enabled"], filters=tuple(filters_from_rules(rules["filters"])), model=model,
                   mode=mode, min_score=m["min_score"], pareto_alpha=m["pareto_alpha"])


def sensitive_filter_from_rules(rules: dict, base_dir: Path) -> SensitiveWordFilter | None:
    """Built on the driver (reads the word lists) and shipped to workers pickled."""
    if not rules["enabled"] or not rules["lists"]:
        return None
    # Text reaches this stage in Simplified script: match Traditional terms in their converted form too.
    configs = [SensitiveListConfig.from_rules(d, base_dir) for d in rules["lists"]]
    return SensitiveWordFilter(configs, convert_terms=opencc_converter("t2s"))


@dataclass(frozen=True)
class SourceSettings:
    source: Source
    opencc_config: str | None = None
    quality_prior: float = 1.0


@dataclass(frozen=True)
class PretrainConfig:
    """Everything a worker needs, built on the driver from the rules and sources files."""
    normalize: NormalizeConfig
    script: ScriptConfig
    langid: LangIdConfig
    html: HtmlConfig
    sources: dict[str, SourceSettings]
    quality: QualityConfig = QualityConfig()
    sensitive: SensitiveWordFilter | None = None
    batch_records: int = 500
    batch_bytes: int = 4_000_000
    split_bytes: int = 8_000_000
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    dedupe: DedupeConfig = DedupeConfig(enabled=False)

    @classmethod
    def from_rules(cls, rules: dict, sources: tuple[Source, ...], base_dir: Path | str = ".") -> "PretrainConfig":
        """base_dir: the rules file's folder, against which model and word-list paths resolve."""
        per_source = rules["sources"]
        settings = {}
        for s in sources:
            merged = {**per_source["defaults"], **per_source.get(s.name, {})}
            src = s if "text_field" not in merged else Source(**{**s.__dict__, "text_field": merged["text_field"]})
            settings[s.name] = SourceSettings(src, merged.get("opencc_config"), merged.get("quality_prior", 1.0))
        return cls(
            normalize=NormalizeConfig.from_rules(rules["normalize"]),
            script=ScriptConfig.from_rules(rules["traditional_to_simplified"]),
            langid=LangIdConfig.from_rules(rules["language"]),
            html=HtmlConfig.from_rules(rules["html"]),
            sources=settings,
            quality=QualityConfig.from_rules(rules["quality"], Path(base_dir)),
            sensitive=sensitive_filter_from_rules(rules["sensitive_words"], Path(base_dir)),
            batch_records=rules["reader"]["batch_records"],
            batch_bytes=rules["reader"]["batch_bytes"],
            split_bytes=rules["reader"]["split_bytes"],
            max_record_bytes=rules["reader"].get("max_record_bytes", DEFAULT_MAX_RECORD_BYTES),
            dedupe=DedupeConfig.from_rules(rules.get("dedupe"), rules.get("sampling")),
        )


class DocumentProcessor:
    """Builds the expensive tools once (OpenCC, fastText); then processes batches."""

    def __init__(self, config: PretrainConfig):
        self.config = config
        self.normalize = Normalizer(config.normalize)
        self.to_simplified = ScriptConverter(config.script)
        self.identify = LanguageIdentifier(config.langid)
        self._bounds: dict[str, list] = {}

    def process(self, batch: RawBatch) -> BatchResult:
        out = BatchResult()
        settings = self.config.sources[batch.source]
        c = out.counts
        for number, raw in batch.items:
            c["read"] += 1
            c[f"source:{batch.source}:read"] += 1
            if (big := oversize(raw, self.config.max_record_bytes)) is not None:
                out.rejected.append(too_long_reject(batch.source, batch.path, number, *big, self.config.max_record_bytes))
                c["rejected:too_long"] += 1
                continue
            try:
                obj = decode_line(raw) if isinstance(raw, bytes) else raw
                text = text_field(obj, settings.source.text_field)
            except BadRecord as e:
                raw_bytes = raw if isinstance(raw, bytes) else repr(raw).encode("utf-8", "replace")
                out.dead_letter(batch.source, batch.path, number, e.kind, str(e), raw_bytes)
                continue
            try:
                self._document(obj, text, number, batch, settings, out)
            except Exception as e:  # noqa: BLE001 - a bug or a pathological record must not end the run
                out.dead_letter(batch.source, batch.path, number, "processing_error", f"{type(e).__name__}: {e}",
                                raw if isinstance(raw, bytes) else None)
        self._score(out)
        if batch.error is not None:
            line, kind, message = batch.error
            c["read"] += 1
            c[f"source:{batch.source}:read"] += 1
            out.dead_letter(batch.source, batch.path, line, kind, message, None)
        c["rejected"] = len(out.rejected)
        c["written"] = len(out.documents)
        return out

    def _first_failure(self, signals: dict, lang: str):
        """first_failure with each language's bounds looked up once, not per document."""
        bounds = self._bounds.get(lang)
        if bounds is None:
            bounds = self._bounds[lang] = [(f, f.threshold("min", lang)[0], f.threshold("max", lang)[0]) for f in self.config.quality.filters]
        for f, lo, hi in bounds:
            v = signals[f.signal]
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return first_failure(signals, lang, [f])     # builds the reason
        return None

    def _reject(self, out: BatchResult, doc: dict, rule: str, reason: str, value: float | None = None, threshold: float | None = None) -> None:
        out.rejected.append({
            "id": doc["id"], "source": doc["source"], "rule": rule, "reason": reason, "value": value, "threshold": threshold,
            "text_prefix": doc["text"][:TEXT_PREFIX_CHARS], "lang": doc.get("lang"),
            "source_file": doc["source_file"], "source_line": doc["source_line"],
        })
        out.counts[f"rejected:{rule}"] += 1

    def _document(self, obj: dict, text: str, number: int, batch: RawBatch, settings: SourceSettings, out: BatchResult) -> None:
        src, c, flags = settings.source, out.counts, []
        doc = {"id": record_id(obj, text, src.name), "text": text, "source": src.name, "category": src.category,
               "declared_lang": src.lang, "url": optional_str(obj, "url"), "source_file": batch.path,
               "source_line": number, "lang": None, "lang_score": None, "flags": flags}
        if src.format == "html":
            extracted = extract_main_text(text, self.config.html, doc["url"])
            doc["text"] = extracted
            flags.append("html_extracted")
            if len(extracted.strip()) < self.config.html.min_chars:
                return self._reject(out, {**doc, "text": text}, "html_no_text",
                                    f"main-text extraction found {len(extracted.strip())} characters (< {self.config.html.min_chars})")
        doc["text"], changed = self.normalize(doc["text"])
        flags.extend(changed)
        for what in changed:
            c[f"stage:normalize:{what}"] += 1
        if not doc["text"]:
            return self._reject(out, {**doc, "text": text}, "empty_after_normalize", "nothing left after normalization")
        doc["text"], converted = self.to_simplified(doc["text"], settings.opencc_config)
        if converted:
            flags.append("t2s")
            c["stage:t2s_converted"] += 1
        doc["lang"], score = self.identify(doc["text"])
        doc["lang_score"] = round(score, 4)
        c[f"lang:{doc['lang']}"] += 1
        if doc["lang"] not in self.config.langid.keep:
            return self._reject(out, doc, "language",
                                f"detected '{doc['lang']}' (score {score:.2f}); kept languages: {', '.join(self.config.langid.keep)}")
        if doc["lang"] != src.lang:
            flags.append("lang_differs_from_declared")
        if self._quality_filters(doc, out) and self._sensitive_words(doc, out):
            doc["n_chars"] = len(doc["text"])
            doc["quality_prior"] = settings.quality_prior
            out.documents.append(doc)

    def _quality_filters(self, doc: dict, out: BatchResult) -> bool:
        """Stores the heuristic signals as q_* columns; False (and a reject) when a hard filter fails."""
        if not self.config.quality.enabled:
            return True
        signals = compute_signals(doc["text"], doc["lang"])
        doc.update((f"q_{name}", value) for name, value in signals.items())
        failure = self._first_failure(signals, doc["lang"])
        if failure is not None:
            self._reject(out, doc, failure.filter_id, failure.reason, failure.value, failure.threshold)
            return False
        return True

    def _sensitive_words(self, doc: dict, out: BatchResult) -> bool:
        """Drops (False, and a reject) or masks a document by the sensitive-word lists."""
        if self.config.sensitive is None:
            return True
        outcome = self.config.sensitive.apply(doc["text"], doc["lang"])
        doc["sensitive_hits"] = sum(outcome.hits.values())
        if outcome.dropped_by:
            self._reject(out, doc, f"sensitive:{outcome.dropped_by}", outcome.reason, outcome.value, outcome.threshold)
            return False
        if outcome.masked:
            doc["text"] = outcome.text
            doc["flags"].append("sensitive_masked")
            out.counts["stage:sensitive_masked"] += 1
        return True

    def _score(self, out: BatchResult) -> None:
        """The classifier scores the batch's surviving documents at once; the source prior scales it."""
        q, docs = self.config.quality, out.documents
        if q.model is not None and docs:
            for doc, p in zip(docs, q.model.score([d["text"] for d in docs])):
                doc["model_score"] = round(float(p), 4)
                doc["quality_score"] = round(min(1.0, float(p) * doc["quality_prior"]), 4)
            keep = []
            for doc in docs:
                score = doc["quality_score"]
                if q.mode == "threshold" and score < q.min_score:
                    self._reject(out, doc, "quality_score", f"quality_score {score:.3f} < min {q.min_score} "
                                 f"(model {doc['model_score']:.3f} x prior {doc['quality_prior']})", score, q.min_score)
                elif q.mode == "pareto" and not pareto_keep(doc["id"], score, q.pareto_alpha):
                    self._reject(out, doc, "quality_score", f"quality_score {score:.3f}: Pareto(alpha={q.pareto_alpha}) draw "
                                 f"<= 1 - score", score, 1.0 - score)
                else:
                    keep.append(doc)
            out.documents = docs = keep
        for doc in docs:
            out.counts[f"source:{doc['source']}:written"] += 1

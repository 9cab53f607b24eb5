"""The pretraining pipeline's per-record stages, over batches, without Beam.

parse -> the steps (pipelines/steps/): html extraction -> normalize -> Traditional->Simplified
-> decontamination -> language ID -> heuristic quality signals and filters -> sensitive words -> quality model score.
The Beam pipeline and the plain-Python baseline in bench/ both call
`DocumentProcessor.process`, so they do exactly the same work.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core import counters as C
from pipelines.core.steps import Reject, Step, StepChain
from pipelines.dedupe.config import DedupeConfig
from pipelines.core.records import (DEFAULT_MAX_RECORD_BYTES, BadRecord, BatchResult, RawBatch, decode_line, optional_str,
                               record_id, text_field)
from pipelines.core.sources import Source
from pipelines.steps.custom import insert_custom_steps
from pipelines.steps.decontam import Decontaminate
from pipelines.steps.html import HtmlExtract
from pipelines.steps.language import LanguageFilter
from pipelines.steps.normalize import normalize_steps
from pipelines.steps.quality import QualityFilters, QualityModelScore
from pipelines.steps.script import ToSimplified
from pipelines.steps.sensitive import SensitiveWords
from pipelines.text.chinese import ScriptConfig
from pipelines.text.contamination import ContaminationConfig, ContaminationIndex
from pipelines.text.html_extract import HtmlConfig
from pipelines.text.langid import LangIdConfig
from pipelines.text.normalize import NormalizeConfig
from pipelines.text.quality_model import QualityModel
from pipelines.text.quality_signals import SignalFilter, filters_from_rules
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
    split_bytes: int = 2_000_000
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    dedupe: DedupeConfig = DedupeConfig(enabled=False)
    contamination: ContaminationConfig = ContaminationConfig()   # the benchmark files; the index is not shipped (it is big)
    rules: dict = field(default_factory=dict)  # the rules file's data: what the steps describe themselves with

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
            contamination=ContaminationConfig.from_rules(rules.get("decontamination"), Path(base_dir)),
            rules=rules,
        )


def pretrain_steps(config: PretrainConfig, contamination: ContaminationIndex | None = None) -> list[Step]:
    """The pretraining chain, in order, from the rules: html extraction -> normalize -> t2s ->
    decontamination -> language -> quality filters -> sensitive words -> (custom steps) -> quality model.
    contamination: the benchmark index when decontamination is on (built from the files if not given)."""
    rules, q = config.rules, config.quality
    if contamination is None and config.contamination.enabled:
        contamination = ContaminationIndex.cached(config.contamination)
    steps: list[Step] = [
        HtmlExtract(config.html, frozenset(n for n, s in config.sources.items() if s.source.format == "html"), rules.get("html") or {}),
        *normalize_steps(config.normalize),
        ToSimplified(config.script, {n: s.opencc_config for n, s in config.sources.items()}),
        Decontaminate(contamination, rules.get("decontamination") or {}),
        LanguageFilter(config.langid, {n: s.source.lang for n, s in config.sources.items()}, rules.get("language") or {}),
        QualityFilters(q.filters, (rules.get("quality") or {}).get("filters") or [], q.enabled),
        SensitiveWords(config.sensitive, rules.get("sensitive_words") or {}),
        QualityModelScore(q.model, q.mode, q.min_score, q.pareto_alpha, (rules.get("quality") or {}).get("model") or {}, q.enabled),
    ]
    return insert_custom_steps(steps, rules.get("custom_steps"))


class DocumentProcessor:
    """Parses a batch's raw records into documents and runs them through the steps (built once per
    worker: OpenCC, fastText). With trace=True, the result carries every document's trace."""

    def __init__(self, config: PretrainConfig, trace: bool = False, contamination: ContaminationIndex | None = None):
        self.config = config
        self.steps = StepChain(pretrain_steps(config, contamination))
        self.contamination = next((s.index for s in self.steps.steps if isinstance(s, Decontaminate)), None)
        self.trace = trace
        self.parse_seconds = 0.0                # with self.steps.seconds (per step): where a worker's time goes

    @property
    def seconds(self) -> dict[str, float]:
        """Seconds spent parsing, and in each step, over every batch so far."""
        return {"parse": self.parse_seconds, **self.steps.seconds}

    def rows(self):
        return self.steps.rows()

    def process(self, batch: RawBatch) -> BatchResult:
        t0 = time.perf_counter()
        out = BatchResult()
        settings = self.config.sources[batch.source]
        c, src = out.counts, settings.source
        docs, raws, early = [], {}, []
        for number, raw in out.read(batch, self.config.max_record_bytes, early):
            try:
                obj = decode_line(raw) if isinstance(raw, bytes) else raw
                text = text_field(obj, src.text_field)
            except BadRecord as e:
                raw_bytes = raw if isinstance(raw, bytes) else repr(raw).encode("utf-8", "replace")
                out.dead_letter(batch.source, batch.path, number, e.kind, str(e), raw_bytes)
                continue
            docs.append({"id": record_id(obj, text, src.name), "text": text, "source": src.name, "category": src.category,
                         "declared_lang": src.lang, "url": optional_str(obj, "url"), "source_file": batch.path,
                         "source_line": number, "lang": None, "lang_score": None, "flags": [],
                         "quality_prior": settings.quality_prior, "original_text": text})
            raws[number] = raw
        traces = [] if self.trace else None
        self.parse_seconds += time.perf_counter() - t0
        kept, rejected, failed = self.steps.run(docs, c, traces)
        out.processing_errors(batch, failed, raws)
        rows = [(False, r["source_line"], r) for r in early]
        rows += [(step.batch, doc["source_line"], self._reject_row(doc, reject)) for doc, reject, step in rejected]
        out.rejected = [row for _, _, row in sorted(rows, key=lambda r: r[:2])]   # in input order, as before the split
        for row in out.rejected:
            c[C.rejected(row["rule"])] += 1
        for doc in kept:
            doc["n_chars"] = len(doc["text"])
        c[C.source(batch.source, "written")] += len(kept)
        out.documents = kept
        if traces is not None:
            out.traces = list(zip(docs, traces))
        out.unreadable_rest(batch)
        c[C.N_REJECTED] = len(out.rejected)
        c[C.WRITTEN] = len(out.documents)
        return out

    @staticmethod
    def _reject_row(doc: dict, reject: Reject) -> dict:
        text = reject.text if reject.text is not None else doc["text"]
        return {"id": doc["id"], "source": doc["source"], "rule": reject.rule, "reason": reject.reason, "value": reject.value,
                "threshold": reject.threshold, "text_prefix": text[:TEXT_PREFIX_CHARS], "lang": doc.get("lang"),
                "source_file": doc["source_file"], "source_line": doc["source_line"]}

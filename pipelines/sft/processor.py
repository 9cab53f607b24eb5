"""The SFT pipeline's per-record stages, over batches of raw lines, without Beam:
decode -> adapt (format) -> clean and filter (rules) -> language -> taxonomy label.

Built once per worker from the rules, taxonomy and sources (the cleaner and the
classifier hold automata and compiled patterns).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.records import (DEFAULT_MAX_RECORD_BYTES, BadRecord, BatchResult, RawBatch, decode_line, oversize,
                               too_long_reject)
from pipelines.sft.adapters import Rejected, adapt, rejected_row
from pipelines.sft.record_rules import RecordCleaner, build_sensitive_filters
from pipelines.sft.sources import SftSource
from pipelines.sft.taxonomy import load_taxonomy
from schemas.pretrain import TEXT_PREFIX_CHARS


@dataclass(frozen=True)
class SftConfig:
    """What a worker needs, from the rules file (a plain dict) and the sources file."""
    rules: dict
    base_dir: str
    taxonomy_path: str
    sources: dict[str, SftSource]
    batch_records: int = 500
    batch_bytes: int = 4_000_000
    split_bytes: int = 8_000_000
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES


class SftProcessor:
    def __init__(self, config: SftConfig):
        self.config = config
        sensitive = build_sensitive_filters(config.rules, config.base_dir)
        self.cleaner = RecordCleaner.from_rules(config.rules, config.base_dir, sensitive=sensitive)
        self.taxonomy = load_taxonomy(config.taxonomy_path)

    def process(self, batch: RawBatch) -> BatchResult:
        out = BatchResult()
        source = self.config.sources[batch.source]
        for line, raw in batch.items:
            out.counts["read"] += 1
            out.counts[f"source:{source.name}:read"] += 1
            if (big := oversize(raw, self.config.max_record_bytes)) is not None:
                out.rejected.append({**too_long_reject(source.name, batch.path, line, *big, self.config.max_record_bytes),
                                     "dup_of": None})
                out.counts["rejected"] += 1
                out.counts["rejected:too_long"] += 1
                continue
            try:
                records = adapt(decode_line(raw), source.format, source.name, f"{source.name}:{line}", source.field_map,
                                source_file=batch.path, source_line=line)
            except BadRecord as e:
                out.dead_letter(batch.source, batch.path, line, e.kind, str(e), raw)
                continue
            except Rejected as e:
                out.rejected.append(rejected_row(e, source.name, batch.path, line))
                out.counts["rejected"] += 1
                out.counts[f"rejected:{e.rule}"] += 1
                continue
            # One line can hold several records (instances, conversations): each is accounted for.
            out.counts["read"] += len(records) - 1
            out.counts["records_from_lines"] += len(records) - 1
            for rec in records:
                self._record(out, rec, source)
        if batch.error:                         # the unreadable rest of a file counts as one record read
            line, kind, message = batch.error
            out.counts["read"] += 1
            out.counts[f"source:{source.name}:read"] += 1
            out.dead_letter(batch.source, batch.path, line, kind, message, b"")
        out.counts["cleaned"] += len(out.documents)         # "written" is counted where the output is written
        return out

    def _record(self, out: BatchResult, rec: dict, source: SftSource) -> None:
        cleaned, rejection, _ = self.cleaner.clean(rec)
        if rejection is not None:
            rule, reason = rejection
            out.rejected.append({"id": rec["id"], "source": source.name, "rule": rule, "reason": reason, "value": None,
                                 "threshold": None, "text_prefix": (rec.get("instruction") or "")[:TEXT_PREFIX_CHARS],
                                 "lang": rec.get("lang"), "source_file": rec.get("source_file"),
                                 "source_line": rec.get("source_line"), "dup_of": None})
            out.counts["rejected"] += 1
            out.counts[f"rejected:{rule}"] += 1
            return
        cleaned["lang"] = source.lang or self.cleaner.text_lang(cleaned["instruction"] + "\n" + cleaned["output"]) or None
        label = self.taxonomy.classify(cleaned["instruction"], cleaned.get("input") or "", cleaned["lang"], source.label)
        cleaned["category"], cleaned["subcategory"], cleaned["label_source"] = label.category, label.subcategory, label.how
        out.documents.append(cleaned)
        out.counts[f"lang:{cleaned['lang'] or 'unknown'}"] += 1
        out.counts[f"source:{source.name}:cleaned"] += 1
        for flag in cleaned.get("flags") or []:
            out.counts[f"stage:{flag.split(':')[0]}"] += 1



def sft_config(rules: dict, rules_dir: str | Path, sources: dict[str, SftSource]) -> SftConfig:
    reader = rules.get("reader") or {}
    return SftConfig(rules=rules, base_dir=str(rules_dir), taxonomy_path=str(Path(rules_dir) / rules.get("taxonomy", "taxonomy.yaml")),
                     sources=sources, batch_records=reader.get("batch_records", 500),
                     batch_bytes=reader.get("batch_bytes", 4_000_000), split_bytes=reader.get("split_bytes", 8_000_000),
                     max_record_bytes=reader.get("max_record_bytes", DEFAULT_MAX_RECORD_BYTES))

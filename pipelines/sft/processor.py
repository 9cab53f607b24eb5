"""The SFT pipeline's per-record stages, over batches of raw lines, without Beam:
decode -> adapt (format) -> clean and filter (rules) -> language -> taxonomy label.

Built once per worker from the rules, taxonomy and sources (the cleaner and the
classifier hold automata and compiled patterns).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.core import counters as C
from pipelines.core.records import DEFAULT_MAX_RECORD_BYTES, BadRecord, BatchResult, RawBatch, decode_line
from pipelines.sft.adapters import Rejected, adapt, rejected_row
from pipelines.core.steps import StepChain
from pipelines.sft.record_rules import RecordCleaner, build_sensitive_filters, prepared
from pipelines.steps.sft_clean import RAW, sft_fields
from pipelines.steps.sft_label import Label
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
    split_bytes: int = 2_000_000
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES


class SftProcessor:
    """Adapts a batch's lines into records and runs them through the steps: the cleaner's (cleaning,
    filters) and the label. With trace=True, the result carries every record's trace."""

    def __init__(self, config: SftConfig, trace: bool = False):
        self.config = config
        sensitive = build_sensitive_filters(config.rules, config.base_dir)
        self.cleaner = RecordCleaner.from_rules(config.rules, config.base_dir, sensitive=sensitive)
        self.taxonomy = load_taxonomy(config.taxonomy_path)
        sources = config.sources.values()
        label = Label(self.taxonomy, {s.name: s.lang for s in sources}, {s.name: s.label for s in sources}, self.cleaner.langid)
        self.steps = StepChain([*self.cleaner.steps, label], view=sft_fields)
        self.trace = trace
        self.parse_seconds = 0.0                # with self.steps.seconds (per step): where a worker's time goes

    @property
    def seconds(self) -> dict[str, float]:
        """Seconds spent parsing, and in each step, over every batch so far."""
        return {"parse": self.parse_seconds, **self.steps.seconds}

    def rows(self):
        return self.cleaner.rows()

    def process(self, batch: RawBatch) -> BatchResult:
        t0 = time.perf_counter()
        out = BatchResult()
        source = self.config.sources[batch.source]
        records, raws, early = [], {}, []
        for line, raw in out.read(batch, self.config.max_record_bytes, early):
            try:
                adapted = adapt(decode_line(raw), source.format, source.name, f"{source.name}:{line}", source.field_map,
                                source_file=batch.path, source_line=line)
            except BadRecord as e:
                out.dead_letter(batch.source, batch.path, line, e.kind, str(e), raw)
                continue
            except Rejected as e:
                early.append(rejected_row(e, source.name, batch.path, line))
                continue
            # One line can hold several records (instances, conversations): each is accounted for.
            out.counts[C.READ] += len(adapted) - 1
            out.counts[C.total("records_from_lines")] += len(adapted) - 1
            records.extend(prepared(r) for r in adapted)
            raws[line] = raw
        traces = [] if self.trace else None
        self.parse_seconds += time.perf_counter() - t0
        kept, rejected, failed = self.steps.run(records, out.counts, traces)
        out.processing_errors(batch, failed, raws)
        rows = [{"dup_of": None, **r} for r in early] + [self._reject_row(rec, reject, source.name) for rec, reject, _ in rejected]
        out.rejected = sorted(rows, key=lambda r: r["source_line"] if r["source_line"] is not None else -1)   # input order
        for row in out.rejected:
            out.counts[C.N_REJECTED] += 1
            out.counts[C.rejected(row["rule"])] += 1
        for rec in kept:
            rec.pop(RAW, None)
        out.documents = kept
        if traces is not None:
            out.traces = list(zip(records, traces))
        out.unreadable_rest(batch)
        out.counts[C.CLEANED] += len(out.documents)         # "written" is counted where the output is written
        return out

    @staticmethod
    def _reject_row(rec: dict, reject, source: str) -> dict:
        return {"id": rec["id"], "source": source, "rule": reject.rule, "reason": reject.reason, "value": None,
                "threshold": None, "text_prefix": rec[RAW]["instruction"][:TEXT_PREFIX_CHARS],
                "lang": rec.get("lang"), "source_file": rec.get("source_file"), "source_line": rec.get("source_line"),
                "dup_of": None}


def sft_config(rules: dict, rules_dir: str | Path, sources: dict[str, SftSource]) -> SftConfig:
    reader = rules.get("reader") or {}
    return SftConfig(rules=rules, base_dir=str(rules_dir), taxonomy_path=str(Path(rules_dir) / rules.get("taxonomy", "taxonomy.yaml")),
                     sources=sources, batch_records=reader.get("batch_records", 500),
                     batch_bytes=reader.get("batch_bytes", 4_000_000), split_bytes=reader.get("split_bytes", 2_000_000),
                     max_record_bytes=reader.get("max_record_bytes", DEFAULT_MAX_RECORD_BYTES))

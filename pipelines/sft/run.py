"""The SFT (instruction-tuning) corpus pipeline.

    python -m pipelines.sft --sources SOURCES.{json,yaml} --output OUT \
        [--rules cleaning_rules/sft.yaml] [--overwrite] [Beam options]

Reads each source with its format's adapter (pipelines/sft/adapters.py), cleans
and filters every record (cleaning_rules/sft.yaml), labels it with the taxonomy
(cleaning_rules/taxonomy.yaml), removes exact and near duplicates on instruction
+ input (the pretraining dedupe stages), and optionally samples to the taxonomy's
category shares (`mix.target`). Writes OUT/data/ (schemas/sft.py), OUT/rejected/,
OUT/dead_letter/, OUT/sampled_out/ and OUT/manifest.json with the same
accounting as the pretraining pipeline, and the category / subcategory mix.
"""
from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.beam import storage as mf
from pipelines.beam.command import Command, Job, UsageError, check_patterns, dedupe_removed, staging
from pipelines.beam.dedupe_output import CLUSTER_COLUMNS
from pipelines.beam.graph import build_corpus_pipeline
from pipelines.beam.sft_transforms import SftCleaning
from pipelines.core.manifest import FileRef
from pipelines.dedupe.config import DedupeConfig
from pipelines.report import report_line
from pipelines.core.rules import DEFAULT_SFT_RULES, SFT_RULES_SCHEMA, RulesError, load_rules
from pipelines.sft.processor import SftConfig, SftProcessor, sft_config
from pipelines.sft.record_rules import SftRulesError
from pipelines.sft.sources import SftSourcesFile, load_sft_sources
from pipelines.sft.taxonomy import load_taxonomy
from pipelines.core.sources import SourcesError
from schemas import pretrain as pretrain_schema
from schemas import sft as schema

OUTPUT_SCHEMA = pa.schema(list(schema.SFT_RECORD) + [f for f in pretrain_schema.DOCUMENT if f.name in CLUSTER_COLUMNS],
                          metadata=schema.SFT_RECORD.metadata)


def add_arguments(parser) -> None:
    parser.add_argument("--sources", help="sources file (JSON or YAML): source -> {format, files, label} (required)")
    parser.add_argument("--rules", default=str(DEFAULT_SFT_RULES), help="rules file (default: cleaning_rules/sft.yaml)")


def build_pipeline(p: beam.Pipeline, config: SftConfig, dedupe: DedupeConfig, sources: SftSourcesFile, output: str,
                   stats: str) -> None:
    specs = [(s.name, "jsonl", pattern) for s in sources.sources for pattern in s.patterns]
    build_corpus_pipeline(p, specs, SftCleaning(config), dedupe, OUTPUT_SCHEMA, output, staging(output), stats,
                          config.split_bytes, config.batch_records, config.batch_bytes, config.max_record_bytes)


def mix_config(rules: dict, taxonomy_path: str) -> DedupeConfig:
    """Dedupe on instruction + input, and the mix: sampling by category to the taxonomy's shares."""
    mix = rules.get("mix") or {}
    target = {("documents" if unit == "records" else unit): v for unit, v in (mix.get("target") or {}).items()}
    shares = {c.id: c.share for c in load_taxonomy(taxonomy_path).categories}
    dedupe = DedupeConfig.from_rules(rules.get("dedupe") or {"enabled": True, "mode": "drop"},
                                     {"target": target, "seed": mix.get("seed", 1)})
    return dataclasses.replace(dedupe, sampling=dataclasses.replace(dedupe.sampling, by_lang=False, shares=shares))


def prepare(args) -> Job:
    try:
        loaded = load_rules(args.rules, SFT_RULES_SCHEMA)
        rules = loaded.data
        sources = load_sft_sources(args.sources)
        config = sft_config(rules, Path(args.rules).parent, {s.name: s for s in sources.sources})
        dedupe = mix_config(rules, config.taxonomy_path)
        SftProcessor(config)             # what every worker builds (custom steps included) builds here first
    except RulesError as e:
        raise UsageError(str(e)) from None
    except (SftRulesError, SourcesError, ValueError, OSError) as e:
        raise UsageError(f"{args.rules}: {e}") from None
    check_patterns(sources)
    short_ratio = (rules.get("mix") or {}).get("short_of_data_below", 0.5)
    return Job(rules=loaded, dedupe=dedupe, description=f"{len(sources.sources)} source(s)",
               build=lambda p, output, stats: build_pipeline(p, config, dedupe, sources, output, stats),
               sources_file=FileRef(sources.path, sources.sha256),
               sources={s.name: {"format": s.format, "files": list(s.patterns), "label": s.label} for s in sources.sources},
               after=lambda output: {"mix": mix_report(output, config.taxonomy_path, short_ratio)})


def mix_report(output: str, taxonomy_path: str, short_ratio: float = 0.5) -> dict:
    """Achieved vs target share per category and subcategory of the written records; subcategories
    below `short_ratio` x their target are listed as short of data."""
    taxonomy = load_taxonomy(taxonomy_path)
    cats, subs = Counter(), Counter()
    for m in FileSystems.match([mf.join(output, "data", "*.parquet")])[0].metadata_list:
        with FileSystems.open(m.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            t = pq.read_table(f, columns=["category", "subcategory"], use_threads=False)
        cats.update(t.column("category").to_pylist())
        subs.update(t.column("subcategory").to_pylist())
    total = sum(cats.values()) or 1
    target_sub = taxonomy.target_shares(absolute=True)
    categories = {c.id: {"target": round(c.share, 4), "achieved": round(cats[c.id] / total, 4), "records": cats[c.id]}
                  for c in taxonomy.categories}
    subcategories = {sid: {"target": round(share, 4), "achieved": round(subs[sid] / total, 4), "records": subs[sid]}
                     for sid, share in target_sub.items()}
    short = sorted(sid for sid, v in subcategories.items() if v["achieved"] < short_ratio * v["target"])
    return {"records": sum(cats.values()), "categories": categories, "subcategories": subcategories, "short_of_data": short}


def summary(m: dict) -> str:
    c, a, d = m["counts"], m["accounting"], m["dedupe"]
    top = sorted(m["mix"]["categories"].items(), key=lambda kv: -kv[1]["records"])
    return (f"sft: {c['read']} records read in {m['seconds']:.1f} s\n  written      {c['written']}\n  rejected     {c['rejected']}"
            + "".join(f"\n    {k:<26} {v}" for k, v in sorted(c["by_rule"].items()))
            + f"\n  dead letters {c['dead_letter']}\n  sampled out  {c['sampled_out']}"
            + f"\n  dedupe       {dedupe_removed(d)}"
            + "\n  categories   " + ", ".join(f"{k} {v['records']}" for k, v in top)
            + f"\n  short of data: {len(m['mix']['short_of_data'])} subcategories"
            + f"\n  accounting   {'holds' if a['holds'] else 'DOES NOT HOLD'}\nmanifest: {mf.join(m['output'], 'manifest.json')}"
            + f"\n{report_line(m['output'])}")


COMMAND = Command("sft", "python -m pipelines.sft", __doc__, add_arguments, ("sources",), prepare, summary)
run, main = COMMAND.run, COMMAND.main

if __name__ == "__main__":
    sys.exit(main())

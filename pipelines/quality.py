"""Train the quality classifier (reference vs raw web text).

    python -m pipelines.quality train --positive REF_FILES... --negative WEB_FILES... \
        --output cleaning_rules/models/quality.npz [--max-docs 20000] [--holdout 0.1]

Inputs are JSONL (a `text` field per line; .gz too) or Parquet files with a
`text` column, e.g. the pipeline's own OUT/data/*.parquet. Prints held-out
accuracy and the score distribution of each class, so a curator can choose
`quality.min_score` or the Pareto `alpha` in cleaning_rules/pretrain.yaml.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import random
import sys

import numpy as np
import pyarrow.parquet as pq

from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA
from pipelines.core.rules import RulesError, load_rules
from pipelines.text.normalize import NormalizeConfig, Normalizer
from pipelines.text.quality_model import train


def read_texts(patterns: list[str], max_docs: int, seed: int, clean: Normalizer) -> list[str]:
    texts: list[str] = []
    for pattern in patterns:
        paths = sorted(glob.glob(pattern)) or [pattern]
        for path in paths:
            if path.endswith(".parquet"):
                texts.extend(t for t in pq.read_table(path, columns=["text"], use_threads=False).column("text").to_pylist() if isinstance(t, str))
                continue
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(obj, dict) and isinstance(obj.get("text"), str) and obj["text"].strip():
                        texts.append(obj["text"])
    random.Random(seed).shuffle(texts)
    return [clean(t)[0] for t in texts[:max_docs]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model from reference (positive) and raw web (negative) texts")
    t.add_argument("--positive", nargs="+", required=True)
    t.add_argument("--negative", nargs="+", required=True)
    t.add_argument("--output", required=True)
    t.add_argument("--max-docs", type=int, default=20000, help="per class")
    t.add_argument("--holdout", type=float, default=0.1)
    t.add_argument("--n-features", type=int, default=2**18)
    t.add_argument("--C", type=float, default=1.0)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--rules", default=str(DEFAULT_RULES), help="texts are normalized as this rules file says, like the pipeline does")
    a = ap.parse_args(argv)
    try:
        clean = Normalizer(NormalizeConfig.from_rules(load_rules(a.rules, RULES_SCHEMA).data["normalize"]))
    except RulesError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    pos, neg = read_texts(a.positive, a.max_docs, a.seed, clean), read_texts(a.negative, a.max_docs, a.seed, clean)
    n_pos, n_neg = int(len(pos) * a.holdout), int(len(neg) * a.holdout)
    try:
        model = train(pos[n_pos:], neg[n_neg:], a.n_features, a.C, a.seed)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = {"train": {"positive": len(pos) - n_pos, "negative": len(neg) - n_neg}}
    if n_pos and n_neg:
        sp, sn = model.score(pos[:n_pos]), model.score(neg[:n_neg])
        report["holdout"] = {
            "accuracy": round(float(((sp >= 0.5).sum() + (sn < 0.5).sum()) / (n_pos + n_neg)), 4),
            "positive_score_quantiles": [round(float(q), 3) for q in np.quantile(sp, [0.05, 0.25, 0.5, 0.75])],
            "negative_score_quantiles": [round(float(q), 3) for q in np.quantile(sn, [0.25, 0.5, 0.75, 0.95])],
        }
    model.meta.update(report)
    model.save(a.output)
    print(json.dumps(report, indent=1))
    print(f"model written to {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

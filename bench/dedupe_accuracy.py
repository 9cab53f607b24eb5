"""Scores the duplicate-removal stage of a pretraining run against the corpus's truth.jsonl.

    python -m bench.dedupe_accuracy OUTPUT_DIR TRUTH RAW_DIR

OUTPUT_DIR is a pipeline run (data/, rejected/, optionally sampled_out/ Parquet files); TRUTH is
truth.jsonl and RAW_DIR the raw/ folder (or the corpus folder above it) written by
shared/bench/make_corpus.py --kind pretrain. Prints JSON; exit status 1 when a target is missed.

Only records that reached dedupe count: kept (data/), rejected with rule exact_duplicate or
near_duplicate, and sampled out (sampled_out/: sampling runs after dedupe, so these survived it;
they are counted apart as "sampled", never as removals, and count as survivors of their
cluster). Records rejected by other rules were dropped before dedupe and are left out.

Figures (targets from the issue):
  clusters_one_survivor   truth clusters with >= 1 member reaching dedupe that keep exactly one
                          member (>= 95 %); also the shares with none and with more than one
  exact_dup_removed       exact_dup records reaching dedupe removed as duplicates (>= 97 %); a
                          record that is the only member of its cluster to reach dedupe (the
                          others dropped by quality filters) is not scored here (exact_dup_alone)
  near_dup_removed        near_dup records, likewise (>= 90 %; near_dup_alone)
  outside_removed         records in no truth cluster (originals without "cluster", junk)
                          removed as duplicates (<= 1 %)
  outside_false_merge     the same records removed as duplicates of a dup_of whose text has
                          character 5-gram Jaccard < 0.5 with theirs (<= 0.3 %)
  precision               removals that are right: removed record and its dup_of in the same
                          truth cluster, or 5-gram Jaccard >= 0.5 between them (no target)
  recall                  right removals / truth duplicates reaching dedupe, per cluster capped at
                          (members reaching dedupe - 1): every member beyond one is a duplicate
Jaccard is taken on the raw input texts (records found by id in RAW_DIR): character 5-grams of
the case-folded text with all whitespace removed (a text shorter than 5 is one gram). A removal
whose dup_of is missing or not found in the raw input counts as wrong (unverifiable).
Ids of the run that are not in the truth are counted (unknown_ids) and otherwise ignored.

``weight_sums(OUTPUT_DIR)`` checks weight mode ("soft" dedupe: every member kept, sharing a
cluster_id, weight 1/cluster size): the weights of each cluster_id in data/ must sum to 1
(max deviation <= 1e-6). The figures above score drop mode; in weight mode nobody is removed, so
they read as "nothing deduplicated" (use --weights / weight_sums there).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from bench.pretrain_accuracy import read_jsonl

DUP_RULES = ("exact_duplicate", "near_duplicate")
TARGETS = {
    "clusters_one_survivor": (">=", 0.95),
    "exact_dup_removed": (">=", 0.97),
    "near_dup_removed": (">=", 0.90),
    "outside_removed": ("<=", 0.01),
    "outside_false_merge": ("<=", 0.003),
}
WEIGHT_TOLERANCE = 1e-6
JACCARD_SAME = 0.5

_WS = re.compile(r"\s+")


def read_folder(output_dir: Path, folder: str, columns: list[str]) -> list[dict]:
    """Rows of every Parquet file under output_dir/folder (missing folder: none); columns a file
    lacks come back as None."""
    rows: list[dict] = []
    for f in sorted((Path(output_dir) / folder).glob("**/*.parquet")):
        names = set(pq.read_schema(f).names)
        table = pq.read_table(f, columns=[c for c in columns if c in names]).to_pylist()
        rows.extend({c: r.get(c) for c in columns} for r in table)
    return rows


def char_grams(text: str, n: int = 5) -> set[str]:
    s = _WS.sub("", text).casefold()
    if len(s) <= n:
        return {s} if s else set()
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def char_jaccard(a: str, b: str, n: int = 5) -> float:
    ga, gb = char_grams(a, n), char_grams(b, n)
    if not ga and not gb:
        return 1.0
    inter = len(ga & gb)
    return inter / (len(ga) + len(gb) - inter)


def raw_texts_by_id(raw_dir: Path, ids: set[str]) -> dict[str, str]:
    """Text of each wanted id from raw/<source>/*.jsonl (first occurrence; lines that are not a
    JSON object with string id and text are skipped)."""
    raw_dir = Path(raw_dir)
    if (raw_dir / "raw").is_dir():
        raw_dir = raw_dir / "raw"
    out: dict[str, str] = {}
    if not ids:
        return out
    for path in sorted(raw_dir.glob("**/*.jsonl")):
        with open(path, "rb") as f:
            for line in f:
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    rid, text = obj.get("id"), obj.get("text")
                    if rid in ids and isinstance(text, str) and rid not in out:
                        out[rid] = text
    return out


def _share(hit: int, n: int) -> float:
    return round(hit / n, 6) if n else 0.0


def cleaned_texts_by_id(cleaned_dir: Path, ids: set[str]) -> dict[str, str]:
    """Texts as the dedupe stage saw them (after normalization and Traditional->Simplified) from
    Parquet documents under cleaned_dir."""
    import pyarrow.parquet as pq
    out: dict[str, str] = {}
    for path in sorted(Path(cleaned_dir).glob("**/*.parquet")):
        t = pq.read_table(path, columns=["id", "text"])
        for rid, text in zip(t.column("id").to_pylist(), t.column("text").to_pylist()):
            if rid in ids and rid not in out:
                out[rid] = text
    return out


def evaluate_dedupe(output_dir, truth_path, raw_dir, cleaned_dir=None) -> dict:
    """cleaned_dir: documents as they entered dedupe; their texts decide the Jaccard of a removal
    (a Traditional copy converted to Simplified is compared as converted). Raw texts otherwise."""
    output_dir = Path(output_dir)
    truth = {t["id"]: t for t in read_jsonl(Path(truth_path))}
    kept_rows = read_folder(output_dir, "data", ["id"])
    rejected_rows = read_folder(output_dir, "rejected", ["id", "rule", "dup_of"])
    sampled_rows = read_folder(output_dir, "sampled_out", ["id"])

    kept = {r["id"] for r in kept_rows}
    sampled = {r["id"] for r in sampled_rows}
    removed = {r["id"]: r["dup_of"] for r in rejected_rows if r["rule"] in DUP_RULES}
    removed_rule = {r["id"]: r["rule"] for r in rejected_rows if r["rule"] in DUP_RULES}
    reached_all = kept | sampled | set(removed)
    unknown = reached_all - truth.keys()
    reached = reached_all - unknown

    # Raw texts of removed records and of what they were removed as duplicates of.
    need = {i for i in removed if i in truth} | {d for i, d in removed.items() if i in truth and isinstance(d, str)}
    texts = cleaned_texts_by_id(Path(cleaned_dir), need) if cleaned_dir else {}
    texts.update({k: v for k, v in raw_texts_by_id(Path(raw_dir), need - texts.keys()).items()})

    def cluster(rid):
        t = truth.get(rid)
        return t.get("cluster") if t else None

    jaccard: dict[str, float | None] = {}
    right: dict[str, bool] = {}
    for rid, dup_of in removed.items():
        if rid not in truth:
            continue
        j = char_jaccard(texts[rid], texts[dup_of]) if rid in texts and dup_of in texts else None
        jaccard[rid] = j
        same_cluster = cluster(rid) is not None and cluster(rid) == cluster(dup_of)
        right[rid] = same_cluster or (j is not None and j >= JACCARD_SAME)

    # Truth clusters.
    members: dict[str, list[str]] = defaultdict(list)
    for rid in reached:
        c = cluster(rid)
        if c is not None:
            members[c].append(rid)
    one = zero = many = 0
    truth_dups = truth_dups_removed = 0
    for c, ms in members.items():
        survivors = sum(m not in removed for m in ms)
        one += survivors == 1
        zero += survivors == 0
        many += survivors > 1
        truth_dups += len(ms) - 1
        truth_dups_removed += min(sum(right.get(m, False) for m in ms if m in removed), len(ms) - 1)
    n_clusters = len(members)

    r: dict = {"reached_dedupe": len(reached), "kept": len(kept - unknown), "sampled": len(sampled - unknown),
               "removed_as_duplicate": sum(i in truth for i in removed),
               "removed_by_rule": {rule: sum(1 for i, x in removed_rule.items() if x == rule and i in truth) for rule in DUP_RULES},
               "unknown_ids": len(unknown), "ids_kept_and_removed": len((kept | sampled) & set(removed)),
               "clusters": n_clusters, "clusters_one_survivor": _share(one, n_clusters),
               "clusters_zero_survivors": _share(zero, n_clusters), "clusters_many_survivors": _share(many, n_clusters),
               "clusters_one_survivor_n": one, "clusters_zero_survivors_n": zero, "clusters_many_survivors_n": many}

    for kind in ("exact_dup", "near_dup"):
        ks = [i for i in reached if truth[i]["kind"] == kind]
        alone = [i for i in ks if len(members[cluster(i)]) == 1]      # nothing left to be a duplicate of
        scored = [i for i in ks if len(members[cluster(i)]) > 1]
        hit = sum(i in removed for i in scored)
        r.update({f"{kind}_reached": len(ks), f"{kind}_alone": len(alone), f"{kind}_removed_n": hit,
                  f"{kind}_removed": _share(hit, len(scored))})

    outside = [i for i in reached if cluster(i) is None and truth[i]["kind"] in ("original", "junk")]
    out_removed = [i for i in outside if i in removed]
    false_merge = [i for i in out_removed if jaccard.get(i) is None or jaccard[i] < JACCARD_SAME]
    r.update(outside_reached=len(outside), outside_removed_n=len(out_removed), outside_removed=_share(len(out_removed), len(outside)),
             outside_false_merge_n=len(false_merge), outside_false_merge=_share(len(false_merge), len(outside)))

    n_removed = len(right)
    n_right = sum(right.values())
    r.update(precision_right_n=n_right, precision=_share(n_right, n_removed),
             recall_truth_duplicates=truth_dups, recall_removed_n=truth_dups_removed, recall=_share(truth_dups_removed, truth_dups),
             dup_of_unverifiable=sum(j is None for j in jaccard.values()))
    r["false_merge_examples"] = [{"id": i, "dup_of": removed[i], "jaccard": None if jaccard[i] is None else round(jaccard[i], 3)}
                                 for i in sorted(false_merge)[:10]]
    r["passes"] = {k: (r[k] >= v if op == ">=" else r[k] <= v) for k, (op, v) in TARGETS.items()}
    return r


def weight_sums(output_dir) -> dict:
    """Weight mode: per cluster_id in data/, |sum of weight - 1|. A row without cluster_id is its
    own cluster. Also counts rows whose cluster_size differs from the rows sharing their cluster_id."""
    rows = read_folder(Path(output_dir), "data", ["id", "cluster_id", "cluster_size", "weight"])
    sums: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    missing_weight = 0
    for r in rows:
        cid = r["cluster_id"] if r["cluster_id"] is not None else "id:" + str(r["id"])
        if r["weight"] is None:
            missing_weight += 1
        sums[cid] += r["weight"] or 0.0
        count[cid] += 1
    worst = max(sums, key=lambda c: abs(sums[c] - 1.0), default=None)
    max_dev = abs(sums[worst] - 1.0) if worst is not None else 0.0
    size_mismatch = sum(1 for r in rows if r["cluster_id"] is not None and r["cluster_size"] != count[r["cluster_id"]])
    return {"docs": len(rows), "clusters": len(sums), "multi_member_clusters": sum(n > 1 for n in count.values()),
            "max_abs_weight_sum_minus_1": max_dev, "worst_cluster": worst, "missing_weight": missing_weight,
            "cluster_size_mismatch_rows": size_mismatch,
            "passes": {"weight_sums": max_dev <= WEIGHT_TOLERANCE and not missing_weight}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output_dir", type=Path)
    ap.add_argument("truth", type=Path)
    ap.add_argument("raw_dir", type=Path)
    ap.add_argument("--weights", action="store_true", help="also check weight-mode sums (weight_sums)")
    a = ap.parse_args(argv)
    result = evaluate_dedupe(a.output_dir, a.truth, a.raw_dir)
    if a.weights:
        result["weights"] = weight_sums(a.output_dir)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = all(result["passes"].values()) and all(result.get("weights", {}).get("passes", {}).values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

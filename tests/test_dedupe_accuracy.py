"""bench/dedupe_accuracy.py on a tiny hand-made run, and bench/dedupe_reference.py on a few documents."""
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.dedupe_accuracy import char_jaccard, evaluate_dedupe, weight_sums
from bench.dedupe_reference import load_raw_dir, run_reference
from tests.conftest import write_lines

RNG = random.Random(7)
VOCAB = ["".join(RNG.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(RNG.randint(4, 9))) for _ in range(3000)]


def words(n: int, seed: int) -> str:
    r = random.Random(seed)
    return " ".join(r.choice(VOCAB) for _ in range(n))


def near_copy(text: str, seed: int, edits: int = 2) -> str:
    r = random.Random(seed)
    ws = text.split()
    for _ in range(edits):
        ws[r.randrange(len(ws))] = r.choice(VOCAB)
    return " ".join(ws)


def hanzi(n: int, seed: int) -> str:
    r = random.Random(seed)
    return "".join(chr(r.randint(0x4E00, 0x9FA5)) for _ in range(n))


# The run: (id, kind, cluster, dup_of in truth, text, fate in the output). Fate: "kept",
# "sampled", ("dup", rule, dup_of), ("quality",) = rejected before dedupe, "dead" = dead letter.
TEXT = {k: words(80, i) for i, k in enumerate("ABCDEFGIJKPQRS")}
TEXT.update({"A.x0": TEXT["A"], "B.n0": near_copy(TEXT["B"], 1), "B.n1": near_copy(TEXT["B"], 2), "C.x0": TEXT["C"],
             "D.n0": near_copy(TEXT["D"], 3), "H": TEXT["G"], "P.x0": TEXT["P"], "Q.n0": near_copy(TEXT["Q"], 4), "R.x0": TEXT["R"]})
RECORDS = [
    ("A", "original", "c0", None, ("kept",)),                               # cluster with one survivor
    ("A.x0", "exact_dup", "c0", "A", ("dup", "exact_duplicate", "A")),      # exact dup removed
    ("B", "original", "c1", None, ("kept",)),                               # cluster with two survivors:
    ("B.n0", "near_dup", "c1", "B", ("dup", "near_duplicate", "B")),
    ("B.n1", "near_dup", "c1", "B", ("kept",)),                             # near dup missed
    ("C", "original", "c2", None, ("quality",)),                            # original dropped before dedupe,
    ("C.x0", "exact_dup", "c2", "C", ("kept",)),                            # its copy alone reaches it
    ("D", "original", "c3", None, ("quality",)),                            # whole cluster dropped before dedupe
    ("D.n0", "near_dup", "c3", "D", ("quality",)),
    ("E", "original", None, None, ("kept",)),
    ("F", "original", None, None, ("dup", "near_duplicate", "E")),          # false merge of unrelated documents
    ("G", "original", None, None, ("kept",)),
    ("H", "original", None, None, ("dup", "exact_duplicate", "G")),         # natural duplicate outside clusters
    ("I", "original", None, None, ("kept",)),
    ("J", "junk", None, None, ("kept",)),
    ("K", "junk", None, None, ("quality",)),
    ("S", "original", None, None, ("sampled",)),
    ("P", "original", "c4", None, ("sampled",)),                            # survivor sampled out after dedupe
    ("P.x0", "exact_dup", "c4", "P", ("dup", "exact_duplicate", "P")),
    ("Q", "original", "c5", None, ("kept",)),
    ("Q.n0", "near_dup", "c5", "Q", ("dup", "near_duplicate", "I")),        # removed, but as a copy of the wrong doc
    ("R", "original", "c6", None, ("dup", "exact_duplicate", "R.x0")),      # both members removed: no survivor
    ("R.x0", "exact_dup", "c6", "R", ("dup", "exact_duplicate", "R")),
]


def _write(path, rows, schema):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


DATA_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.large_string()), ("lang", pa.string()),
                         ("cluster_id", pa.string()), ("cluster_size", pa.int64()), ("weight", pa.float64())])
REJECTED_SCHEMA = pa.schema([("id", pa.string()), ("source", pa.string()), ("rule", pa.string()), ("reason", pa.string()),
                             ("value", pa.float64()), ("threshold", pa.float64()), ("text_prefix", pa.string()), ("lang", pa.string()),
                             ("source_file", pa.string()), ("source_line", pa.int64()), ("dup_of", pa.string())])


def build_corpus(root):
    """truth.jsonl + raw/en_web/part-00000.jsonl (with two malformed lines) under root."""
    raw = root / "raw" / "en_web" / "part-00000.jsonl"
    lines, truth = [], []
    for n, (rid, kind, cluster, dup_of, _) in enumerate(RECORDS, 1):
        lines.append({"id": rid, "text": TEXT[rid]})
        t = {"file": "raw/en_web/part-00000.jsonl", "line": n, "id": rid, "kind": kind, "source": "en_web"}
        if cluster:
            t["cluster"] = cluster
        if dup_of:
            t["dup_of"] = dup_of
        truth.append(t)
    lines += [b'{"id": "M1", "text": "caf\xe9 \xff\xfe broken bytes"}', '{"id": "broken", "text": "unterminated']
    truth += [{"file": "raw/en_web/part-00000.jsonl", "line": len(lines) - 1, "id": "M1", "kind": "malformed", "source": "en_web"},
              {"file": "raw/en_web/part-00000.jsonl", "line": len(lines), "id": "M2", "kind": "malformed", "source": "en_web"}]
    write_lines(raw, lines)
    write_lines(root / "truth.jsonl", truth)
    return root / "truth.jsonl", root / "raw"


def write_run(out, fates: dict, extra_kept=()):
    kept, rejected, sampled = [], [], []
    for line, (rid, *_rest) in enumerate(RECORDS, 1):
        fate = fates[rid]
        if fate[0] == "kept":
            kept.append({"id": rid, "text": TEXT[rid], "lang": "en", "cluster_id": rid, "cluster_size": 1, "weight": 1.0})
        elif fate[0] == "sampled":
            sampled.append({"id": rid})
        elif fate[0] in ("dup", "quality"):
            rule, dup_of = (fate[1], fate[2]) if fate[0] == "dup" else ("quality_score", None)
            rejected.append({"id": rid, "source": "en_web", "rule": rule, "reason": "test", "value": None, "threshold": None,
                             "text_prefix": TEXT[rid][:20], "lang": "en", "source_file": "raw/en_web/part-00000.jsonl",
                             "source_line": line, "dup_of": dup_of})
    kept += [{"id": rid, "text": "x", "lang": "en", "cluster_id": rid, "cluster_size": 1, "weight": 1.0} for rid in extra_kept]
    # Two data files, as a multi-worker run writes.
    _write(out / "data" / "part-00000-of-00002.parquet", kept[:3], DATA_SCHEMA)
    _write(out / "data" / "part-00001-of-00002.parquet", kept[3:], DATA_SCHEMA)
    _write(out / "rejected" / "part-00000-of-00001.parquet", rejected, REJECTED_SCHEMA)
    if sampled:
        _write(out / "sampled_out" / "part-00000-of-00001.parquet", sampled, pa.schema([("id", pa.string())]))
    return out


def test_texts_are_what_the_cases_need():
    assert char_jaccard(TEXT["B"], TEXT["B.n0"]) > 0.8
    assert char_jaccard(TEXT["F"], TEXT["E"]) < 0.5
    assert char_jaccard(TEXT["Q.n0"], TEXT["I"]) < 0.5
    assert char_jaccard("Ab  c dEf", "abcdef") == 1.0


def test_scores_a_hand_made_run(tmp_path):
    truth, raw = build_corpus(tmp_path / "corpus")
    out = write_run(tmp_path / "out", {rid: fate for rid, *_x, fate in RECORDS}, extra_kept=["h:0123"])
    r = evaluate_dedupe(out, truth, raw)
    # Reached dedupe: everything but C, D, D.n0, K (quality) and the malformed lines.
    assert r["reached_dedupe"] == 19
    assert (r["kept"], r["sampled"], r["removed_as_duplicate"]) == (9, 2, 8)
    assert r["removed_by_rule"] == {"exact_duplicate": 5, "near_duplicate": 3}
    assert r["unknown_ids"] == 1 and r["ids_kept_and_removed"] == 0
    # c0, c2 (only C.x0 reached), c4 (P sampled out), c5 keep one; c1 keeps two; c6 none; c3 never reached.
    assert r["clusters"] == 6
    assert (r["clusters_one_survivor_n"], r["clusters_zero_survivors_n"], r["clusters_many_survivors_n"]) == (4, 1, 1)
    assert r["clusters_one_survivor"] == pytest.approx(4 / 6, abs=1e-6)
    assert r["clusters_zero_survivors"] == pytest.approx(1 / 6, abs=1e-6)
    assert r["clusters_many_survivors"] == pytest.approx(1 / 6, abs=1e-6)
    # exact_dup: A.x0, C.x0, P.x0, R.x0 reached; C.x0 kept, rightly: nothing else of c2 reached dedupe,
    # so it is not scored. near_dup: B.n0, B.n1, Q.n0; B.n1 kept.
    assert (r["exact_dup_reached"], r["exact_dup_alone"], r["exact_dup_removed_n"], r["exact_dup_removed"]) == (4, 1, 3, 1.0)
    assert (r["near_dup_reached"], r["near_dup_alone"], r["near_dup_removed_n"]) == (3, 0, 2)
    assert r["near_dup_removed"] == pytest.approx(2 / 3, abs=1e-6)
    # Outside clusters: E F G H I S and junk J; F (false merge) and H (natural duplicate) removed.
    assert (r["outside_reached"], r["outside_removed_n"], r["outside_false_merge_n"]) == (7, 2, 1)
    assert r["outside_removed"] == pytest.approx(2 / 7, abs=1e-6)
    assert r["outside_false_merge"] == pytest.approx(1 / 7, abs=1e-6)
    assert [e["id"] for e in r["false_merge_examples"]] == ["F"]
    # Removals: A.x0 B.n0 H P.x0 R R.x0 right; F and Q.n0 (copy of I) wrong.
    assert (r["precision_right_n"], r["precision"]) == (6, 0.75)
    # Truth duplicates: c0 1, c1 2, c2 0, c4 1, c5 1, c6 1; right removals (capped): 1, 1, 0, 1, 0, 1.
    assert (r["recall_truth_duplicates"], r["recall_removed_n"]) == (6, 4)
    assert r["recall"] == pytest.approx(4 / 6, abs=1e-6)
    assert r["dup_of_unverifiable"] == 0
    assert r["passes"] == {"clusters_one_survivor": False, "exact_dup_removed": True, "near_dup_removed": False,
                           "outside_removed": False, "outside_false_merge": False}


def test_a_perfect_run_passes(tmp_path):
    truth, raw = build_corpus(tmp_path / "corpus")
    fates = {}
    for rid, kind, cluster, dup_of, fate in RECORDS:
        if fate[0] == "quality":
            fates[rid] = fate
        elif kind in ("exact_dup", "near_dup") and rid != "C.x0":
            fates[rid] = ("dup", "exact_duplicate" if kind == "exact_dup" else "near_duplicate", dup_of)
        else:
            fates[rid] = ("kept",)
    r = evaluate_dedupe(write_run(tmp_path / "out", fates), truth, raw)
    assert all(r["passes"].values()), r
    assert (r["clusters_one_survivor"], r["precision"], r["recall"], r["outside_removed"]) == (1.0, 1.0, 1.0, 0.0)
    assert r["sampled"] == 0


def test_unverifiable_dup_of_counts_as_false_merge(tmp_path):
    truth, raw = build_corpus(tmp_path / "corpus")
    fates = {rid: ("kept",) for rid, *_ in RECORDS}
    fates["E"] = ("dup", "near_duplicate", "no-such-id")
    r = evaluate_dedupe(write_run(tmp_path / "out", fates), truth, raw)
    assert (r["outside_removed_n"], r["outside_false_merge_n"], r["dup_of_unverifiable"], r["precision"]) == (1, 1, 1, 0.0)


def test_weight_sums(tmp_path):
    schema = DATA_SCHEMA
    rows = ([{"id": f"a{i}", "text": "t", "lang": "en", "cluster_id": "ka", "cluster_size": 3, "weight": 1 / 3} for i in range(3)]
            + [{"id": "b0", "text": "t", "lang": "en", "cluster_id": "kb", "cluster_size": 1, "weight": 1.0},
               {"id": "c0", "text": "t", "lang": "en", "cluster_id": None, "cluster_size": 1, "weight": 1.0}])
    _write(tmp_path / "good" / "data" / "part-0.parquet", rows, schema)
    r = weight_sums(tmp_path / "good")
    assert (r["docs"], r["clusters"], r["multi_member_clusters"], r["cluster_size_mismatch_rows"]) == (5, 3, 1, 0)
    assert r["max_abs_weight_sum_minus_1"] <= 1e-9 and r["passes"]["weight_sums"]

    bad = rows[:2] + rows[3:]                              # one member of "ka" lost: weights sum to 2/3
    _write(tmp_path / "bad" / "data" / "part-0.parquet", bad, schema)
    r = weight_sums(tmp_path / "bad")
    assert r["worst_cluster"] == "ka" and r["max_abs_weight_sum_minus_1"] == pytest.approx(1 / 3)
    assert r["cluster_size_mismatch_rows"] == 2 and not r["passes"]["weight_sums"]


def test_reference_finds_the_near_copies():
    en = [(f"en{i}", words(200, 100 + i), "en") for i in range(6)]
    zh = [(f"zh{i}", hanzi(400, 200 + i), "zh") for i in range(4)]
    docs = en + zh + [("en0-copy", near_copy(en[0][1], 9), "en"), ("zh1-copy", zh[1][1][:150] + "的" + zh[1][1][151:], "zh")]
    r = run_reference(docs, return_pairs=True)
    assert r["pairs"] == [("en0", "en0-copy"), ("zh1", "zh1-copy")]
    assert r["docs"] == 12 and r["candidate_pairs"] == 2
    assert r["docs_per_s"] > 0 and r["peak_rss_mb"] > 0
    assert r["params"]["hashfunc"] == "sha1_hash32"


def test_reference_reads_a_raw_dir(tmp_path):
    truth, raw = build_corpus(tmp_path / "corpus")
    docs = load_raw_dir(tmp_path / "corpus")
    assert len(docs) == len(RECORDS)                       # the two malformed lines are skipped
    assert docs[0] == ("A", TEXT["A"], "en")

"""Dedupe's pure layer: exact groups, LSH buckets, connected components, cluster resolution, sampling."""
import random

import numpy as np
import pyarrow as pa
import pytest

from pipelines.dedupe import clusters, sampling
from pipelines.dedupe.candidates import bucket_pairs, exact_edges
from pipelines.dedupe.components import components, labels, large_star, rounds_needed, small_star, both_directions
from pipelines.dedupe.config import DedupeConfig
from pipelines.dedupe.tables import split_by_shard, unique_pairs

U = np.uint64


def arr(*xs):
    return np.array(xs, dtype=np.uint64)


def pairs_set(a, b):
    return {(max(x, y), min(x, y)) for x, y in zip(a.tolist(), b.tolist())}


# --- exact groups and LSH buckets ---------------------------------------------------------------

def test_exact_edges_link_each_group_to_its_smallest_member():
    a, b, groups = exact_edges(arr(7, 7, 9, 7, 5), arr(30, 10, 40, 20, 50))
    assert groups == 1
    assert pairs_set(a, b) == {(20, 10), (30, 10)}


def test_exact_edges_empty():
    a, b, groups = exact_edges(arr(), arr())
    assert len(a) == 0 and groups == 0


def test_small_bucket_gives_all_pairs_and_singletons_none():
    keys = arr(1, 1, 1, 2)
    a, b, stats = bucket_pairs(keys, arr(10, 20, 30, 40), arr(100, 200, 300, 400), max_bucket=5)
    assert pairs_set(a, b) == {(20, 10), (30, 10), (30, 20)}
    assert stats.buckets == 1 and stats.oversized == 0


def test_all_identical_bucket_costs_nothing():
    """1,000 exact copies in one bucket: represented by one member, no pairs (the exact stage links them)."""
    n = 1000
    a, b, stats = bucket_pairs(np.full(n, 5, U), np.arange(1, n + 1, dtype=U), np.full(n, 9, U), max_bucket=20)
    assert len(a) == 0 and stats.oversized == 0


def test_oversized_bucket_is_linked_linearly_and_reported():
    n = 500
    handles = np.arange(1, n + 1, dtype=U)
    a, b, stats = bucket_pairs(np.full(n, 5, U), handles, handles + U(1000), max_bucket=20)
    assert stats.oversized == 1 and stats.largest == n
    assert len(a) <= 2 * n                        # not n*(n-1)/2
    got = components(a, b)
    assert set(got.values()) == {1} and len(got) == n   # every member stays reachable


def test_bucket_pairs_empty():
    a, b, stats = bucket_pairs(arr(), arr(), arr(), 10)
    assert len(a) == 0 and stats.buckets == 0


# --- connected components -------------------------------------------------------------------------

def test_chain_ends_in_one_cluster():
    # a-b-c-d with handles in an order that needs several rounds
    got = components(arr(4, 2, 3), arr(2, 3, 1))
    assert got == {1: 1, 2: 1, 3: 1, 4: 1}


def test_separate_clusters_stay_apart():
    got = components(arr(1, 3, 4, 9), arr(2, 4, 5, 9))
    assert got == {1: 1, 2: 1, 3: 3, 4: 3, 5: 3}       # the self loop 9-9 is no cluster


def test_components_match_union_find_on_random_graphs():
    for seed in range(150):
        rng = random.Random(seed)
        n = rng.randint(2, 80)
        edges = [(rng.randint(1, n), rng.randint(1, n)) for _ in range(rng.randint(1, 100))]
        edges = [e for e in edges if e[0] != e[1]]
        if not edges:
            continue
        parent = {}

        def find(x):
            while parent.get(x, x) != x:
                x = parent[x]
            return x
        for u, v in edges:
            ru, rv = find(u), find(v)
            if ru != rv:
                parent[max(ru, rv)] = min(ru, rv)
        got = components(arr(*[e[0] for e in edges]), arr(*[e[1] for e in edges]))
        assert got == {x: find(x) for e in edges for x in e}, seed


def test_rounds_needed_grow_with_log_of_chain_length():
    assert rounds_needed(4) <= 2
    assert rounds_needed(4096) <= 12                 # the default cc_rounds covers such chains


def test_too_few_rounds_are_reported_not_merged_wrongly():
    chain = np.arange(1, 65, dtype=U)
    order = np.concatenate([chain[0::2], chain[1::2][::-1]])
    hi, lo = unique_pairs(order[:-1], order[1:])
    hi, lo = large_star(*both_directions(hi, lo))
    hi, lo = small_star(hi, lo)                      # one round: not yet a star
    nodes, ids, unconverged = labels(hi, lo, lo)
    assert unconverged > 0
    assert set(nodes.tolist()) <= set(chain.tolist()) and set(ids.tolist()) <= set(chain.tolist())


def test_empty_graph():
    assert components(arr(), arr()) == {}


# --- resolution ------------------------------------------------------------------------------------

def members(rows):
    cols = list(zip(*rows))
    return pa.table({
        "handle": pa.array(cols[0], pa.uint64()), "root": pa.array(cols[1], pa.uint64()), "id": pa.array(cols[2]),
        "score": pa.array(cols[3], pa.float32()), "exact": pa.array(cols[4], pa.uint64()),
        "chunk": pa.array(["c"] * len(rows)), "row": pa.array(range(len(rows)), pa.int64()),
        "lang": pa.array(["zh"] * len(rows)), "category": pa.array(["web"] * len(rows)),
        "n_bytes": pa.array([100] * len(rows), pa.int64())}, schema=clusters.MEMBERS)


ROWS = [(1, 1, "a", 0.5, 11), (2, 1, "b", 0.9, 22), (3, 1, "c", 0.9, 11), (4, 4, "x", None, 44), (5, 4, "y", None, 55)]


def test_drop_keeps_best_member_by_score_then_id():
    d = {r["id"]: r for r in clusters.resolve(members(ROWS), "drop").to_pylist()}
    assert d["b"]["keep"] and not d["c"]["keep"] and not d["a"]["keep"]      # b and c tie on 0.9: smaller id wins
    assert d["a"]["dup_of"] == "b" and d["a"]["rule"] == "near_duplicate"
    assert d["x"]["keep"] and d["y"]["dup_of"] == "x"                          # missing scores: id decides
    assert {r["cluster_id"] for r in d.values()} == {"b", "x"}
    assert d["b"]["cluster_size"] == 3 and d["b"]["weight"] == 1.0


def test_exact_rule_when_the_copy_matches_the_kept_member():
    rows = [(1, 1, "a", 0.5, 11), (2, 1, "b", 0.9, 11), (3, 1, "c", 0.1, 33)]
    d = {r["id"]: r for r in clusters.resolve(members(rows), "drop").to_pylist()}
    assert d["a"]["rule"] == "exact_duplicate" and d["c"]["rule"] == "near_duplicate"


def test_weight_mode_keeps_everyone_and_weights_sum_to_one():
    out = clusters.resolve(members(ROWS), "weight").to_pylist()
    assert all(r["keep"] and r["rule"] is None and r["dup_of"] is None for r in out)
    sums = {}
    for r in out:
        sums[r["cluster_id"]] = sums.get(r["cluster_id"], 0.0) + r["weight"]
    assert all(abs(s - 1.0) < 1e-6 for s in sums.values())


def test_resolve_empty_and_bad_mode():
    assert clusters.resolve(clusters.MEMBERS.empty_table(), "drop").num_rows == 0
    with pytest.raises(ValueError, match="mode"):
        clusters.resolve(members(ROWS), "delete")


# --- sampling ----------------------------------------------------------------------------------------

def test_no_target_samples_nothing():
    cfg = sampling.SamplingConfig()
    assert sampling.rates(cfg, {"zh/web": 100.0, "en/web": 50.0}) == {"zh/web": 1.0, "en/web": 1.0}


def test_default_shares_are_the_input_proportions():
    cfg = sampling.SamplingConfig(target=75.0)
    assert sampling.rates(cfg, {"zh/web": 100.0, "en/web": 50.0}) == pytest.approx({"zh/web": 0.5, "en/web": 0.5})


def test_target_shares_and_shortfall():
    cfg = sampling.SamplingConfig(target=100.0, shares={"zh/web": 0.8, "en/web": 0.2})
    r = sampling.rates(cfg, {"zh/web": 40.0, "en/web": 100.0, "en/book": 10.0})
    assert r == pytest.approx({"zh/web": 1.0, "en/web": 0.2, "en/book": 0.0})   # zh/web short of its 80


def test_keep_is_deterministic_and_close_to_the_rate():
    ids = [f"doc-{i}" for i in range(20000)]
    kept = [i for i in ids if sampling.keep(i, 0.3, seed=1)]
    assert kept == [i for i in ids if sampling.keep(i, 0.3, seed=1)]
    assert abs(len(kept) / len(ids) - 0.3) < 0.015
    assert set(kept) <= {i for i in ids if sampling.keep(i, 0.5, seed=1)}     # a larger rate keeps a superset


def test_sampling_config_validation():
    with pytest.raises(ValueError, match="add up to 1"):
        sampling.SamplingConfig(target=1.0, shares={"zh/web": 0.5})
    cfg = sampling.SamplingConfig.from_rules({"target": {"documents": 500}, "shares": {"zh": {"web": 0.6}, "en": {"web": 0.4}}})
    assert cfg.unit == "documents" and cfg.target == 500 and cfg.shares == {"zh/web": 0.6, "en/web": 0.4}


def test_dedupe_config_from_rules_and_validation():
    cfg = DedupeConfig.from_rules({"enabled": True, "mode": "weight", "minhash": {"num_perm": 64, "bands": 8, "rows": 8},
                                   "tfidf": {"threshold": 0.8}}, None)
    assert cfg.mode == "weight" and cfg.minhash.num_perm == 64 and cfg.tfidf_threshold == {"default": 0.8} and cfg.active
    assert not DedupeConfig.from_rules(None, None).active
    with pytest.raises(ValueError):
        DedupeConfig.from_rules({"enabled": True, "mode": "drop", "minhash": {"num_perm": 100, "bands": 16, "rows": 8}}, None)


# --- tables -----------------------------------------------------------------------------------------

def test_split_by_shard_puts_equal_keys_together():
    t = pa.table({"k": pa.array([1, 2, 3, 1, 2, 3, 99] * 10, pa.uint64()), "v": pa.array(range(70))})
    parts = list(split_by_shard(t, "k", 4))
    assert sum(p.num_rows for _, p in parts) == 70
    where = {}
    for s, p in parts:
        for k in p.column("k").to_pylist():
            assert where.setdefault(k, s) == s
    assert list(split_by_shard(t.slice(0, 0), "k", 4)) == []


def test_per_language_tfidf_thresholds():
    from pipelines.dedupe.config import threshold_of
    cfg = DedupeConfig.from_rules({"enabled": True, "mode": "drop", "tfidf": {"threshold": {"zh": 0.92, "en": 0.85}}}, None)
    t = cfg.tfidf_threshold
    assert (threshold_of(t, "zh"), threshold_of(t, "en"), threshold_of(t, "fr"), threshold_of(t, None)) == (0.92, 0.85, 0.9, 0.9)

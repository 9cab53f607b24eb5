"""`make run`'s job: the pipeline on the bundled sample, checked against what its generator says it holds."""
import json

import pyarrow.parquet as pq
import pytest

from pipelines.pretrain import run as pretrain
from tests.conftest import REPO

SAMPLE = REPO / "pipelines" / "samples" / "pretrain"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "out"
    manifest = pretrain.run(["--sources", str(SAMPLE / "sources.yaml"), "--output", str(out)])
    return out, manifest, json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))


def test_sample_accounting_and_dead_letters(sample_run):
    _, manifest, expected = sample_run
    a = manifest["accounting"]
    assert a["holds"] and a["read"] == expected["totals"]["records"]
    assert a["dead_letter"] == expected["totals"]["malformed_lines"]


def test_sample_traditional_documents_are_converted_and_nothing_else(sample_run):
    out, _, expected = sample_run
    docs = {d["id"]: d for d in pq.read_table(out / "data").to_pylist()}
    converted = {i for i, d in docs.items() if "t2s" in d["flags"]}
    assert converted == set(expected["traditional_ids"])


def test_sample_other_languages_are_rejected_and_noise_is_gone(sample_run):
    out, _, expected = sample_run
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected").to_pylist()}
    assert set(expected["other_language_ids"]) <= {i for i, r in rejected.items() if r["rule"] == "language"}
    docs = pq.read_table(out / "data").to_pylist()
    for d in docs:
        assert not any(t in d["text"] for t in expected["special_tokens"]), d["id"]
        assert not any(c in d["text"] for c in "\u200b\u200d\ufeff\u00ad\u0007\u000b"), d["id"]
    assert sum(d["id"].startswith("h:") for d in docs) == expected["totals"]["no_id_records"]
    assert {d["source"] for d in docs} == set(expected["sources"])


def test_sample_copies_are_deduplicated(sample_run):
    """Each planted copy and its original end as one kept document, the other rejected as its duplicate."""
    out, manifest, expected = sample_run
    docs = {d["id"]: d for d in pq.read_table(out / "data").to_pylist()}
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected").to_pylist()}
    assert expected["copies"]
    for copy, info in expected["copies"].items():
        pair = {copy, info["of"]}
        kept = pair & docs.keys()
        assert len(kept) == 1, (copy, info)
        (gone,) = pair - kept
        rule = "exact_duplicate" if info["kind"] == "exact" else "near_duplicate"
        assert rejected[gone]["rule"] == rule and rejected[gone]["dup_of"] in kept
        survivor = docs[kept.pop()]
        assert survivor["cluster_size"] == 2 and survivor["cluster_id"] == survivor["id"]
    assert manifest["dedupe"]["exact_duplicates_removed"] + manifest["dedupe"]["near_duplicates_removed"] >= len(expected["copies"])

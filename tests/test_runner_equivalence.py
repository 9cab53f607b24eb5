"""The same pipelines on the local runner and on Beam's Dask runner over a dask.distributed cluster of
separate worker processes give the same output: the same ids, identical rows per id, the same
manifest counts; and two reruns on one runner give identical files."""
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from pipelines import dask_cluster
from pipelines.dedupe import run as dedupe_corpus
from pipelines.pretrain import run as pretrain
from pipelines.sft import run as sft_pipeline
from pipelines.core.manifest import OUTPUT_DIRS
from tests.conftest import REPO, SHARED, free_port, needs_shared, rules_copy

LOCAL = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
SAMPLES = REPO / "pipelines" / "samples"
# What may differ between two runs of the same job: where and when it ran, and on what.
RUN_FACTS = {"output", "started", "finished", "seconds", "runner", "options", "code_version"}




@pytest.fixture(scope="module")
def dask_args(tmp_path_factory):
    state = tmp_path_factory.mktemp("cluster")
    info = dask_cluster.start(workers=2, port=free_port(), state=state, timeout=90)
    try:
        yield dask_cluster.runner_args(info["address"], 2)
    finally:
        from distributed.client import _global_clients     # the runner's clients, so none retries after the stop
        for client in list(_global_clients.values()):
            client.close()
        assert dask_cluster.stop(state)


def rows_by_key(out, kind: str) -> dict:
    """Every row of an output kind, keyed by what identifies it (a record may be rejected once per rule)."""
    rows = {}
    for f in sorted((out / kind).glob("*.parquet")):
        for row in pq.read_table(f).to_pylist():
            key = (row.get("id"), row.get("source_file"), row.get("source_line"), row.get("rule"), row.get("error_kind"))
            assert key not in rows, f"{kind}: {key} twice"
            rows[key] = row
    return rows


def assert_same_output(a, b, manifest_a: dict, manifest_b: dict):
    assert manifest_a["accounting"]["holds"] and manifest_b["accounting"]["holds"]
    for kind in OUTPUT_DIRS:
        rows_a, rows_b = rows_by_key(a, kind), rows_by_key(b, kind)
        assert rows_a.keys() == rows_b.keys(), kind
        differing = [k for k in rows_a if rows_a[k] != rows_b[k]]
        assert not differing, f"{kind}: {len(differing)} rows differ, e.g. {differing[0]}"
    facts_a = {k: v for k, v in manifest_a.items() if k not in RUN_FACTS}
    facts_b = {k: v for k, v in manifest_b.items() if k not in RUN_FACTS}
    assert facts_a == facts_b


def _run(module, args, out, runner_args):
    manifest = module.run([*args, "--output", str(out), "--overwrite", *runner_args])
    assert manifest["accounting"]["files_as_reported"]
    return manifest


def test_pretrain_sample_same_on_dask_and_rerun_identical(tmp_path, dask_args):
    args = ["--sources", str(SAMPLES / "pretrain" / "sources.yaml")]
    local = _run(pretrain, args, tmp_path / "local", LOCAL)
    dask = _run(pretrain, args, tmp_path / "dask", dask_args)
    assert_same_output(tmp_path / "local", tmp_path / "dask", local, dask)
    assert local["counts"]["read"] == 391 and local["counts"]["written"] == 250
    # A rerun writes the very same files: same names, same rows in the same order.
    again = _run(pretrain, args, tmp_path / "again", LOCAL)
    for kind in OUTPUT_DIRS:
        names = sorted(p.name for p in (tmp_path / "local" / kind).glob("*.parquet"))
        assert names == sorted(p.name for p in (tmp_path / "again" / kind).glob("*.parquet"))
        for name in names:
            assert pq.read_table(tmp_path / "local" / kind / name).equals(pq.read_table(tmp_path / "again" / kind / name))
    assert again["counts"] == local["counts"]

    # dedupe_corpus over the pretraining output, on both runners.
    dedupe_args = ["--input", str(tmp_path / "local" / "data" / "*.parquet"), "--mode", "weight"]
    d_local = _run(dedupe_corpus, dedupe_args, tmp_path / "d_local", LOCAL)
    d_dask = _run(dedupe_corpus, dedupe_args, tmp_path / "d_dask", dask_args)
    assert_same_output(tmp_path / "d_local", tmp_path / "d_dask", d_local, d_dask)
    assert d_local["counts"]["read"] == 250


def test_pretrain_without_dedupe_same_on_dask(tmp_path, dask_args):
    """Dedupe off: the cleaning stage writes OUT/data/ itself, on either runner the same."""
    rules = rules_copy(tmp_path, lambda r: r["dedupe"].update(enabled=False))
    args = ["--sources", str(SAMPLES / "pretrain" / "sources.yaml"), "--rules", str(rules)]
    local = _run(pretrain, args, tmp_path / "local", LOCAL)
    dask = _run(pretrain, args, tmp_path / "dask", dask_args)
    assert_same_output(tmp_path / "local", tmp_path / "dask", local, dask)
    assert local["counts"]["read"] == 391 and local["counts"]["written"] > 250      # the copies stay
    assert "dedupe" not in local


def test_sft_sample_same_on_dask(tmp_path, dask_args):
    args = ["--sources", str(SAMPLES / "sft" / "sources.yaml")]
    local = _run(sft_pipeline, args, tmp_path / "local", LOCAL)
    dask = _run(sft_pipeline, args, tmp_path / "dask", dask_args)
    assert_same_output(tmp_path / "local", tmp_path / "dask", local, dask)
    assert local["counts"]["written"] > 0 and local["counts"]["rejected"] > 0


@needs_shared
def test_a_10mb_benchmark_corpus_same_on_dask(tmp_path, dask_args):
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"), "--kind", "pretrain", "--out", str(corpus),
                    "--target-mb", "10", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    # 1 MB splits: the corpus's files are cut into many ranges, scanned by several lanes.
    rules = rules_copy(tmp_path, lambda r: r["reader"].update(split_bytes=1_000_000))
    args = ["--sources", str(corpus / "sources.json"), "--rules", str(rules)]
    local = _run(pretrain, args, tmp_path / "local", LOCAL)
    dask = _run(pretrain, args, tmp_path / "dask", dask_args)
    assert local["counts"]["input_bytes"] >= 10e6
    assert sum(i["splits"] for i in local["inputs"]) > len(local["inputs"])       # files were split
    assert_same_output(tmp_path / "local", tmp_path / "dask", local, dask)

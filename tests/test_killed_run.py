"""A run killed half-way leaves nothing a later stage trusts, and the same command with --overwrite
then completes."""
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from training.manifest import HandoffError, read_output

SAMPLE = REPO / "pipelines" / "samples" / "pretrain" / "sources.yaml"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def _command(out):
    return [sys.executable, "-m", "pipelines.pretrain", "--sources", str(SAMPLE), "--output", str(out), "--overwrite",
            "--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def test_a_killed_pipeline_leaves_no_manifest_and_a_rerun_completes(tmp_path):
    out = tmp_path / "out"
    # An earlier, finished run in the same folder: its manifest must not survive the killed run.
    assert subprocess.run(_command(out), env=ENV, capture_output=True, timeout=300).returncode == 0
    assert (out / "manifest.json").exists()
    run = subprocess.Popen(_command(out), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not any((out / "_staging").rglob("*.parquet")) and time.monotonic() < deadline:
            assert run.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        assert any((out / "_staging").rglob("*.parquet")), "the run never reached its cleaning stage"
    finally:
        os.killpg(run.pid, signal.SIGKILL)          # the driver and its worker processes
        run.wait(timeout=30)
    assert not (out / "manifest.json").exists()
    with pytest.raises(HandoffError, match="manifest.json not found"):
        read_output(out)
    train = subprocess.run([sys.executable, "-m", "training.train", "--stage", "pretrain", "--model", "tiny-llama",
                            "--data", str(out), "--out", str(tmp_path / "model")],
                           env=ENV, capture_output=True, text=True, timeout=300)
    assert train.returncode == 2
    assert train.stderr.strip().count("\n") == 0 and "manifest.json not found" in train.stderr
    assert not (tmp_path / "model").exists() or not any((tmp_path / "model").iterdir())
    quant = subprocess.run([sys.executable, "-m", "quant.gptq", "--model", str(tmp_path / "model"), "--data", str(out),
                            "--out", str(tmp_path / "q")], env=ENV, capture_output=True, text=True, timeout=300)
    assert quant.returncode == 2 and "manifest.json not found" in quant.stderr
    assert quant.stderr.strip().count("\n") == 0

    rerun = subprocess.run(_command(out), env=ENV, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "accounting   read 391 = written 250" in rerun.stdout
    assert read_output(out).rows == 250
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name] and not (out / "_staging").exists()


def test_make_train_with_a_given_folder_without_manifest_fails_at_once(tmp_path):
    sample_out = REPO / "out" / "sft"
    before = sample_out.stat().st_mtime if sample_out.exists() else None
    t0 = time.monotonic()
    made = subprocess.run(["make", "--no-print-directory", "train", "STAGE=sft", f"DATA={tmp_path}"], cwd=REPO,
                          env=ENV, capture_output=True, text=True, timeout=300)
    assert made.returncode != 0
    assert "manifest.json not found" in made.stderr
    assert time.monotonic() - t0 < 60
    assert (sample_out.stat().st_mtime if sample_out.exists() else None) == before      # make sft did not run


def test_serving_refuses_a_model_folder_whose_training_did_not_finish(tmp_path):
    from serving.loader import ModelLoadError, load
    from serving.tiny import build_tiny_model

    folder = build_tiny_model(tmp_path / "model")
    (folder / "train_log.jsonl").write_text('{"step": 1, "loss": 9.0}\n')        # a run that stopped before its summary
    with pytest.raises(ModelLoadError, match="did not finish"):
        load(str(folder), device="cpu")
    (folder / "training_summary.json").write_text("{}")
    assert load(str(folder), device="cpu").model is not None

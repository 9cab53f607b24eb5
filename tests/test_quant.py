"""GPTQ on a tiny model trained briefly here, calibrated on the bundled sample's pipeline output."""
import json

import pytest
from safetensors import safe_open
from transformers import AutoModelForCausalLM, AutoTokenizer

from pipelines.sft import run as sft_pipeline
from quant import eval as quant_eval
from quant import gptq
from quant.calibration import calibration_texts, held_out_texts
from tests.conftest import REPO
from training.manifest import read_output
from training.train import parse_args, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("quant")
    sft_pipeline.run(["--sources", str(REPO / "pipelines" / "samples" / "sft" / "sources.yaml"), "--output", str(root / "sft")])
    model = root / "model"
    train(parse_args(["--stage", "sft", "--data", str(root / "sft"), "--model", "tiny-llama", "--out", str(model),
                      "--deepspeed", "none", "--epochs", "4", "--lr", "3e-3", "--max-length", "256", "--vocab-size", "2000"]))
    return root, model


@pytest.fixture(scope="module")
def quantized(trained):
    root, model = trained
    out = root / "gptq"
    summary = gptq.quantize(gptq.parse_args(["--model", str(model), "--data", str(root / "sft"), "--out", str(out),
                                             "--group-size", "64", "--samples", "32", "--seq-len", "128"]))
    return out, summary


def test_calibration_and_held_out_slices_are_disjoint_and_deterministic(trained):
    root, _ = trained
    output = read_output(root / "sft")
    calib, held = calibration_texts(output, 1000), held_out_texts(output)
    assert calib and held and not set(calib) & set(held)
    assert calibration_texts(output, 10) == calibration_texts(output, 10)


def test_linear_layers_hold_4_bit_weights_in_groups_of_64_and_lm_head_stays(quantized):
    out, summary = quantized
    config = json.loads((out / "config.json").read_text())["quantization_config"]
    weights = config["config_groups"]["group_0"]["weights"]
    assert config["quant_method"] == "compressed-tensors" and config["ignore"] == ["lm_head"]
    assert (weights["num_bits"], weights["group_size"], weights["strategy"]) == (4, 64, "group")
    with safe_open(out / "model.safetensors", "pt") as f:
        names = set(f.keys())
        packed = [n for n in names if n.endswith(".weight_packed")]
        assert len(packed) == 2 * 7                         # 2 layers x (q, k, v, o, gate, up, down)
        for name in packed:
            base = name[: -len(".weight_packed")]
            w, scale = f.get_tensor(name), f.get_tensor(f"{base}.weight_scale")
            rows, cols = f.get_tensor(f"{base}.weight_shape").tolist()        # the dense shape
            assert w.dtype.itemsize == 4 and w.shape == (rows, cols // 8)     # eight 4-bit values per int32
            assert scale.shape == (rows, cols // 64)                          # one scale per 64 weights
        assert not any(n.startswith("lm_head") and "packed" in n for n in names)
    assert summary["calibration_samples"] == 32


def test_quantized_model_loads_generates_and_keeps_its_chat_template(trained, quantized):
    _, model_dir = trained
    out, _ = quantized
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "什么是三原色？"}], tokenize=False, add_generation_prompt=True)
    assert prompt == AutoTokenizer.from_pretrained(model_dir).apply_chat_template(
        [{"role": "user", "content": "什么是三原色？"}], tokenize=False, add_generation_prompt=True)
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    assert model.generate(ids, max_new_tokens=5, do_sample=False).shape[1] > ids.shape[1]
    assert (out / "generation_config.json").exists()


def test_eval_scores_the_same_tokens_and_stays_within_10_percent(trained, quantized, tmp_path, capsys):
    root, model_dir = trained
    out, _ = quantized
    report_path = tmp_path / "eval.json"
    assert quant_eval.main(["--model", str(model_dir), "--quantized", str(out), "--data", str(root / "sft"),
                            "--seq-len", "64", "--output", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    fp, q = report["models"]["full_precision"], report["models"]["quantized"]
    assert fp["scored_tokens"] == q["scored_tokens"] > 0
    assert abs(report["perplexity_change"]) < 0.10, report
    assert q["size_bytes"] < fp["size_bytes"]
    printed = capsys.readouterr().out
    assert "perplexity" in printed and "size on disk" in printed


def test_benchmark_tasks_score_the_quantized_model_beside_the_original(trained, quantized, tmp_path, monkeypatch):
    from evaluation import run as eval_run
    from evaluation.data import DATA_ENV
    from tests.conftest import write_lines
    from tests.test_evaluation import CMRC, PIQA

    write_lines(tmp_path / "data" / "eval_piqa_en" / "sample.jsonl", PIQA)
    write_lines(tmp_path / "data" / "eval_cmrc2018_zh" / "sample.jsonl", CMRC)
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    _, model_dir = trained
    out, _ = quantized
    assert eval_run.main(["--model", f"{model_dir},{out}", "--baseline", str(model_dir), "--limit", "20",
                          "--out", str(tmp_path / "eval"), "--skip-missing-data"]) == 0
    report = json.loads((tmp_path / "eval" / "eval.json").read_text(encoding="utf-8"))
    assert [m["quantized"] for m in report["models"]] == [False, True]
    tasks = {(r["model"], r["task"]) for r in report["results"]}
    assert tasks == {(m, t) for m in ("model", "gptq") for t in ("tiger_piqa", "tiger_cmrc2018")}
    assert "left out" in report["notes"][0] and "tiger_cmmlu" in report["notes"][0]
    assert (tmp_path / "eval" / "eval.html").stat().st_size > 5000

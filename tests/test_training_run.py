"""The training stage end to end on CPU: pipeline outputs of the bundled samples -> tiny models.

DeepSpeed's first use builds a small op (about a minute, cached in ~/.cache/torch_extensions).
"""
import json

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback

from pipelines.pretrain import run as pretrain
from pipelines.sft import run as sft_pipeline
from tests.conftest import REPO
from training.data import build_dataset
from training.manifest import HandoffError, read_output
from training.sft_format import RESPONSE_MARKER
from training.train import parse_args, train

SAMPLES = REPO / "pipelines" / "samples"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    pretrain.run(["--sources", str(SAMPLES / "pretrain" / "sources.yaml"), "--output", str(root / "pretrain")])
    sft_pipeline.run(["--sources", str(SAMPLES / "sft" / "sources.yaml"), "--output", str(root / "sft")])
    return root


def losses(model_dir):
    rows = [json.loads(line) for line in open(model_dir / "train_log.jsonl", encoding="utf-8")]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


def args_for(outputs, stage, out, *extra):
    return parse_args(["--stage", stage, "--data", str(outputs / stage), "--model", "tiny-llama", "--out", str(out),
                       "--block-size", "128", "--max-length", "256", "--batch-size", "8", "--logging-steps", "1",
                       "--vocab-size", "2000", *extra])


def test_pretraining_with_zero2_lowers_the_loss_and_saves_a_loadable_model(outputs, tmp_path):
    out = tmp_path / "model"
    summary = train(args_for(outputs, "pretrain", out, "--deepspeed", "zero2", "--epochs", "3", "--lr", "3e-3"))
    curve = losses(out)
    first, last = curve[min(curve)], curve[max(curve)]
    assert summary["steps"] >= 20 and last < first - 1.0, curve
    model = AutoModelForCausalLM.from_pretrained(out)            # plain transformers, no project code
    tokenizer = AutoTokenizer.from_pretrained(out)
    ids = tokenizer("北京是", return_tensors="pt")["input_ids"]
    generated = model.generate(ids, max_new_tokens=8, do_sample=False)
    assert generated.shape[1] > ids.shape[1]
    assert (out / "generation_config.json").exists() and list((out / "runs").rglob("events.out.tfevents*"))
    assert summary["tokens_per_s"] > 0


class StopAt(TrainerCallback):
    """An interruption right after the checkpoint of step n."""

    def __init__(self, n):
        self.n = n

    def on_save(self, args, state, control, **kw):
        if state.global_step >= self.n:
            control.should_training_stop = True


def test_resume_continues_from_the_saved_step_with_the_same_losses(outputs, tmp_path):
    extra = ("--deepspeed", "none", "--max-steps", "6", "--save-steps", "3", "--tokenizer", str(tmp_path / "tok"))
    build = read_output(outputs / "pretrain", "pretrain")
    from training.data import iter_texts
    from training.tokenizer import train_tokenizer
    train_tokenizer(iter_texts(build), vocab_size=2000).save_pretrained(str(tmp_path / "tok"))
    whole = tmp_path / "whole"
    train(args_for(outputs, "pretrain", whole, *extra))
    broken = tmp_path / "broken"
    first = train(args_for(outputs, "pretrain", broken, *extra), callbacks=(StopAt(3),))
    assert first["steps"] == 3 and (broken / "checkpoints" / "checkpoint-3").is_dir()
    resumed = train(args_for(outputs, "pretrain", broken, *extra))
    assert resumed["resumed_from"].endswith("checkpoint-3") and resumed["steps"] == 6
    a, b = losses(whole), losses(broken)
    assert [b[s] for s in (4, 5, 6)] == pytest.approx([a[s] for s in (4, 5, 6)], rel=1e-4), (a, b)


def test_sft_masks_the_prompt_and_saves_the_chat_template(outputs, tmp_path):
    out = tmp_path / "sft-model"
    train(args_for(outputs, "sft", out, "--deepspeed", "none", "--epochs", "1"))
    tokenizer = AutoTokenizer.from_pretrained(out)
    messages = [{"role": "user", "content": "什么是三原色？"}]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert prompt.endswith(RESPONSE_MARKER) and "### Instruction:" in prompt
    # Prompt tokens carry no loss: on every training example, the labelled tokens are the answer and EOS only.
    data = read_output(outputs / "sft", "sft")
    rows = {r["id"]: r for r in pq_rows(data)}
    dataset = build_dataset(data, "sft", tokenizer, max_length=256)
    assert len(dataset) == len(rows)
    for example, row in zip(dataset, rows.values()):
        labelled = [t for t, label in zip(example["input_ids"], example["labels"]) if label != -100]
        assert labelled == [label for label in example["labels"] if label != -100]
        assert tokenizer.decode(labelled) == tokenizer.decode(tokenizer(row["output"], add_special_tokens=False)["input_ids"]
                                                              + [tokenizer.eos_token_id])
    model = AutoModelForCausalLM.from_pretrained(out)
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert model.generate(ids, max_new_tokens=4, do_sample=False).shape[1] > ids.shape[1]


def pq_rows(output):
    import pyarrow.parquet as pq
    for path in output.data_files:
        yield from pq.read_table(path, use_threads=False).to_pylist()


def test_handoff_errors_are_clear(outputs, tmp_path):
    with pytest.raises(HandoffError, match="manifest.json not found"):
        read_output(tmp_path, "pretrain")
    with pytest.raises(HandoffError, match="this is a 'sft' output"):
        read_output(outputs / "sft", "pretrain")


def test_lora_trains_only_the_adapter_saves_it_for_the_loader_and_merges(outputs, tmp_path):
    from serving.loader import load
    base = tmp_path / "base"
    train(args_for(outputs, "sft", base, "--deepspeed", "none", "--epochs", "1"))
    out = tmp_path / "lora"
    summary = train(parse_args(["--stage", "sft", "--data", str(outputs / "sft"), "--model", str(base), "--out", str(out),
                                "--adapter", "lora", "--lora-r", "4", "--lora-alpha", "8", "--lora-targets", "q_proj,v_proj",
                                "--deepspeed", "none", "--epochs", "2", "--lr", "5e-3", "--max-length", "256",
                                "--merge", "--eval-fraction", "0.2"]))
    assert 0 < summary["trainable_parameters"] < summary["parameters"] / 5
    assert summary["eval_loss"] > 0 and summary["eval_examples"] >= 1
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 4 and set(config["target_modules"]) == {"q_proj", "v_proj"}
    assert config["base_model_name_or_path"] == str(base.resolve()) and not (out / "config.json").exists()
    assert (out / "chat_template.jinja").exists() or "chat_template" in (out / "tokenizer_config.json").read_text()
    adapted, merged = load(str(out), device="cpu"), AutoModelForCausalLM.from_pretrained(out / "merged")
    plain = AutoModelForCausalLM.from_pretrained(base)
    ids = torch.tensor([[1, 5, 9, 12, 40]])
    with torch.no_grad():
        a, m, p = adapted.model(ids).logits, merged(ids).logits, plain(ids).logits
    assert torch.allclose(a, m, atol=1e-4) and not torch.allclose(a, p, atol=1e-4)


def test_qlora_without_a_gpu_and_lora_on_a_built_in_config_are_clear_errors(outputs, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    base = tmp_path / "base"
    train(args_for(outputs, "sft", base, "--deepspeed", "none", "--max-steps", "1"))
    with pytest.raises(SystemExit, match="qlora needs a CUDA GPU"):
        train(parse_args(["--stage", "sft", "--data", str(outputs / "sft"), "--model", str(base), "--out",
                          str(tmp_path / "q"), "--adapter", "qlora", "--deepspeed", "none"]))
    with pytest.raises(SystemExit):
        parse_args(["--stage", "sft", "--data", str(outputs / "sft"), "--model", "tiny-llama", "--out", str(tmp_path / "x"),
                    "--adapter", "lora"])

"""Train a causal LM on a pipeline output with the Hugging Face Trainer under DeepSpeed.

    python -m training.train --stage pretrain|sft --data OUT_DIR --model MODEL --out MODEL_DIR
        [--deepspeed zero2|zero3|zero3_offload|none|CONFIG.json] [--tokenizer DIR]
        [--block-size 512] [--max-length 1024] [--doc-attention cross|position_ids|block_diagonal]
        [--epochs 1] [--max-steps N] [--batch-size 8] [--grad-accum 1] [--lr 5e-4]
        [--save-steps 50] [--resume auto|none|CHECKPOINT] [--streaming] [--seed 1]
        [--adapter none|lora|qlora] [--lora-r 8] [--lora-alpha 16] [--lora-dropout 0.05]
        [--lora-targets auto|q_proj,v_proj,...] [--merge] [--eval-fraction 0.1]

MODEL is a model folder (Hugging Face format; its tokenizer is used when it has one) or a
built-in tiny config (`tiny-llama`, `tiny-bloom`) trained from scratch. Without a tokenizer
(a config, or --tokenizer), a byte-level BPE tokenizer is trained on DATA first
(training/tokenizer.py). DATA is read through its manifest.json (training/manifest.py).

Writes MODEL_DIR/ with the final model (safetensors, loadable with plain transformers), the
tokenizer (for SFT with the TigerBot chat template installed), generation_config.json,
checkpoints/ (resumable: --resume auto continues from the last one), runs/ (TensorBoard),
train_log.jsonl (loss, learning rate, tokens/s per logging step) and training_summary.json.

DeepSpeed: on GPUs launch with the `deepspeed` launcher (make train does); on CPU it runs in
this one process with DeepSpeed's CPU accelerator. bf16 is used where the GPU supports it.
Packed pretraining blocks attend across document boundaries by default (`cross`, as GPT-style
packing does); `position_ids` restarts positions per document and `block_diagonal` also keeps
attention inside each document (Llama-style models; BLOOM's ALiBi takes neither).

--adapter lora trains a LoRA adapter (peft) on a model folder instead of every weight, and
writes the adapter (adapter_config.json naming the base folder, adapter_model.safetensors) with
the tokenizer and chat template; serving.loader loads such a folder onto its base. qlora does
the same on a 4-bit base (bitsandbytes: a CUDA GPU only). --merge also writes OUT/merged/, the
base with the adapter merged in, a plain model folder. --eval-fraction holds out that share of
the examples and reports their loss (eval_loss) in training_summary.json.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from pathlib import Path

from training.data import build_dataset, iter_texts
from training.manifest import read_output, run_stage
from training.packing import PackedCollator
from training.sft_format import SftCollator, install_chat_template
from training.tokenizer import train_tokenizer

TRAINING_DIR = Path(__file__).resolve().parent
DS_CONFIGS = {name: TRAINING_DIR / "ds_config" / f"{name}.json" for name in ("zero2", "zero3", "zero3_offload")}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", choices=["pretrain", "sft"], required=True)
    ap.add_argument("--data", required=True, help="a pipeline output folder (with manifest.json)")
    ap.add_argument("--model", required=True, help="a model folder, or tiny-llama / tiny-bloom")
    ap.add_argument("--out", required=True, help="where the trained model goes")
    ap.add_argument("--tokenizer", default=None, help="a tokenizer folder (default: the model's, else trained on DATA)")
    ap.add_argument("--vocab-size", type=int, default=8000, help="for a tokenizer trained on DATA")
    ap.add_argument("--deepspeed", default="zero2", help="zero2 | zero3 | zero3_offload | none | a DeepSpeed config file")
    ap.add_argument("--block-size", type=int, default=512, help="pretraining: tokens per packed block")
    ap.add_argument("--max-length", type=int, default=1024, help="SFT: tokens per example (oldest history dropped first)")
    ap.add_argument("--doc-attention", choices=["cross", "position_ids", "block_diagonal"], default="cross")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimizer steps (needed with --streaming)")
    ap.add_argument("--batch-size", type=int, default=8, help="per device")
    ap.add_argument("--grad-accum", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup-ratio", type=float, default=0.03)
    ap.add_argument("--save-steps", type=int, default=50)
    ap.add_argument("--logging-steps", type=int, default=5)
    ap.add_argument("--resume", default="auto", help="auto (the last checkpoint in OUT/checkpoints, if any) | none | a checkpoint folder")
    ap.add_argument("--streaming", action="store_true", help="read the shards lazily (large corpora; needs --max-steps)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--adapter", choices=["none", "lora", "qlora"], default="none",
                    help="lora / qlora: train a LoRA adapter on the --model folder instead of all weights")
    ap.add_argument("--lora-r", type=int, default=8, help="LoRA rank")
    ap.add_argument("--lora-alpha", type=float, default=16, help="LoRA scaling numerator (scale = alpha / r)")
    ap.add_argument("--lora-dropout", type=float, default=0.05)
    ap.add_argument("--lora-targets", default="auto",
                    help="comma-separated module names to adapt (default: peft's choice for the architecture)")
    ap.add_argument("--merge", action="store_true", help="with --adapter: also write OUT/merged, a merged full model")
    ap.add_argument("--eval-fraction", type=float, default=0.0, help="hold out this share of examples; report eval_loss")
    a = ap.parse_args(argv)
    if a.adapter != "none" and not Path(a.model).is_dir():
        ap.error(f"--adapter {a.adapter} trains on an existing model: --model must be a model folder, not {a.model!r}")
    if a.merge and a.adapter == "none":
        ap.error("--merge needs --adapter lora or qlora")
    if not 0 <= a.eval_fraction < 1:
        ap.error("--eval-fraction must be >= 0 and < 1")
    if a.lora_r < 1 or not 0 <= a.lora_dropout < 1:
        ap.error("--lora-r must be >= 1 and --lora-dropout in [0, 1)")
    if a.streaming and a.max_steps <= 0:
        ap.error("--streaming needs --max-steps (an iterable dataset has no length)")
    return a


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_distributed_env() -> None:
    """A single process without the launcher: DeepSpeed still wants a process group."""
    import torch
    if "RANK" not in os.environ:
        os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "RANK": "0",
                           "WORLD_SIZE": "1", "LOCAL_RANK": "0"})
    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")


def tiny_config(name: str, vocab_size: int, max_positions: int):
    from transformers import BloomConfig, LlamaConfig
    if name == "tiny-llama":
        return LlamaConfig(vocab_size=vocab_size, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=max_positions,
                           tie_word_embeddings=True)
    if name == "tiny-bloom":
        return BloomConfig(vocab_size=vocab_size, hidden_size=128, n_layer=2, n_head=4)
    raise ValueError(f"unknown built-in model {name!r}: use tiny-llama, tiny-bloom or a model folder")


def load_tokenizer(args, output):
    from transformers import AutoTokenizer
    source = args.tokenizer or (args.model if Path(args.model, "tokenizer_config.json").exists() else None)
    if source:
        return AutoTokenizer.from_pretrained(source)
    print(f"training a byte-level BPE tokenizer ({args.vocab_size} tokens) on {output.root} ...", flush=True)
    return train_tokenizer(iter_texts(output), vocab_size=args.vocab_size)


def qlora_quantization():
    """QLoRA's 4-bit base (bitsandbytes NF4), or a clear stop where it cannot run."""
    import torch
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        bitsandbytes = None
    if not torch.cuda.is_available() or bitsandbytes is None:
        raise SystemExit("error: --adapter qlora needs a CUDA GPU and the bitsandbytes package (4-bit "
                         "kernels); on this machine use --adapter lora")
    from transformers import BitsAndBytesConfig
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)


def load_model(args, tokenizer):
    from transformers import AutoModelForCausalLM
    if Path(args.model).is_dir():
        quantized = {"quantization_config": qlora_quantization()} if args.adapter == "qlora" else {}
        model = AutoModelForCausalLM.from_pretrained(args.model, **quantized)
        if model.get_input_embeddings().num_embeddings < len(tokenizer):
            model.resize_token_embeddings(len(tokenizer))
        return model
    positions = max(args.block_size, args.max_length)
    config = tiny_config(args.model, len(tokenizer), positions)
    config.bos_token_id, config.eos_token_id = tokenizer.bos_token_id, tokenizer.eos_token_id
    config.pad_token_id = tokenizer.pad_token_id
    return AutoModelForCausalLM.from_config(config)


def with_adapter(model, args):
    """The model wrapped in a trainable LoRA adapter (peft); a QLoRA base (loaded in 4 bit by
    load_model) is prepared for k-bit training first."""
    from peft import LoraConfig, get_peft_model

    if args.adapter == "qlora":
        from peft import prepare_model_for_kbit_training
        model = prepare_model_for_kbit_training(model)
    targets = None if args.lora_targets == "auto" else [t.strip() for t in args.lora_targets.split(",") if t.strip()]
    config = LoraConfig(task_type="CAUSAL_LM", r=args.lora_r, lora_alpha=args.lora_alpha,
                        lora_dropout=args.lora_dropout, target_modules=targets)
    try:
        model = get_peft_model(model, config)
    except ValueError as e:       # peft knows no default targets for this architecture, or a name is wrong
        raise SystemExit(f"error: LoRA: {e} (name the modules with --lora-targets)") from None
    # saved adapters name their base by an absolute path: the loader finds it from anywhere
    model.peft_config["default"].base_model_name_or_path = str(Path(args.model).resolve())
    return model


def deepspeed_config(name: str) -> str | None:
    if name in ("none", "", None):
        return None
    path = DS_CONFIGS.get(name, Path(name))
    if not Path(path).is_file():
        raise SystemExit(f"error: --deepspeed {name!r}: not one of {', '.join(DS_CONFIGS)}, none, or a config file")
    return str(path)


def last_checkpoint(checkpoints: Path) -> str | None:
    """The newest checkpoint of an interrupted run; None when there is none or that run had finished
    (then `make train` again trains anew instead of resuming into zero steps)."""
    steps = [(int(p.name.split("-")[-1]), p) for p in checkpoints.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    if not steps:
        return None
    path = max(steps)[1]
    try:
        state = json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return str(path)
    if state.get("max_steps") and state.get("global_step", 0) >= state["max_steps"]:
        print(f"{path} is the end of a finished run: training anew", flush=True)
        return None
    return str(path)


def make_log_callback(path: Path):
    from transformers import TrainerCallback

    class JsonlLog(TrainerCallback):
        """loss, learning rate and tokens/s of each logging step, as JSON lines."""

        def __init__(self):
            self.t, self.tokens = None, 0

        def on_train_begin(self, args, state, control, **kw):
            self.t, self.tokens = time.monotonic(), state.num_input_tokens_seen

        def on_log(self, args, state, control, logs=None, **kw):
            if not state.is_world_process_zero or not logs:
                return
            now, seen = time.monotonic(), state.num_input_tokens_seen
            rate = (seen - self.tokens) / max(now - self.t, 1e-9)
            self.t, self.tokens = now, seen
            row = {"step": state.global_step, "epoch": state.epoch, "tokens_seen": seen, "tokens_per_s": round(rate, 1), **logs}
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")

    return JsonlLog()


def train(args: argparse.Namespace, callbacks: tuple = ()) -> dict:
    """Trains as the command line says; `callbacks` are extra TrainerCallbacks (tests stop a run with one)."""
    import torch
    from transformers import GenerationConfig, Trainer, TrainingArguments, set_seed


    if args.deepspeed not in ("none", ""):
        prepare_distributed_env()
    set_seed(args.seed)
    output = read_output(args.data, args.stage)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer(args, output)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if args.stage == "sft":
        install_chat_template(tokenizer)
    model = load_model(args, tokenizer)
    if args.doc_attention != "cross" and model.config.model_type == "bloom":
        raise SystemExit(f"error: --doc-attention {args.doc_attention} needs position ids or a 4D mask; "
                         "BLOOM (ALiBi) takes neither: use --doc-attention cross")
    if args.adapter != "none":
        model = with_adapter(model, args)
    dataset = build_dataset(output, args.stage, tokenizer, block_size=args.block_size, max_length=args.max_length,
                            seed=args.seed, streaming=args.streaming)
    eval_dataset = None
    if args.eval_fraction > 0 and not args.streaming and len(dataset) >= 2:
        split = dataset.train_test_split(test_size=max(1, round(len(dataset) * args.eval_fraction)), seed=args.seed)
        dataset, eval_dataset = split["train"], split["test"]
    if args.stage == "pretrain":
        collator = PackedCollator(args.doc_attention)
    else:
        collator = SftCollator(tokenizer.pad_token_id)
    cuda = torch.cuda.is_available()
    targs = TrainingArguments(
        output_dir=str(out / "checkpoints"), per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum, learning_rate=args.lr, num_train_epochs=args.epochs,
        max_steps=args.max_steps, warmup_steps=args.warmup_ratio, lr_scheduler_type="cosine", weight_decay=0.0,
        logging_steps=args.logging_steps, logging_first_step=True, save_steps=args.save_steps, save_total_limit=2,
        report_to=["tensorboard"], seed=args.seed, data_seed=args.seed, use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(), deepspeed=deepspeed_config(args.deepspeed),
        # a 4D block-diagonal mask is not a padding mask: count every token then (only the last block is padded)
        include_num_input_tokens_seen="all" if args.doc_attention == "block_diagonal" else "non_padding",
        remove_unused_columns=False, dataloader_num_workers=0,
        save_only_model=False, disable_tqdm=True)
    # The Trainer's TensorBoard callback reads its folder from the environment when it is created:
    # set it for every run (a second train() in one process must not log into the first one's folder).
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(out / "runs")
    trainer = Trainer(model=model, args=targs, train_dataset=dataset, eval_dataset=eval_dataset, data_collator=collator,
                      callbacks=[make_log_callback(out / "train_log.jsonl"), *callbacks])
    resume = {"auto": last_checkpoint(out / "checkpoints"), "none": None}.get(args.resume, args.resume)
    if resume:
        print(f"resuming from {resume}", flush=True)
    elif (out / "train_log.jsonl").exists():
        (out / "train_log.jsonl").unlink()          # a new run starts a new log; a resumed one appends
    # Written last: until then the folder is an unfinished run that serving refuses.
    (out / "training_summary.json").unlink(missing_ok=True)
    t0 = time.monotonic()
    result = trainer.train(resume_from_checkpoint=resume)
    seconds = time.monotonic() - t0
    eval_loss = trainer.evaluate()["eval_loss"] if eval_dataset is not None else None
    parameters = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    trainer.save_model(str(out))
    if trainer.is_world_process_zero():
        generation = GenerationConfig(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                      pad_token_id=tokenizer.pad_token_id, max_new_tokens=256, do_sample=True,
                                      temperature=0.7, top_p=0.9, repetition_penalty=1.1)
        folders = [out]
        if args.merge:
            trainer.model.merge_and_unload().save_pretrained(str(out / "merged"))   # in place: the adapter is saved
            folders.append(out / "merged")
        for folder in folders:
            tokenizer.save_pretrained(str(folder))
            generation.save_pretrained(str(folder))
    summary = {"stage": args.stage, "data": output.root, "rows": output.rows, "model": args.model,
               "deepspeed": args.deepspeed, "examples": None if args.streaming else len(dataset),
               "steps": trainer.state.global_step, "train_loss": result.training_loss,
               "tokens_seen": trainer.state.num_input_tokens_seen, "seconds": round(seconds, 2),
               # the Trainer's own clock: the training loop, without DeepSpeed's start-up
               "train_runtime": result.metrics.get("train_runtime"),
               "tokens_per_s": round(trainer.state.num_input_tokens_seen / max(result.metrics.get("train_runtime") or seconds, 1e-9), 1),
               "parameters": parameters, "resumed_from": resume,
               "adapter": args.adapter, "eval_loss": eval_loss,
               "eval_examples": len(eval_dataset) if eval_dataset is not None else 0,
               "trainable_parameters": trainable}
    if trainer.is_world_process_zero():
        (out / "training_summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    return run_stage(argv, parse_args, train, lambda args, s: (
        f"trained {s['steps']} steps in {s['seconds']:.1f} s (training loop {s['train_runtime']:.1f} s), "
        f"mean loss {s['train_loss']:.3f}, {s['tokens_per_s']:.0f} tokens/s\nmodel: {args.out}"))


if __name__ == "__main__":
    sys.exit(main())

"""Training throughput on CPU: the Trainer with and without DeepSpeed beside a plain PyTorch loop.

    python -m bench.train_bench [--data out/pretrain] [--steps 30] [--batch-size 8] [--block-size 256]

The same tiny Llama (training/train.py `tiny-llama`, same initial weights), the same packed
blocks of the bundled sample's pretraining output in the same order, the same optimizer
settings; each configuration runs in its own process, one after the other:
  plain      torch.optim.AdamW in a hand-written loop
  trainer    the Hugging Face Trainer, no DeepSpeed
  zero2      the Trainer under DeepSpeed ZeRO-2 (CPU accelerator, one process)
  zero3      the Trainer under DeepSpeed ZeRO-3
Tokens/s is measured at steady state (from step 3 to the last), and reported as a ratio to
the plain loop; the pass mark (>= 0.7x) applies to ZeRO-2, the default of `make train`.
Results: bench/results/train_bench.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from training.data import build_dataset, iter_texts
from training.manifest import read_output
from training.packing import PackedCollator
from training.tokenizer import train_tokenizer
from training.train import deepspeed_config, prepare_distributed_env, tiny_config

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
CONFIGS = ("plain", "trainer", "zero2", "zero3")
WARMUP = 3


def prepare(data: str, block_size: int, seed: int = 1):
    """Tokenizer (trained once and cached), packed dataset and a seeded tiny model."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer


    output = read_output(data, "pretrain")
    tok_dir = RESULTS / "train-bench-tokenizer"
    if not (tok_dir / "tokenizer.json").exists():
        train_tokenizer(iter_texts(output), vocab_size=8000).save_pretrained(str(tok_dir))
    tokenizer = AutoTokenizer.from_pretrained(str(tok_dir))
    dataset = build_dataset(output, "pretrain", tokenizer, block_size=block_size, seed=seed)
    torch.manual_seed(seed)
    config = tiny_config("tiny-llama", len(tokenizer), block_size)
    config.pad_token_id = tokenizer.pad_token_id
    return tokenizer, dataset, AutoModelForCausalLM.from_config(config)


def steady_rate(marks: list[tuple[int, float, int]]) -> float:
    """tokens/s between the WARMUP-th step and the last, from (step, time, tokens seen) marks."""
    (_, t0, n0), (_, t1, n1) = marks[WARMUP - 1], marks[-1]
    return (n1 - n0) / max(t1 - t0, 1e-9)


def run_plain(dataset, model, args) -> list[tuple[int, float, int]]:
    import torch
    from torch.utils.data import DataLoader


    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, collate_fn=PackedCollator("cross"),
                        generator=torch.Generator().manual_seed(args.seed))
    optim = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    model.train()
    marks, seen, step = [], 0, 0
    while step < args.steps:
        for batch in loader:
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            seen += int(batch["attention_mask"].sum())
            marks.append((step, time.monotonic(), seen))
            if step >= args.steps:
                break
    return marks


def run_trainer(dataset, model, tokenizer, args, deepspeed: str | None) -> list[tuple[int, float, int]]:
    from transformers import Trainer, TrainerCallback, TrainingArguments


    prepare_distributed_env()
    marks = []

    class Marks(TrainerCallback):
        def on_step_end(self, a, state, control, **kw):
            marks.append((state.global_step, time.monotonic(), state.num_input_tokens_seen))

    targs = TrainingArguments(output_dir=str(RESULTS / "train-bench-ckpt"), per_device_train_batch_size=args.batch_size,
                              max_steps=args.steps, learning_rate=args.lr, weight_decay=0.0, lr_scheduler_type="constant",
                              max_grad_norm=1.0, save_strategy="no", report_to=[], use_cpu=True, seed=args.seed,
                              data_seed=args.seed, deepspeed=deepspeed_config(deepspeed) if deepspeed else None,
                              include_num_input_tokens_seen="non_padding", remove_unused_columns=False,
                              dataloader_num_workers=0, disable_tqdm=True, logging_strategy="no")
    Trainer(model=model, args=targs, train_dataset=dataset, data_collator=PackedCollator("cross"),
            callbacks=[Marks()]).train()
    return marks


def one(config: str, args) -> dict:
    tokenizer, dataset, model = prepare(args.data, args.block_size, args.seed)
    if config == "plain":
        marks = run_plain(dataset, model, args)
    else:
        marks = run_trainer(dataset, model, tokenizer, args, None if config == "trainer" else config)
    return {"config": config, "steps": len(marks), "tokens": marks[-1][2], "tokens_per_s": round(steady_rate(marks), 1),
            "parameters": sum(p.numel() for p in model.parameters()), "blocks": len(dataset)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO / "out" / "pretrain"))
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--block-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=CONFIGS, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.only:
        print("RESULT " + json.dumps(one(a.only, a)), flush=True)
        return 0
    if not (Path(a.data) / "manifest.json").exists():
        print(f"{a.data}/manifest.json not found: run `make run` first", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = {}
    for config in CONFIGS:
        cmd = [sys.executable, "-m", "bench.train_bench", "--only", config, "--data", a.data, "--steps", str(a.steps),
               "--batch-size", str(a.batch_size), "--block-size", str(a.block_size), "--lr", str(a.lr), "--seed", str(a.seed)]
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            print(proc.stdout[-2000:] + proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"{config} failed ({proc.returncode})")
        runs[config] = {**json.loads(line[7:]), "wall_s": round(time.monotonic() - t0, 1)}
        print(f"  {config:<8} {runs[config]['tokens_per_s']:9.0f} tokens/s  ({runs[config]['steps']} steps, {runs[config]['wall_s']} s wall)", flush=True)
    base = runs["plain"]["tokens_per_s"]
    # The bar (issue 7) is on the default path, `make train`'s ZeRO-2; ZeRO-3 is reported beside it.
    report = {"runs": runs, "ratio_to_plain": {c: round(r["tokens_per_s"] / base, 3) for c, r in runs.items()},
              "threshold": 0.7, "judged": "zero2", "pass": runs["zero2"]["tokens_per_s"] >= 0.7 * base}
    (RESULTS / "train_bench.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({"ratio_to_plain": report["ratio_to_plain"], "pass": report["pass"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

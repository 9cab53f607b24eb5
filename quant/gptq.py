"""GPTQ weight quantization of a causal LM, calibrated on a curated pipeline output.

    python -m quant.gptq --model MODEL_DIR --data PIPELINE_OUTPUT --out OUT_DIR
        [--bits 4] [--group-size 128] [--act-order static|group|weight|none] [--asymmetric]
        [--dampening 0.01] [--samples 128] [--seq-len 512]

Uses llm-compressor's GPTQModifier (CPU or GPU; the algorithm is not re-implemented here).
Every Linear layer is quantized except `lm_head`, which stays in full precision. The result is
saved in the compressed-tensors format (`quantization_config` in config.json): plain
`transformers` loads it (AutoModelForCausalLM.from_pretrained; on CPU it decompresses to dense
weights) and vLLM serves it natively. The tokenizer, its chat template and the generation
config are copied alongside, so the quantized model prompts like the original.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from quant.calibration import calibration_texts
from training.manifest import read_output, run_stage

# Files besides the weights that travel with the model.
SIDECARS = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
            "generation_config.json", "vocab.json", "merges.txt", "tokenizer.model")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m quant.gptq", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a Hugging Face causal LM folder (e.g. make train's output)")
    ap.add_argument("--data", required=True, help="a pipeline output folder (its manifest.json) for calibration")
    ap.add_argument("--out", required=True, help="where the quantized checkpoint goes")
    ap.add_argument("--bits", type=int, default=4, choices=[2, 3, 4, 8])
    ap.add_argument("--group-size", type=int, default=128, help="weights per scale (-1: one per output channel)")
    ap.add_argument("--act-order", default="static", choices=["none", "static", "group", "weight"],
                    help="GPTQ's activation ordering (desc_act); static (the default) costs nothing at inference")
    ap.add_argument("--asymmetric", action="store_true", help="zero points (default: symmetric)")
    ap.add_argument("--dampening", type=float, default=0.01, help="fraction of the Hessian's mean diagonal added")
    ap.add_argument("--samples", type=int, default=128, help="calibration documents")
    ap.add_argument("--seq-len", type=int, default=512, help="tokens per calibration sample")
    return ap.parse_args(argv)


def recipe(args: argparse.Namespace):
    from llmcompressor.modifiers.quantization import GPTQModifier
    weights = {"num_bits": args.bits, "type": "int", "symmetric": not args.asymmetric,
               "strategy": "group" if args.group_size > 0 else "channel",
               "group_size": args.group_size if args.group_size > 0 else None}
    return GPTQModifier(config_groups={"group_0": {"targets": ["Linear"], "weights": weights}}, ignore=["lm_head"],
                        dampening_frac=args.dampening, actorder=None if args.act_order == "none" else args.act_order)


def calibration_dataset(texts: list[str], tokenizer, seq_len: int):
    from datasets import Dataset
    rows = []
    for text in texts:
        enc = tokenizer(text, truncation=True, max_length=seq_len, add_special_tokens=False)
        if enc["input_ids"]:
            rows.append({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]})
    if not rows:
        raise ValueError("no calibration text: the pipeline output has no documents in its calibration pool")
    return Dataset.from_list(rows)


def quantize(args: argparse.Namespace) -> dict:
    from llmcompressor import oneshot
    from transformers import AutoModelForCausalLM, AutoTokenizer


    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    output = read_output(args.data)
    model_dir, out = Path(args.model), Path(args.out)
    if not (model_dir / "config.json").exists():
        raise SystemExit(f"error: --model {model_dir}: not a model folder (no config.json); run `make train` first")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="auto")
    texts = calibration_texts(output, args.samples)
    dataset = calibration_dataset(texts, tokenizer, args.seq_len)
    t0 = time.monotonic()
    model = oneshot(model=model, dataset=dataset, recipe=recipe(args), num_calibration_samples=len(dataset),
                    max_seq_length=args.seq_len, shuffle_calibration_samples=False, pipeline="sequential")
    seconds = time.monotonic() - t0
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, save_compressed=True)
    tokenizer.save_pretrained(out)
    for name in SIDECARS:
        if (model_dir / name).exists() and not (out / name).exists():
            shutil.copy2(model_dir / name, out / name)
    summary = {"model": str(model_dir), "data": output.root, "out": str(out), "bits": args.bits,
               "group_size": args.group_size, "act_order": args.act_order, "symmetric": not args.asymmetric,
               "dampening": args.dampening, "calibration_samples": len(dataset),
               "calibration_tokens": sum(len(r) for r in dataset["input_ids"]), "seq_len": args.seq_len,
               "seconds": round(seconds, 2), "format": "compressed-tensors", "ignored": ["lm_head"]}
    (out / "quantization_summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    return run_stage(argv, parse_args, quantize, lambda args, s: (
        f"GPTQ W{s['bits']} group {s['group_size']} on {s['calibration_samples']} calibration samples "
        f"({s['calibration_tokens']} tokens) in {s['seconds']:.1f} s\nquantized model: {s['out']}"))


if __name__ == "__main__":
    sys.exit(main())

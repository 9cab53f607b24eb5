"""Full precision vs quantized: perplexity on the same held-out tokens, size on disk, a generation.

    python -m quant.eval --model FP_MODEL_DIR --quantized QUANT_DIR --data PIPELINE_OUTPUT
        [--seq-len 256] [--max-tokens 20000] [--prompt TEXT] [--output eval.json]

The held-out slice is the documents quant/calibration.py never calibrates on. Both models
score exactly the same token windows (the full-precision tokenizer's ids: the quantized model
carries the same tokenizer). Writes JSON (default QUANT_DIR/eval.json) and prints a table.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from quant.calibration import held_out_texts
from training.manifest import read_output, run_stage

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m quant.eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the full-precision model folder")
    ap.add_argument("--quantized", required=True, help="the quantized model folder")
    ap.add_argument("--data", required=True, help="a pipeline output folder (its held-out slice is scored)")
    ap.add_argument("--seq-len", type=int, default=256, help="tokens per scored window")
    ap.add_argument("--max-tokens", type=int, default=20000, help="score at most this many held-out tokens")
    ap.add_argument("--prompt", default=None, help="generation prompt (default: the start of a held-out document)")
    ap.add_argument("--output", default=None, help="JSON report (default: QUANT_DIR/eval.json)")
    return ap.parse_args(argv)


def size_on_disk(folder: str | Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).iterdir() if p.suffix in WEIGHT_SUFFIXES)


def windows(texts: list[str], tokenizer, seq_len: int, max_tokens: int) -> list[list[int]]:
    """Held-out documents joined with EOS, cut into non-overlapping windows (the last partial one dropped)."""
    ids: list[int] = []
    for text in texts:
        ids.extend(tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id])
        if len(ids) >= max_tokens:
            break
    ids = ids[:max_tokens]
    return [ids[i:i + seq_len] for i in range(0, len(ids) - seq_len + 1, seq_len)]


def perplexity(model, token_windows: list[list[int]]) -> tuple[float, int]:
    """exp(mean next-token NLL) over the windows; also the number of scored tokens."""
    import torch
    nll, n = 0.0, 0
    model.eval()
    with torch.no_grad():
        for w in token_windows:
            x = torch.tensor([w])
            loss = model(input_ids=x, labels=x).loss
            nll += float(loss) * (len(w) - 1)
            n += len(w) - 1
    return math.exp(nll / max(n, 1)), n


def generate(model, tokenizer, prompt: str, max_new_tokens: int = 32) -> str:
    import torch
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def evaluate(args: argparse.Namespace) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer


    output = read_output(args.data)
    texts = held_out_texts(output)
    if not texts:
        raise SystemExit(f"error: {args.data}: the held-out slice is empty")
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    token_windows = windows(texts, tokenizer, args.seq_len, args.max_tokens)
    if not token_windows:
        raise SystemExit(f"error: the held-out slice has fewer than --seq-len {args.seq_len} tokens; lower it")
    prompt = args.prompt or tokenizer.decode(tokenizer(texts[0], add_special_tokens=False)["input_ids"][:12])
    report = {"data": output.root, "held_out_documents": len(texts), "windows": len(token_windows),
              "seq_len": args.seq_len, "prompt": prompt, "models": {}}
    for name, folder in (("full_precision", args.model), ("quantized", args.quantized)):
        t0 = time.monotonic()
        model = AutoModelForCausalLM.from_pretrained(folder)
        ppl, n = perplexity(model, token_windows)
        report["models"][name] = {"folder": str(folder), "perplexity": round(ppl, 4), "scored_tokens": n,
                                  "size_bytes": size_on_disk(folder), "generation": generate(model, tokenizer, prompt),
                                  "seconds": round(time.monotonic() - t0, 2)}
    fp, q = report["models"]["full_precision"], report["models"]["quantized"]
    report["perplexity_change"] = round(q["perplexity"] / fp["perplexity"] - 1, 4)
    report["size_ratio"] = round(q["size_bytes"] / max(fp["size_bytes"], 1), 4)
    return report


def table(report: dict) -> str:
    fp, q = report["models"]["full_precision"], report["models"]["quantized"]
    rows = [("", "full precision", "quantized"),
            ("perplexity", f"{fp['perplexity']:.3f}", f"{q['perplexity']:.3f} ({report['perplexity_change']:+.1%})"),
            ("scored tokens", str(fp["scored_tokens"]), str(q["scored_tokens"])),
            ("size on disk", f"{fp['size_bytes'] / 1e6:.2f} MB", f"{q['size_bytes'] / 1e6:.2f} MB (x{report['size_ratio']:.2f})"),
            ("generation", repr(fp["generation"][:40]), repr(q["generation"][:40]))]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(width[i]) for i, c in enumerate(r)) for r in rows)


def evaluate_and_write(args: argparse.Namespace) -> dict:
    report = evaluate(args)
    path = Path(args.output or Path(args.quantized) / "eval.json")
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return {**report, "path": str(path)}


def main(argv: list[str] | None = None) -> int:
    return run_stage(argv, parse_args, evaluate_and_write,
                     lambda args, r: f"prompt: {r['prompt']!r}\n{table(r)}\nreport: {r['path']}")


if __name__ == "__main__":
    sys.exit(main())

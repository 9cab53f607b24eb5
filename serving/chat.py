"""Terminal chat with a trained model (TigerBot's infer.py, rebuilt on transformers).

    python -m serving.chat --model out/model-sft                  # multi-turn chat, streamed
    python -m serving.chat --model out/model-pretrain --base      # text continuation, no history
    python -m serving.chat --model out/model-sft --temperature 0  # greedy, deterministic

At the `User: ` prompt: `clear` empties the conversation history, `exit` (or `quit`, or Ctrl-D)
ends the session; Ctrl-C stops an answer that is being generated. The answer is printed token by
token as it is generated (TextIteratorStreamer, `model.generate` in a thread).

The prompt is the tokenizer's chat template (`make train STAGE=sft` installs the TigerBot
"### Instruction / ### Response" template, training/sft_format.py), so the model sees what it was
trained on. History is kept within the model's context: before each answer the oldest turns are
dropped until prompt + --max-new-tokens fits (`fit_history`); a system prompt (--system) and the
latest user message always stay. `--base` continues the text typed instead: no template, no history.
"""
from __future__ import annotations

import argparse
import copy
import sys
import threading
from typing import Sequence

from training.sft_format import render_prompt

EXIT_COMMANDS = {"exit", "quit", ":q", "/exit", "/quit"}
CLEAR_COMMANDS = {"clear", "/clear"}


# ---------------------------------------------------------------------------- prompts and history
def render_chat(messages: Sequence[dict], tokenizer) -> str:
    """The generation prompt of `messages`: the tokenizer's chat template, or the TigerBot format
    (training/sft_format.py) for a tokenizer without one."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False)
    return render_prompt(messages, tokenizer.eos_token or "", add_generation_prompt=True)


def encode_prompt(text: str, tokenizer, chat: bool = True) -> list[int]:
    """Token ids of a prompt. A rendered chat template carries its own special tokens (TigerBot's
    carries none, as in training), so none are added; base-model text gets the tokenizer's usual ones."""
    ids = tokenizer(text, add_special_tokens=not chat)["input_ids"]
    return ids.tolist() if hasattr(ids, "tolist") else list(ids)


def prompt_tokens(messages: Sequence[dict], tokenizer) -> int:
    return len(encode_prompt(render_chat(messages, tokenizer), tokenizer, chat=True))


def fit_history(messages: Sequence[dict], tokenizer, context_length: int, max_new_tokens: int) -> list[dict]:
    """`messages` without their oldest turns, so the prompt plus max_new_tokens fits context_length.

    System messages at the start are kept, and so is the last user message (with whatever follows
    it) even when it alone does not fit: the caller decides what to do then (see `prompt_budget`).
    Turns are dropped oldest first, a whole exchange at a time (a user message and the assistant
    answers after it), so the kept history always starts with a user message."""
    messages = list(messages)
    head = 0
    while head < len(messages) and messages[head].get("role") == "system":
        head += 1
    system, rest = messages[:head], messages[head:]
    last_user = max((i for i, m in enumerate(rest) if m.get("role") == "user"), default=None)
    if last_user is None:
        return system + rest
    budget = context_length - max_new_tokens
    start = 0
    while start < last_user and prompt_tokens(system + rest[start:], tokenizer) > budget:
        start += 1                                   # drop the oldest message ...
        while start < last_user and rest[start].get("role") != "user":
            start += 1                               # ... and the answers that belonged to it
    return system + rest[start:]


# ---------------------------------------------------------------------------- generation
def generation_kwargs(lm, max_new_tokens: int, temperature: float, top_p: float,
                      repetition_penalty: float) -> dict:
    """Keyword arguments of model.generate: the model's generation_config with the CLI settings;
    temperature 0 means greedy decoding."""
    config = copy.deepcopy(lm.generation_config)
    if temperature and temperature > 0:
        config.update(do_sample=True, temperature=float(temperature), top_p=float(top_p))
    else:
        # neutral values, not None: generate() fills None from the model's own generation_config
        config.update(do_sample=False, temperature=1.0, top_p=1.0, top_k=50)
    config.update(max_new_tokens=int(max_new_tokens), repetition_penalty=float(repetition_penalty))
    if config.pad_token_id is None:
        config.pad_token_id = lm.tokenizer.pad_token_id
    return {"generation_config": config}


class _StopFlag:
    """A stopping criterion a Ctrl-C sets (transformers calls it with input_ids and scores)."""

    def __init__(self):
        self.event = threading.Event()

    def __call__(self, input_ids, scores, **kwargs):
        import torch
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool,
                          device=input_ids.device)


def stream_generate(lm, input_ids: list[int], gen_kwargs: dict, out=sys.stdout) -> str:
    """Generates after `input_ids`, writing the text to `out` as it comes; returns the whole text."""
    import torch
    from transformers import StoppingCriteriaList, TextIteratorStreamer

    streamer = TextIteratorStreamer(lm.tokenizer, skip_prompt=True, skip_special_tokens=True)
    stop = _StopFlag()
    ids = torch.tensor([input_ids], dtype=torch.long, device=lm.device)
    errors: list[BaseException] = []

    def work():
        try:
            with torch.inference_mode():
                lm.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), streamer=streamer,
                                  stopping_criteria=StoppingCriteriaList([stop]), **gen_kwargs)
        except BaseException as e:  # noqa: BLE001 - reported in the main thread
            errors.append(e)
            streamer.end()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    parts: list[str] = []
    try:
        for piece in streamer:
            parts.append(piece)
            out.write(piece)
            out.flush()
    except KeyboardInterrupt:
        stop.event.set()
        for piece in streamer:                       # drain what was already queued
            parts.append(piece)
        out.write(" [stopped]")
    thread.join()
    out.write("\n")
    out.flush()
    if errors:
        raise RuntimeError(f"generation failed: {errors[0]}") from errors[0]
    return "".join(parts)


# ---------------------------------------------------------------------------- the loop
def _read(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def chat_loop(lm, args, out=sys.stdout) -> int:
    tok = lm.tokenizer
    system = [{"role": "system", "content": args.system}] if args.system else []
    history: list[dict] = []
    mode = "text continuation (--base: no template, no history)" if args.base else "chat"
    out.write(f"Model {lm.name}: {mode}, context {lm.context_length} tokens, {lm.device}. "
              "Type `clear` to empty the history, `exit` or Ctrl-D to quit.\n")
    out.flush()
    prompt_label, answer_label = ("Text: ", "Continuation: ") if args.base else ("User: ", "Assistant: ")
    while True:
        try:
            line = _read(prompt_label)
        except KeyboardInterrupt:
            out.write("\n(type `exit` or press Ctrl-D to quit)\n")
            continue
        if line is None:                              # EOF / Ctrl-D
            out.write("\n")
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in EXIT_COMMANDS:
            return 0
        if text.lower() in CLEAR_COMMANDS:
            history.clear()
            out.write("[history cleared]\n" if not args.base else "[nothing to clear: --base keeps no history]\n")
            out.flush()
            continue

        if args.base:
            ids = encode_prompt(line, tok, chat=False)
            messages = None
        else:
            messages = fit_history(system + history + [{"role": "user", "content": line}], tok,
                                   lm.context_length, args.max_new_tokens)
            dropped = len(system) + len(history) + 1 - len(messages)
            if dropped:
                out.write(f"[{dropped} oldest message(s) dropped to fit the {lm.context_length}-token context]\n")
            ids = encode_prompt(render_chat(messages, tok), tok, chat=True)
        room = lm.context_length - len(ids)
        if room < 1:
            out.write(f"[the message is too long: {len(ids)} tokens, the model's context is "
                      f"{lm.context_length}]\n")
            out.flush()
            continue
        max_new = min(args.max_new_tokens, room)
        gen = generation_kwargs(lm, max_new, args.temperature, args.top_p, args.repetition_penalty)
        out.write(answer_label)
        out.flush()
        try:
            answer = stream_generate(lm, ids, gen, out=out)
        except RuntimeError as e:
            out.write(f"[error: {e}]\n")
            out.flush()
            continue
        if messages is not None:
            history = messages[len(system):] + [{"role": "assistant", "content": answer.strip()}]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m serving.chat", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model folder (make train / make quantize output)")
    p.add_argument("--base", action="store_true", help="continue the text typed (base model): no template, no history")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--temperature", type=float, default=0.7, help="0 = greedy (deterministic)")
    p.add_argument("--top-p", type=float, default=0.9)
    p.add_argument("--repetition-penalty", type=float, default=1.1)
    p.add_argument("--system", default=None, help="system prompt put before the conversation")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA when available)")
    p.add_argument("--dtype", default=None, help="float32, bfloat16, float16 (default: by device)")
    p.add_argument("--seed", type=int, default=None, help="random seed for sampling")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.max_new_tokens < 1:
        print("--max-new-tokens must be at least 1", file=sys.stderr)
        return 2
    try:
        import readline  # noqa: F401 - line editing and history at the prompt
    except ImportError:
        pass
    from serving.loader import ModelLoadError, load
    try:
        lm = load(args.model, device=args.device, dtype=args.dtype)
    except ModelLoadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.seed is not None:
        from transformers import set_seed
        set_seed(args.seed)
    return chat_loop(lm, args)


if __name__ == "__main__":
    sys.exit(main())

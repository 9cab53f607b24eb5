"""The TigerBot prompt format of SFT records, its chat template, and loss-masked tokenization.

One SFT record (schemas/sft.py) is rendered as

    {system}
    \\n\\n### Instruction:\\n{history[0].user}\\n\\n### Response:\\n{history[0].assistant}</s>
    ...
    \\n\\n### Instruction:\\n{instruction}[\\n{input}]\\n\\n### Response:\\n{output}</s>

(`</s>` stands for the tokenizer's EOS token). A user turn is INSTRUCTION_MARKER + content; every
assistant turn is preceded by RESPONSE_MARKER and followed by EOS, so a prompt ready for
generation ends with RESPONSE_MARKER (`add_generation_prompt`). `CHAT_TEMPLATE` renders exactly
the same text through `tokenizer.apply_chat_template`, so the served model sees what it was
trained on.

`tokenize_sft` tokenizes the record segment by segment (system, each prompt, each response) so
the loss mask is exact: only the final response and its EOS carry labels, everything else
(system, history prompts *and* history answers, the final prompt) is -100. Segments are
tokenized without special tokens and with special-token strings in the data kept as text
(`split_special_tokens`); EOS is appended by id, never tokenized from its text. The markers start
and end with a newline, where a byte-level pre-tokenizer splits anyway, so for ordinary text
the ids are those of the whole rendered text (apply_chat_template) too; segments that start or
end with whitespace may tokenize slightly differently at their edges.
"""
from __future__ import annotations

from typing import Any, Sequence

INSTRUCTION_MARKER = "\n\n### Instruction:\n"
RESPONSE_MARKER = "\n\n### Response:\n"
IGNORE_INDEX = -100

# Jinja, rendered by transformers' apply_chat_template (which passes eos_token and
# add_generation_prompt). Must stay character-for-character equal to render_prompt.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}"
    "{{ message['content'] }}"
    "{%- elif message['role'] == 'user' -%}"
    "{{ '\\n\\n### Instruction:\\n' + message['content'] }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ '\\n\\n### Response:\\n' + message['content'] + eos_token }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt and messages and messages[-1]['role'] == 'user' -%}"
    "{{ '\\n\\n### Response:\\n' }}"
    "{%- endif -%}"
)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _history(record: dict) -> list[tuple[str, str]]:
    turns = record.get("history") or []
    return [(_text(t.get("user")), _text(t.get("assistant"))) for t in turns]


def _user_content(record: dict) -> str:
    instruction, extra = _text(record.get("instruction")), _text(record.get("input"))
    return f"{instruction}\n{extra}" if extra else instruction


def record_to_messages(record: dict) -> list[dict]:
    """OpenAI-style messages: [system], (user, assistant) per history turn, user, assistant."""
    messages: list[dict] = []
    if record.get("system"):
        messages.append({"role": "system", "content": _text(record["system"])})
    for user, assistant in _history(record):
        messages.append({"role": "user", "content": user})
        messages.append({"role": "assistant", "content": assistant})
    messages.append({"role": "user", "content": _user_content(record)})
    messages.append({"role": "assistant", "content": _text(record.get("output"))})
    return messages


def render_prompt(messages: Sequence[dict], eos_token: str, add_generation_prompt: bool = True) -> str:
    """The TigerBot text of `messages` (what CHAT_TEMPLATE renders)."""
    parts: list[str] = []
    for m in messages:
        role, content = m["role"], _text(m.get("content"))
        if role == "system":
            parts.append(content)
        elif role == "user":
            parts.append(INSTRUCTION_MARKER + content)
        elif role == "assistant":
            parts.append(RESPONSE_MARKER + content + eos_token)
    if add_generation_prompt and messages and messages[-1]["role"] == "user":
        parts.append(RESPONSE_MARKER)
    return "".join(parts)


def install_chat_template(tokenizer):
    """Sets the TigerBot chat template (and pad = eos when the tokenizer has no pad token)."""
    tokenizer.chat_template = CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _as_list(x) -> list:
    return x.tolist() if hasattr(x, "tolist") else list(x)


def _ids(tokenizer, text: str) -> list[int]:
    """Token ids of a text segment; special-token strings in the data ("</s>" in an answer) stay text."""
    if not text:
        return []
    try:
        ids = tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"]
    except TypeError:       # a tokenizer without split_special_tokens
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return _as_list(ids)


def tokenize_sft(record: dict, tokenizer, max_length: int, min_response_tokens: int = 16) -> dict:
    """input_ids / labels / attention_mask of one record, the loss on the final response + EOS only.

    Too long for max_length: the oldest history turns go first; then the final response loses its
    tail (down to min(min_response_tokens, its length) tokens, never nothing; a cut response has
    no EOS); then the context (system + final prompt) is cut from the left, so the end of the
    instruction and RESPONSE_MARKER stay. `truncated` says whether anything was cut.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    eos = tokenizer.eos_token_id
    if eos is None:
        raise ValueError("the tokenizer has no eos_token")
    system = _ids(tokenizer, _text(record.get("system")))
    turns = [(_ids(tokenizer, INSTRUCTION_MARKER + user + RESPONSE_MARKER), _ids(tokenizer, assistant) + [eos])
             for user, assistant in _history(record)]
    prompt = _ids(tokenizer, INSTRUCTION_MARKER + _user_content(record) + RESPONSE_MARKER)
    response = _ids(tokenizer, _text(record.get("output"))) + [eos]

    truncated = False
    history_len = sum(len(p) + len(a) for p, a in turns)
    while turns and len(system) + history_len + len(prompt) + len(response) > max_length:
        p, a = turns.pop(0)
        history_len -= len(p) + len(a)
        truncated = True
    context = system + [t for p, a in turns for t in p + a]
    context_labels = [IGNORE_INDEX] * len(context)
    context += prompt
    context_labels += [IGNORE_INDEX] * len(prompt)

    if len(context) + len(response) > max_length:
        truncated = True
        floor = min(min_response_tokens, len(response), max_length)
        keep = max(max_length - len(context), floor)
        response = response[:keep]
        budget = max_length - len(response)
        if len(context) > budget:       # cut from the left: the end of the prompt stays
            cut = len(context) - budget
            context, context_labels = context[cut:], context_labels[cut:]

    input_ids = context + response
    labels = context_labels + list(response)
    return {"input_ids": input_ids, "labels": labels, "attention_mask": [1] * len(input_ids), "truncated": truncated}


class SftCollator:
    """Pads a list of tokenize_sft examples (right padding): input_ids with pad_token_id, labels
    with -100, attention_mask with 0. Other keys (`truncated`, ...) are dropped."""

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None):
        if pad_token_id is None:
            raise ValueError("pad_token_id is None: set tokenizer.pad_token (install_chat_template does)")
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, features: list[dict]) -> dict:
        import torch

        width = max(len(f["input_ids"]) for f in features)
        if self.pad_to_multiple_of:
            m = self.pad_to_multiple_of
            width = (width + m - 1) // m * m
        batch = {"input_ids": [], "labels": [], "attention_mask": []}
        for f in features:
            ids = _as_list(f["input_ids"])
            pad = width - len(ids)
            mask = _as_list(f["attention_mask"]) if "attention_mask" in f else [1] * len(ids)
            batch["input_ids"].append(ids + [self.pad_token_id] * pad)
            batch["labels"].append(_as_list(f["labels"]) + [IGNORE_INDEX] * pad)
            batch["attention_mask"].append(mask + [0] * pad)
        return {k: torch.tensor(v, dtype=torch.long) for k, v in batch.items()}

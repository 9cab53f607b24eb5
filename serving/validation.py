"""Validation of the request fields the server reads, completed before a request takes a generation
slot: every number finite and in range, token ids inside the vocabulary, content parts well-typed,
strings encodable. A problem raises `Invalid` (the API answers 400 naming the field)."""
from __future__ import annotations

import math

ROLES = ("system", "user", "assistant")
MIN_TEMPERATURE = 0.01      # 0 is greedy; below this, dividing the logits overflows
MIN_REPETITION_PENALTY = 0.01
SEED_RANGE = (-(2 ** 63), 2 ** 64 - 1)


class Invalid(ValueError):
    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def encodable(value: str, param: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise Invalid(f"'{param}' holds a character UTF-8 cannot encode ({value[e.start]!a} at {e.start})", param) from None
    return value


def number(body: dict, name: str, default: float, lo: float, hi: float, lo_open: bool = False) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"'{name}' must be a number", name)
    if not math.isfinite(value):
        raise Invalid(f"'{name}' must be a finite number, got {value}", name)
    if value < lo or value > hi or (lo_open and value == lo):
        raise Invalid(f"'{name}' must be {'>' if lo_open else '>='} {lo} and <= {hi}, got {value}", name)
    return float(value)


def temperature(body: dict, default: float) -> float:
    t = number(body, "temperature", default, 0, 2)
    if 0 < t < MIN_TEMPERATURE:
        raise Invalid(f"'temperature' must be 0 (greedy) or at least {MIN_TEMPERATURE}, got {t}", "temperature")
    return t


def integer(body: dict, name: str, lo: int, hi: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"'{name}' must be an integer", name)
    if not lo <= value <= hi:
        raise Invalid(f"'{name}' must be between {lo} and {hi}, got {value}", name)
    return value


def flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Invalid(f"'{name}' must be true or false", name)
    return value


def include_usage(body: dict) -> bool:
    options = body.get("stream_options")
    if options is None:
        return False
    if not isinstance(options, dict):
        raise Invalid("'stream_options' must be an object", "stream_options")
    return flag(options, "include_usage")


def messages(body: dict) -> list[dict]:
    """[{"role", "content"}] with the content as one string; the last message is the user's."""
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise Invalid("'messages' must be a non-empty list", "messages")
    clean = []
    for i, m in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise Invalid(f"{where} must be an object", where)
        role = m.get("role")
        if role not in ROLES:
            raise Invalid(f"{where}.role must be one of {', '.join(ROLES)}, not {role!r}", f"{where}.role")
        content = m.get("content")
        if isinstance(content, list):   # [{"type": "text", "text": ...}]
            parts = []
            for j, part in enumerate(content):
                if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                    raise Invalid(f"{where}.content[{j}] must be {{\"type\": \"text\", \"text\": <string>}} "
                                  "(only text parts are supported)", f"{where}.content[{j}]")
                parts.append(part["text"])
            content = "".join(parts)
        if not isinstance(content, str) or not content.strip():
            raise Invalid(f"{where}.content must be a non-empty string", f"{where}.content")
        clean.append({"role": role, "content": encodable(content, f"{where}.content")})
    if clean[-1]["role"] != "user":
        raise Invalid("the last message must have role 'user'", f"messages[{len(clean) - 1}].role")
    return clean


def prompt(body: dict, vocab_size: int) -> str | list[int]:
    """The completions prompt: a string, or token ids inside the vocabulary."""
    value = body.get("prompt")
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        value = value[0]
    if isinstance(value, str) and value:
        return encodable(value, "prompt")
    if isinstance(value, list) and value and all(isinstance(t, int) and not isinstance(t, bool) for t in value):
        bad = next((t for t in value if not 0 <= t < vocab_size), None)
        if bad is not None:
            raise Invalid(f"'prompt' holds token id {bad}, outside this model's vocabulary (0 to {vocab_size - 1})", "prompt")
        return list(value)
    raise Invalid("'prompt' must be a non-empty string (or a list of token ids)", "prompt")


def stops(body: dict) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    if isinstance(stop, str):
        stop = [stop]
    if not (isinstance(stop, list) and all(isinstance(s, str) for s in stop) and len(stop) <= 4):
        raise Invalid("'stop' must be a string or a list of at most 4 strings", "stop")
    return [encodable(s, "stop") for s in stop if s]


# ------------------------------------------------------------------ what the server implements
COMMON = {"model", "max_tokens", "temperature", "top_p", "n", "stream", "stream_options", "stop", "seed", "logprobs",
          "user", "repetition_penalty", "min_tokens", "ignore_eos"}
SUPPORTED = {True: COMMON | {"messages", "max_completion_tokens", "top_logprobs", "knowledge_base"},      # chat
             False: COMMON | {"prompt"}}                                                # completions
# fields accepted only at the value that changes nothing (what OpenAI does without them)
NEUTRAL = {"presence_penalty": (0, 0.0), "frequency_penalty": (0, 0.0), "logit_bias": ({},), "echo": (False,),
           "best_of": (1,), "suffix": ("",), "response_format": ({"type": "text"},), "tools": ([],),
           "tool_choice": ("none",), "parallel_tool_calls": (False,), "store": (False,), "modalities": (["text"],),
           "service_tier": ("auto", "default"), "metadata": ({},)}
MAX_N = 8
MAX_TOP_LOGPROBS = {True: 20, False: 5}


def unsupported(body: dict, chat: bool) -> None:
    """A request field this server does not implement is an error naming it, never silently ignored."""
    for name, value in body.items():
        if name in SUPPORTED[chat] or value is None:
            continue
        if name in NEUTRAL and any(value == ok and type(value) is type(ok) for ok in NEUTRAL[name]):
            continue
        raise Invalid(f"'{name}' is not supported by this server" +
                      (f" (only {', '.join(json_repr(ok) for ok in NEUTRAL[name])})" if name in NEUTRAL else ""), name)


def json_repr(value) -> str:
    import json
    return json.dumps(value)


def logprobs(body: dict, chat: bool) -> int | None:
    """None: no logprobs; k: each token's logprob and the k most likely alternatives."""
    if chat:
        if not flag(body, "logprobs"):
            if body.get("top_logprobs") is not None:
                raise Invalid("'top_logprobs' needs 'logprobs': true", "top_logprobs")
            return None
        return integer(body, "top_logprobs", 0, MAX_TOP_LOGPROBS[True]) or 0
    return integer(body, "logprobs", 0, MAX_TOP_LOGPROBS[False])


def choices(body: dict, stream: bool, with_logprobs: bool) -> int:
    n = integer(body, "n", 1, MAX_N) or 1
    if stream and n > 1:
        raise Invalid("n > 1 is supported without 'stream' only", "n")
    if stream and with_logprobs:
        raise Invalid("'logprobs' is supported without 'stream' only", "logprobs")
    return n


def tokens_within(ids: list[int], text: str, decode) -> int:
    """How many of the leading tokens decode to within `text` (a generation cut at a stop string)."""
    for k in range(len(ids), -1, -1):
        if len(decode(ids[:k])) <= len(text):
            return k
    return 0

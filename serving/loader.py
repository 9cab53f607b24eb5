"""Loads a Hugging Face causal LM folder (ours from `make train` / `make quantize`, or any other) for serving.

    lm = load("out/model-sft")                 # device / dtype chosen automatically
    lm = load("out/model-sft", device="cpu", dtype="float32")

Automatic choice: CUDA when available (bfloat16 where the GPU supports it, else float16), with
`device_map="auto"` when there are several GPUs; otherwise the CPU in float32. Quantized folders
(compressed-tensors, from `make quantize`) load through plain transformers; their dtype is left to
the quantization config unless one is given. A LoRA adapter folder (PEFT's adapter_config.json
and adapter weights, from a fine-tuning job) loads its base model (adapter_config's
base_model_name_or_path: a local folder, absolute or relative to the adapter's) and merges the
adapter into it, so it runs at the base model's speed; its own tokenizer wins when it has one.
The tokenizer gets pad = eos when it has no pad token; the model is put in eval mode.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

_DTYPES = {
    "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
    "float16": torch.float16, "fp16": torch.float16, "half": torch.float16,
}
# tokenizer.model_max_length above this is transformers' "no limit" sentinel (int(1e30)), not a length.
_SANE_MAX_LENGTH = 10_000_000


class ModelLoadError(RuntimeError):
    """The folder cannot be loaded as a causal LM (missing, no config.json, bad option)."""


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    generation_config: Any
    name: str
    context_length: int
    device: torch.device


def parse_dtype(dtype: str | torch.dtype | None) -> torch.dtype | None:
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    key = str(dtype).lower().removeprefix("torch.")
    if key == "auto":
        return None
    if key not in _DTYPES:
        raise ModelLoadError(f"unknown dtype {dtype!r}; use one of {', '.join(sorted(_DTYPES))}")
    return _DTYPES[key]


def choose_device_dtype(device: str | None = None, dtype: str | None = None) -> tuple[str, torch.dtype, bool]:
    """(device string, torch dtype, use device_map="auto") for the overrides given."""
    cuda = torch.cuda.is_available()
    if device is None or str(device).lower() == "auto":
        device = "cuda" if cuda else "cpu"
    device = str(device).lower()
    if device.startswith("cuda") and not cuda:
        raise ModelLoadError(f"device {device!r} asked for but CUDA is not available")
    want = parse_dtype(dtype)
    if want is None:
        if device.startswith("cuda"):
            want = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        else:
            want = torch.float32
    multi_gpu = device == "cuda" and torch.cuda.device_count() > 1
    return device, want, multi_gpu


def context_length_of(config, tokenizer) -> int:
    """config.max_position_embeddings, or tokenizer.model_max_length when smaller and sane."""
    lengths = []
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            lengths.append(value)
            break
    tok_len = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_len, int) and 0 < tok_len < _SANE_MAX_LENGTH:
        lengths.append(tok_len)
    return min(lengths) if lengths else 2048


def _is_quantized(config_path: Path) -> bool:
    try:
        return bool(json.loads(config_path.read_text(encoding="utf-8")).get("quantization_config"))
    except (OSError, ValueError):
        return False


ADAPTER_CONFIG = "adapter_config.json"


def adapter_base(path: Path) -> Path | None:
    """The base model folder of a PEFT adapter folder; None when `path` is not an adapter."""
    if (path / "config.json").is_file() or not (path / ADAPTER_CONFIG).is_file():
        return None
    try:
        base = json.loads((path / ADAPTER_CONFIG).read_text(encoding="utf-8"))["base_model_name_or_path"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelLoadError(f"{path / ADAPTER_CONFIG}: no readable base_model_name_or_path ({e})") from None
    base_path = Path(str(base)).expanduser()
    if not base_path.is_absolute():
        base_path = (path / base_path) if (path / base_path).is_dir() else base_path
    if not (base_path / "config.json").is_file():
        raise ModelLoadError(f"{path} is a LoRA adapter of {base!r}, which is not a local model folder "
                             "(nothing is downloaded: point base_model_name_or_path at one)")
    return base_path


def load(model_dir: str, device: str | None = None, dtype: str | None = None) -> LoadedModel:
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise ModelLoadError(f"model folder not found: {path}")
    if (path / "train_log.jsonl").exists() and not (path / "training_summary.json").exists():
        raise ModelLoadError(f"{path}: its training run did not finish (no training_summary.json); "
                             "rerun `make train` or pass --resume auto")
    base = adapter_base(path)
    if base is not None:
        return _load_adapter(path, base, device, dtype)
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{path} has no config.json: not a Hugging Face model folder "
                             "(make one with `make train` or `make quantize`)")
    device_str, torch_dtype, multi_gpu = choose_device_dtype(device, dtype)
    from transformers import AutoModelForCausalLM, GenerationConfig

    quantized = _is_quantized(path / "config.json")

    tokenizer = _tokenizer(path)

    kwargs: dict[str, Any] = {}
    if not (quantized and dtype is None):
        kwargs["dtype"] = torch_dtype
    if multi_gpu:
        kwargs["device_map"] = "auto"
    try:
        model = AutoModelForCausalLM.from_pretrained(str(path), **kwargs)
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"cannot load the model in {path}: {e}") from e
    if not multi_gpu:
        model.to(device_str)
    model.eval()
    if getattr(model.config, "pad_token_id", None) is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id

    try:
        generation_config = GenerationConfig.from_pretrained(str(path))
    except Exception:  # noqa: BLE001 - no generation_config.json: derive one from the model config
        generation_config = GenerationConfig.from_model_config(model.config)
    if generation_config.pad_token_id is None and tokenizer.pad_token_id is not None:
        generation_config.pad_token_id = tokenizer.pad_token_id
    if generation_config.eos_token_id is None and tokenizer.eos_token_id is not None:
        generation_config.eos_token_id = tokenizer.eos_token_id

    first = next(iter(model.parameters()), None)
    dev = first.device if first is not None else torch.device(device_str)
    return LoadedModel(model=model, tokenizer=tokenizer, generation_config=generation_config,
                       name=path.resolve().name, context_length=context_length_of(model.config, tokenizer),
                       device=dev)


def _tokenizer(path: Path):
    """The folder's tokenizer, with pad = eos when it has no pad token."""
    from transformers import AutoTokenizer
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
    except Exception as e:  # noqa: BLE001 - re-raised with the folder named
        raise ModelLoadError(f"cannot load the tokenizer of {path}: {e}") from e
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_adapter(path: Path, base: Path, device: str | None, dtype: str | None) -> LoadedModel:
    from peft import PeftModel

    loaded = load(str(base), device=device, dtype=dtype)
    try:
        merged = PeftModel.from_pretrained(loaded.model, str(path)).merge_and_unload()
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"cannot apply the adapter in {path} to {base}: {e}") from e
    merged.eval()
    tokenizer = loaded.tokenizer
    if any((path / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json")):
        tokenizer = _tokenizer(path)
    return LoadedModel(model=merged, tokenizer=tokenizer, generation_config=loaded.generation_config,
                       name=path.resolve().name, context_length=loaded.context_length, device=loaded.device)

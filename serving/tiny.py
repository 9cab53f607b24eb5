"""A tiny Llama with a trained byte-level BPE tokenizer and the TigerBot chat template, built locally
(no hub): for the serving tests and the serving benchmark.

The weights are random but drawn with a wide initializer, so the next-token logits are well
separated and greedy decoding is stable under float rounding (batched vs single matmuls)."""
from __future__ import annotations

import random
from pathlib import Path

from training.sft_format import install_chat_template
from training.tokenizer import train_tokenizer

_WORDS = ("the quick brown fox jumps over a lazy dog while small models learn to answer questions "
          "about data training quantization and serving with batched decoding on the cpu "
          "老虎 数据 训练 模型 服务 问题 回答 你好 世界").split()


def sample_lines(n: int = 400, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 20))) for _ in range(n)]


def build_tiny_model(out_dir, vocab_size: int = 600, context_length: int = 256, seed: int = 0,
                     hidden_size: int = 64, layers: int = 2, initializer_range: float = 0.3) -> Path:
    """Writes config, weights, tokenizer (with chat template) and generation_config to out_dir."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM


    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = install_chat_template(train_tokenizer(sample_lines(), vocab_size=vocab_size, min_frequency=1))
    tokenizer.model_max_length = context_length
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4,
                         max_position_embeddings=context_length, tie_word_embeddings=True,
                         initializer_range=initializer_range, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    GenerationConfig(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                     pad_token_id=tokenizer.pad_token_id, do_sample=False, max_new_tokens=64).save_pretrained(out)
    return out

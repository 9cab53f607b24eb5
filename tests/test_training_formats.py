"""training/sft_format.py, training/packing.py, training/tokenizer.py: prompt format and loss mask,
truncation, chat template, packing and document attention, the byte-level BPE tokenizer."""
import json
import os
import random
from collections import Counter
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from training.packing import (PackedCollator, block_diagonal_mask, pack,  # noqa: E402
                              position_ids_per_document)
from training.sft_format import (CHAT_TEMPLATE, INSTRUCTION_MARKER, RESPONSE_MARKER,  # noqa: E402
                                 SftCollator, install_chat_template, record_to_messages,
                                 render_prompt, tokenize_sft)
from training.tokenizer import coverage_report, is_han, train_tokenizer  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "pipelines" / "samples"

EXTRA_LINES = [
    "长江是中国第一长河，也是亚洲第一长河。",
    "今天天气很好，我们去公园散步吧！",
    "请把下面这句话翻译成英文：“我喜欢读书。”",
    "The quick brown fox jumps over the lazy dog.",
    "Machine learning models need clean training data.",
    "Please translate the following sentence into Chinese.",
]


def _sample_texts() -> list[str]:
    """A few hundred zh/en lines from the bundled samples (plus a few of our own)."""
    lines = []
    for rel in ("pretrain/zh_book", "pretrain/zh_wiki", "pretrain/en_book", "pretrain/en_web"):
        for raw in (SAMPLES / rel / "part-00000.jsonl").read_bytes().splitlines():
            try:                          # the samples hold a few malformed lines on purpose
                text = json.loads(raw.decode("utf-8")).get("text")
            except (ValueError, AttributeError):
                continue
            if isinstance(text, str):
                lines += [line for line in text.split("\n") if line.strip()]
    for rel in ("sft/alpaca_zh", "sft/alpaca_en"):
        for raw in (SAMPLES / rel / "part-00000.jsonl").read_bytes().splitlines():
            try:
                row = json.loads(raw.decode("utf-8"))
            except ValueError:
                continue
            lines += [v for k, v in row.items() if k in ("instruction", "input", "output") and isinstance(v, str) and v]
    return lines + EXTRA_LINES * 3


@pytest.fixture(scope="module")
def corpus():
    texts = _sample_texts()
    assert len(texts) > 200
    return texts


@pytest.fixture(scope="module")
def tok(corpus):
    return install_chat_template(train_tokenizer(corpus, vocab_size=6000))


def _labelled(example):
    return [i for i, lab in zip(example["input_ids"], example["labels"]) if lab != -100]


MULTI_TURN = {
    "id": "mt-1",
    "system": "你是一位耐心的老师。",
    "history": [{"user": "什么是质数？", "assistant": "质数只能被1和它本身整除。"},
                {"user": "Is 1 a prime?", "assistant": "No, 1 is not a prime number."}],
    "instruction": "请判断91是不是质数。",
    "input": "91 = 7 x 13",
    "output": "91不是质数，因为它等于7乘以13。",
}
SINGLE = {"id": "s-1", "instruction": "Name a primary colour.", "input": "", "output": "Red.", "history": [], "system": None}
WITH_INPUT = {"id": "s-2", "instruction": "翻译成英文", "input": "我喜欢读书。", "output": "I like reading.",
              "history": None, "system": ""}
SYSTEM_ONLY = {"id": "s-3", "system": "You are terse.", "instruction": "Say hi", "input": "", "output": "Hi", "history": []}


# --- prompt format --------------------------------------------------------------------------

def test_record_to_messages_and_render():
    messages = record_to_messages(MULTI_TURN)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user", "assistant"]
    assert messages[0]["content"] == "你是一位耐心的老师。"
    assert messages[-2]["content"] == "请判断91是不是质数。\n91 = 7 x 13"
    assert messages[-1]["content"] == MULTI_TURN["output"]
    assert [m["role"] for m in record_to_messages(SINGLE)] == ["user", "assistant"]
    assert record_to_messages(WITH_INPUT)[0]["content"] == "翻译成英文\n我喜欢读书。"

    text = render_prompt(record_to_messages(SINGLE), "</s>", add_generation_prompt=False)
    assert text == "\n\n### Instruction:\nName a primary colour.\n\n### Response:\nRed.</s>"
    prompt = render_prompt(record_to_messages(SYSTEM_ONLY)[:-1], "</s>")
    assert prompt == "You are terse." + INSTRUCTION_MARKER + "Say hi" + RESPONSE_MARKER
    assert render_prompt(record_to_messages(SYSTEM_ONLY)[:-1], "</s>", add_generation_prompt=False) == \
        "You are terse." + INSTRUCTION_MARKER + "Say hi"


RECORDS = [SINGLE, WITH_INPUT, SYSTEM_ONLY, MULTI_TURN]


def _check_template(tokenizer):
    for record in RECORDS:
        messages = record_to_messages(record)
        for msgs in (messages, messages[:-1]):          # a full conversation; a prompt awaiting the answer
            for gen in (True, False):
                got = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
                assert got == render_prompt(msgs, tokenizer.eos_token, add_generation_prompt=gen), (record["id"], gen)


def test_chat_template_equals_render_prompt(tok, tmp_path):
    assert tok.chat_template == CHAT_TEMPLATE
    _check_template(tok)
    from transformers import AutoTokenizer

    tok.save_pretrained(tmp_path / "tok")
    again = AutoTokenizer.from_pretrained(tmp_path / "tok")
    assert again.chat_template == CHAT_TEMPLATE
    _check_template(again)


def test_install_chat_template_sets_pad(tok):
    from transformers import PreTrainedTokenizerFast

    bare = PreTrainedTokenizerFast(tokenizer_object=tok.backend_tokenizer, eos_token="</s>")
    assert bare.pad_token is None
    install_chat_template(bare)
    assert bare.pad_token == "</s>" and bare.chat_template == CHAT_TEMPLATE
    assert tok.pad_token == "<pad>"          # an existing pad token is kept


# --- loss mask and truncation ---------------------------------------------------------------

def test_label_mask_multi_turn(tok):
    ex = tokenize_sft(MULTI_TURN, tok, max_length=1024)
    assert not ex["truncated"]
    n = len(ex["input_ids"])
    assert len(ex["labels"]) == len(ex["attention_mask"]) == n and set(ex["attention_mask"]) == {1}
    response = tok(MULTI_TURN["output"], add_special_tokens=False)["input_ids"]
    k = len(response) + 1
    # labels: -100 on everything but the final response + one EOS, which keep their ids
    assert ex["labels"][:n - k] == [-100] * (n - k)
    assert ex["labels"][n - k:] == ex["input_ids"][n - k:] == response + [tok.eos_token_id]
    assert tok.decode(_labelled(ex)) == MULTI_TURN["output"] + tok.eos_token
    # the history answers (and their EOS) are in the input but carry no loss
    assert ex["input_ids"].count(tok.eos_token_id) == 3 and _labelled(ex).count(tok.eos_token_id) == 1
    # the whole sequence is the rendered conversation
    assert tok.decode(ex["input_ids"]) == render_prompt(record_to_messages(MULTI_TURN), tok.eos_token, False)
    assert ex["input_ids"] == tok(render_prompt(record_to_messages(MULTI_TURN), tok.eos_token, False),
                                  add_special_tokens=False)["input_ids"]
    # generation prompt: everything before the labels
    prompt = tok.apply_chat_template(record_to_messages(MULTI_TURN)[:-1], tokenize=False, add_generation_prompt=True)
    assert tok(prompt, add_special_tokens=False)["input_ids"] == ex["input_ids"][:n - k]


def test_special_token_text_in_data_stays_text(tok):
    ex = tokenize_sft({"instruction": "What ends a sequence?", "input": "", "output": "The string </s> does."}, tok, 256)
    assert _labelled(ex).count(tok.eos_token_id) == 1 and _labelled(ex)[-1] == tok.eos_token_id


def _turn_tokens(tok, user, assistant):
    return len(tok(INSTRUCTION_MARKER + user + RESPONSE_MARKER, add_special_tokens=False)["input_ids"]) + \
        len(tok(assistant, add_special_tokens=False)["input_ids"]) + 1


def test_truncation_drops_oldest_history_first(tok):
    record = {
        "system": "",
        "history": [{"user": f"第{i}轮问题：河流有多长？", "assistant": f"Turn {i} answer: the river is long and wide."} for i in (1, 2, 3)],
        "instruction": "最后一个问题：长江在哪里？", "input": "", "output": "长江在中国。",
    }
    full = tokenize_sft(record, tok, 4096)
    assert not full["truncated"]
    turn1 = _turn_tokens(tok, "第1轮问题：河流有多长？", "Turn 1 answer: the river is long and wide.")
    turn2 = _turn_tokens(tok, "第2轮问题：河流有多长？", "Turn 2 answer: the river is long and wide.")
    # room for everything but the oldest turn
    ex = tokenize_sft(record, tok, len(full["input_ids"]) - 1)
    assert ex["truncated"] and len(ex["input_ids"]) == len(full["input_ids"]) - turn1
    text = tok.decode(ex["input_ids"])
    assert "第1轮" not in text and "第2轮" in text and "第3轮" in text
    assert _labelled(ex) == _labelled(full)               # the response is untouched
    # room for the last turn only
    ex = tokenize_sft(record, tok, len(full["input_ids"]) - turn1 - 1)
    assert len(ex["input_ids"]) == len(full["input_ids"]) - turn1 - turn2
    text = tok.decode(ex["input_ids"])
    assert "第2轮" not in text and "第3轮" in text and _labelled(ex) == _labelled(full)
    # no room for any turn: all history goes, the final prompt and response stay whole
    bare = tokenize_sft({**record, "history": []}, tok, 4096)
    ex = tokenize_sft(record, tok, len(bare["input_ids"]))
    assert ex["input_ids"] == bare["input_ids"] and ex["labels"] == bare["labels"] and ex["truncated"]


def test_truncation_cuts_response_tail_then_prompt_left(tok):
    output = "长江发源于青藏高原，流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海，最后注入东海。" * 3
    record = {"instruction": "介绍一下长江。", "input": "", "output": output, "history": []}
    prompt = tok(INSTRUCTION_MARKER + "介绍一下长江。" + RESPONSE_MARKER, add_special_tokens=False)["input_ids"]
    response = tok(output, add_special_tokens=False)["input_ids"]
    assert len(response) > 40
    # the response loses its tail (and its EOS), the prompt is whole
    ex = tokenize_sft(record, tok, len(prompt) + 30)
    assert ex["truncated"] and len(ex["input_ids"]) == len(prompt) + 30
    assert ex["input_ids"][:len(prompt)] == prompt and _labelled(ex) == response[:30]
    assert tok.eos_token_id not in _labelled(ex)
    # too little room: the response keeps min_response_tokens, the prompt is cut from the left
    ex = tokenize_sft(record, tok, len(prompt) + 4, min_response_tokens=10)
    assert len(ex["input_ids"]) == len(prompt) + 4 and _labelled(ex) == response[:10]
    kept = ex["input_ids"][:-10]
    assert kept == prompt[-len(kept):] and tok.decode(kept).endswith("长江。" + RESPONSE_MARKER)


def test_prompt_alone_longer_than_max_length(tok):
    instruction = "Summarise the following text about the river and its history. " * 30 + "What is the answer?"
    record = {"instruction": instruction, "input": "", "history": [{"user": "hi", "assistant": "hello"}],
              "system": "You are a helpful assistant.", "output": "The river is the longest in the country and flows east."}
    prompt = tok(INSTRUCTION_MARKER + instruction + RESPONSE_MARKER, add_special_tokens=False)["input_ids"]
    assert len(prompt) > 64
    ex = tokenize_sft(record, tok, max_length=64, min_response_tokens=16)
    assert ex["truncated"] and len(ex["input_ids"]) == 64
    labelled = _labelled(ex)
    response = tok(record["output"], add_special_tokens=False)["input_ids"]
    assert labelled == (response + [tok.eos_token_id])[:16]
    assert tok.decode(ex["input_ids"][:-16]).endswith("What is the answer?" + RESPONSE_MARKER)
    # a short response is kept whole with its EOS
    short = tokenize_sft({**record, "output": "Yes."}, tok, max_length=64)
    assert tok.decode(_labelled(short)) == "Yes." + tok.eos_token and len(short["input_ids"]) == 64
    # never empty, even with max_length below min_response_tokens
    tiny = tokenize_sft(record, tok, max_length=8)
    assert len(tiny["input_ids"]) == 8 and len(_labelled(tiny)) == 8


def test_sft_collator(tok):
    examples = [tokenize_sft(r, tok, 256) for r in RECORDS]
    batch = SftCollator(tok.pad_token_id)(examples)
    width = max(len(e["input_ids"]) for e in examples)
    assert set(batch) == {"input_ids", "labels", "attention_mask"}
    for key in batch:
        assert batch[key].shape == (len(examples), width) and batch[key].dtype == torch.long
    for row, e in enumerate(examples):
        n = len(e["input_ids"])
        assert batch["input_ids"][row, :n].tolist() == e["input_ids"]
        assert (batch["input_ids"][row, n:] == tok.pad_token_id).all()
        assert batch["labels"][row, :n].tolist() == e["labels"] and (batch["labels"][row, n:] == -100).all()
        assert batch["attention_mask"][row].tolist() == [1] * n + [0] * (width - n)
    assert SftCollator(0, pad_to_multiple_of=8)(examples)["input_ids"].shape[1] % 8 == 0


# --- packing --------------------------------------------------------------------------------

EOS_ID, PAD_ID = 1, 0


def _docs(seed=0):
    rng = random.Random(seed)
    docs = [[rng.randrange(2, 100) for _ in range(rng.choice([0, 1, 3, 7, 15, 16, 40]))] for _ in range(30)]
    return docs + [list(range(2, 2 + 53))]                # one longer than three blocks


def test_pack_keeps_every_token_once():
    docs, bs = _docs(), 16
    blocks = list(pack(iter(docs), bs, EOS_ID, PAD_ID))
    stream = [t for d in docs for t in d + [EOS_ID]]
    assert len(blocks) == -(-len(stream) // bs)
    got = []
    for b in blocks:
        assert all(len(b[k]) == bs for k in ("input_ids", "labels", "attention_mask", "doc_ids"))
        n = sum(b["attention_mask"])
        assert b["attention_mask"] == [1] * n + [0] * (bs - n)
        assert b["labels"] == b["input_ids"][:n] + [-100] * (bs - n)
        assert b["input_ids"][n:] == [PAD_ID] * (bs - n) and b["doc_ids"][n:] == [-1] * (bs - n)
        d = b["doc_ids"][:n]
        assert d[0] == 0 and all(y - x in (0, 1) for x, y in zip(d, d[1:]))
        # a new document starts right after each EOS
        for i in range(1, n):
            assert (d[i] != d[i - 1]) == (b["input_ids"][i - 1] == EOS_ID)
        got += b["input_ids"][:n]
    assert got == stream
    assert all(sum(b["attention_mask"]) == bs for b in blocks[:-1])
    # the long document spans several blocks, with doc_id 0 in the blocks it continues into
    assert sum(1 for b in blocks if set(b["doc_ids"]) <= {0, -1} and EOS_ID not in b["input_ids"][:-1]) >= 2
    assert list(pack([], bs, EOS_ID, PAD_ID)) == []
    exact = list(pack([[5] * 15], bs, EOS_ID, PAD_ID))
    assert len(exact) == 1 and sum(exact[0]["attention_mask"]) == bs


def test_position_ids_and_block_diagonal_mask():
    doc_ids = [0, 0, 0, 1, 1, 2, -1, -1]
    assert position_ids_per_document(doc_ids) == [0, 1, 2, 0, 1, 0, 0, 1]
    assert position_ids_per_document(torch.tensor(doc_ids)) == [0, 1, 2, 0, 1, 0, 0, 1]
    mask = block_diagonal_mask(torch.tensor([doc_ids, [0] * 8]))
    assert mask.shape == (2, 1, 8, 8) and mask.dtype == torch.float32
    neg = torch.finfo(torch.float32).min
    for q in range(8):
        for k in range(8):
            want = 0.0 if doc_ids[q] == doc_ids[k] and k <= q else neg
            assert mask[0, 0, q, k].item() == want
            assert mask[1, 0, q, k].item() == (0.0 if k <= q else neg)
    assert block_diagonal_mask(torch.tensor([doc_ids]), torch.bfloat16).dtype == torch.bfloat16


def test_packed_collator_modes():
    blocks = list(pack(_docs(1), 16, EOS_ID, PAD_ID))[:3]
    for mode in ("cross", "position_ids", "block_diagonal"):
        batch = PackedCollator(mode)(blocks)
        assert "doc_ids" not in batch
        assert batch["input_ids"].shape == batch["labels"].shape == (3, 16)
        if mode == "cross":
            assert set(batch) == {"input_ids", "labels", "attention_mask"} and batch["attention_mask"].shape == (3, 16)
        else:
            assert batch["position_ids"][0].tolist() == position_ids_per_document(blocks[0]["doc_ids"])
        if mode == "position_ids":
            assert batch["attention_mask"].shape == (3, 16)
        if mode == "block_diagonal":
            assert batch["attention_mask"].shape == (3, 1, 16, 16)
    with pytest.raises(ValueError):
        PackedCollator("sideways")


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_llama_takes_block_diagonal_mask_and_position_ids(attn):
    from transformers import AutoModelForCausalLM, LlamaConfig

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    model = AutoModelForCausalLM.from_config(config, attn_implementation=attn).eval()
    docs = [[5, 6, 7, 8, 9], [10, 11, 12], [13, 14, 15, 16]]
    block = next(pack(docs, 20, EOS_ID, PAD_ID))
    batch = PackedCollator("block_diagonal")([block])
    with torch.no_grad():
        out = model(**batch)
        assert torch.isfinite(out.loss)
        start = 0
        for doc in docs:                  # each document sees only itself, from position 0
            ids = torch.tensor([doc + [EOS_ID]])
            alone = model(input_ids=ids).logits[0]
            packed = out.logits[0, start:start + ids.shape[1]]
            assert torch.allclose(packed, alone, atol=1e-5)
            start += ids.shape[1]
        # positions restarted but attention across documents: the second document differs
        cross = model(**PackedCollator("position_ids")([block])).logits[0]
        assert torch.allclose(cross[:6], out.logits[0, :6], atol=1e-5)
        assert not torch.allclose(cross[6:10], out.logits[0, 6:10], atol=1e-4)


# --- tokenizer ------------------------------------------------------------------------------

ROUND_TRIP = [
    "长江是中国第一长河，全长约6300千米。（注：数据来自“百科”！）",
    "请问：今天星期几？答曰：星期三；明天呢？",
    "Hello,  world!\r\n\tIndented line with trailing spaces   ",
    "Mixed 中英文 text: GPU 训练 2024 年，loss=0.5。",
    "Rare and unseen: 龘齉 𠀀 😀 ﬁ ＡＢＣ １２３ \u3000全角空格",
    " leading space and </s> <pad> literal",
]


def test_tokenizer_round_trip_and_specials(tok, corpus):
    for text in ROUND_TRIP + corpus[:50]:
        ids = tok(text, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        assert tok.decode(ids) == text
    assert tok("你好")["input_ids"] == tok("你好", add_special_tokens=False)["input_ids"]     # no BOS added
    assert [tok.bos_token, tok.eos_token, tok.pad_token, tok.unk_token] == ["<s>", "</s>", "<pad>", "<unk>"]
    assert len({tok.bos_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id}) == 4
    assert len(tok) <= 6000
    # no NFKC: full-width punctuation is not mapped to ASCII
    assert tok.decode(tok("，：！？（）")["input_ids"]) == "，：！？（）"


def test_frequent_han_characters_are_single_tokens(tok, corpus):
    counts = Counter(ch for text in corpus for ch in text if is_han(ch))
    frequent = [ch for ch, n in counts.most_common() if n >= 2]
    assert len(frequent) > 300
    for ch in frequent:
        assert len(tok(ch, add_special_tokens=False)["input_ids"]) == 1, ch
    # and inside running text no frequent character is cut
    report = coverage_report(tok, {"zh": [t for t in corpus if sum(map(is_han, t)) > 10][:40]})
    assert report["zh"]["han_chars"] > 500 and report["zh"]["han_split"] == 0


def test_coverage_report_numbers(tok, corpus):
    zh = [t for t in corpus if sum(map(is_han, t)) > len(t) / 2][:30]
    en = [t for t in corpus if t.isascii() and len(t) > 40][:30]
    report = coverage_report(tok, {"zh": zh, "en": en, "rare": ["龘齉爩"], "empty": []})
    assert 1.0 < report["zh"]["chars_per_token"] < 6.0
    assert 2.0 < report["en"]["chars_per_token"] < 8.0
    assert report["en"]["han_chars"] == 0 and report["en"]["han_split_share"] is None
    assert report["zh"]["tokens"] == sum(len(tok(t, add_special_tokens=False)["input_ids"]) for t in zh)
    assert report["rare"] == {**report["rare"], "han_chars": 3, "han_split": 3, "han_split_share": 1.0}
    assert report["rare"]["chars_per_token"] < 1.0
    assert report["empty"]["docs"] == 0 and report["empty"]["chars_per_token"] is None


def _write_output(root: Path, kind: str, rows: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas import pretrain, sft

    schema = pretrain.DOCUMENT if kind == "pretrain" else sft.SFT_RECORD
    (root / "data").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), root / "data" / "part-00000-of-00001.parquet")
    manifest = {"kind": kind, "outputs": {"data": [{"path": "data/part-00000-of-00001.parquet", "rows": len(rows)}]},
                "accounting": {"holds": True}}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_cli_trains_saves_and_reports(corpus, tmp_path, capsys):
    from transformers import AutoTokenizer

    from training.tokenizer import main

    pre = [{"id": f"doc-{i}", "text": t, "lang": "zh" if sum(map(is_han, t)) > len(t) / 3 else "en", "source": "s"}
           for i, t in enumerate(corpus)]
    sft_rows = [{**r, "id": f"sft-{i}", "source": "s", "lang": "zh" if is_han(r["instruction"][0]) else "en",
                 "history": r["history"] or [], "system": r["system"] or None}
                for i, r in enumerate([MULTI_TURN, SINGLE, WITH_INPUT, SYSTEM_ONLY] * 5)]
    pre_dir = _write_output(tmp_path / "pretrain", "pretrain", pre)
    sft_dir = _write_output(tmp_path / "sft", "sft", sft_rows)
    out = tmp_path / "tokenizer"
    assert main(["--data", str(pre_dir), "--data", str(sft_dir), "--out", str(out), "--vocab-size", "4000",
                 "--held-out", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "chars/token" in printed
    report = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
    assert report["vocab_size"] <= 4000 and report["train_docs"] + report["held_out_docs"] == len(pre) + len(sft_rows)
    assert 0 < report["held_out_docs"] < len(pre)
    assert report["held_out"]["zh"]["chars_per_token"] > 1.0 and report["held_out"]["en"]["chars_per_token"] > 2.0
    assert 0.0 <= report["held_out"]["zh"]["han_split_share"] < 0.2
    loaded = AutoTokenizer.from_pretrained(out)
    for text in ROUND_TRIP:
        assert loaded.decode(loaded(text, split_special_tokens=True)["input_ids"]) == text
    assert loaded.eos_token == "</s>" and loaded.pad_token == "<pad>"
    # not a pipeline output
    assert main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 2

"""End to end: `python -m pipelines.sft` on a small corpus in every format, with bad lines and copies."""
import json

import pyarrow.parquet as pq
import pytest

from pipelines import sft_pipeline
from tests.conftest import write_lines


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("sft")
    write_lines(root / "alpaca.jsonl", [
        {"id": "a1", "instruction": "把下面的句子翻译成英文。", "input": "今天天气很好。", "output": "The weather is nice today."},
        {"id": "a2", "instruction": "写一首关于春天的短诗。", "input": "<无输入>", "output": "春风拂柳绿，细雨润花红。燕子归来早，田间处处忙。"},
        {"id": "a3", "instruction": "Name three primary colors.", "input": "", "output": "[图片]"},
        {"id": "a4", "instruction": "Name three primary colors.", "input": "", "output": "Red, yellow and blue."},
        {"id": "a5", "instruction": "Name three primary colors.", "input": "", "output": "Red, yellow and blue."},
        '{"id": "broken", "instruction": "unterminated',
    ])
    write_lines(root / "belle.jsonl", [{"id": "b1", "question": "计算 12 乘以 7 等于多少？", "std_answer": "12 乘以 7 等于 84。", "class": "math"}])
    write_lines(root / "turns.jsonl", [{"question_id": 81, "turns": ["Write a travel blog post.", "Rewrite it."]}])
    write_lines(root / "instances.jsonl", [{"id": "u1", "instruction": "Fix the grammar of the sentence.",
                                            "instances": [{"input": "He go to school.", "output": "He goes to school."},
                                                          {"input": "She like apples.", "output": "She likes apples."}]}])
    (root / "sources.json").write_text(json.dumps({
        "alpaca": {"format": "alpaca", "files": ["alpaca.jsonl"]}, "belle": {"format": "belle", "files": ["belle.jsonl"]},
        "mt": {"format": "turns", "files": ["turns.jsonl"]}, "user": {"format": "instances", "files": ["instances.jsonl"]}}))
    out = root / "out"
    manifest = sft_pipeline.run(["--sources", str(root / "sources.json"), "--output", str(out)])
    data = {r["id"]: r for r in pq.read_table(out / "data").to_pylist()}
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected").to_pylist()}
    return manifest, data, rejected


def test_every_record_is_accounted_for(run):
    manifest, data, rejected = run
    a = manifest["accounting"]
    assert a["holds"] and a["dead_letter"] == 1
    assert a["read"] == a["written"] + a["rejected"] + a["dead_letter"] + a["sampled_out"]


def test_formats_rules_and_labels(run):
    manifest, data, rejected = run
    assert data["a2"]["input"] == "" and data["a2"]["output"].startswith("春风")          # placeholder input cleared
    assert rejected["a3"]["rule"] == "invalid_output"
    assert {"a4", "a5"} & rejected.keys() and rejected[max({"a4", "a5"} & rejected.keys())]["rule"] == "exact_duplicate"
    assert rejected["mt:1"]["rule"] == "no_answer" if "mt:1" in rejected else any(r["rule"] == "no_answer" for r in rejected.values())
    assert {"u1#0", "u1#1"} <= data.keys()
    assert all(r["category"] and r["subcategory"] and r["label_source"] for r in data.values())
    assert data["b1"]["category"] == "math_reasoning"
    assert manifest["mix"]["records"] == len(data)

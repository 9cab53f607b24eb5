"""End to end: `python -m pipelines.sft` on a small corpus in every format, with bad lines and copies."""
import json

import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.sft import run as sft_pipeline
from pipelines.beam.command import UsageError
from pipelines.sft.record_rules import load_sft_rules, with_absolute_paths
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


def test_mix_samples_to_the_category_shares(tmp_path):
    # 300 code and 300 math records; a target of 300 records asks for share x 300 of each.
    write_lines(tmp_path / "code.jsonl", [{"id": f"c{i}", "instruction": f"Write a Python function that returns {i} squared plus {i * 7 % 13}.",
                                           "output": f"def f():\n    return {i} ** 2 + {i * 7 % 13}"} for i in range(300)])
    write_lines(tmp_path / "math.jsonl", [{"id": f"m{i}", "instruction": f"计算 {i} 乘以 {i + 3} 再加上 {i * 11 % 17} 的结果。",
                                           "output": f"{i} × {i + 3} + {i * 11 % 17} = {i * (i + 3) + i * 11 % 17}。"} for i in range(300)])
    (tmp_path / "sources.json").write_text(json.dumps({
        "code": {"format": "alpaca", "files": ["code.jsonl"], "label": "code"},
        "math": {"format": "alpaca", "files": ["math.jsonl"], "label": "math_reasoning"}}))
    rules = with_absolute_paths(load_sft_rules(sft_pipeline.DEFAULT_SFT_RULES), sft_pipeline.DEFAULT_SFT_RULES.parent)
    rules["mix"]["target"] = {"records": 300}
    rules["dedupe"]["enabled"] = False
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True))
    m = sft_pipeline.run(["--sources", str(tmp_path / "sources.json"), "--output", str(tmp_path / "out"),
                          "--rules", str(tmp_path / "rules.yaml")])
    cats = m["mix"]["categories"]
    for cat in ("code", "math_reasoning"):
        want = cats[cat]["target"] * 300
        assert abs(cats[cat]["records"] - want) <= 0.25 * want + 3, (cat, cats[cat], want)
    a = m["accounting"]
    assert a["holds"] and a["read"] == 600 and a["sampled_out"] == 600 - a["written"] - a["rejected"]
    sampled = pq.read_table(tmp_path / "out" / "sampled_out").to_pylist()
    assert len(sampled) == a["sampled_out"] and {r["id"][0] for r in sampled} == {"c", "m"}
    assert "open_qa_other" in m["mix"]["short_of_data"] or any(s.startswith("open_qa") for s in m["mix"]["short_of_data"])
    assert set(m["mix"]["subcategories"]) and all({"target", "achieved", "records"} <= v.keys() for v in m["mix"]["subcategories"].values())


def test_rules_file_errors_name_the_line(tmp_path):
    text = sft_pipeline.DEFAULT_SFT_RULES.read_text(encoding="utf-8").replace("\nmix:", "\nmixx:")
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "sources.json").write_text(json.dumps({"a": {"format": "alpaca", "files": ["a.jsonl"]}}))
    with pytest.raises(UsageError, match=r"rules.yaml:\d+:1: mixx: unknown key 'mixx' \(did you mean 'mix'\?\)"):
        sft_pipeline.run(["--sources", str(tmp_path / "sources.json"), "--output", str(tmp_path / "out"),
                          "--rules", str(tmp_path / "rules.yaml")])

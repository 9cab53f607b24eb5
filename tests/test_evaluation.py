"""The evaluation stage: task files over local benchmark data, lm-eval as the engine, scores
checked against a hand computation on a tiny model, eval.json / eval.html, the browser view."""
import json
import math
import os
import re

import pytest

from evaluation import benchmarks, cmrc_metric
from evaluation import run as eval_run
from evaluation.data import DATA_ENV, BenchmarkDataError, read_jsonl, resolve
from evaluation.scores import normalise
from evaluation.tasks_index import all_tasks, parse_task_list
from tests.conftest import SHARED, headless_chrome, needs_browser, needs_shared, write_lines

PIQA = [{"goal": "How do I dry wet shoes?", "sol1": "Stuff them with newspaper.", "sol2": "Fill them with water.", "label": 0},
        {"goal": "To open a jar", "sol1": "twist the lid", "sol2": "paint the lid", "label": 0},
        {"goal": "keep bread fresh", "sol1": "leave it in the sun", "sol2": "seal it in a bag", "label": 1},
        {"goal": "cool a drink", "sol1": "add ice", "sol2": "add fire", "label": 0}]
CMRC = [{"id": "T_0", "context": "老虎数据训练模型。服务问题回答你好世界。", "title": "t",
         "qas": [{"id": "T_0_Q_0", "question": "训练什么？", "answers": [{"text": "模型", "answer_start": 6}] * 3},
                 {"id": "T_0_Q_1", "question": "回答什么？", "answers": [{"text": "你好世界", "answer_start": 15},
                                                                    {"text": "你好", "answer_start": -1}]}]},
        {"id": "T_1", "context": "the quick brown fox jumps over a lazy dog", "title": "u",
         "qas": [{"id": "T_1_Q_0", "question": "谁跳过？", "answers": [{"text": "fox", "answer_start": 16}]}]}]


@pytest.fixture
def mini_data(tmp_path, monkeypatch):
    """Benchmark files written here, in the layout of ../shared/data, found through $EVAL_DATA."""
    root = tmp_path / "benchmarks"
    write_lines(root / "eval_piqa_en" / "sample.jsonl", PIQA)
    write_lines(root / "eval_cmrc2018_zh" / "sample.jsonl", CMRC)
    monkeypatch.setenv(DATA_ENV, str(root))
    return root


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from serving.tiny import build_tiny_model
    # a long context, so that no prompt is truncated and the hand computation sees what lm-eval sees
    return build_tiny_model(tmp_path_factory.mktemp("eval") / "tiny", context_length=2048)


# ----------------------------------------------------------------------------- CMRC's official metric
def test_cmrc_f1_is_the_longest_common_character_run_and_em_ignores_punctuation():
    assert cmrc_metric.f1("北京大学", ["北京"]) == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    assert cmrc_metric.f1("大学北京", ["北京大学"]) == pytest.approx(0.5)       # a run, not a bag of characters
    assert cmrc_metric.f1("无关", ["北京"]) == 0.0
    assert cmrc_metric.f1("1998年", ["1998年", "1998"]) == 1.0                # best reference wins
    assert cmrc_metric.segments("iPhone 8发布。") == ["iphone", "8", "发", "布"]
    assert cmrc_metric.segments("2008-11-12") == ["20081112"] and cmrc_metric.segments("364.6公里")[0] == "364.6"
    assert cmrc_metric.exact_match("他…说", ["他说"]) == 0.0                   # the official list has "……", not "…"
    assert cmrc_metric.exact_match("《红楼梦》", ["红楼梦"]) == 1.0
    assert cmrc_metric.exact_match("红楼", ["红楼梦"]) == 0.0
    assert cmrc_metric.process_results({"answers": ["模型"]}, [" 模型\n后面"]) == {"em": 1.0, "f1": 1.0}


# ----------------------------------------------------------------------------- data and tasks
def test_local_files_become_rows_with_the_protocols_exclusions(tmp_path):
    benchmarks.SKIPPED.clear()
    rows = benchmarks.build([{"sentence1": "a", "sentence2": "b。", "label": "neutral"},
                             {"sentence1": "a", "sentence2": "c", "label": "-"}], "ocnli.jsonl", benchmarks.ocnli_item)
    assert [(r["hypothesis"], r["gold"]) for r in rows] == [("b", 1)]
    assert benchmarks.SKIPPED[("ocnli.jsonl", "label '-' (no majority)")] == 1
    c3 = benchmarks.build([{"id": "1-1", "subset": "d", "document": ["甲", "乙"],
                            "questions": [{"question": "q1", "choice": ["x", "y"], "answer": "y"}]},
                           {"id": "1-1", "subset": "m", "document": "丙",
                            "questions": [{"question": "q", "choice": ["x", "y", "z"], "answer": "x"}]}], "c3",
                          benchmarks.c3_item)
    assert [(r["id"], r["gold"]) for r in c3] == [("d-1-1-0", 1), ("m-1-1-0", 0)]    # ids repeat across subsets
    assert c3[0]["document"] == "甲\n乙"
    cmrc = benchmarks.build(CMRC, "cmrc", benchmarks.cmrc_item)
    assert len(cmrc) == 3 and cmrc[1]["answers"] == ["你好世界", "你好"]       # answer_start -1 kept: text scored


@pytest.mark.parametrize("item, row, message", [
    (benchmarks.piqa_item, {"goal": "g", "sol1": "a", "sol2": "b", "label": "x"}, "'label' must be an integer 0-1"),
    (benchmarks.piqa_item, {"goal": "g", "sol1": "a", "sol2": "b", "label": 2}, "'label' is 2, but there are 2 choices"),
    (benchmarks.hellaswag_item, {"context": "c", "endings": "abcd", "label": 0}, "'endings' must be a list"),
    (benchmarks.c3_item, {"document": "d", "questions": [{"choice": ["a", "b"], "answer": "a"}]}, "missing field"),
    (benchmarks.cmrc_item, {"context": "c", "qas": [{"question": "q", "answers": "x"}]}, "'answers' must be a list"),
    (benchmarks.ocnli_item, {"sentence1": "a", "sentence2": "b", "label": 1}, "'label' must be one of"),
    (benchmarks.piqa_item, ["not", "an", "object"], "expected a JSON object"),
])
def test_a_record_not_in_its_benchmarks_format_is_named_with_file_record_and_field(item, row, message):
    good = [PIQA[0]] if item is benchmarks.piqa_item else []
    with pytest.raises(BenchmarkDataError, match=rf"f\.jsonl record {len(good) + 1}: .*" + re.escape(message)):
        benchmarks.build(good + [row], "f.jsonl", item)


def test_an_empty_benchmark_file_is_an_error():
    with pytest.raises(BenchmarkDataError, match="no item to score"):
        benchmarks.build([], "f.jsonl", benchmarks.piqa_item)


def test_a_broken_or_missing_benchmark_file_is_named(tmp_path, monkeypatch):
    bad = write_lines(tmp_path / "eval_piqa_en" / "sample.jsonl", [PIQA[0], "{not json", PIQA[1]])
    with pytest.raises(BenchmarkDataError, match=r"sample\.jsonl:2: not valid JSON"):
        read_jsonl(bad)
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(BenchmarkDataError, match=r"not found.*EVAL_DATA"):
        resolve("eval_piqa_en/sample.jsonl")
    with pytest.raises(BenchmarkDataError, match=r"record 1: missing field\(s\) sol2"):
        benchmarks.build([{"goal": "g", "sol1": "a", "label": 0}], "piqa.jsonl", benchmarks.piqa_item)


def test_seven_tasks_and_the_task_list_syntax():
    tasks = all_tasks()
    assert set(tasks) == {f"tiger_{b}" for b in ("cmmlu", "ceval", "c3", "ocnli", "cmrc2018", "piqa", "hellaswag")}
    assert tasks["tiger_hellaswag"].primary_metric == "acc_norm" and tasks["tiger_cmrc2018"].primary_metric == "f1"
    default = parse_task_list(None)
    assert ("tiger_cmmlu", 5) in {(t.name, s) for t, s in default} and len(default) == 10
    assert [(t.name, s) for t, s in parse_task_list("cmmlu:5,piqa")] == [("tiger_cmmlu", 5), ("tiger_piqa", 0)]
    with pytest.raises(ValueError, match="unknown task 'mmlu'"):
        parse_task_list("mmlu")
    with pytest.raises(ValueError, match="no split to draw few-shot"):
        parse_task_list("piqa:5")


def test_same_subject_exemplars_come_first_n_from_the_items_subject():
    from evaluation.tasks.utils import SameSubjectFirstN
    dev = [{"subject": s, "i": i} for i, s in enumerate("aabbbab")]
    sampler = SameSubjectFirstN(dev, rnd=0)
    assert [d["i"] for d in sampler.sample(2, eval_doc={"subject": "b", "i": 99})] == [2, 3]
    with pytest.raises(ValueError, match="has 3 exemplars for a"):
        sampler.sample(5, eval_doc={"subject": "a", "i": 99})


def test_five_shot_cmmlu_prompts_hold_the_items_own_subjects_exemplars(tmp_path, monkeypatch):
    """Through lm-eval's own prompt building, for an item whose subject is not the file's first."""
    from lm_eval.tasks import TaskManager

    from evaluation.tasks_index import TASKS_DIR
    root = tmp_path / "data"
    item = lambda s, i, a: {"subject": s, "idx": i, "Question": f"{s} question {i}", "A": "a", "B": "b", "C": "c",
                            "D": "d", "Answer": a}
    write_lines(root / "eval_cmmlu_zh" / "sample.jsonl", [item("agronomy", 0, "A"), item("anatomy", 0, "B")])
    write_lines(root / "eval_cmmlu_zh" / "dev.jsonl", [item(s, i, "C") for s in ("agronomy", "anatomy") for i in range(5)])
    (root / "eval_cmmlu_zh" / "subject_mapping.json").write_text(json.dumps(
        {"agronomy": {"name_zh": "农学"}, "anatomy": {"name_zh": "解剖学"}}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(DATA_ENV, str(root))
    task = TaskManager(include_path=str(TASKS_DIR), include_defaults=False).load_task_or_group(["tiger_cmmlu"])["tiger_cmmlu"]
    task.set_fewshot_seed(1)
    anatomy = [d for d in task.eval_docs if d["subject"] == "anatomy"][0]
    prompt = task.fewshot_context(anatomy, 5)
    assert prompt.startswith("以下是关于解剖学的单项选择题")
    assert [f"anatomy question {i}" in prompt for i in range(5)] == [True] * 5 and "agronomy" not in prompt
    assert prompt.count("答案： C") == 5 and prompt.endswith("anatomy question 0\nA. a\nB. b\nC. c\nD. d\n答案：")
    with pytest.raises(ValueError, match="has 5 exemplars for anatomy"):
        task.fewshot_context(anatomy, 6)


def test_normalised_scores_divide_by_the_baseline_and_skip_its_zeros():
    rows = [{"model": m, "task": t, "shots": 0, "value": v} for m, t, v in
            [("base", "tiger_piqa", 0.5), ("base", "tiger_cmrc2018", 0.0), ("sft", "tiger_piqa", 0.6),
             ("sft", "tiger_cmrc2018", 0.2)]]
    norm = normalise(rows, "base")
    assert norm["sft"]["columns"] == {"piqa 0-shot": pytest.approx(1.2)}
    assert norm["sft"]["average"] == pytest.approx(1.2) and norm["sft"]["left_out"] == ["cmrc2018 0-shot"]
    assert norm["base"]["average"] == 1.0
    both = rows + [{"model": "base", "task": "tiger_cmmlu", "shots": s, "value": 0.5} for s in (0, 5)] + \
        [{"model": "sft", "task": "tiger_cmmlu", "shots": 0, "value": 1.0}, {"model": "sft", "task": "tiger_cmmlu", "shots": 5, "value": 0.5}]
    assert normalise(both, "base")["sft"]["average"] == pytest.approx((1.2 + 1.5) / 2)   # each benchmark weighs once


# ----------------------------------------------------------------------------- scores by hand
def _loglikelihood(model, tokenizer, context: str, continuation: str) -> float:
    """Sum of log p(continuation tokens | context), tokenised as lm-eval does: the whole string
    encoded once, the continuation being the tokens after the context's."""
    import torch
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    n_ctx = len(tokenizer(context, add_special_tokens=False)["input_ids"])
    with torch.no_grad():
        logits = model(torch.tensor([whole])).logits[0].float().log_softmax(-1)
    return sum(float(logits[i - 1, whole[i]]) for i in range(n_ctx, len(whole)))


def test_piqa_and_cmrc_scores_match_a_hand_computation(mini_data, tiny_model, tmp_path):
    import torch

    from serving.loader import load
    out = tmp_path / "eval"
    assert eval_run.main(["--model", str(tiny_model), "--tasks", "piqa,cmrc2018", "--out", str(out),
                          "--batch-size", "1"]) == 0
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    rows = {r["task"]: r for r in report["results"]}

    lm = load(str(tiny_model), device="cpu")
    acc, acc_norm = [], []
    for doc in PIQA:
        ctx, choices = f"Question: {doc['goal']}\nAnswer:", [doc["sol1"], doc["sol2"]]
        ll = [_loglikelihood(lm.model, lm.tokenizer, ctx, " " + c) for c in choices]
        acc.append(float(max(range(2), key=lambda i: ll[i]) == doc["label"]))
        acc_norm.append(float(max(range(2), key=lambda i: ll[i] / len(choices[i])) == doc["label"]))
    piqa = rows["tiger_piqa"]["metrics"]
    assert piqa["acc"]["value"] == pytest.approx(sum(acc) / 4)
    assert piqa["acc_norm"]["value"] == pytest.approx(sum(acc_norm) / 4)
    assert rows["tiger_piqa"]["n"] == 4 and rows["tiger_piqa"]["value"] == piqa["acc_norm"]["value"]

    em, f1 = [], []
    for doc in benchmarks.build(CMRC, "cmrc", benchmarks.cmrc_item):
        ids = lm.tokenizer(f"{doc['context']}\n问题：{doc['question']}\n答案：", return_tensors="pt")["input_ids"]
        with torch.no_grad():
            gen = lm.model.generate(ids, max_new_tokens=64, do_sample=False, pad_token_id=lm.tokenizer.pad_token_id)
        text = lm.tokenizer.decode(gen[0, ids.shape[1]:], skip_special_tokens=True).split("\n")[0]
        em.append(cmrc_metric.exact_match(text.strip(), doc["answers"]))
        f1.append(cmrc_metric.f1(text.strip(), doc["answers"]))
    cmrc = rows["tiger_cmrc2018"]["metrics"]
    assert cmrc["em"]["value"] == pytest.approx(sum(em) / 3)
    assert cmrc["f1"]["value"] == pytest.approx(sum(f1) / 3)
    digest = rows["tiger_piqa"]["data_files"]["eval_piqa_en/sample.jsonl"]
    assert digest.startswith("sha256:") and len(digest) == 7 + 64


def test_missing_data_fails_clearly_or_is_left_out_when_asked(tmp_path, tiny_model, monkeypatch, capsys):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "none"))
    assert eval_run.main(["--model", str(tiny_model), "--tasks", "piqa", "--out", str(tmp_path / "o")]) == 2
    assert "eval_piqa_en/sample.jsonl" in capsys.readouterr().err
    assert eval_run.main(["--model", str(tiny_model), "--tasks", "piqa", "--out", str(tmp_path / "o"),
                          "--skip-missing-data"]) == 0
    assert not (tmp_path / "o" / "eval.json").exists()
    assert eval_run.main(["--model", str(tmp_path / "no-model"), "--tasks", "nonesuch"]) == 2


def test_a_lora_adapter_folder_is_evaluated_through_the_serving_loader(mini_data, tiny_model, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    import torch

    base = AutoModelForCausalLM.from_pretrained(str(tiny_model))
    peft_model = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    adapter = tmp_path / "adapter"
    peft_model.save_pretrained(str(adapter))
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = os.path.relpath(tiny_model, adapter)     # relative to the adapter folder
    (adapter / "adapter_config.json").write_text(json.dumps(cfg))

    from serving.loader import load
    merged = load(str(adapter), device="cpu")
    ids = torch.tensor([[1, 5, 9, 12]])
    with torch.no_grad():
        assert not torch.allclose(merged.model(ids).logits, base.__class__.from_pretrained(str(tiny_model))(ids).logits)
    out = tmp_path / "eval"
    assert eval_run.main(["--model", f"{tiny_model},{adapter}", "--tasks", "piqa", "--out", str(out)]) == 0
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert [m["adapter"] for m in report["models"]] == [False, True]
    assert set(report["normalised"]) == {"tiny", "adapter"}


# ----------------------------------------------------------------------------- the whole suite, browser
@pytest.fixture(scope="module")
def full_suite(tiny_model, tmp_path_factory):
    """All seven tasks at their shots on ../shared's files, LIMIT=20, two models side by side."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not present")
    from serving.tiny import build_tiny_model
    other = build_tiny_model(tmp_path_factory.mktemp("eval2") / "other", seed=7)
    out = tmp_path_factory.mktemp("eval-out")
    os.environ.pop(DATA_ENV, None)
    assert eval_run.main(["--model", str(other), "--baseline", str(tiny_model), "--limit", "20",
                          "--out", str(out)]) == 0
    return out


@needs_shared
def test_full_suite_with_limit_20_writes_every_task(full_suite):
    report = json.loads((full_suite / "eval.json").read_text(encoding="utf-8"))
    assert [m["name"] for m in report["models"]] == ["other", "tiny"] and report["baseline"] == "tiny"
    for model in ("other", "tiny"):
        rows = [r for r in report["results"] if r["model"] == model]
        assert {r["task"] for r in rows} == set(all_tasks()) and len(rows) == 10
        for r in rows:
            assert r["n"] == 20 and r["version"] == 1.0 and r["data_files"] and r["seconds"] > 0
            assert 0.0 <= r["value"] <= 1.0 and (r["stderr"] is None or math.isfinite(r["stderr"]))
    assert report["normalised"]["tiny"]["average"] == 1.0
    shots = {(r["task"], r["shots"]) for r in report["results"]}
    assert ("tiger_cmmlu", 5) in shots and ("tiger_ceval", 0) in shots and ("tiger_c3", 5) in shots


@needs_shared
@needs_browser
def test_eval_page_renders_its_table_and_chart_in_a_browser(full_suite, tmp_path):
    driver = headless_chrome()
    from selenium.webdriver.common.by import By
    try:
        driver.get((full_suite / "eval.html").resolve().as_uri())
        assert driver.title == "Evaluation"
        svg = driver.find_element(By.CSS_SELECTOR, "#normalised figure.plot > svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 150
        legend = svg.text
        assert "tiny" in legend and "other" in legend and "average" in legend
        rows = driver.find_elements(By.CSS_SELECTOR, "#scores tbody tr")
        assert len(rows) == 10
        assert "cmmlu 5-shot" in [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows]
        cards = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#summary .card .k")]
        assert cards == ["other / tiny", "tiny / tiny"]
        assert not [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert driver.save_screenshot(str(tmp_path / "eval.png"))
    finally:
        driver.quit()

"""Decontamination (pipelines/text/contamination.py, pipelines/steps/decontam.py): training text that
shares a run of 13 words (Chinese: characters) with a benchmark's test item is rejected as
`contaminated`, naming the item, and the manifest counts the benchmark. The benchmark files here
are written by the tests; bench/decontam_bench.py measures the real ones."""
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.pretrain import run as pretrain
from pipelines.text.contamination import (Benchmark, BenchmarkFileError, ContaminationConfig, ContaminationIndex,
                                          ngram_keys)
from tests.conftest import write_lines, write_sources

QUESTION_ZH = "在农业生产中被当作极其重要的劳动对象发挥作用，最主要的不可替代的基本生产资料是"
PASSAGE_EN = ("Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips, "
              "you will also need to supply it with a water bottle and a food dish.")
SHORT_EN = "Which planet is known as the red planet today"          # 9 words: counts whole


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("benchmarks")
    write_lines(tmp / "quiz.jsonl", [{"id": 7, "Question": QUESTION_ZH, "A": "土地", "B": "资金"},
                                     {"id": 8, "question": SHORT_EN, "choices": ["Mars", "Venus"]},
                                     {"id": 9, "question": "Too short to count"}])
    (tmp / "piqa.json").write_text(json.dumps([{"goal": "ready a cage", "sol1": PASSAGE_EN}]), encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def index(bench_files) -> ContaminationIndex:
    return ContaminationIndex(ContaminationConfig(True, 13, 8, (Benchmark("quiz", (str(bench_files / "quiz.jsonl"),)),
                                                                Benchmark("piqa", (str(bench_files / "piqa.json"),)))))


def test_a_leaked_item_is_found_whatever_its_case_width_and_spacing(index):
    texts = ["今天天气很好，我们去公园。",
             "题目：" + QUESTION_ZH[:20] + QUESTION_ZH[20:] + "。答案是土地。",
             "Notes. " + PASSAGE_EN.upper().replace(" ", "   ") + " Thanks!",
             "Ｗｈｉｃｈ planet is known as the red planet today? Mars.",
             "An unrelated English paragraph about rivers, boats and the weather in spring."]
    found = index.find_many(texts)
    assert found[0] is None and found[4] is None
    assert found[1].benchmark == "quiz" and "quiz.jsonl:1 (id 7)" in found[1].item
    assert found[2].benchmark == "piqa" and found[3].item.endswith("quiz.jsonl:2 (id 8)")
    assert index.find(texts[1]) == found[1]


def test_an_item_is_not_pieced_together_across_two_texts_of_a_batch(index):
    assert index.find(QUESTION_ZH[:24]) is not None
    assert index.find_many([QUESTION_ZH[:12], QUESTION_ZH[12:24]]) == [None, None]      # 12 characters each
    assert index.find_many(["Which planet is known as", "the red planet today"]) == [None, None]


def test_a_run_shorter_than_the_ngram_does_not_match_a_long_item(index):
    assert index.find(QUESTION_ZH[:12]) is None and index.find(QUESTION_ZH[:13]) is not None
    assert index.find("Too short to count") is None                 # under min_words: never indexed


def test_ngram_keys_are_positional_hashes():
    words = __import__("numpy").array([1, 2, 3, 1, 2, 3], dtype="uint64")
    k = ngram_keys(words, 3)
    assert k.size == 4 and k[0] == k[3] and len(set(k.tolist())) == 3
    assert ngram_keys(words, 7).size == 0


def test_benchmark_paths_are_globbed_relative_to_the_rules_and_checked_when_enabled(tmp_path, bench_files, monkeypatch):
    monkeypatch.setenv("EVAL_DATA", str(bench_files))
    rules = {"enabled": True, "benchmarks": [{"name": "quiz", "paths": ["$EVAL_DATA/*.jsonl"]}]}
    config = ContaminationConfig.from_rules(rules, tmp_path)
    assert config.benchmarks[0].paths == (str(bench_files / "quiz.jsonl"),) and config.ngram == 13
    with pytest.raises(BenchmarkFileError, match="matches no file"):
        ContaminationConfig.from_rules({**rules, "benchmarks": [{"name": "x", "paths": ["nowhere/*.jsonl"]}]}, tmp_path)
    assert not ContaminationConfig.from_rules({**rules, "enabled": False, "benchmarks": [{"name": "x", "paths": ["nowhere"]}]},
                                              tmp_path).enabled
    with pytest.raises(BenchmarkFileError, match="list of paths"):
        ContaminationConfig.from_rules({**rules, "benchmarks": [{"name": "x", "paths": "x.jsonl"}]}, tmp_path)
    monkeypatch.delenv("EVAL_DATA")
    with pytest.raises(BenchmarkFileError, match="is the variable set"):
        ContaminationConfig.from_rules(rules, tmp_path)
    (tmp_path / "broken.jsonl").write_text('{"id": 1}\n{not json\n', encoding="utf-8")
    with pytest.raises(BenchmarkFileError, match="broken.jsonl:2: not a JSON record"):
        ContaminationIndex(ContaminationConfig(True, benchmarks=(Benchmark("b", (str(tmp_path / "broken.jsonl"),)),)))


def test_the_pretraining_pipeline_rejects_and_counts_contaminated_documents(tmp_path, bench_files):
    rules = yaml.safe_load(pretrain.DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["quality"]["model"]["path"] = str(pretrain.DEFAULT_RULES.parent / rules["quality"]["model"]["path"])
    rules["sensitive_words"]["lists"] = []
    rules["decontamination"] = {"enabled": True, "benchmarks": [{"name": "quiz", "paths": [str(bench_files / "quiz.jsonl")]},
                                                                 {"name": "piqa", "paths": [str(bench_files / "piqa.json")]}]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    clean = ("The library lends books, maps and music to everyone in the valley, and its reading room stays open late. "
             "On Saturdays a farmer brings apples and cheese to the square, where children play until the bell rings. "
             "In winter the river freezes, and the old bridge is lit with lanterns that the bakers hang at dusk.")
    write_lines(tmp_path / "web.jsonl", [{"id": "clean", "text": clean},
                                         {"id": "leak", "text": clean + PASSAGE_EN + " " + clean}])
    sources = write_sources(tmp_path / "s.json", {"web": {"lang": "en", "category": "web", "files": ["web.jsonl"]}})
    manifest = pretrain.run(["--sources", str(sources), "--output", str(tmp_path / "out"), "--rules", str(tmp_path / "rules.yaml")])
    counts = manifest["counts"]
    assert counts["by_rule"] == {"contaminated": 1} and counts["stages"]["contaminated:piqa"] == 1
    assert counts["steps"]["contaminated"] == {"in": 2, "out": 1, "rejected": 1} and manifest["accounting"]["holds"]
    (row,) = pq.read_table(tmp_path / "out" / "rejected").to_pylist()
    assert row["id"] == "leak" and row["rule"] == "contaminated" and "piqa piqa.json:1" in row["reason"]
    assert (row["value"], row["threshold"]) == (13, 13)                     # a 13-word run, not a whole short string
    assert [d["id"] for d in pq.read_table(tmp_path / "out" / "data").to_pylist()] == ["clean"]


def test_the_sft_cleaner_drops_a_record_that_leaks_a_test_item(bench_files):
    from pipelines.sft.record_rules import RecordCleaner, load_sft_rules

    rules = load_sft_rules(pretrain.DEFAULT_RULES.parent / "sft.yaml")
    rule = next(r for r in rules["filters"] if r["id"] == "contaminated")
    assert rule["enabled"] is False                      # shipped off: the benchmark files are the user's
    rule.update(enabled=True, parameters={"benchmarks": [{"name": "piqa", "paths": [str(bench_files / "piqa.json")]}]})
    cleaner = RecordCleaner.from_rules(rules, pretrain.DEFAULT_RULES.parent)
    base = {"instruction": "How do I get a cage ready for a new guinea pig?", "input": "", "history": [], "source": "s", "lang": "en"}
    kept, reject, _ = cleaner.clean({**base, "output": "Put fresh bedding in it, and add a water bottle and a food dish."})
    assert kept is not None and reject is None
    kept, reject, _ = cleaner.clean({**base, "output": PASSAGE_EN})
    assert kept is None and reject[0] == "contaminated" and "piqa piqa.json:1" in reject[1]


def test_a_saved_index_loads_back_the_same(index):
    import io

    buf = io.BytesIO()
    index.save(buf)
    buf.seek(0)
    loaded = ContaminationIndex.load(index.config, buf)
    texts = ["题目：" + QUESTION_ZH, PASSAGE_EN, "nothing to see here at all, really nothing whatsoever today"]
    assert loaded.find_many(texts) == index.find_many(texts) and len(loaded) == len(index)


def test_the_index_is_cached_by_its_files_and_settings(tmp_path):
    import os
    import time
    quiz = write_lines(tmp_path / "b" / "quiz.jsonl", [{"id": 1, "question": QUESTION_ZH}])
    config = ContaminationConfig(True, 13, 8, (Benchmark("quiz", (str(quiz),)),))
    cache = tmp_path / "cache"
    first = ContaminationIndex.cached(config, cache)
    assert len(list((cache / "contamination").glob("*.npz"))) == 1
    again = ContaminationIndex.cached(config, cache)                  # loaded, not rebuilt: the same answers
    assert again.find("题目：" + QUESTION_ZH) == first.find("题目：" + QUESTION_ZH) is not None
    time.sleep(0.01)
    write_lines(quiz, [{"id": 1, "question": PASSAGE_EN}])            # the file changed: a new key, a fresh build
    changed = ContaminationIndex.cached(config, cache)
    assert changed.find(QUESTION_ZH) is None and changed.find(PASSAGE_EN) is not None
    assert len(list((cache / "contamination").glob("*.npz"))) == 2
    assert ContaminationIndex.cached(ContaminationConfig(True, 12, 8, config.benchmarks), cache).config.ngram == 12
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert ContaminationIndex.cached(config, blocked).find(PASSAGE_EN) is not None     # no cache: still an index
    for damaged in (cache / "contamination").glob("*.npz"):
        damaged.write_bytes(b"not an npz")
    assert ContaminationIndex.cached(config, cache).find(PASSAGE_EN) is not None
    assert not os.environ.get("TIGERDATA_CACHE", "").startswith(str(Path.home()))

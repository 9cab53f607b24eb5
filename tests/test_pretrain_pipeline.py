"""End to end: the Beam pipeline on a small corpus with every input format and every kind of bad line."""
import gzip
import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.pretrain import run as pretrain
from tests.conftest import REPO, rules_copy, write_lines, write_sources

ZH = "今天天气很好，我们一起去公园散步，看到了很多美丽的花朵和绿树。"
ZH_HANT = "今天天氣很好，我們一起去公園散步，看到了很多美麗的花朵和綠樹。"
EN = "The library opens at nine in the morning and closes at six in the evening on weekdays."
PAGE = ("<html><head><title>t</title></head><body><nav>Home | About | Contact</nav><article><h1>Spring walk</h1>"
        + "".join(f"<p>{p}</p>" for p in (
            EN, "We walked along the river until the old stone bridge came into view.",
            "Children were feeding ducks while their parents talked about the weather.",
            "Paragraph 5 tells more about the walk through the park and the flowers that bloom in April.",
            "A small cafe near the gate sells tea, cakes and sandwiches to tired walkers.",
            "In the evening the lamps along the path are lit and the park stays open until ten."))
        + "</article><footer>Copyright 2026 Example. All rights reserved.</footer></body></html>")
MALFORMED = [
    '{"id": "broken", "text": "unterminated',
    '[{"id": "arr", "text": "an array"}]',
    '{"id": "nt", "body": "no text"}',
    '{"id": "num", "text": 12345}',
    '{"id": "blank", "text": "   "}',
    b'{"id": "utf", "text": "caf\xe9 \xff\xfe"}',
    '{"id": "nul", "text": "nul\\u0000inside"}',
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    write_lines(root / "zh/part-0.jsonl", [
        {"id": "zh-1", "text": ZH},
        {"id": "zh-2", "text": ZH_HANT},
        {"id": "zh-3", "text": "<p>" + ZH + "</p>\u200b<|endoftext|>"},
        *MALFORMED[:4],
        "",                                                       # blank line: a dead letter, so every line is counted
        {"text": ZH + "没有编号的文档。"},                          # no id: content hash
        {"id": "zh-fr", "text": "Le comité a approuvé le nouveau budget après un long débat mardi soir."},
        {"id": "zh-empty", "text": "<pad>[PAD]</s>"},              # nothing left after normalization
    ])
    (root / "en").mkdir()
    with gzip.open(root / "en/part-0.jsonl.gz", "wb") as f:
        for i in range(30):
            f.write(json.dumps({"id": f"en-{i}", "text": f"{EN} Number {i}.", "url": f"https://example.com/{i}"}).encode() + b"\n")
        f.write(b"\n".join(m if isinstance(m, bytes) else m.encode() for m in MALFORMED[4:]) + b"\n")
    pq.write_table(pa.table({"id": ["w-1", "w-2", "w-3"], "text": [EN + " Wiki.", ZH_HANT, None]}), root / "wiki.parquet")
    write_lines(root / "pages.jsonl", [{"id": "p-1", "url": "https://example.com/p", "html": PAGE},
                                       {"id": "p-2", "html": "<html><body><nav>menu</nav></body></html>"}])
    write_sources(root / "sources.json", {
        "zh_web": {"lang": "zh", "category": "web", "files": ["zh/*.jsonl"]},
        "en_web": {"lang": "en", "category": "web", "files": ["en/*.jsonl.gz"]},
        "wiki": {"lang": "en", "category": "wiki", "files": ["wiki.parquet"], "format": "parquet"},
        "pages": {"lang": "en", "category": "web", "files": ["pages.jsonl"], "format": "html"},
    })
    return root


def read(out, folder):
    return pq.read_table(out / folder).to_pylist()


@pytest.fixture(scope="module")
def run(corpus, tmp_path_factory):
    """The shipped rules, with dedupe in weight mode: copies stay (with their cluster), so the
    cleaning of each one can be checked; drop mode is covered by test_dedupe_pipeline and the sample run."""
    out = tmp_path_factory.mktemp("out")
    rules_path = rules_copy(tmp_path_factory.mktemp("rules"), lambda r: r["dedupe"].update(mode="weight"))
    manifest = pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(out), "--rules", str(rules_path), "--overwrite"])
    return out, manifest


def test_every_record_is_accounted_for(run):
    out, manifest = run
    a = manifest["accounting"]
    assert a["holds"]
    assert (a["read"], a["written"], a["rejected"], a["dead_letter"], a["sampled_out"]) == (49, 37, 3, 9, 0)
    assert a["rows_in_files"] == {"data": 37, "rejected": 3, "dead_letter": 9, "sampled_out": 0}
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_malformed_lines_become_dead_letters_with_file_line_and_error(run, corpus):
    out, _ = run
    dead = {(d["source_file"].split("/")[-1], d["source_line"]): d for d in read(out, "dead_letter")}
    assert dead[("part-0.jsonl", 4)]["error_kind"] == "bad_json"
    assert dead[("part-0.jsonl", 5)]["error_kind"] == "not_an_object"
    assert dead[("part-0.jsonl", 6)]["error_kind"] == "missing_text"
    assert dead[("part-0.jsonl", 7)]["error_kind"] == "text_not_string"
    assert dead[("part-0.jsonl", 8)]["error_kind"] == "blank_line"
    assert dead[("part-0.jsonl.gz", 31)]["error_kind"] == "blank_text"
    assert dead[("part-0.jsonl.gz", 32)]["error_kind"] == "invalid_utf8"
    assert dead[("part-0.jsonl.gz", 33)]["error_kind"] == "nul_bytes"
    assert dead[("wiki.parquet", 3)]["error_kind"] == "text_not_string"
    assert dead[("part-0.jsonl", 4)]["raw"] == MALFORMED[0].encode()
    assert all(d["error"] for d in dead.values())


def test_documents_are_cleaned_converted_and_labelled(run):
    out, _ = run
    docs = {d["id"]: d for d in read(out, "data")}
    assert docs["zh-1"]["text"] == ZH and docs["zh-1"]["flags"] == [] and docs["zh-1"]["lang"] == "zh"
    assert docs["zh-2"]["text"] == ZH and docs["zh-2"]["flags"] == ["t2s"]
    assert docs["zh-3"]["text"] == ZH
    assert set(docs["zh-3"]["flags"]) == {"special_tokens_removed", "html_removed", "invisible_removed"}
    assert docs["w-2"]["text"] == ZH and docs["w-2"]["lang"] == "zh" and "lang_differs_from_declared" in docs["w-2"]["flags"]
    assert docs["en-3"]["url"] == "https://example.com/3" and docs["en-3"]["category"] == "web" and docs["en-3"]["lang"] == "en"
    assert docs["en-3"]["source_line"] == 4 and docs["w-1"]["source_line"] == 1
    hashed = [d for d in docs.values() if d["id"].startswith("h:")]
    assert len(hashed) == 1 and hashed[0]["source"] == "zh_web"


def test_copies_after_cleaning_form_one_weighted_cluster(run):
    """The same sentence four times (Traditional script, HTML and special tokens around it)."""
    out, manifest = run
    docs = {d["id"]: d for d in read(out, "data")}
    copies = [docs[i] for i in ("zh-1", "zh-2", "zh-3", "w-2")]
    assert {d["cluster_id"] for d in copies} == {"w-2"} and {d["cluster_size"] for d in copies} == {4}   # best score: wiki prior
    assert sum(d["weight"] for d in copies) == pytest.approx(1.0)
    assert docs["en-3"]["cluster_id"] == "en-3" and docs["en-3"]["weight"] == 1.0
    assert manifest["dedupe"]["mode"] == "weight" and manifest["dedupe"]["clustered_documents"] == 4


def test_html_pages_keep_the_article_and_drop_the_chrome(run):
    out, _ = run
    docs = {d["id"]: d for d in read(out, "data")}
    page = docs["p-1"]["text"]
    assert "Paragraph 5 tells more" in page and "Home | About" not in page and "All rights reserved" not in page
    assert "html_extracted" in docs["p-1"]["flags"]


def test_rejects_name_the_rule_and_reason(run):
    out, manifest = run
    rejected = {r["id"]: r for r in read(out, "rejected")}
    assert rejected["zh-fr"]["rule"] == "language" and "detected 'other'" in rejected["zh-fr"]["reason"]
    assert rejected["zh-empty"]["rule"] == "empty_after_normalize"
    assert rejected["p-2"]["rule"] == "html_no_text"
    assert manifest["counts"]["by_rule"] == {"language": 1, "empty_after_normalize": 1, "html_no_text": 1}


def test_manifest_records_inputs_rules_and_code_version(run, corpus):
    _, manifest = run
    assert manifest["rules"]["sha256"] and manifest["sources_file"]["path"] == str(corpus / "sources.json")
    assert {i["source"] for i in manifest["inputs"]} == {"zh_web", "en_web", "wiki", "pages"}
    assert manifest["counts"]["input_files"] == 4
    assert manifest["counts"]["stages"]["t2s_converted"] == 2
    assert manifest["counts"]["by_source"]["en_web"] == {"read": 33, "cleaned": 30, "written": 30}
    assert manifest["code_version"]["package"]
    assert all(f["path"].startswith("data/") for f in manifest["outputs"]["data"])


def test_two_worker_processes_give_the_same_result_and_drop_mode_keeps_one_copy(corpus, run, tmp_path):
    """Shipped rules (drop mode), two worker processes: the copies collapse to the one with the best
    quality score (the wiki source has the higher prior); everything else is as in the one-process run."""
    _, single = run
    multi = pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(tmp_path / "out"),
                          "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    copies = {"zh-1", "zh-2", "zh-3", "w-2"}
    rejected = {r["id"]: r for r in read(tmp_path / "out", "rejected")}
    assert copies - rejected.keys() == {"w-2"}
    assert all(rejected[i]["rule"] == "exact_duplicate" and rejected[i]["dup_of"] == "w-2" for i in copies - {"w-2"})
    a = multi["accounting"]
    assert a["holds"] and a["written"] == single["accounting"]["written"] - 3 and a["rejected"] == single["accounting"]["rejected"] + 3
    assert sorted(d["id"] for d in read(tmp_path / "out", "data")) == sorted(d["id"] for d in read(run[0], "data") if d["id"] not in copies - {"w-2"})


def test_without_dedupe_documents_are_written_directly_with_the_same_result(corpus, tmp_path):
    """Dedupe off: the cleaning stage writes OUT/data/ itself (no staged copy, no dedupe stage). A
    sampling target so large that it keeps everything sends the same run through the staged path and
    the final write: the documents, file names and counts are the same."""
    outputs = {}
    for name, sampling in (("direct", {"target": None}), ("staged", {"target": {"documents": 10**9}})):
        (tmp_path / f"rules-{name}").mkdir()
        rules = rules_copy(tmp_path / f"rules-{name}", lambda r: (r["dedupe"].update(enabled=False), r["sampling"].update(sampling)))
        outputs[name] = pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(tmp_path / name),
                                      "--rules", str(rules), "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    direct, staged = outputs["direct"], outputs["staged"]
    assert direct["accounting"]["holds"] and direct["accounting"] == staged["accounting"]
    assert direct["counts"] == staged["counts"]
    for folder in ("data", "rejected", "dead_letter"):
        assert sorted(p.name for p in (tmp_path / "direct" / folder).iterdir()) == sorted(p.name for p in (tmp_path / "staged" / folder).iterdir())
        rows = [sorted(read(tmp_path / n, folder), key=lambda r: json.dumps(r, sort_keys=True, default=str)) for n in ("direct", "staged")]
        assert rows[0] == rows[1] and rows[0]
    assert all(d["cluster_size"] == 1 and d["weight"] == 1.0 and d["cluster_id"] == d["id"] for d in read(tmp_path / "direct", "data"))


def test_an_earlier_run_is_not_overwritten_by_accident(corpus, run):
    out, _ = run
    with pytest.raises(pretrain.UsageError, match="--overwrite"):
        pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(out)])


def test_invalid_rules_stop_the_run_before_any_work(corpus, tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(pretrain.DEFAULT_RULES.read_text().replace("batch_records:", "batch_recrods:"))
    proc = subprocess.run([sys.executable, "-m", "pipelines.pretrain", "--sources", str(corpus / "sources.json"),
                           "--output", str(tmp_path / "out"), "--rules", str(bad)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "did you mean 'batch_records'" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_pattern_that_matches_nothing_is_an_error(corpus, tmp_path):
    sources = write_sources(tmp_path / "s.json", {"x": {"lang": "en", "category": "web", "files": ["missing/*.jsonl"]}})
    with pytest.raises(pretrain.UsageError, match="matches no file"):
        pretrain.run(["--sources", str(sources), "--output", str(tmp_path / "out")])


@pytest.mark.parametrize("change,message", [
    (lambda r, base: r["quality"]["model"].update(path=str(base / "models/missing.npz")), "missing.npz"),
    (lambda r, base: r["sensitive_words"]["lists"][0].update(paths=[str(base / "wordlists/nope.txt")]), "nope.txt"),
])
def test_a_missing_model_or_word_list_is_a_usage_error(corpus, tmp_path, change, message):
    import yaml
    from bench.pretrain_bench import rules_variant          # the shipped rules with absolute paths

    path = rules_variant("ldnoobw", tmp_path)
    rules = yaml.safe_load(path.read_text())
    change(rules, pretrain.DEFAULT_RULES.parent)
    path.write_text(yaml.safe_dump(rules, allow_unicode=True))
    with pytest.raises(pretrain.UsageError, match=message):
        pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(tmp_path / "out"), "--rules", str(path)])
    assert not (tmp_path / "out").exists()


def test_missing_required_options_are_a_usage_error(tmp_path):
    with pytest.raises(pretrain.UsageError, match="missing --sources"):
        pretrain.run(["--output", str(tmp_path / "out")])


def test_help_lists_the_pipeline_options():
    proc = subprocess.run([sys.executable, "-m", "pipelines.pretrain", "--help"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0 and "--sources" in proc.stdout and "--overwrite" in proc.stdout and "Beam" in proc.stdout

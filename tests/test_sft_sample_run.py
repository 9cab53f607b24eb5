"""`make sft`'s job: the SFT pipeline on the bundled sample, checked against what expected.json says it holds."""
import json

import opencc
import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.sft import run as sft_pipeline
from schemas.sft import LABEL_SOURCES
from tests.conftest import REPO

SAMPLE = REPO / "pipelines" / "samples" / "sft"
RULES = REPO / "cleaning_rules" / "sft.yaml"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u0007\u000b"
# Header words of prompt templates that must not be left at the start of a field.
RESIDUE_HEADS = ("###", "Instruction:", "Response:", "Human:", "Assistant:", "指令：", "输出：", "Below is an instruction")


def texts(rec: dict) -> list[str]:
    """Every text of a record: its fields, its system prompt and its history turns."""
    out = [rec["instruction"], rec["input"] or "", rec["output"], rec["system"] or ""]
    for turn in rec["history"] or []:
        out += [turn["user"], turn["assistant"]]
    return out


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sft_sample") / "out"
    manifest = sft_pipeline.run(["--sources", str(SAMPLE / "sources.yaml"), "--output", str(out)])
    data = {r["id"]: r for r in pq.read_table(out / "data").to_pylist()}
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected").to_pylist()}
    dead = pq.read_table(out / "dead_letter").to_pylist()
    expected = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    return manifest, data, rejected, dead, expected


def test_sample_accounting(sample_run):
    manifest, data, rejected, dead, expected = sample_run
    a, t = manifest["accounting"], expected["totals"]
    assert a["holds"]
    assert a["read"] == t["records"] == a["written"] + a["rejected"] + a["dead_letter"] + a["sampled_out"]
    assert a["written"] == len(data) == t["written"]
    assert a["rejected"] == len(rejected) == t["rejected"] == len(expected["rejected"])
    assert sum(s["lines"] for s in expected["sources"].values()) == t["lines"]
    by_source = manifest["counts"]["by_source"]
    for name, s in expected["sources"].items():
        assert by_source[name]["read"] == s["lines"], name            # lines read, before expansion
        assert sum(r["source"] == name for r in data.values()) == s["written"], name
        assert sum(r["source"] == name for r in rejected.values()) == s["rejected"], name
        assert s["written"] + s["rejected"] + s["malformed_lines"] == s["records"], name


def test_sample_dead_letters(sample_run):
    manifest, _, _, dead, expected = sample_run
    assert manifest["accounting"]["dead_letter"] == len(dead) == expected["dead_letter"] == expected["totals"]["malformed_lines"]
    got = sorted((d["source"], d["source_line"], d["error_kind"]) for d in dead)
    assert got == sorted((d["source"], d["line"], d["kind"]) for d in expected["dead_letters"])


def test_sample_rejections(sample_run):
    _, data, rejected, _, expected = sample_run
    assert {i: r["rule"] for i, r in rejected.items()} == expected["rejected"]
    assert not data.keys() & expected["rejected"].keys()


def test_sample_duplicates_keep_one_of_each_pair(sample_run):
    manifest, data, rejected, _, expected = sample_run
    for copy, info in expected["duplicates"].items():
        pair = {copy, info["of"]}
        kept = pair & data.keys()
        assert len(kept) == 1, (copy, info)
        (gone,) = pair - kept
        rule = "exact_duplicate" if info["kind"] == "exact" else "near_duplicate"
        assert rejected[gone]["rule"] == rule and rejected[gone]["dup_of"] in kept, (copy, rejected[gone])
    d = manifest["dedupe"]
    kinds = [info["kind"] for info in expected["duplicates"].values()]
    assert d["exact_duplicates_removed"] == kinds.count("exact") and d["near_duplicates_removed"] == kinds.count("near")


def test_sample_cleared_inputs_keep_their_output(sample_run):
    _, data, _, _, expected = sample_run
    for rid, rule in expected["input_cleared"].items():
        rec = data[rid]
        assert rec["input"] == "" and rec["output"].strip(), rid
        assert f"input_cleared:{rule}" in rec["flags"], (rid, rec["flags"])
    cleared = {i for i, r in data.items() if any(f.startswith("input_cleared:") for f in r["flags"])}
    assert cleared == set(expected["input_cleared"])


def test_sample_traditional_records_come_out_simplified(sample_run):
    _, data, _, _, expected = sample_run
    t2s = opencc.OpenCC("t2s")
    assert {i for i, r in data.items() if "t2s" in r["flags"]} == set(expected["traditional"])
    for rid in expected["traditional"]:
        for text in texts(data[rid]):
            assert t2s.convert(text) == text, (rid, text)


def test_sample_special_tokens_and_invisible_characters_are_gone(sample_run):
    _, data, _, _, expected = sample_run
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    tokens = set(rules["normalize"]["special_tokens"]) | set(expected["special_tokens"])
    invisible = set(INVISIBLE) | set(expected["invisible_chars"])
    for rid, rec in data.items():
        for text in texts(rec):
            assert not [t for t in tokens if t in text], (rid, text)
            assert not invisible & set(text), (rid, text)
    for rid, want in expected["special_chars"].items():
        rec = data[rid]
        assert {"special_tokens_removed", "invisible_removed"} & set(rec["flags"]), (rid, rec["flags"])
        assert {f: rec[f] for f in want} == want, rid


def test_sample_template_html_and_replacement_residue_is_gone(sample_run):
    _, data, _, _, expected = sample_run
    for rid, want in expected["template_residue"].items():
        assert "template_residue_removed" in data[rid]["flags"], rid
        assert {f: data[rid][f] for f in want} == want, rid
    for rid, want in expected["html_residue"].items():
        assert "html_removed" in data[rid]["flags"], rid
        assert {f: data[rid][f] for f in want} == want, rid
    for rid, want in expected["replacements"].items():
        assert any(f.startswith("replaced:") for f in data[rid]["flags"]), rid
        assert {f: data[rid][f] for f in want} == want, rid
    for rid, rec in data.items():
        for text in texts(rec):
            assert not text.lstrip().startswith(RESIDUE_HEADS), (rid, text)


def test_sample_every_record_is_labelled(sample_run):
    manifest, data, _, _, expected = sample_run
    for rid, rec in data.items():
        assert rec["category"] and rec["subcategory"] and rec["label_source"] in LABEL_SOURCES, rid
        assert rec["subcategory"].startswith(rec["category"]), rid
        assert rec["lang"] in ("zh", "en"), rid
    for source, category in expected["source_labels"].items():
        recs = [r for r in data.values() if r["source"] == source]
        assert recs and all(r["category"] == category and r["label_source"] == "source_default" for r in recs), source
    assert manifest["mix"]["records"] == len(data)


def test_sample_conversations_carry_their_history(sample_run):
    _, data, _, _, expected = sample_run
    for conv, want in expected["sharegpt"].items():
        ids = want["records"]
        assert [i for i in sorted(data) if i == conv or i.startswith(conv + "#")] == ids, conv
        for k, rid in enumerate(ids):
            rec = data[rid]
            assert rec["system"] == want["system"], rid
            assert set(want.get("flags", [])) <= set(rec["flags"]), rid
            assert len(rec["history"]) == k, rid
            # Each earlier turn of the conversation is this record's history, in order.
            assert [(h["user"], h["assistant"]) for h in rec["history"]] == \
                   [(data[p]["instruction"], data[p]["output"]) for p in ids[:k]], rid
            if k:
                assert all(h["user"] and h["assistant"] for h in rec["history"]), rid

"""SFT source adapters (pipelines/sft/adapters.py) and the SFT schemas (schemas/sft.py)."""
import collections
import json
import subprocess
import sys

import pyarrow as pa
import pytest

from pipelines.core.records import BadRecord, decode_line
from pipelines.sft.adapters import FORMATS, Rejected, adapt, records_to_table, rejected_row
from schemas import sft as schema
from tests.conftest import SHARED


def one(obj, fmt, **kw):
    recs = adapt(obj, fmt, "src", "src:f:1", **kw)
    assert len(recs) == 1
    return recs[0]


def bad(obj, fmt, **kw) -> BadRecord:
    with pytest.raises(BadRecord) as e:
        adapt(obj, fmt, "src", "src:f:1", **kw)
    return e.value


# -- schema ---------------------------------------------------------------------------------------

def test_schema():
    assert schema.SCHEMA_VERSION == "sft/1"
    s = schema.SFT_RECORD
    assert s.metadata[b"schema_version"] == b"sft/1"
    assert not s.field("id").nullable and s.field("lang").nullable
    assert s.field("history").type == pa.list_(pa.struct([("user", pa.string()), ("assistant", pa.string())]))
    assert s.field("flags").type == pa.list_(pa.string())
    assert s.field("source_line").type == pa.int64()
    for name in ("id", "source", "category", "subcategory", "label_source", "source_class", "instruction",
                 "input", "output", "source_file"):
        assert s.field(name).type == pa.string(), name
    assert {"rule", "reason", "id", "source", "source_file", "source_line", "text_prefix"} <= set(schema.REJECTED.names)
    assert {"source_file", "source_line", "error_kind", "error", "raw"} <= set(schema.DEAD_LETTER.names)
    assert schema.LABEL_SOURCES == ("source_default", "cues", "fallback")


def test_formats_listed():
    assert set(FORMATS) == {"alpaca", "belle", "instances", "turns", "sharegpt", "dolly"}
    with pytest.raises(ValueError, match="unknown SFT format"):
        adapt({}, "jsonl", "src", "x")


# -- alpaca ---------------------------------------------------------------------------------------

def test_alpaca_record_fields():
    r = adapt({"id": "a#1", "instruction": "Add.", "input": "1 2", "output": "3", "category": "math"},
              "alpaca", "alp", "alp:f:7", source_file="f.jsonl", source_line=7)[0]
    assert set(r) == set(schema.SFT_RECORD.names)
    assert r == {**r, "id": "a#1", "source": "alp", "instruction": "Add.", "input": "1 2", "output": "3",
                 "source_class": "math", "history": [], "flags": [], "lang": None, "category": None,
                 "subcategory": None, "label_source": None, "system": None, "source_file": "f.jsonl", "source_line": 7}


def test_alpaca_optional_input_and_ids():
    assert one({"instruction": "Hi", "output": "Hello"}, "alpaca")["input"] == ""
    assert one({"instruction": "Hi", "input": None, "output": "Hello"}, "alpaca")["input"] == ""
    assert one({"instruction": "Hi", "output": "Hello"}, "alpaca")["id"] == "src:f:1"      # no id: the line id
    assert one({"id": 42, "instruction": "Hi", "output": "Hello"}, "alpaca")["id"] == "42"
    assert one({"id": " ", "instruction": "Hi", "output": "Hello"}, "alpaca")["id"] == "src:f:1"
    # an empty answer is the rules' business, not the adapter's
    assert one({"instruction": "Hi", "output": ""}, "alpaca")["output"] == ""


def test_alpaca_history_and_system():
    r = one({"instruction": "And 3+3?", "output": "6", "history": [["1+1?", "2"], ["2+2?", "4"]],
             "system": "Be brief."}, "alpaca")
    assert r["history"] == [{"user": "1+1?", "assistant": "2"}, {"user": "2+2?", "assistant": "4"}]
    assert r["system"] == "Be brief."
    assert one({"instruction": "q", "output": "a", "history": ""}, "alpaca")["history"] == []     # zh_topics style
    e = bad({"instruction": "q", "output": "a", "history": [["only one"]]}, "alpaca")
    assert e.kind == "bad_type" and "'history'[0]" in str(e)


def test_alpaca_malformed_names_the_field():
    e = bad({"input": "", "output": "x"}, "alpaca")
    assert e.kind == "missing_field" and "'instruction'" in str(e) and "string" in str(e)
    e = bad({"instruction": "q", "output": ["a", "b"]}, "alpaca")
    assert e.kind == "bad_type" and "'output'" in str(e) and "must be a string, got array" in str(e)
    e = bad({"instruction": "q", "input": 3, "output": "a"}, "alpaca")
    assert e.kind == "bad_type" and "'input'" in str(e) and "got number" in str(e)
    e = bad({"instruction": "q\x00", "output": "a"}, "alpaca")
    assert e.kind == "nul_bytes" and "'instruction'" in str(e)
    assert bad(["not", "an", "object"], "alpaca").kind == "not_an_object"


def test_bad_source_class_does_not_kill_the_record():
    r = one({"instruction": "q", "output": "a", "category": {"x": 1}}, "alpaca")
    assert r["source_class"] is None and r["flags"] == ["bad_source_class"]


# -- field mapping --------------------------------------------------------------------------------

def test_field_map_renames_before_the_format():
    fm = {"prompt": "instruction", "completion": "output"}
    r = one({"id": "p1", "prompt": "Say hi", "completion": "hi"}, "alpaca", field_map=fm)
    assert (r["id"], r["instruction"], r["input"], r["output"]) == ("p1", "Say hi", "", "hi")
    # the mapped field wins over a field of the target name
    assert one({"prompt": "mapped", "instruction": "own", "completion": "x"}, "alpaca", field_map=fm)["instruction"] == "mapped"
    # errors name both the format's field and where it was mapped from
    e = bad({"prompt": "Say hi", "completion": 5}, "alpaca", field_map=fm)
    assert e.kind == "bad_type" and "'output' (mapped from 'completion')" in str(e)
    e = bad({"completion": "x"}, "alpaca", field_map=fm)
    assert e.kind == "missing_field" and "'instruction'" in str(e)
    # a mapping into another format
    r = one({"q": "Why?", "a": "Because.", "class": "open qa"}, "belle", field_map={"q": "question", "a": "std_answer"})
    assert (r["instruction"], r["output"], r["source_class"]) == ("Why?", "Because.", "open qa")
    with pytest.raises(ValueError):
        adapt({}, "alpaca", "s", "x", field_map={"a": "instruction", "b": "instruction"})
    with pytest.raises(ValueError):
        adapt({}, "alpaca", "s", "x", field_map={"a": 1})


# -- belle / dolly --------------------------------------------------------------------------------

def test_belle():
    r = one({"id": "b#0", "question": "中国有多少个省？", "std_answer": "34个省级行政区。", "class": "open qa"}, "belle")
    assert (r["id"], r["instruction"], r["input"], r["output"], r["source_class"]) == \
        ("b#0", "中国有多少个省？", "", "34个省级行政区。", "open qa")
    e = bad({"question": "q", "class": "x"}, "belle")
    assert e.kind == "missing_field" and "'std_answer'" in str(e)


def test_dolly():
    r = one({"instruction": "Who founded it?", "context": "Acme was founded by Ann.", "response": "Ann.",
             "category": "closed_qa"}, "dolly")
    assert (r["instruction"], r["input"], r["output"], r["source_class"]) == \
        ("Who founded it?", "Acme was founded by Ann.", "Ann.", "closed_qa")
    assert one({"instruction": "q", "context": "", "response": "a", "category": "open_qa"}, "dolly")["input"] == ""
    e = bad({"instruction": "q", "context": "", "response": None}, "dolly")
    assert e.kind == "bad_type" and "'response'" in str(e) and "got null" in str(e)


# -- instances ------------------------------------------------------------------------------------

def test_instances_one_record_each():
    obj = {"id": "u7", "motivation_app": "Grammarly", "instruction": "Fix the grammar.",
           "instances": [{"input": "he go", "output": "He goes."}, {"input": "she run", "output": "She runs."},
                         {"output": "no input"}]}
    recs = adapt(obj, "instances", "uo", "uo:f:1")
    assert [r["id"] for r in recs] == ["u7#0", "u7#1", "u7#2"]
    assert [(r["input"], r["output"]) for r in recs] == [("he go", "He goes."), ("she run", "She runs."), ("", "no input")]
    assert {r["instruction"] for r in recs} == {"Fix the grammar."}
    assert {r["source_class"] for r in recs} == {"Grammarly"}
    # one instance still gets its #0
    assert adapt({**obj, "instances": obj["instances"][:1]}, "instances", "uo", "x")[0]["id"] == "u7#0"


def test_instances_malformed_and_empty():
    e = bad({"instruction": "q", "instances": [{"input": "x", "output": "y"}, {"input": "x"}]}, "instances")
    assert e.kind == "missing_field" and "'instances'[1]" in str(e) and "'output'" in str(e)
    e = bad({"instruction": "q", "instances": [{"input": "x", "output": 1}]}, "instances")
    assert e.kind == "bad_type" and "'instances'[0].output" in str(e)
    e = bad({"instruction": "q", "instances": {"input": "x"}}, "instances")
    assert e.kind == "bad_type" and "'instances'" in str(e) and "got object" in str(e)
    assert bad({"instruction": "q"}, "instances").kind == "missing_field"
    with pytest.raises(Rejected) as r:
        adapt({"id": "u1", "instruction": "q", "instances": []}, "instances", "s", "x")
    assert r.value.rule == "no_answer" and "0 instances" in r.value.reason and r.value.id == "u1"


# -- turns ----------------------------------------------------------------------------------------

def test_turns_rejected_with_reason():
    obj = {"id": "mt#0", "question_id": 81, "category": "writing", "turns": ["Write a blog post.", "Rewrite it."]}
    with pytest.raises(Rejected) as r:
        adapt(obj, "turns", "mt_bench", "x")
    e = r.value
    assert e.rule == "no_answer" and e.id == "mt#0"
    assert "2 user turns and no answers" in e.reason
    assert e.text == "Write a blog post."
    row = rejected_row(e, "mt_bench", "f.jsonl", 3)
    assert row["text_prefix"] == "Write a blog post." and row["rule"] == "no_answer"
    pa.Table.from_pylist([row], schema=schema.REJECTED)
    with pytest.raises(Rejected) as r:
        adapt({**obj, "reference": ["a", "b"]}, "turns", "mt_bench", "x")
    assert "reference" in r.value.reason
    e = bad({"turns": ["ok", 5]}, "turns")
    assert e.kind == "bad_type" and "'turns'[1]" in str(e)
    assert bad({"turns": "one"}, "turns").kind == "bad_type"


# -- sharegpt -------------------------------------------------------------------------------------

def test_sharegpt_multi_turn_history():
    obj = {"id": "c1", "conversations": [
        {"from": "system", "value": "You are terse."},
        {"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello."},
        {"from": "human", "value": "2+2?"}, {"from": "gpt", "value": "4"},
        {"from": "user", "value": "And 3+3?"}, {"from": "assistant", "value": "6"}]}
    recs = adapt(obj, "sharegpt", "sg", "sg:f:1")
    assert [r["id"] for r in recs] == ["c1#0", "c1#1", "c1#2"]
    assert [(r["instruction"], r["output"]) for r in recs] == [("Hi", "Hello."), ("2+2?", "4"), ("And 3+3?", "6")]
    assert recs[0]["history"] == []
    assert recs[2]["history"] == [{"user": "Hi", "assistant": "Hello."}, {"user": "2+2?", "assistant": "4"}]
    assert {r["system"] for r in recs} == {"You are terse."}
    assert all(r["flags"] == [] for r in recs)
    records_to_table(recs).validate(full=True)


def test_sharegpt_single_answer_keeps_the_id_and_role_content_turns():
    r = one({"id": "c2", "conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]},
            "sharegpt")
    assert (r["id"], r["instruction"], r["output"], r["history"]) == ("c2", "Hi", "Yo", [])


def test_sharegpt_irregular_order_is_repaired_and_flagged():
    conv = [{"from": "gpt", "value": "How can I help?"}, {"from": "human", "value": "a"}, {"from": "human", "value": "b"},
            {"from": "gpt", "value": "x"}, {"from": "gpt", "value": "y"}, {"from": "human", "value": "unanswered"}]
    r = one({"conversations": conv}, "sharegpt")
    assert (r["instruction"], r["output"]) == ("a\n\nb", "x\n\ny")
    assert set(r["flags"]) == {"dropped_leading_assistant", "merged_user_turns", "merged_assistant_turns",
                               "dropped_trailing_user_turn"}


def test_sharegpt_rejections_and_malformed():
    with pytest.raises(Rejected) as r:
        adapt({"id": "c3", "conversations": [{"from": "human", "value": "Hi"}]}, "sharegpt", "s", "x")
    assert r.value.rule == "no_answer" and "1 user turn and no assistant answer" in r.value.reason
    with pytest.raises(Rejected) as r:
        adapt({"conversations": [{"from": "human", "value": "w?"}, {"from": "function_call", "value": "{}"}]},
              "sharegpt", "s", "x")
    assert r.value.rule == "unsupported_turn"
    e = bad({"conversations": [{"from": "human", "value": "Hi"}, {"from": "robot", "value": "beep"}]}, "sharegpt")
    assert e.kind == "bad_value" and "'conversations'[1]" in str(e) and "robot" in str(e)
    e = bad({"conversations": [{"from": "human"}]}, "sharegpt")
    assert e.kind == "missing_field" and "'conversations'[0]" in str(e) and "'value'" in str(e)
    e = bad({"conversations": [{"from": "human", "value": ["x"]}]}, "sharegpt")
    assert e.kind == "bad_type" and "'conversations'[0].value" in str(e)
    e = bad({"conversations": ["Hi"]}, "sharegpt")
    assert e.kind == "bad_type" and "'conversations'[0]" in str(e)
    e = bad({"messages": []}, "sharegpt")
    assert e.kind == "missing_field" and "'conversations'" in str(e)
    # a renamed field reaches the sharegpt logic
    r = one({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}, "sharegpt",
            field_map={"messages": "conversations"})
    assert (r["instruction"], r["output"]) == ("q", "a")


def test_records_to_table():
    recs = adapt({"instruction": "q", "output": "a", "history": [["u", "v"]]}, "alpaca", "s", "x", source_line=3)
    t = records_to_table(recs)
    assert t.schema == schema.SFT_RECORD and t.num_rows == 1
    assert t.column("history").to_pylist() == [[{"user": "u", "assistant": "v"}]]
    assert records_to_table([]).num_rows == 0


# -- the generated benchmark corpus ---------------------------------------------------------------

MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"


@pytest.fixture(scope="module")
def sft_corpus(tmp_path_factory):
    if not MAKE_CORPUS.is_file():
        pytest.skip("../shared/bench/make_corpus.py is not present")
    out = tmp_path_factory.mktemp("sft") / "corpus"
    subprocess.run([sys.executable, str(MAKE_CORPUS), "--kind", "sft", "--seed", "1", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL, timeout=120)
    return out


def test_every_corpus_line_adapts_is_rejected_or_is_a_bad_record(sft_corpus):
    sources = json.loads((sft_corpus / "sources.json").read_text(encoding="utf-8"))
    truth = {}
    with open(sft_corpus / "truth.jsonl", encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[(t["file"], t["line"])] = t
    counts = collections.defaultdict(collections.Counter)
    records, n_lines = [], 0
    for name, spec in sources.items():
        assert spec["format"] in FORMATS
        for rel in spec["files"]:
            with open(sft_corpus / rel, "rb") as f:
                for i, raw in enumerate(f, 1):
                    n_lines += 1
                    t = truth[(rel, i)]
                    try:
                        recs = adapt(decode_line(raw.rstrip(b"\n")), spec["format"], name, f"{name}:{rel}:{i}",
                                     source_file=rel, source_line=i)
                    except Rejected as e:
                        assert e.reason and e.id == t["id"]
                        counts[name]["rejected:" + e.rule] += 1
                        continue
                    except BadRecord as e:
                        assert str(e)
                        assert t["kind"] == "malformed", (rel, i, e)
                        counts[name]["bad:" + e.kind] += 1
                        continue
                    assert t["kind"] != "malformed"
                    assert recs and all(r["source"] == name and r["source_line"] == i for r in recs)
                    if spec["format"] == "instances":
                        assert [r["id"] for r in recs] == [f"{t['id']}#{k}" for k in range(len(recs))]
                    else:
                        assert [r["id"] for r in recs] == [t["id"]]
                    counts[name]["lines_adapted"] += 1
                    counts[name]["records"] += len(recs)
                    records += recs
    assert n_lines == len(truth)
    print({k: dict(v) for k, v in counts.items()})
    # every source is accounted for, and what each one yields
    assert counts["mt_bench"] == {"rejected:no_answer": 80}                # turns: user questions only
    assert counts["user_oriented_en"] == {"lines_adapted": 252, "records": 252}
    assert counts["belle_eval_zh"] == {"lines_adapted": 1000, "records": 1000}
    assert counts["alpaca_en"]["bad:bad_json"] == 1 and counts["eval_en"]["bad:bad_json"] == 1
    assert sum(c["bad:bad_json"] for c in counts.values()) == 2 == sum(t["kind"] == "malformed" for t in truth.values())
    for name in sources:
        assert sum(v for k, v in counts[name].items() if k != "records") > 0, name
    assert len({r["id"] for r in records}) == len(records)                 # ids are unique across the corpus
    table = records_to_table(records)
    assert table.num_rows == len(records) and table.schema == schema.SFT_RECORD
    sc = collections.Counter(zip(table.column("source").to_pylist(), table.column("source_class").to_pylist()))
    assert sc[("belle_eval_zh", "open qa")] > 0 and sc[("eval_en", "helpful_base")] > 0

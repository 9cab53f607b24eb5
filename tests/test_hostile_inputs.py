"""Nothing in an input file can kill a run: poison records become dead letters or rejects with their file
and line, the run exits 0, and every line of every file is accounted for exactly once.

Fixed regressions first (each of these once ended a whole run), then property-based fuzzing of
JSONL, gzip and Parquet inputs for both pipelines."""
import gzip
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.pretrain import run as pretrain
from pipelines.sft import run as sft_pipeline
from tests.conftest import rules_copy, write_sources

LIMIT = 3000                 # reader.max_record_bytes in these runs
BOM = b"\xef\xbb\xbf"
GOOD_EN = "The library opens at nine in the morning and closes at six; the reading room is on the second floor."
DISTINCT = ["Rain is expected over the northern hills tonight, with clear skies returning by Thursday afternoon.",
            "The committee approved a new budget for road repairs after a long debate on Tuesday evening.",
            "Fresh bread from the corner bakery sells out before eight, so most neighbours queue early.",
            "Our chemistry teacher showed how copper sulfate crystals grow slowly in a cooling solution.",
            "The ferry to the island leaves twice a day in winter and every hour during the summer season.",
            "A small museum near the harbour displays old fishing nets, maps and photographs of the port."]
CRAFTED_LIMIT = 300_000       # above the nested and long-number lines, below the huge one


def _sft_rules(folder: Path, limit: int = LIMIT) -> Path:
    """A copy of cleaning_rules/ (the SFT rules name files beside them) with the record limit set."""
    import shutil

    import yaml

    from pipelines.sft.run import DEFAULT_SFT_RULES
    copy = folder / "rules"
    if not copy.exists():
        shutil.copytree(DEFAULT_SFT_RULES.parent, copy)
    rules = yaml.safe_load((copy / "sft.yaml").read_text(encoding="utf-8"))
    rules["reader"] = {"max_record_bytes": limit}
    (copy / "sft.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy / "sft.yaml"


def _fates(out: Path, kinds=("data", "rejected", "dead_letter")) -> Counter:
    """How many output rows name each (file, line)."""
    fates = Counter()
    for kind in kinds:
        for f in (out / kind).glob("*.parquet"):
            t = pq.read_table(f, columns=["source_file", "source_line"])
            fates.update(zip([Path(p).name for p in t.column("source_file").to_pylist()], t.column("source_line").to_pylist()))
    return fates


def _rows(out: Path, kind: str) -> list[dict]:
    return [r for f in (out / kind).glob("*.parquet") for r in pq.read_table(f).to_pylist()]


def _run(module, sources: Path, rules: Path, out: Path, *extra: str) -> dict:
    status = module.main(["--sources", str(sources), "--rules", str(rules), "--output", str(out), "--overwrite", *extra])
    assert status == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["accounting"]["holds"] and manifest["accounting"]["files_as_reported"]
    return manifest


def _crafted(text_field: str, good: dict) -> list[bytes]:
    """The lines that once killed a run, among good ones."""
    def record(**fields):
        return json.dumps({**good, **fields}).encode()
    return [
        BOM + record(id="bom"),
        b"[" * 100_000 + b"]" * 100_000,
        record(id="digits")[:-1] + b', "n": ' + b"9" * 5000 + b"}",
        record(id="\ud800"),
        record(id="url", url="http://example.com/\ud800"),
        record(id="text", **{text_field: "a lone \ud800 surrogate " + good[text_field]}),
        b"   ",
        b"",
        record(id="huge", **{text_field: "word " * 80_000}),
        *(record(id=f"ok{i}", **{text_field: DISTINCT[i]}) for i in range(5)),
    ]


EXPECTED = {1: "data", 2: "bad_json", 3: "bad_json", 4: "unencodable_string", 5: "unencodable_string",
            6: "unencodable_string", 7: "blank_line", 8: "blank_line", 9: "too_long"}


@pytest.mark.parametrize("pipeline", ["pretrain", "sft"])
def test_the_lines_that_killed_runs_are_dead_letters_or_rejects(tmp_path, pipeline):
    if pipeline == "pretrain":
        module, field, good = pretrain, "text", {"text": GOOD_EN}
        rules = rules_copy(tmp_path, lambda r: r["reader"].update(max_record_bytes=CRAFTED_LIMIT))
        spec = {"lang": "en", "category": "web"}
    else:
        module, field = sft_pipeline, "instruction"
        good = {"instruction": "Explain why the sky looks blue on a clear day.", "input": "",
                "output": "Sunlight is scattered by the air; blue light is scattered most, so the sky looks blue."}
        rules, spec = _sft_rules(tmp_path, CRAFTED_LIMIT), {"format": "alpaca", "lang": "en"}
    lines = _crafted(field, good)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    sources = write_sources(tmp_path / "sources.json", {"s": {**spec, "files": [str(tmp_path / "in" / "a.jsonl")]}})
    out = tmp_path / "out"
    manifest = _run(module, sources, rules, out, "--direct_running_mode=multi_processing", "--direct_num_workers=2")
    assert manifest["counts"]["read"] == len(lines)
    assert _fates(out) == Counter({("a.jsonl", n): 1 for n in range(1, len(lines) + 1)})
    dead = {d["source_line"]: d for d in _rows(out, "dead_letter")}
    rejected = {r["source_line"]: r for r in _rows(out, "rejected")}
    # The SFT adapters read neither `id` nor `url`: a surrogate there harms nothing.
    expected = EXPECTED if pipeline == "pretrain" else {k: v for k, v in EXPECTED.items() if k not in (4, 5)}
    for line, fate in expected.items():
        if fate == "too_long":
            assert rejected[line]["rule"] == "too_long" and rejected[line]["value"] > CRAFTED_LIMIT, rejected.get(line)
        elif fate != "data":
            assert dead[line]["error_kind"] == fate, (line, dead.get(line))
    kept = {r["id"] for r in _rows(out, "data")}
    assert {"bom", "ok0", "ok1", "ok2", "ok3", "ok4"} <= kept


# ------------------------------------------------------------------------------------------- fuzzing
def _good_line(field: str):
    return st.builds(lambda i, extra: json.dumps({"id": f"g{i}", field: GOOD_EN + extra, "instruction": GOOD_EN + extra,
                                                  "output": GOOD_EN}).encode(),
                     st.integers(0, 10**6), st.text(max_size=30))


def _hostile_line(field: str):
    surrogate = st.sampled_from(["\ud800", "\udfff", "\udc80x"])
    return st.one_of(
        st.binary(max_size=120),                                                    # invalid UTF-8, control bytes
        st.integers(100, 60_000).map(lambda n: b"[" * n + b"]" * n),                # nesting
        st.integers(4301, 8000).map(lambda n: b'{"x": ' + b"7" * n + b"}"),          # a huge integer
        st.tuples(st.sampled_from(["id", "url", field, "source", "input", "output"]), surrogate).map(
            lambda fs: json.dumps({"id": "s", field: GOOD_EN, "output": GOOD_EN, fs[0]: fs[1] + GOOD_EN}).encode()),
        st.text(alphabet=st.characters(max_codepoint=0x20), max_size=20).map(
            lambda t: json.dumps({"id": "c", field: t + GOOD_EN + t, "output": GOOD_EN}).encode()),
        st.sampled_from([b"", b" ", b"\t \t", b"null", b"1", b'"text"', b"[1, 2]", b"{}", b'{"text": 5}']),
        st.integers(LIMIT + 1, 3 * LIMIT).map(lambda n: json.dumps({"id": "big", field: "z" * n}).encode()),
    )


def _jsonl_file(field: str):
    line = st.one_of(_good_line(field), _hostile_line(field))
    return st.fixed_dictionaries({"lines": st.lists(line, min_size=1, max_size=12), "bom": st.booleans(),
                                  "gzip": st.sampled_from([None, "whole", "truncated"]), "final_newline": st.booleans()})


def _write_jsonl(path: Path, spec: dict) -> tuple[Path, int, bool]:
    data = (BOM if spec["bom"] else b"") + b"\n".join(spec["lines"]) + (b"\n" if spec["final_newline"] else b"")
    if spec["gzip"] is None:
        path.write_bytes(data)
        return path, len(spec["lines"]), False
    path = path.with_suffix(".jsonl.gz")
    packed = gzip.compress(data)
    path.write_bytes(packed[: max(10, len(packed) // 2)] if spec["gzip"] == "truncated" else packed)
    return path, len(spec["lines"]), spec["gzip"] == "truncated"


def _check_every_line(out: Path, files: list[tuple[Path, int, bool]]) -> None:
    fates = _fates(out)
    dead = _rows(out, "dead_letter")
    for path, n, truncated in files:
        mine = {line: k for (name, line), k in fates.items() if name == path.name}
        assert all(k == 1 for k in mine.values()), f"{path.name}: a line with two fates"
        if not truncated:
            assert set(mine) == set(range(1, n + 1)), f"{path.name}: lines missing or invented"
        else:                      # the lines before the break, then one dead letter for the rest of the file
            broken = [d for d in dead if Path(d["source_file"]).name == path.name and d["error_kind"] == "unreadable_file"]
            assert len(broken) == 1 and set(mine) == set(range(1, broken[0]["source_line"] + 1))


FUZZ = settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@FUZZ
@given(files=st.lists(_jsonl_file("text"), min_size=1, max_size=2),
       parquet=st.lists(st.one_of(st.none(), st.text(max_size=40), st.just("y" * (LIMIT + 10)),
                                  st.just(GOOD_EN)), min_size=1, max_size=8))
def test_fuzzed_pretraining_inputs_never_kill_a_run(tmp_path_factory, files, parquet):
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "in").mkdir()
    written = [_write_jsonl(tmp / "in" / f"f{i}.jsonl", spec) for i, spec in enumerate(files)]
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(len(parquet))], "text": pa.array(parquet, pa.string())}),
                   tmp / "in" / "p.parquet", row_group_size=3)
    written.append((tmp / "in" / "p.parquet", len(parquet), False))
    sources = write_sources(tmp / "sources.json", {
        "web": {"lang": "en", "category": "web", "files": [str(p) for p, _, _ in written if "parquet" not in p.name]},
        "wiki": {"lang": "en", "category": "wiki", "format": "parquet", "files": [str(tmp / "in" / "p.parquet")]}})
    rules = rules_copy(tmp, lambda r: r["reader"].update(max_record_bytes=LIMIT))
    manifest = _run(pretrain, sources, rules, tmp / "out")
    assert manifest["counts"]["read"] >= sum(n for _, n, truncated in written if not truncated)
    _check_every_line(tmp / "out", written)


@FUZZ
@given(files=st.lists(_jsonl_file("instruction"), min_size=1, max_size=2))
def test_fuzzed_sft_inputs_never_kill_a_run(tmp_path_factory, files):
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "in").mkdir()
    written = [_write_jsonl(tmp / "in" / f"f{i}.jsonl", spec) for i, spec in enumerate(files)]
    sources = write_sources(tmp / "sources.json", {"s": {"format": "alpaca", "lang": "en",
                                                         "files": [str(p) for p, _, _ in written]}})
    _run(sft_pipeline, sources, _sft_rules(tmp), tmp / "out")
    _check_every_line(tmp / "out", written)

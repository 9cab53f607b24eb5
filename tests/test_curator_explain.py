"""`rules explain` (pipelines/curator/explain.py): the HTML page on small inputs."""
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipelines.curator.cli import main
from tests.conftest import write_lines, write_sources

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "cleaning_rules"
PRETRAIN_SAMPLE = REPO / "pipelines" / "samples" / "pretrain" / "sources.yaml"

RECORDS = [
    {"id": "tok", "instruction": "列出三原色。", "output": "红、黄、蓝。<|endoftext|>"},
    {"id": "html", "instruction": "Name a fruit.", "output": "<p>Apple&nbsp;is a fruit.</p><!-- ad -->"},
    {"id": "tpl", "instruction": "### Instruction:\n风热感冒致鼻塞吃什么药", "output": "### Response:\n可以用双黄连口服液治疗。"},
    {"id": "noin", "instruction": "写一首关于春天的诗。", "input": "<无输入>", "output": "春风拂面花自开，燕子归来柳色新。"},
    {"id": "refuse", "instruction": "你喜欢什么颜色？", "output": "抱歉，我无法回答这个问题。"},
    {"id": "img", "instruction": "画一只猫。", "output": "[图画]"},
    {"id": "short", "instruction": "What is the capital of France?", "output": "Paris."},
    {"id": "trad", "instruction": "描述一個原子的結構。", "output": "一個原子由核和繞核運動的電子組成。"},
    "not json {",
    "[1, 2]",
    {"id": "script", "instruction": "Write an HTML snippet with a script tag.", "output": "<script>alert(1)</script><|im_end|>"},
    {"id": "ok", "instruction": "Give three tips for staying healthy.", "output": "Eat well, sleep enough and exercise every day."},
]


def explain(tmp: Path, *args: str) -> tuple[int, str]:
    out = tmp / "page.html"
    rc = main(["explain", *args, "--output", str(out)])
    return rc, out.read_text(encoding="utf-8") if out.exists() else ""


def row(page: str, rule: str) -> dict:
    m = re.search(rf"data-rule='{re.escape(rule)}' data-hits='(\d+)' data-dropped='(\d+)'", page)
    assert m, f"no row for rule {rule}"
    return {"hits": int(m.group(1)), "dropped": int(m.group(2))}


@pytest.fixture(scope="module")
def sft_input(tmp_path_factory) -> Path:
    return write_lines(tmp_path_factory.mktemp("in") / "alpaca_mix.jsonl", RECORDS)


@pytest.fixture(scope="module")
def sft_page(sft_input, tmp_path_factory):
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        rc, page = explain(tmp_path_factory.mktemp("out"), "--rules", str(RULES / "sft.yaml"), "--input", str(sft_input))
    return rc, page, buf.getvalue()


def test_every_sft_rule_listed_with_hit_counts(sft_page):
    rc, page, stdout = sft_page
    assert rc == 0
    rules = yaml.safe_load((RULES / "sft.yaml").read_text(encoding="utf-8"))
    for rule in rules["cleaning"] + rules["filters"]:
        row(page, rule["id"])
    assert row(page, "special_tokens")["hits"] == 2
    assert row(page, "html_residue")["hits"] == 1
    assert row(page, "template_residue")["hits"] == 1
    assert row(page, "t2s")["hits"] == 1
    assert row(page, "invalid_input") == {"hits": 1, "dropped": 0}
    assert row(page, "refusal_output") == {"hits": 1, "dropped": 1}
    assert row(page, "invalid_output") == {"hits": 1, "dropped": 1}
    assert row(page, "language_mismatch") == {"hits": 0, "dropped": 0}
    # the one-line summary: lines read, kept, dropped, seconds, path
    assert re.search(r"read 12 lines \(10 records\): kept 8, dropped 2, bad lines 2 in [\d.]+ s -> .*page\.html", stdout)


def test_before_after_examples_mark_changes(sft_page):
    _, page, _ = sft_page
    assert "<del>&lt;|endoftext|&gt;</del>" in page
    assert "<del>個</del><ins>个</ins>" in page or re.search(r"<del>[^<]*個[^<]*</del><ins>[^<]*个", page)
    assert re.search(r"<del>\s*### Instruction:\s*</del>", page)


def test_dropped_records_with_reasons(sft_page):
    _, page, _ = sft_page
    assert "data-dropped-id='refuse'" in page and "bare refusal" in page
    assert "data-dropped-id='img'" in page and "placeholder output" in page


def test_bad_lines_counted_and_page_self_contained(sft_page):
    _, page, _ = sft_page
    assert "Bad input lines (2)" in page
    assert "bad_json" in page and "not_an_object" in page
    # everything escaped, nothing loaded from elsewhere
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", page) and "@import" not in page
    assert "Taxonomy labels of the kept records (8)" in page and "data-category=" in page


def test_against_reports_newly_dropped_and_kept(sft_input, tmp_path):
    old = tmp_path / "old_rules"
    shutil.copytree(RULES, old)
    rules = yaml.safe_load((old / "sft.yaml").read_text(encoding="utf-8"))
    rules["filters"] = [r for r in rules["filters"] if r["id"] != "refusal_output"]       # old: no refusal filter
    next(r for r in rules["filters"] if r["id"] == "length_bounds")["parameters"]["output_min"] = 10   # old: stricter
    (old / "sft.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rc, page = explain(tmp_path, "--rules", str(RULES / "sft.yaml"), "--input", str(sft_input), "--against", str(old))
    assert rc == 0
    assert "data-newly-dropped-id='refuse'" in page          # the old rules kept the refusal
    assert "data-newly-kept-id='short'" in page              # "Paris." was too short for the old rules
    assert re.search(r"id='against-newly_dropped' data-count='1'", page)
    assert "output_min: 10 → 1" in page
    assert re.search(r"data-against-rule='refusal_output'>.*new rule", page)


def test_sources_file_round_robin(tmp_path):
    a = write_lines(tmp_path / "a.jsonl", [{"id": f"a{i}", "instruction": f"Question number {i}?", "output": "An answer."}
                                           for i in range(5)])
    b = write_lines(tmp_path / "b.jsonl", [{"id": f"b{i}", "conversations": [
        {"from": "human", "value": f"你好，第{i}个问题？"}, {"from": "gpt", "value": "这是回答。"}]} for i in range(5)])
    sources = write_sources(tmp_path / "sources.json", {"src_a": {"format": "alpaca", "files": [str(a)]},
                                                       "src_b": {"format": "sharegpt", "files": [str(b)]}})
    rc, page = explain(tmp_path, "--rules", str(RULES / "sft.yaml"), "--input", str(sources), "--count", "4")
    assert rc == 0
    assert "per source: src_a 2, src_b 2" in page
    assert "kept</th><td>4 (100.0 %)" in page


def test_pretrain_rules_on_the_bundled_sample(tmp_path):
    rc, page = explain(tmp_path, "--rules", str(RULES / "pretrain.yaml"), "--input", str(PRETRAIN_SAMPLE), "--count", "70")
    assert rc == 0
    rules = yaml.safe_load((RULES / "pretrain.yaml").read_text(encoding="utf-8"))
    for rid in ["normalize.remove_invisible", "normalize.collapse_whitespace", "t2s", "language", "quality_score"] \
            + [f["id"] for f in rules["quality"]["filters"]] + [f"sensitive:{d['name']}" for d in rules["sensitive_words"]["lists"]]:
        row(page, rid)
    assert "lines read</th><td>70 " in page
    assert "Languages of the kept documents" in page


def test_bad_arguments(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("version: 1\nsomething: else\n", encoding="utf-8")
    rc, _ = explain(tmp_path, "--rules", str(other), "--input", str(tmp_path / "x.jsonl"))
    assert rc == 2
    rc, _ = explain(tmp_path, "--rules", str(RULES / "sft.yaml"), "--input", str(tmp_path / "missing.jsonl"))
    assert rc == 2

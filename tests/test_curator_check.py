"""`rules check` and `rules test` on broken copies of cleaning_rules/ written for the purpose."""
import re
import shutil

import pytest

from pipelines.core.rule_checks import check_dir, check_file, errors
from pipelines.curator.cli import main
from tests.conftest import REPO

RULES = REPO / "cleaning_rules"
LOCATED = re.compile(r"^(?P<file>/\S+\.(?:yaml|txt)):(?P<line>\d+):(?P<col>\d+): ")


@pytest.fixture
def rules(tmp_path):
    """A private copy of cleaning_rules/ to break."""
    shutil.copytree(RULES, tmp_path / "rules", ignore=shutil.ignore_patterns("models"))
    (tmp_path / "rules" / "models").mkdir()
    (tmp_path / "rules" / "models" / "quality.npz").write_bytes((RULES / "models" / "quality.npz").read_bytes())
    return tmp_path / "rules"


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def drop_subcategory(taxonomy, sub_id, next_id):
    text = taxonomy.read_text(encoding="utf-8")
    i, j = text.index(f"      - id: {sub_id}\n"), text.index(f"      - id: {next_id}\n")
    taxonomy.write_text(text[:i] + text[j:], encoding="utf-8")


def test_the_shipped_rules_pass(capsys):
    assert main(["check"]) == 0
    assert "rules check: OK" in capsys.readouterr().out


def test_misspelled_key_broken_regex_and_119_subcategories_give_three_located_messages(rules, capsys):
    edit(rules / "sft.yaml", "\nreplacements: sft_replacements.yaml", "\nreplacments: sft_replacements.yaml")
    edit(rules / "sft.yaml", '- "这个问题我(?:无法|不能)回答[。！]?"', '- "这个问题我(?:无法|不能回答[。！]?"')
    drop_subcategory(rules / "taxonomy.yaml", "code_debug", "code_explain")
    assert main(["check", "--dir", str(rules)]) == 1
    lines = [ln for ln in capsys.readouterr().out.splitlines() if LOCATED.match(ln)]
    assert len(lines) == 3, lines
    misspelled, regex, taxonomy = lines
    assert "sft.yaml" in misspelled and "unknown key 'replacments' (did you mean 'replacements'?)" in misspelled
    assert "sft.yaml" in regex and "filters.4.parameters.patterns.1" in regex and "does not compile" in regex
    assert "taxonomy.yaml" in taxonomy and "expected exactly 12 entries, found 11" in taxonomy
    # Each names the line of the offending value.
    text = (rules / "sft.yaml").read_text(encoding="utf-8").splitlines()
    assert text[int(LOCATED.match(misspelled)["line"]) - 1].startswith("replacments:")
    assert "这个问题我" in text[int(LOCATED.match(regex)["line"]) - 1]


def test_types_ranges_empty_matches_duplicates_and_missing_files(rules):
    edit(rules / "pretrain.yaml", "  min_score: 0.3", "  min_score: high")
    edit(rules / "sft_replacements.yaml", "pattern: '\\A\\s*(?:问|提问)\\s*[:：]\\s*'", "pattern: '\\s*'")
    edit(rules / "sft.yaml", "  - id: invalid_input\n", "  - id: sensitive_words\n")
    edit(rules / "sft.yaml", "taxonomy: taxonomy.yaml", "taxonomy: taxonomy_v2.yaml")
    found = [str(p) for p in errors(check_dir(rules))]
    expected = [r"pretrain\.yaml:\d+:\d+: language\.min_score: expected number, got str 'high'",
                r"sft_replacements\.yaml:\d+:\d+: replacements\.1\.pattern: regular expression '\\s\*' matches the empty string",
                r"sft\.yaml:\d+:\d+: filters\.1\.id: duplicate id 'sensitive_words'",
                r"sft\.yaml:\d+:\d+: taxonomy: file not found: .*taxonomy_v2\.yaml"]
    for want in expected:
        assert any(re.search(want, f) for f in found), (want, found)
    assert len(found) == len(expected), found


def test_taxonomy_shares_and_cue_regexes(rules):
    edit(rules / "taxonomy.yaml", "    share: 0.407", "    share: 0.5")
    edit(rules / "taxonomy.yaml", '"/def \\\\w+\\\\(/"', '"/def (\\\\w+/"')
    found = [str(p) for p in check_file(rules / "taxonomy.yaml")]
    assert any(re.search(r"taxonomy\.yaml:\d+:\d+: categories: category shares sum to 1\.0930, expected 1", f) for f in found), found
    assert any("cues.zh" in f and "does not compile" in f for f in found), found


def test_word_list_duplicates_and_single_characters_are_warnings(rules, capsys):
    with open(rules / "wordlists" / "zh_porn.txt", "a", encoding="utf-8") as f:
        f.write("色情片\n淫\n")
    assert main(["check", "--dir", str(rules)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"zh_porn\.txt:\d+:1: warning: '色情片': duplicate entry \(first on line \d+\)", out), out
    assert re.search(r"zh_porn\.txt:\d+:1: warning: '淫': a single Chinese character hits many common words", out), out
    assert "rules check: OK (2 warning(s))" in out


def test_rules_test_runs_the_examples_and_names_a_failing_one(rules, capsys):
    assert main(["test", "--dir", str(rules)]) == 0
    assert re.search(r"rules test: \d+ passed, 0 failed", capsys.readouterr().out)
    edit(rules / "sft.yaml", 'expect: {output: "图片里有一只猫。"}', 'expect: {output: "图片里有两只猫。"}')
    edit(rules / "sft_replacements.yaml", 'expect: "春眠不觉晓。"', 'expect: "答：春眠不觉晓。"')
    edit(rules / "pretrain.yaml", 'text: "好", expect: {rejected: too_short}', 'text: "好", expect: {rejected: symbol_soup}')
    assert main(["test", "--dir", str(rules)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"FAIL .*pretrain\.yaml:\d+:\d+: examples/too_short\[\d+\]: expected a rejection by 'symbol_soup', got 'too_short'", out), out
    assert re.search(r"FAIL .*sft\.yaml:\d+:\d+: filters/invalid_output\[\d\]: output: expected '图片里有两只猫。', got '图片里有一只猫。'", out), out
    assert re.search(r"FAIL .*sft_replacements\.yaml:\d+:\d+: replacements/answer_prefix_zh: expected", out), out
    assert "3 failed" in out

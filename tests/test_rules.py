import pytest

from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA
from pipelines.core.rules import RulesError, load_rules


def shipped() -> str:
    return DEFAULT_RULES.read_text(encoding="utf-8")


def load_text(tmp_path, text):
    path = tmp_path / "pretrain.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path, RULES_SCHEMA)


def problems(tmp_path, text) -> list[str]:
    with pytest.raises(RulesError) as e:
        load_text(tmp_path, text)
    return e.value.problems


def line_of(text, needle) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_rules_are_valid():
    rules = load_rules(DEFAULT_RULES, RULES_SCHEMA)
    assert rules.data["language"]["keep"] == ["zh", "en"]
    assert len(rules.sha256) == 64


def test_misspelled_key_names_file_line_and_suggests_the_right_one(tmp_path):
    text = shipped().replace("batch_records:", "batch_recrods:")
    (msg, *rest) = [p for p in problems(tmp_path, text) if "unknown key" in p]
    assert msg.startswith(f"{tmp_path / 'pretrain.yaml'}:{line_of(text, 'batch_recrods')}:")
    assert "reader.batch_recrods" in msg and "did you mean 'batch_records'" in msg


def test_out_of_range_and_wrong_type_values_are_reported_with_their_lines(tmp_path):
    text = shipped().replace("min_traditional_share: 0.05", "min_traditional_share: 1.5").replace("collapse_whitespace: true", "collapse_whitespace: yes please")
    found = problems(tmp_path, text)
    share = next(p for p in found if "min_traditional_share" in p)
    assert f":{line_of(text, 'min_traditional_share')}:" in share and "1.5" in share
    ws = next(p for p in found if "collapse_whitespace" in p)
    assert f":{line_of(text, 'collapse_whitespace')}:" in ws and "expected boolean" in ws


def test_unknown_opencc_config_lists_the_choices(tmp_path):
    text = shipped().replace("opencc_config: t2s ", "opencc_config: t2x ")
    (msg,) = problems(tmp_path, text)
    assert "traditional_to_simplified.opencc_config" in msg and "did you mean 't2s'" in msg


def test_yaml_syntax_error_gives_the_line(tmp_path):
    text = shipped().replace("  batch_bytes: 4000000", "  batch_bytes: [4000000")
    (msg,) = problems(tmp_path, text)
    assert "YAML syntax error" in msg and str(tmp_path) in msg


def test_missing_rules_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulesError, match="cannot read the rules file"):
        load_rules(tmp_path / "nope.yaml", RULES_SCHEMA)


def test_yaml_files_load_what_pyyaml_loads_and_report_its_errors():
    """libyaml parses first; what it refuses goes to PyYAML's own parser, so escaped surrogate pairs
    still load and a broken file gets PyYAML's own message and position."""
    import yaml

    from pipelines.core import yaml_files
    escaped = 'a: "\\ud83d\\ude00"'                   # escapes that libyaml refuses
    assert yaml_files.load(escaped) == yaml_files.parse(escaped)[1] == yaml.safe_load(escaped) == {"a": "\ud83d\ude00"}
    broken = "k: [1, 2\n"
    with pytest.raises(yaml.YAMLError) as ours:
        yaml_files.parse(broken)
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.safe_load(broken)
    assert str(ours.value) == str(theirs.value)

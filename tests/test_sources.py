import json

import pytest

from pipelines.core.sources import SourcesError, load_sources


def test_relative_paths_resolve_against_the_sources_folder_and_urls_stay(tmp_path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "sources.yaml"
    path.write_text("web:\n  lang: en\n  category: web\n  files: [raw/*.jsonl, gs://bucket/web/*.jsonl.gz]\n"
                    "pages: {lang: zh, category: web, files: pages.jsonl, format: html}\n", encoding="utf-8")
    web, pages = load_sources(path).sources
    assert web.patterns == (str(tmp_path / "cfg" / "raw" / "*.jsonl"), "gs://bucket/web/*.jsonl.gz")
    assert web.format == "jsonl" and web.text_field == "text"
    assert pages.format == "html" and pages.text_field == "html"


def test_make_corpus_style_json_is_accepted(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text(json.dumps({"zh_web": {"lang": "zh", "category": "web", "files": ["raw/zh_web/part-00000.jsonl"]}}))
    (src,) = load_sources(path).sources
    assert src.name == "zh_web" and src.category == "web"


@pytest.mark.parametrize("body,message", [
    ('{"a": {"lang": "en", "category": "web", "files": []}}', "'files' must be a non-empty list"),
    ('{"a": {"lang": "en", "category": "web", "files": ["x"], "format": "csv"}}', "'format' is 'csv'"),
    ('{"a": {"lang": "en", "files": ["x"]}}', "'category' must be a non-empty string"),
    ('{"a": {"lang": "en", "category": "web", "files": ["x"], "fromat": "jsonl"}}', "unknown key(s) ['fromat']"),
    ('{"a": ', "not valid JSON"),
])
def test_invalid_sources_name_the_file_source_and_field(tmp_path, body, message):
    path = tmp_path / "sources.json"
    path.write_text(body)
    with pytest.raises(SourcesError) as e:
        load_sources(path)
    assert str(path) in str(e.value) and message in str(e.value)

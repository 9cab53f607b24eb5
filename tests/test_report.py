"""OUT/report.html (pipelines/report): the figure functions, the page both pipelines write at the end
of a run (self-contained: no script, stylesheet or image from anywhere), and how a headless
browser renders it."""
import logging
import re
from pathlib import Path

import pytest

from pipelines.pretrain import run as pretrain
from pipelines.sft import run as sft_pipeline
from pipelines.report import figures as fg
from pipelines.report import try_write_report
from pipelines.report.__main__ import main as report_main
from pipelines.report.build import Sample, build_html, read_sample
from tests.conftest import REPO, headless_chrome, needs_browser

PRETRAIN_SAMPLE = REPO / "pipelines" / "samples" / "pretrain" / "sources.yaml"
SFT_SAMPLE = REPO / "pipelines" / "samples" / "sft" / "sources.yaml"
SECTIONS = {
    "pretrain": ["Run", "Funnel", "Rejections by rule", "Dead letters by error kind", "Quality scores", "Text lengths",
                 "Language \u00d7 category", "Duplicates", "Output files"],
    "sft": ["Run", "Funnel", "Rejections by rule", "Dead letters by error kind", "Text lengths", "Language \u00d7 category",
            "Duplicates", "Taxonomy mix", "Output files"],
}


def _svg_ok(svg: str) -> None:
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<image" not in svg and "<?xml" not in svg


# ------------------------------------------------------------------------------------------ figures
def test_funnel_and_bars_carry_their_labels():
    svg = fg.funnel([("read", 100), ("parsed", 90), ("written", 70)], [("dead letters", 10), ("rejected", 20)])
    _svg_ok(svg)
    for label in ("read", "parsed", "written", "dead letters", "rejected", "70.0%"):
        assert label in svg
    svg = fg.bars(["quality_score", "language"], [30, 10], xlabel="records rejected")
    _svg_ok(svg)
    assert "quality_score" in svg and "language" in svg and "records rejected" in svg and "75.0%" in svg


def test_distributions_shares_and_heatmap_carry_their_labels():
    svg = fg.histograms({"zh_web": [0.1, 0.5, 0.9], "en_book": [0.7, 0.8]}, xlabel="quality_score",
                        extra={"zh_web": [0.05]}, extra_label="rejected", lines={"zh_web": 0.1}, line_label="threshold")
    _svg_ok(svg)
    for label in ("zh_web", "en_book", "quality_score", "rejected", "threshold"):
        assert label in svg
    svg = fg.histograms({"a": [10, 100, 1000, 20000]}, xlabel="length", log_x=True)
    assert "length" in svg and "mathdefault" not in svg and "1k" in svg      # plain tick labels on log axes
    svg = fg.size_histogram({1: 90, 2: 8, 7: 2}, xlabel="cluster size")
    assert "cluster size" in svg and "6\u201310" in svg and "mathdefault" not in svg
    assert "0.9" in fg.binned_counts({"0.9": 4, "0.8": 2}, xlabel="cosine")
    svg = fg.shares([("zh/web", 0.4, 0.3, 0.35), ("en/book", 0.6, 0.7, None)])
    assert "zh/web" in svg and "en/book" in svg and "target" in svg
    svg = fg.heatmap([[0.1, None], [0.3, 0.6]], ["open_qa", "code"], ["1", "2"], [["10%\n/5%", ""], ["a", "b"]], colorbar="achieved")
    _svg_ok(svg)
    assert "open_qa" in svg and "code" in svg and "achieved" in svg and "/5%" in svg


def test_figures_escape_text_keep_dollars_and_scope_their_ids():
    svg = fg.bars(["<b>&$x$"], [1])
    assert "&lt;b&gt;&amp;$x$" in svg and "<b>" not in svg
    a, b = fg.bars(["a"], [1]), fg.bars(["a"], [1])
    ids_a, ids_b = set(re.findall(r'id="([^"]+)"', a)), set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b
    for ref in re.findall(r'(?:url\(#|href="#)([^")]+)', a):
        assert ref in ids_a
    for empty in (fg.funnel([]), fg.bars([], []), fg.histograms({}), fg.heatmap([], [], []), fg.shares([])):
        _svg_ok(empty)
        assert "no data" in empty


def test_page_escapes_whatever_the_manifest_holds():
    import pyarrow as pa
    m = {"kind": "pretrain", "output": "/o/<x>", "counts": {"read": 3, "written": 1, "rejected": 1, "dead_letter": 1,
         "by_rule": {"<script>alert(1)</script>": 1}, "by_error": {"bad_json": 1},
         "by_source": {"<img src=x onerror=y>": {"read": 3, "written": 1}}},
         "accounting": {"holds": False}, "outputs": {}}
    none = Sample(pa.table({}), 0, 0)
    page = build_html(m, {"data": none, "rejected": none, "dead_letter": none, "sampled_out": none})
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "DOES NOT HOLD" in page


def test_a_failing_report_is_a_warning(tmp_path, caplog):
    log = logging.getLogger("test.report")
    with caplog.at_level(logging.WARNING):
        assert try_write_report(str(tmp_path / "nothing-here"), log) is None
    assert "report: could not write" in caplog.text


# --------------------------------------------------------------------------------------- pipelines
@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    sft_pipeline.run(["--sources", str(SFT_SAMPLE), "--output", str(root / "sft")])
    pretrain.run(["--sources", str(PRETRAIN_SAMPLE), "--output", str(root / "pretrain")])
    return {kind: root / kind for kind in ("sft", "pretrain")}


def _offline(page: str) -> None:
    low = page.lower()
    for bad in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(http", " src=", "xlink:href=\"http",
                "<image"):
        assert bad not in low, bad
    # the only URLs are the XML namespaces of the inline SVGs
    rest = re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", page)
    assert "http://" not in rest and "https://" not in rest


@pytest.mark.parametrize("kind", ["pretrain", "sft"])
def test_each_run_writes_a_self_contained_report(reports, kind, capsys):
    out = reports[kind]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for title in SECTIONS[kind]:
        assert f">{title}</h2>" in page.replace("&amp;", "&"), title
    assert page.count("<svg") >= 7
    _offline(page)
    assert "holds" in page and ("FnApiRunner" in page)
    if kind == "sft":
        assert "open_qa" in page and "short of data" in page
        assert "Taxonomy mix" in page and "\u540d\u79f0" in page            # the subcategory table's zh names column
    else:
        assert "quality_score" in page and "zh_book" in page and "cluster size" in page
    # the entry point rebuilds it
    (out / "report.html").unlink()
    assert report_main([str(out)]) == 0
    assert (out / "report.html").exists() and str(out / "report.html") in capsys.readouterr().out


def test_report_reads_a_bounded_sample_and_says_so(reports):
    out = reports["sft"]
    s = read_sample(str(out), "data", ["source", "instruction"], limit=10)
    assert s.rows == 10 and s.total > 10 and s.partial and s.table.column_names == ["source", "instruction"]
    from pipelines.report import write_report
    page = Path(write_report(str(out), sample_rows=10)).read_text(encoding="utf-8")
    assert f"a sample of 10 of {s.total:,} rows of data/" in page


def test_report_entry_point_without_a_manifest(tmp_path, capsys):
    assert report_main([str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_summaries_name_the_report(reports, capsys):
    import json
    pretrain.COMMAND.report(json.loads((reports["pretrain"] / "manifest.json").read_text(encoding="utf-8")))
    sft_pipeline.COMMAND.report(json.loads((reports["sft"] / "manifest.json").read_text(encoding="utf-8")))
    out = capsys.readouterr().out
    assert f"report:   {reports['pretrain'] / 'report.html'}" in out and f"report:   {reports['sft'] / 'report.html'}" in out


# ------------------------------------------------------------------------------------------ browser
@needs_browser
def test_reports_render_in_a_headless_browser(reports, tmp_path):
    driver = headless_chrome()
    from selenium.webdriver.common.by import By
    try:
        for kind, out in reports.items():
            page = out / "report.html"
            driver.get(page.resolve().as_uri())
            assert kind in driver.title
            svgs = driver.find_elements(By.CSS_SELECTOR, "figure.plot > svg")
            assert len(svgs) == page.read_text(encoding="utf-8").count("<svg") and len(svgs) >= 7
            for svg in svgs:
                size = svg.size
                assert size["width"] > 50 and size["height"] > 20, (kind, size)
            severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
            assert not severe, severe
            height = driver.execute_script("return document.documentElement.scrollHeight")
            chrome = driver.execute_script("return window.outerHeight - window.innerHeight")
            driver.set_window_size(1300, height + chrome)          # the whole page in one screenshot
            shot = tmp_path / f"report-{kind}.png"
            assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        driver.quit()

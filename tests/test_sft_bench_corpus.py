"""Issue 5's acceptance figures: the SFT pipeline on the labelled benchmark corpus
(make_corpus.py --kind sft --seed 1), sensitive words from the LDNOOBW lists; skipped without ../shared."""
import pytest

from bench.sft_accuracy import evaluate
from bench.sft_bench import build_sft_corpus, sft_rules_variant
from pipelines.sft import run as sft_pipeline
from tests.conftest import needs_shared


@pytest.fixture(scope="module")
def sft_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("sft_bench")
    corpus, rules = build_sft_corpus(1, work / "corpus"), sft_rules_variant(work)
    out = work / "out"
    sft_pipeline.run(["--sources", str(corpus / "sources.json"), "--output", str(out), "--rules", str(rules),
                      "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    return evaluate(corpus, out, rules)


@needs_shared
@pytest.mark.parametrize("figure", [
    "invalid_output_rejected", "flagged_word_rejected", "invalid_input_cleared", "input_repeats_instruction_cleared",
    "traditional_simplified", "special_chars_removed", "exact_dup_removed", "mt_bench_rejected",
    "malformed_dead_lettered", "clean_rejected", "rejections_have_rule_and_reason", "kept_have_subcategory",
    "belle_category_agreement", "accounting_holds", "read_equals_truth_lines",
])
def test_sft_benchmark_figure(sft_run, figure):
    assert sft_run[figure]["pass"], sft_run[figure]

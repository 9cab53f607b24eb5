"""The issue's acceptance figures on the labelled benchmark corpus (skipped without ../shared)."""
import subprocess
import sys

import pytest

from bench.dedupe_accuracy import evaluate_dedupe
from bench.pretrain_accuracy import evaluate
from bench.pretrain_bench import rules_variant
from pipelines.pretrain import run as pretrain
from tests.conftest import SHARED, needs_shared


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("bench") / "corpus"
    subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"), "--kind", "pretrain", "--out", str(corpus),
                    "--target-mb", "1", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    out = corpus.parent / "out"
    rules = rules_variant("ldnoobw", corpus.parent)       # sensitive words from the LDNOOBW lists, as the issue asks
    pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(out), "--rules", str(rules),
                  "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    figures = evaluate(corpus, out)
    dedupe = evaluate_dedupe(out, corpus / "truth.jsonl", corpus / "raw")
    figures.update({f"dedupe:{k}": {"pass": ok, "value": dedupe[k]} for k, ok in dedupe["passes"].items()})
    return figures


@needs_shared
@pytest.mark.parametrize("figure", [
    "malformed_dead_lettered", "huge_document_kept", "accounting_holds", "read_equals_truth_lines",
    "hant_now_simplified", "zh_wiki_char_agreement", "simplified_untouched_by_converter",
    "no_invisible_or_special_left", "langid_agreement",
    "junk_rejected", "junk_rejected:boilerplate_only", "junk_rejected:mojibake", "junk_rejected:repeat_lines",
    "junk_rejected:short", "junk_rejected:spam", "junk_rejected:symbols", "reference_lost_to_quality",
    "flagged_rejected_or_masked", "zuozhuan_lost_to_sensitive_words",
    # issue 4: dedupe in drop mode (clusters with one survivor, exact and near copies removed,
    # documents outside clusters removed, false merges)
    "dedupe:clusters_one_survivor", "dedupe:exact_dup_removed", "dedupe:near_dup_removed",
    "dedupe:outside_removed", "dedupe:outside_false_merge",
])
def test_benchmark_corpus_figure(corpus_run, figure):
    result = corpus_run[figure]
    assert result["pass"], result

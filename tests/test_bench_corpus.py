"""The issue's acceptance figures on the labelled benchmark corpus (skipped without ../shared)."""
import subprocess
import sys

import pytest

from bench.pretrain_accuracy import evaluate
from pipelines import pretrain
from tests.conftest import SHARED, needs_shared


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("bench") / "corpus"
    subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"), "--kind", "pretrain", "--out", str(corpus),
                    "--target-mb", "1", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    out = corpus.parent / "out"
    pretrain.run(["--sources", str(corpus / "sources.json"), "--output", str(out),
                  "--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    return evaluate(corpus, out)


@needs_shared
@pytest.mark.parametrize("figure", [
    "malformed_dead_lettered", "huge_document_kept", "accounting_holds", "read_equals_truth_lines",
    "hant_now_simplified", "zh_wiki_char_agreement", "simplified_untouched_by_converter",
    "no_invisible_or_special_left", "langid_agreement",
])
def test_benchmark_corpus_figure(corpus_run, figure):
    result = corpus_run[figure]
    assert result["pass"], result

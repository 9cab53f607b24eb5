"""The hooks lm-eval's task YAMLs in this folder name with `!function utils.…`: loaders of the
local benchmark files, the same-subject few-shot sampler, CMRC 2018's scorer. The logic lives
in the evaluation package; this module only exposes it under the names the YAMLs use."""
from __future__ import annotations

from functools import partial

from lm_eval.api.samplers import FirstNSampler

from evaluation import benchmarks
from evaluation.cmrc_metric import process_results as cmrc_process_results  # noqa: F401

load_cmmlu = partial(benchmarks.load, "cmmlu")
load_ceval = partial(benchmarks.load, "ceval")
load_c3 = partial(benchmarks.load, "c3")
load_ocnli = partial(benchmarks.load, "ocnli")
load_cmrc2018 = partial(benchmarks.load, "cmrc2018")
load_piqa = partial(benchmarks.load, "piqa")
load_hellaswag = partial(benchmarks.load, "hellaswag")


class SameSubjectFirstN(FirstNSampler):
    """CMMLU's and C-Eval's protocol: the first n dev exemplars *of the test item's subject*."""

    def sample(self, n: int, eval_doc=None, df=None, **kwargs):
        pool = [d for d in self.df if d != eval_doc and (eval_doc is None or d["subject"] == eval_doc["subject"])]
        if len(pool) < n:
            subject = eval_doc["subject"] if eval_doc else "any subject"
            raise ValueError(f"{n}-shot asked for, but the dev split has {len(pool)} exemplars for {subject}")
        return pool[:n]

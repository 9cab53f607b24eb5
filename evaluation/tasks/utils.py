"""The hooks lm-eval's task YAMLs in this folder name with `!function utils.…`: loaders of the
local benchmark files, the same-subject few-shot sampler, CMRC 2018's scorer. The logic lives
in the evaluation package; this module only exposes it under the names the YAMLs use."""
from __future__ import annotations

from functools import partial

from lm_eval.api.samplers import FirstNSampler
from lm_eval.api.task import ConfigurableTask

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
    """CMMLU's and C-Eval's protocol: the first n dev exemplars *of the test item's subject*.
    lm-eval hands a sampler the item only when exemplars come from the test split itself, so
    SubjectFewShotTask tells it the item (`current`) before each prompt is built."""

    current = None

    def sample(self, n: int, eval_doc=None, df=None, **kwargs):
        eval_doc = eval_doc if eval_doc is not None else self.current
        if eval_doc is None:
            raise ValueError("same-subject exemplars need the test item; use this sampler with SubjectFewShotTask")
        pool = [d for d in self.df if d != eval_doc and d["subject"] == eval_doc["subject"]]
        if len(pool) < n:
            subject = eval_doc["subject"]
            raise ValueError(f"{n}-shot asked for, but the dev split has {len(pool)} exemplars for {subject}")
        return pool[:n]


class SubjectFewShotTask(ConfigurableTask):
    """A YAML task whose few-shot sampler sees the item it builds the prompt for (one prompt at a
    time: lm-eval builds contexts sequentially)."""

    def __init__(self, config: dict | None = None, **kwargs):
        super().__init__(config={k: v for k, v in (config or {}).items() if k != "class"}, **kwargs)

    def fewshot_context(self, doc, num_fewshot, *args, **kwargs):
        sampler = getattr(self, "sampler", None)
        if sampler is not None:
            sampler.current = doc
        try:
            return super().fewshot_context(doc, num_fewshot, *args, **kwargs)
        finally:
            if sampler is not None:
                sampler.current = None

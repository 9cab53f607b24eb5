"""The evaluation stage: a model scored on public zh/en benchmarks with lm-evaluation-harness.

    python -m evaluation --model out/model-sft [--model out/model-sft-gptq] [--baseline out/model-pretrain]
        [--tasks tiger_cmmlu,tiger_piqa:0] [--limit 20] [--out out/eval]

Task definitions are lm-eval YAML in evaluation/tasks/ and read local files ($EVAL_DATA);
models load through serving.loader, like the server. Writes OUT/eval.json and OUT/eval.html.
"""

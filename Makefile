# The verbs of the project. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BASE ?= out
WORKERS ?= 2
SAMPLE_PRETRAIN := pipelines/samples/pretrain/sources.yaml
SAMPLE_SFT := pipelines/samples/sft/sources.yaml
BENCH_MB ?= 30
BENCH_ARGS ?=                 # e.g. --baseline <commit>: that commit's figures side by side
# make train STAGE=pretrain|sft DATA=<pipeline output> MODEL=<model folder | tiny-llama | tiny-bloom> OUT=<model dir>
STAGE ?= pretrain
DEEPSPEED ?= zero2
TRAIN_ARGS ?= --epochs 3 --batch-size 8 --block-size 256 --max-length 512 --lr 2e-3
# GPUs: the deepspeed launcher (one process per GPU); otherwise one process on the CPU.
TRAIN_LAUNCH = $(if $(shell command -v nvidia-smi 2>/dev/null),$(VENV)/bin/deepspeed --module,$(PY) -m)

# Nothing may reach a model hub at run time (datasets also phones home without this).
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: eval kb setup run data sft cluster cluster-stop bench-scale train quantize chat serve bench-serve test rules-check rules-test bench bench-dedupe bench-sft bench-train bench-decontam bench-retrieval clean

setup: $(VENV)/.installed

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]'
	touch $@

# RUNNER=local (default): the local runner with WORKERS processes. RUNNER=dask: the cluster of
# `make cluster` (scheduler on 127.0.0.1:DASK_PORT); DASK_ADDRESS points at another one.
RUNNER ?= local
DASK_PORT ?= 8786
DASK_ADDRESS ?= tcp://127.0.0.1:$(DASK_PORT)
ifeq ($(RUNNER),dask)
RUNNER_ARGS = --runner apache_beam.runners.dask.dask_runner.DaskRunner --dask_client_address $(DASK_ADDRESS) \
	--dask_npartitions=$(WORKERS)
else ifeq ($(RUNNER),local)
RUNNER_ARGS = --direct_running_mode=multi_processing --direct_num_workers=$(WORKERS)
else
$(error RUNNER must be local or dask, not '$(RUNNER)')
endif

# The pretraining pipeline on the bundled sample data, on two local worker processes (or RUNNER=dask).
run data: setup
	$(PY) -m pipelines.pretrain --sources $(SAMPLE_PRETRAIN) --output $(BASE)/pretrain --overwrite $(RUNNER_ARGS)

# The SFT pipeline on the bundled SFT sample.
sft: setup
	$(PY) -m pipelines.sft --sources $(SAMPLE_SFT) --output $(BASE)/sft --overwrite $(RUNNER_ARGS)

# A local dask.distributed cluster (scheduler + WORKERS worker processes, loopback only) for RUNNER=dask;
# cluster-stop ends its processes by the ids recorded in .cluster/.
cluster: setup
	$(PY) -m pipelines.dask_cluster start --workers $(WORKERS) --port $(DASK_PORT) --state .cluster

cluster-stop:
	@if [ -x $(PY) ]; then $(PY) -m pipelines.dask_cluster stop --state .cluster; else echo "no virtualenv: no cluster"; fi

# Curator checks of cleaning_rules/: schemas, regexes, references, word lists; then the rules' own examples.
rules-check: setup
	$(PY) -m pipelines.curator check

rules-test: setup
	$(PY) -m pipelines.curator test

# Trains on a pipeline output (its manifest.json); without DATA, on the bundled sample's output
# (made first when missing). A DATA that was given must already be a finished pipeline output.
DEFAULT_DATA = $(BASE)/$(STAGE)
train: DATA ?= $(DEFAULT_DATA)
train: MODEL ?= tiny-llama
train: OUT ?= $(BASE)/model-$(STAGE)
train: setup
	@if [ "$(DATA)" = "$(DEFAULT_DATA)" ]; then test -f $(DATA)/manifest.json || $(MAKE) --no-print-directory $(if $(filter sft,$(STAGE)),sft,run); fi
	$(TRAIN_LAUNCH) training.train --stage $(STAGE) --data $(DATA) --model $(MODEL) --out $(OUT) \
		--deepspeed $(DEEPSPEED) $(TRAIN_ARGS)

# make quantize MODEL=<model dir> DATA=<pipeline output> OUT=<dir>: GPTQ 4-bit, group 128, calibrated on
# DATA, then quant.eval (perplexity and size before and after) and the benchmark tasks on both models
# (QUANT_EVAL_LIMIT items each; tasks whose data is missing are left out) in OUT-eval/.
# Defaults: make train's model and data.
QUANT_EVAL_LIMIT ?= 20
quantize: MODEL ?= $(BASE)/model-pretrain
quantize: DATA ?= $(BASE)/pretrain
quantize: OUT ?= $(MODEL)-gptq
quantize: setup
	@test -f $(MODEL)/config.json || $(MAKE) --no-print-directory train
	$(PY) -m quant.gptq --model $(MODEL) --data $(DATA) --out $(OUT) $(QUANT_ARGS)
	$(PY) -m quant.eval --model $(MODEL) --quantized $(OUT) --data $(DATA)
	$(PY) -m evaluation --model $(MODEL),$(OUT) --baseline $(MODEL) --limit $(QUANT_EVAL_LIMIT) --out $(OUT)-eval \
		--skip-missing-data

# make kb [KB_NAME=sample] [KB_DATA=out/pretrain]: a knowledge base from a pipeline output (made first when
# missing), registered in the server's data folder (out/serving); chat requests name it with
# "knowledge_base": "sample" (the page has a picker).
KB_NAME ?= sample
KB_DATA ?= $(BASE)/pretrain
kb: setup
	@test -f $(KB_DATA)/manifest.json || $(MAKE) --no-print-directory run
	$(PY) -m serving.knowledge build --output $(KB_DATA) --name $(KB_NAME) --data-dir $(BASE)/serving $(KB_ARGS)

# make eval MODEL=<dir>[,<dir>...] [BASELINE=<dir>] [TASKS=cmmlu:5,piqa] [LIMIT=20] [OUT=out/eval]:
# the benchmark tasks (evaluation/tasks/, data from $$EVAL_DATA or ../shared/data) on each model through
# lm-eval; writes OUT/eval.json and OUT/eval.html (scores / BASELINE's, averaged). The default MODEL is
# trained first (make train STAGE=sft) when missing.
DEFAULT_EVAL_MODEL = $(BASE)/model-sft
eval: MODEL ?= $(DEFAULT_EVAL_MODEL)
eval: OUT ?= $(BASE)/eval
eval: setup
	@if [ "$(MODEL)" = "$(DEFAULT_EVAL_MODEL)" ] && [ ! -f $(MODEL)/config.json ]; then \
		$(MAKE) --no-print-directory train STAGE=sft MODEL=tiny-llama OUT=$(MODEL) DATA=$(BASE)/sft; fi
	$(PY) -m evaluation --model $(MODEL) $(if $(BASELINE),--baseline $(BASELINE)) $(if $(TASKS),--tasks $(TASKS)) \
		$(if $(LIMIT),--limit $(LIMIT)) --out $(OUT) $(EVAL_ARGS)

# make chat MODEL=<dir>: terminal chat (streams; `clear` empties the history, `exit` ends).
# make serve MODEL=<dir>: the OpenAI-compatible API and the chat page on http://HOST:PORT/.
chat: MODEL ?= $(BASE)/model-sft
chat: setup
	$(PY) -m serving.chat --model $(MODEL) $(CHAT_ARGS)

HOST ?= 127.0.0.1
PORT ?= 8000
serve: MODEL ?= $(BASE)/model-sft
serve: setup
	$(PY) -m serving.api --model $(MODEL) --host $(HOST) --port $(PORT) --data-dir $(BASE)/serving $(SERVE_ARGS)

test: setup
	$(PY) -m pytest -q -n 2 tests

# Throughput, memory and accuracy on the shared benchmark corpus (needs ../shared).
bench: setup
	$(PY) -m bench.pretrain_bench --target-mb $(BENCH_MB) $(BENCH_ARGS)
	$(PY) -m bench.dedupe_bench --target-mb $(BENCH_MB)
	$(PY) -m bench.sft_bench

# Dedupe alone, beside datasketch's MinHashLSH (reuses the cleaned corpus that `make bench` caches).
bench-dedupe: setup
	$(PY) -m bench.dedupe_bench --target-mb $(BENCH_MB)

clean:
	rm -rf $(BASE) .pytest_cache

# The pretraining pipeline at 30, 120 and 480 MB (two local workers) and at 120 MB on a local Dask
# cluster: wall time, docs/s, MB/s, CPU seconds and whole-process-tree peak memory (needs ../shared).
bench-scale: setup
	$(PY) -m bench.scale_bench $(SCALE_ARGS)

# Decontamination: benchmark items injected into the corpus caught, corpus documents rejected, cost (needs ../shared).
bench-decontam: setup
	$(PY) -m bench.decontam_bench --target-mb $(BENCH_MB)

# Retrieval quality (recall@1/@5, MRR) and cost of the knowledge bases on CMRC 2018 (needs ../shared).
bench-retrieval: setup
	$(PY) -m bench.retrieval_bench

# The SFT pipeline's throughput and issue-5 figures on make_corpus.py --kind sft.
bench-sft: setup
	$(PY) -m bench.sft_bench

# Training tokens/s on CPU: plain PyTorch loop vs Trainer vs Trainer + DeepSpeed ZeRO-2/3 (needs make run).
bench-train: setup
	@test -f $(BASE)/pretrain/manifest.json || $(MAKE) --no-print-directory run
	$(PY) -m bench.train_bench --data $(BASE)/pretrain

# Server throughput: bursts of concurrent requests vs plain generate() one at a time.
bench-serve: setup
	$(PY) -m bench.serve_bench

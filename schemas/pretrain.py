"""Arrow schemas of the pretraining pipeline's outputs (documents, rejects, dead letters)."""
from __future__ import annotations

import pyarrow as pa

# Heuristic quality signals (pipelines/text/quality_signals.py computes them) are stored one column
# each, so a curator can re-threshold without recomputing: q_symbol_ratio, q_dup_line_frac, ...
SIGNAL_NAMES: tuple[str, ...] = (
    "n_chars",
    "n_words",
    "mean_word_len",
    "symbol_ratio",
    "digit_ratio",
    "whitespace_ratio",
    "non_language_ratio",
    "cjk_ratio",
    "dup_line_frac",
    "dup_line_char_frac",
    "top_2gram_frac",
    "top_3gram_frac",
    "top_4gram_frac",
    "dup_5gram_frac",
    "dup_6gram_frac",
    "dup_7gram_frac",
    "dup_8gram_frac",
    "dup_9gram_frac",
    "dup_10gram_frac",
    "punct_end_line_frac",
    "bullet_line_frac",
    "ellipsis_line_frac",
    "stopword_count",
    "mojibake_ratio",
)
SIGNAL_COLUMNS = tuple(f"q_{name}" for name in SIGNAL_NAMES)

SCHEMA_VERSION = "pretrain/3"
_META = {b"schema_version": SCHEMA_VERSION.encode()}

DOCUMENT = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.large_string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),          # detected: zh / en
        pa.field("lang_score", pa.float32()),                 # fastText probability; Han share of letters when the script rule decided zh
        pa.field("declared_lang", pa.string()),                 # from the sources file
        pa.field("category", pa.string()),                      # book / web / wiki / ...
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("n_chars", pa.int64()),
        pa.field("flags", pa.list_(pa.string())),               # what was changed: t2s, html_extracted, ...
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),                    # 1-based line (jsonl) or row (parquet)
        pa.field("quality_score", pa.float32()),                # model score x source prior, capped at 1
        pa.field("model_score", pa.float32()),                  # the classifier's probability of "reference" text
        pa.field("quality_prior", pa.float32()),                # the source's prior from the rules
        pa.field("sensitive_hits", pa.int32()),                 # sensitive-word hits (after allow-lists), all lists
        *[pa.field(c, pa.float32()) for c in SIGNAL_COLUMNS],
        # Filled by the dedupe stage: the cluster (its kept/best member's id; the document's own id
        # when it has no copies), its size, and the sampling weight (1 / size in `weight` mode).
        pa.field("cluster_id", pa.string()),
        pa.field("cluster_size", pa.int32()),
        pa.field("weight", pa.float32()),
    ],
    metadata=_META,
)

REJECTED = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("rule", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("value", pa.float64()),                        # what was measured ...
        pa.field("threshold", pa.float64()),                    # ... against this threshold
        pa.field("text_prefix", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
        pa.field("dup_of", pa.string()),                        # duplicates: the id of the kept copy
    ],
    metadata=_META,
)

DEAD_LETTER = pa.schema(
    [
        pa.field("source", pa.string()),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64()),
        pa.field("error_kind", pa.string(), nullable=False),
        pa.field("error", pa.string(), nullable=False),
        pa.field("raw", pa.binary()),                           # bounded prefix of the raw bytes
    ],
    metadata=_META,
)

# Bound on the raw bytes / text kept in audit records, so a 4 MB junk line stays small.
RAW_PREFIX_BYTES = 2048
TEXT_PREFIX_CHARS = 500

# Documents that the proportional sampling left out: counted, and listed so a run can be audited.
SAMPLED = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("category", pa.string()),
        pa.field("n_bytes", pa.int64()),
        pa.field("weight", pa.float32()),
    ],
    metadata=_META,
)

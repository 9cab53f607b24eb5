"""Arrow schemas of the SFT (instruction-tuning) pipeline's outputs: records, rejects, dead letters.

One SFT record is one answer to learn: instruction (+ optional input) -> output, with the earlier
turns of a multi-turn conversation in `history` (oldest first) and the conversation's system prompt,
when it has one, in `system`.
"""
from __future__ import annotations

import pyarrow as pa

from schemas import pretrain
from schemas.pretrain import RAW_PREFIX_BYTES, TEXT_PREFIX_CHARS  # noqa: F401  (same bounds as pretraining)

SCHEMA_VERSION = "sft/1"
_META = {b"schema_version": SCHEMA_VERSION.encode()}

# How `category` / `subcategory` were assigned (the `label_source` column; null until the taxonomy step ran):
#   source_default: the source's own category from the sources/rules file
#   cues:           keyword / pattern cues in the instruction matched the taxonomy
#   fallback:       nothing matched; the taxonomy's fallback category
LABEL_SOURCES = ("source_default", "cues", "fallback")

TURN = pa.struct([pa.field("user", pa.string()), pa.field("assistant", pa.string())])

SFT_RECORD = pa.schema(
    [
        # The input's own `id` when it has one, else the reader's line id; `<id>#<k>` for the k-th
        # instance of an `instances` record or the k-th answer of a multi-answer conversation.
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("lang", pa.string()),                          # detected later: zh / en
        pa.field("category", pa.string()),                      # the taxonomy's category ...
        pa.field("subcategory", pa.string()),                   # ... and subcategory
        pa.field("label_source", pa.string()),                  # one of LABEL_SOURCES, or null
        pa.field("source_class", pa.string()),                  # the dataset's own label: belle `class`, dolly `category`, ...
        pa.field("instruction", pa.string(), nullable=False),
        pa.field("input", pa.string(), nullable=False),         # "" when the record has none
        pa.field("output", pa.string(), nullable=False),
        pa.field("history", pa.list_(TURN)),                    # earlier (user, assistant) turns, oldest first
        pa.field("system", pa.string()),                        # the conversation's system prompt, if any
        pa.field("flags", pa.list_(pa.string())),               # what was changed / noticed: merged_user_turns, ...
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),                    # 1-based line
    ],
    metadata=_META,
)

FIELDS = tuple(SFT_RECORD.names)

# Rejects and dead letters have the pretraining pipeline's columns (text_prefix: the start of the
# instruction), tagged with this schema's version.
REJECTED = pretrain.REJECTED.with_metadata(_META)
DEAD_LETTER = pretrain.DEAD_LETTER.with_metadata(_META)

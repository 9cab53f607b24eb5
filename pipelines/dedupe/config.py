"""Dedupe settings from the rules file's `dedupe:` section."""
from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.dedupe.clusters import MODES
from pipelines.dedupe.sampling import SamplingConfig
from pipelines.text.minhash import MinHashConfig


def _per_language(value) -> dict:
    return {"default": float(value)} if isinstance(value, (int, float)) else {"default": 0.9, **value}


def threshold_of(thresholds: dict, lang: str | None) -> float:
    return thresholds.get(lang or "", thresholds["default"])


@dataclass(frozen=True)
class DedupeConfig:
    enabled: bool = True
    mode: str = "drop"                       # drop | weight
    exact: bool = True
    near: bool = True
    minhash: MinHashConfig = MinHashConfig()
    score_tie: float = 0.05                  # quality scores this close to the best count as a tie (-> smallest id)
    # Cosine at or above which a candidate pair is a duplicate, per language ("default": others);
    # a pair of two languages needs the higher of the two.
    tfidf_threshold: dict = field(default_factory=lambda: {"default": 0.9})
    df_buckets: int = 2**20
    max_bucket: int = 20                     # larger LSH buckets are linked linearly, not pairwise
    shards: int = 8                          # parallelism of the grouping steps
    cc_rounds: int = 12
    sampling: SamplingConfig = field(default_factory=SamplingConfig)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"dedupe mode must be one of {MODES}, got {self.mode!r}")
        if not 0.0 <= self.score_tie <= 1.0:
            raise ValueError("dedupe score_tie must be in [0, 1]")
        if "default" not in self.tfidf_threshold or not all(0.0 < v <= 1.0 for v in self.tfidf_threshold.values()):
            raise ValueError("dedupe tfidf thresholds must be in (0, 1] and include 'default'")
        for name in ("df_buckets", "max_bucket", "shards", "cc_rounds"):
            if getattr(self, name) < (2 if name == "max_bucket" else 1):
                raise ValueError(f"dedupe {name} is too small: {getattr(self, name)}")

    @property
    def active(self) -> bool:
        """Whether the run needs the dedupe/sampling stage at all."""
        return self.enabled or self.sampling.target is not None

    @classmethod
    def from_rules(cls, dedupe: dict | None, sampling: dict | None) -> "DedupeConfig":
        d = dedupe or {"enabled": False}
        m = d.get("minhash", {})
        mh = MinHashConfig(num_perm=m.get("num_perm", 128), bands=m.get("bands", 16), rows=m.get("rows", 8),
                           char_n=m.get("char_ngram", 5), word_n=m.get("word_ngram", 3), seed=m.get("seed", 1))
        t = d.get("tfidf", {})
        return cls(enabled=d.get("enabled", True), mode=d.get("mode", "drop"), exact=d.get("exact", True),
                   near=d.get("near", True), minhash=mh, tfidf_threshold=_per_language(t.get("threshold", 0.9)),
                   score_tie=d.get("score_tie", 0.05),
                   df_buckets=t.get("df_buckets", 2**20), max_bucket=d.get("max_bucket", 20),
                   shards=d.get("shards", 8), cc_rounds=d.get("cc_rounds", 12),
                   sampling=SamplingConfig.from_rules(sampling or {}))

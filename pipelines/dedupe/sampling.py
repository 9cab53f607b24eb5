"""Proportional sampling by language x category, deterministic per document id.

The target size is in bytes or documents, counted with the dedupe weights (a
cluster kept with weight 1/size counts as one document). A stratum's rate is
target share x target size / its (weighted) size after dedupe, capped at 1: a
stratum smaller than its share is kept whole and the shortfall is reported.
A document is kept when a hash of (seed, id) falls below its stratum's rate, so
a rerun keeps the same documents and a larger target keeps a superset.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import xxhash

UNITS = ("bytes", "documents")
_SCALE = float(2**64)


@dataclass(frozen=True)
class SamplingConfig:
    target: float | None = None          # None: nothing is sampled out
    unit: str = "bytes"
    shares: dict[str, float] = field(default_factory=dict)   # "lang/category" -> share; empty: input shares
    seed: int = 1
    by_lang: bool = True                 # strata are language x category; False: category alone (the SFT mix)

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"sampling unit must be one of {UNITS}, got {self.unit!r}")
        if self.target is not None and self.target <= 0:
            raise ValueError("sampling target must be positive")
        if any(v < 0 for v in self.shares.values()):
            raise ValueError("sampling shares must be >= 0")
        total = sum(self.shares.values())
        if self.shares and abs(total - 1.0) > 0.01:
            raise ValueError(f"sampling shares must add up to 1 (they add up to {total:.3f})")

    @classmethod
    def from_rules(cls, rules: dict) -> "SamplingConfig":
        target = rules.get("target") or {}
        unit = next((u for u in UNITS if target.get(u) is not None), "bytes")
        shares = {f"{lang}/{cat}": float(v) for lang, cats in (rules.get("shares") or {}).items() for cat, v in cats.items()}
        return cls(target=target.get(unit), unit=unit, shares=shares, seed=rules.get("seed", 1))


def stratum(lang: str | None, category: str | None, by_lang: bool = True) -> str:
    return f"{lang or 'unknown'}/{category or 'unknown'}" if by_lang else (category or "unknown")


def rates(config: SamplingConfig, sizes: dict[str, float]) -> dict[str, float]:
    """Keep-rate per stratum from the strata's weighted sizes (in config.unit)."""
    total = sum(sizes.values())
    if config.target is None or total <= 0:
        return {s: 1.0 for s in sizes}
    shares = config.shares or {s: v / total for s, v in sizes.items()}
    out = {}
    for s, size in sizes.items():
        want = shares.get(s, 0.0) * config.target
        out[s] = 1.0 if size <= 0 else min(1.0, want / size)
    return out


def keep(doc_id: str, rate: float, seed: int) -> bool:
    if rate >= 1.0:
        return True
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass"), seed) / _SCALE < rate


def report(config: SamplingConfig, before: dict[str, float], after: dict[str, float]) -> dict:
    """Target vs achieved shares for the manifest."""
    total_before, total_after = sum(before.values()), sum(after.values())
    shares = config.shares or ({s: v / total_before for s, v in before.items()} if total_before else {})
    strata = {}
    for s in sorted(set(before) | set(after) | set(shares)):
        strata[s] = {"input": round(before.get(s, 0.0), 3), "output": round(after.get(s, 0.0), 3),
                     "target_share": round(shares.get(s, 0.0), 4),
                     "achieved_share": round(after.get(s, 0.0) / total_after, 4) if total_after else 0.0}
    return {"unit": config.unit, "target": config.target, "achieved": round(total_after, 3),
            "seed": config.seed, "strata": strata}

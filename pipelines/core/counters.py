"""The run's counters: typed keys, and the manifest's count sections made from them in one place.

A counter key is a :class:`Count` (kind, name, detail), made by the functions below; a kind that
is not one of KINDS is refused when the key is made, so a typo fails loudly instead of vanishing
from the accounting. Counters are plain ``collections.Counter`` objects keyed by Counts: they add
up across batches, workers and runners; the kind ``max`` keeps the largest value instead.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, NamedTuple

TOTAL = "total"              # read, written, rejected, dead_letter, sampled_out, cleaned, input_files, ...
REJECTED = "rejected"        # name: the rule
DEAD_LETTER = "dead_letter"  # name: the error kind
STAGE = "stage"              # name: what a stage changed (t2s_converted, normalize:html_removed, ...)
LANG = "lang"                # name: the language
SOURCE = "source"            # name: the source; detail: read | cleaned | written
STEP = "step"                # name: the step; detail: in | out | rejected
DEDUPE = "dedupe"            # name: a dedupe statistic (candidate_pairs, verified_pairs, ...)
MAX = "max"                  # name: a statistic whose largest value is kept (largest_bucket)
COSINE = "cosine"            # name: the lower edge of a verified pair's cosine bucket ("0.8")
SAMPLING_IN = "sampling_in"  # name: the stratum; detail: the unit (documents, bytes, tokens)
SAMPLING_OUT = "sampling_out"
KINDS = frozenset((TOTAL, REJECTED, DEAD_LETTER, STAGE, LANG, SOURCE, STEP, DEDUPE, MAX, COSINE, SAMPLING_IN, SAMPLING_OUT))
TOTALS = ("read", "written", "rejected", "dead_letter", "sampled_out")   # what the accounting adds up


class _CountFields(NamedTuple):
    kind: str
    name: str = ""
    detail: str = ""


class Count(_CountFields):
    """One counter's key."""
    __slots__ = ()

    def __new__(cls, kind: str, name: str = "", detail: str = ""):
        if kind not in KINDS:
            raise ValueError(f"unknown counter kind {kind!r} (known: {', '.join(sorted(KINDS))})")
        return super().__new__(cls, kind, name, detail)

    def __str__(self) -> str:
        return ":".join(p for p in self if p)


def total(what: str) -> Count:
    return Count(TOTAL, what)


READ, WRITTEN, CLEANED = total("read"), total("written"), total("cleaned")
N_REJECTED, N_DEAD_LETTER, SAMPLED_OUT = total("rejected"), total("dead_letter"), total("sampled_out")


def rejected(rule: str) -> Count:
    return Count(REJECTED, rule)


def dead_letter(kind: str) -> Count:
    return Count(DEAD_LETTER, kind)


def stage(what: str) -> Count:
    return Count(STAGE, what)


def lang(code: str) -> Count:
    return Count(LANG, code)


def source(name: str, what: str) -> Count:
    return Count(SOURCE, name, what)


def step(name: str, what: str) -> Count:
    return Count(STEP, name, what)


def dedupe(name: str) -> Count:
    return Count(DEDUPE, name)


def largest(name: str) -> Count:
    return Count(MAX, name)


def cosine(bucket: str) -> Count:
    return Count(COSINE, bucket)


def sampling(phase: str, stratum: str, unit: str) -> Count:
    return Count(SAMPLING_IN if phase == "in" else SAMPLING_OUT, stratum, unit)


def merge(into: Counter, counts) -> Counter:
    """Adds `counts` ({Count: n}) into `into`; the kind max keeps the larger value."""
    for key, n in counts.items():
        into[key] = max(into.get(key, n), n) if key.kind == MAX else into[key] + n
    return into


def cleaned_not_written(counts) -> Counter:
    """The cleaning stage's "written" documents are only "cleaned" when a later stage writes them."""
    out = Counter()
    for key, n in counts.items():
        if key == WRITTEN:
            key = CLEANED
        elif key.kind == SOURCE and key.detail == "written":
            key = source(key.name, "cleaned")
        out[key] += n
    return out


def to_json(counts) -> list[list]:
    """[[kind, name, detail, n], ...]: how counters travel in a JSON file (the run's statistics)."""
    return [[*key, n] for key, n in sorted(counts.items())]


def from_json(rows: Iterable[list]) -> Counter:
    return Counter({Count(kind, name, detail): n for kind, name, detail, n in rows})


def get(counts, key: Count) -> float:
    return counts.get(key, 0)


def sections(counts) -> dict:
    """The manifest's `counts` section: the totals, and per rule, error, stage, language, source, step."""
    out: dict = {"read": 0, "written": 0, "rejected": 0, "dead_letter": 0, "sampled_out": 0, "by_rule": {}, "by_error": {},
                 "stages": {}, "languages": {}, "by_source": {}, "steps": {}, "input_files": 0, "input_bytes": 0,
                 "unmatched_patterns": 0}
    places = {REJECTED: "by_rule", DEAD_LETTER: "by_error", STAGE: "stages", LANG: "languages"}
    for key, n in sorted(counts.items()):
        if key.kind == TOTAL:
            out[key.name] = n
        elif key.kind in places:
            out[places[key.kind]][key.name] = n
        elif key.kind == SOURCE:
            out["by_source"].setdefault(key.name, {})[key.detail] = n
        elif key.kind == STEP:
            out["steps"].setdefault(key.name, {})[key.detail] = n
    return out


def dedupe_statistics(counts) -> tuple[dict, dict, dict, dict]:
    """(statistics, cosine histogram, sampled-in by stratum and unit, sampled-out ...) for the dedupe
    and sampling sections of the manifest."""
    stats, histogram, before, after = {}, {}, {}, {}
    for key, n in sorted(counts.items()):
        if key.kind in (DEDUPE, MAX):
            stats[key.name] = n
        elif key.kind == COSINE:
            histogram[key.name] = n
        elif key.kind == SAMPLING_IN:
            before.setdefault(key.detail, {})[key.name] = n
        elif key.kind == SAMPLING_OUT:
            after.setdefault(key.detail, {})[key.name] = n
    return stats, histogram, before, after

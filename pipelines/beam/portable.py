"""Runner-portable building blocks: what the pipelines use instead of the Beam features that not
every runner carries out the same way.

Beam's Dask runner (like any runner that translates only Create, ParDo, GroupByKey and Flatten)
differs from the local runner in ways that lose data silently, so the pipelines never rely on:

- tagged outputs (`ParDo(...).with_outputs`): the Dask runner hands every consumer all of the
  ParDo's outputs. A DoFn here yields `(tag, value)` pairs and `Branches` selects each tag.
- outputs from `finish_bundle`: dropped there. DoFns emit from `process` only.
- side inputs: evaluated there by recomputing the side input's whole upstream inside the
  consuming task. A global value reaches its consumers through a GroupByKey join instead
  (`broadcast`, `to_keys`).
- `CombineGlobally` (its default value is a side input) and `Reshuffle` (a no-op there):
  `combine_globally` and `Redistribute` are built on GroupByKey.
- more than one sink: the Dask runner computes only the graph of the last transform applied,
  so every branch of a pipeline ends in the one final sink (pipelines/beam/outputs.py).
"""
from __future__ import annotations

import apache_beam as beam
import xxhash

MAIN = "main"


def _select(element, tag):
    if element[0] == tag:
        yield element[1]


class Branches(beam.PTransform):
    """(tag, value) elements -> {tag: PCollection of values}, one filter per tag."""

    def __init__(self, *tags: str):
        super().__init__()
        self.tags = tags

    def expand(self, pcoll):
        return {tag: pcoll | f"Select_{tag}" >> beam.FlatMap(_select, tag) for tag in self.tags}


def stable_key(value: str, n: int) -> int:
    """A process-independent bucket of `value` (Python's hash() of a str differs per process)."""
    return xxhash.xxh3_64_intdigest(value.encode("utf-8", "surrogatepass")) % n


class Redistribute(beam.PTransform):
    """Spreads elements over the workers (what Reshuffle does on runners that implement it):
    key by `key_fn(element)`, GroupByKey, and ungroup."""

    def __init__(self, key_fn):
        super().__init__()
        self.key_fn = key_fn

    def expand(self, pcoll):
        return (pcoll
                | "Key" >> beam.Map(lambda x, f: (f(x), x), self.key_fn)
                | "Group" >> beam.GroupByKey()
                | "Ungroup" >> beam.FlatMap(lambda kv: kv[1]))


def combine_globally(pcoll, combine_fn: beam.CombineFn, label: str):
    """All elements combined into one (none at all for an empty input), without side inputs."""
    return (pcoll
            | f"{label}_Key" >> beam.Map(lambda v: (None, v))
            | f"{label}_Combine" >> beam.CombinePerKey(combine_fn)
            | f"{label}_Value" >> beam.Map(lambda kv: kv[1]))


def broadcast(value, keys, label: str):
    """The single element of `value` keyed by each of `keys` (a fixed list, e.g. shard numbers)."""
    keys = list(keys)
    return value | label >> beam.FlatMap(lambda v, ks: ((k, v) for k in ks), keys)


def _fan_out(element, default):
    _, grouped = element
    values = list(grouped["value"])
    value = values[0] if values else default
    for key in sorted(set(grouped["key"])):
        yield key, value


def to_keys(value, keys, label: str, default=None):
    """The single element of `value` (or `default` when it has none) keyed by every distinct element
    of the PCollection `keys`: a side input made of a GroupByKey, so every runner computes it once."""
    return ({"value": value | f"{label}_Value" >> beam.Map(lambda v: (None, v)),
             "key": keys | f"{label}_Keys" >> beam.Map(lambda k: (None, k))}
            | f"{label}_Join" >> beam.CoGroupByKey()
            | f"{label}_FanOut" >> beam.FlatMap(_fan_out, default))

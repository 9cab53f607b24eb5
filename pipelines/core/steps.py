"""The step protocol: every per-record stage of a pipeline is a small object with a name and one method.

    class DropShort(Step):
        name = "too_short"
        def apply(self, record):
            return record if len(record["text"]) >= 10 else Reject(self.name, "shorter than 10 characters")

A step returns the record (changed in place or not; flags it adds to ``record["flags"]`` say what
it changed) or a :class:`Reject`. A :class:`StepChain` runs the steps in order and does the rest,
the same for every step (as datatrove's BaseFilter does): it counts in / out / rejected per step
(pipelines/core/counters.py), turns each added flag into a :class:`Hit` of the rule it belongs to,
and, when asked, records a trace of every step a record went through (its text fields before and
after, the hits, the rejection) — what `rules explain` shows. The chain runs a batch step by step
(each step over all the survivors of the one before), so a step whose work is cheaper for many
records at once (a classifier, a vectorised count) overrides ``apply_batch``; it should compute
first and write to the records last: a bulk call that raises is retried record by record (the flags it
added are removed first; any other write must be safe to repeat).
``batch = True`` marks a step that has only the bulk form.

Adding a rule kind means one step class (and its entry in the rules schema); the processors build
their chains from the rules file.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from pipelines.core import counters as C


@dataclass(frozen=True)
class Reject:
    rule: str                         # the rule id reported in rejected/ and the manifest
    reason: str                       # for a person: what was measured against what
    value: float | None = None
    threshold: float | None = None
    text: str | None = None           # the text to show, when not the record's current text (before a rewrite)


@dataclass(frozen=True)
class Hit:
    """One change a step made to a record, attributed to a rule of the rules file."""
    rule: str
    kind: str                         # changed | cleared | flagged
    flag: str


@dataclass(frozen=True)
class RuleRow:
    """A rule as `rules explain` lists it; steps declare theirs (``Step.rows``)."""
    id: str
    section: str
    description: str = ""
    action: str = ""
    enabled: bool = True
    note: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class TraceEvent:
    step: str
    before: dict[str, str]            # the record's text fields before the step
    after: dict[str, str]             # ... and after it (as it was when rejected, for a rejection)
    hits: list[Hit]
    reject: Reject | None = None


class Step:
    """One per-record stage. Subclasses set `name` and implement `apply` (or `apply_batch`)."""
    name: str = ""
    batch: bool = False               # True: only the bulk form (apply_batch); overriding apply_batch alone also runs in bulk
    closing: bool = False             # True: stays after the steps a rules file adds (a final label)

    def apply(self, record: dict) -> dict | Reject:
        raise NotImplementedError

    def apply_batch(self, records: list[dict]) -> list[dict | Reject]:
        """One result per record, in order; override for a bulk form of `apply`."""
        return [self.apply(r) for r in records]

    def hit(self, flag: str) -> Hit:
        """The rule a flag this step added belongs to (default: the step's own name, "changed")."""
        return Hit(self.name, "changed", flag)

    def counts(self, record: dict, flags: list[str]) -> Iterable[C.Count]:
        """Counters beyond in/out/rejected for one record (`flags`: the flags this step added)."""
        return ()

    def rows(self) -> list[RuleRow]:
        """The rules this step applies, as `rules explain` lists them."""
        return [RuleRow(self.name, self.name)]


def _not_kept(result) -> bool:
    """True when a step's result is not "keep": a Reject or an exception."""
    return isinstance(result, (Reject, Exception))


def text_fields(record: dict) -> dict[str, str]:
    """The default view a trace keeps of a record: its text."""
    return {"text": str(record.get("text") or "")}


class StepChain:
    """Runs steps over a batch of records, step by step: each step sees all the survivors of the
    steps before it at once (a step that overrides ``apply_batch`` works on them in bulk; the others
    record by record). Counts per step, times each step, records traces when given a list.

    A record whose step raises fails alone: a bulk step that raises is retried record by record."""

    def __init__(self, steps: Iterable[Step], view: Callable[[dict], dict[str, str]] = text_fields):
        self.steps = list(steps)
        self.view = view
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names) or not all(names):
            raise ValueError(f"steps need distinct, non-empty names: {names}")
        self._keys = {s.name: (C.step(s.name, "in"), C.step(s.name, "out"), C.step(s.name, "rejected")) for s in self.steps}
        # Only steps that count more than in/out/rejected need each record's added flags.
        self._per_record_counts = {s.name for s in self.steps if type(s).counts is not Step.counts}
        self._bulk = {s.name for s in self.steps if type(s).apply_batch is not Step.apply_batch}
        self.seconds: Counter = Counter()         # per step name, over every batch this chain ran

    def run(self, records: list[dict], counts: Counter, traces: list[list[TraceEvent]] | None = None
            ) -> tuple[list[dict], list[tuple[dict, Reject, Step]], list[tuple[dict, Exception]]]:
        """(kept, rejected with their Reject and step, failed with the exception) of `records`, each
        in the order of `records` (the rejections of a batch step after those of the steps before it).
        traces: one list of events per record, in the order of `records`, filled when given."""
        rejected: list[tuple[int, dict, Reject, Step]] = []
        failed: list[tuple[int, dict, Exception]] = []
        alive = list(range(len(records)))
        if traces is not None:
            traces.extend([] for _ in records)
        for record in records:
            record.setdefault("flags", [])
        done = 0                                   # rejections before this index are in their final order
        for step in self.steps:
            if step.batch and done < len(rejected):
                rejected[done:] = sorted(rejected[done:], key=lambda x: x[0])
            if step.batch:
                done = len(rejected)
            t0 = time.perf_counter()
            alive = self._step(step, alive, records, counts, traces, rejected, failed)
            self.seconds[step.name] += time.perf_counter() - t0
            if step.batch:                         # a batch step's rejections stay before the next steps'
                done = len(rejected)
        rejected[done:] = sorted(rejected[done:], key=lambda x: x[0])
        failed.sort(key=lambda x: x[0])
        return [records[r] for r in alive], [x[1:] for x in rejected], [x[1:] for x in failed]

    def _step(self, step: Step, alive: list[int], records: list[dict], counts: Counter, traces, rejected, failed) -> list[int]:
        """One step over the survivors; returns the new survivors."""
        if not alive:
            return alive
        n_in, n_out, n_rejected = self._keys[step.name]
        watch = traces is not None or step.name in self._per_record_counts
        n_flags = [len(records[r]["flags"]) for r in alive] if watch else None
        befores = [self.view(records[r]) for r in alive] if traces is not None else None
        results = list(self._results(step, alive, records))
        if not watch:                              # the common case: in C-level loops
            out = list(map(_not_kept, results))
            if not any(out):
                counts[n_in] += len(alive)
                counts[n_out] += len(alive)
                return alive
        survivors = []
        for i, (r, result) in enumerate(zip(alive, results)):
            record = records[r]
            if isinstance(result, Exception):
                failed.append((r, record, result))
                continue
            if watch:
                try:
                    added = record["flags"][n_flags[i]:]
                    keys = list(step.counts(record, added))
                    if traces is not None:
                        traces[r].append(TraceEvent(step.name, befores[i], self.view(record), [step.hit(f) for f in added],
                                                    result if isinstance(result, Reject) else None))
                except Exception as e:  # noqa: BLE001 - a step's counting or view failing fails its record only
                    failed.append((r, record, e))
                    results[i] = e
                    continue
                for key in keys:
                    counts[key] += 1
            if isinstance(result, Reject):
                rejected.append((r, record, result, step))
            else:
                survivors.append(r)
        counts[n_in] += len(alive)
        counts[n_out] += len(survivors)
        counts[n_rejected] += len(alive) - len(survivors) - sum(isinstance(x, Exception) for x in results)
        return survivors

    def _results(self, step: Step, alive: list[int], records: list[dict]) -> list:
        """The step's result for each survivor, or the exception it raised on that record."""
        if step.batch or step.name in self._bulk:
            n_flags = [len(records[r]["flags"]) for r in alive]
            try:
                results = step.apply_batch([records[r] for r in alive])
                if len(results) != len(alive):
                    raise ValueError(f"step {step.name!r} returned {len(results)} results for {len(alive)} records")
                return results
            except Exception:  # noqa: BLE001 - find the record at fault: retry one by one
                for r, n in zip(alive, n_flags):       # flags the failed call added would count twice
                    del records[r]["flags"][n:]
        single = type(step).apply is not Step.apply          # the step's own single form, else a batch of one
        out = []
        for r in alive:
            try:
                out.append(step.apply(records[r]) if single else step.apply_batch([records[r]])[0])
            except Exception as e:  # noqa: BLE001 - a bug or a pathological record must not end the run
                out.append(e)
        return out

    def rows(self) -> list[RuleRow]:
        return [row for s in self.steps for row in s.rows()]

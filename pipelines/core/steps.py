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
after, the hits, the rejection) — what `rules explain` shows. A step whose work is cheaper for a
whole batch at once (a classifier) implements ``apply_batch`` instead.

Adding a rule kind means one step class (and its entry in the rules schema); the processors build
their chains from the rules file.
"""
from __future__ import annotations

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
    batch: bool = False               # True: apply_batch on the survivors of the steps before, at once
    closing: bool = False             # True: stays after the steps a rules file adds (a final label)

    def apply(self, record: dict) -> dict | Reject:
        raise NotImplementedError

    def apply_batch(self, records: list[dict]) -> list[dict | Reject]:
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


def text_fields(record: dict) -> dict[str, str]:
    """The default view a trace keeps of a record: its text."""
    return {"text": str(record.get("text") or "")}


class StepChain:
    """Runs steps over a batch of records: per-record steps record by record, batch steps on the
    survivors; counts per step; records traces when given a list."""

    def __init__(self, steps: Iterable[Step], view: Callable[[dict], dict[str, str]] = text_fields):
        self.steps = list(steps)
        self.view = view
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names) or not all(names):
            raise ValueError(f"steps need distinct, non-empty names: {names}")
        self._keys = {s.name: (C.step(s.name, "in"), C.step(s.name, "out"), C.step(s.name, "rejected")) for s in self.steps}

    def run(self, records: list[dict], counts: Counter, traces: list[list[TraceEvent]] | None = None
            ) -> tuple[list[dict], list[tuple[dict, Reject, Step]], list[tuple[dict, Exception]]]:
        """(kept, rejected with their Reject and step, failed with the exception) of `records`, each
        in the order of `records` (the rejections of a batch step after the others). traces: one list
        of events per record, in the order of `records`, filled when given."""
        rejected, failed = [], []
        alive = list(range(len(records)))
        if traces is not None:
            traces.extend([] for _ in records)
        i = 0
        while i < len(self.steps):
            j = i
            while j < len(self.steps) and not self.steps[j].batch:
                j += 1
            if j > i:                                 # a run of per-record steps, record by record
                survivors = []
                for r in alive:
                    try:
                        result = self._through(self.steps[i:j], records[r], counts, traces[r] if traces is not None else None)
                        if result is None:
                            survivors.append(r)
                        else:
                            rejected.append((records[r], *result))
                    except Exception as e:  # noqa: BLE001 - a bug or a pathological record must not end the run
                        failed.append((records[r], e))
                alive = survivors
            if j < len(self.steps):                   # a batch step, on all survivors at once
                alive = self._batch(self.steps[j], alive, records, counts, traces, rejected)
            i = j + 1
        kept = [records[r] for r in alive]
        return kept, rejected, failed

    def _through(self, steps: list[Step], record: dict, counts: Counter, trace: list | None) -> tuple[Reject, Step] | None:
        """None when the record passed every step; else (the rejection, the step)."""
        flags = record.setdefault("flags", [])
        for step in steps:
            counts[self._keys[step.name][0]] += 1
            n_flags = len(flags)
            before = self.view(record) if trace is not None else None
            result = self._account(step, record, step.apply(record), n_flags, before, counts, trace)
            if isinstance(result, Reject):
                return result, step
        return None

    def _account(self, step: Step, record: dict, result, n_flags: int, before, counts: Counter, trace: list | None):
        n_in, n_out, n_rejected = self._keys[step.name]
        added = record["flags"][n_flags:]
        for key in step.counts(record, added):
            counts[key] += 1
        if isinstance(result, Reject):
            counts[n_rejected] += 1
        else:
            counts[n_out] += 1
        if trace is not None:
            trace.append(TraceEvent(step.name, before, self.view(record), [step.hit(f) for f in added],
                                    result if isinstance(result, Reject) else None))
        return result

    def _batch(self, step: Step, alive: list[int], records: list[dict], counts: Counter, traces, rejected: list) -> list[int]:
        n_in = self._keys[step.name][0]
        counts[n_in] += len(alive)
        flags = [len(records[r].setdefault("flags", [])) for r in alive]
        befores = [self.view(records[r]) if traces is not None else None for r in alive]
        results = step.apply_batch([records[r] for r in alive])
        survivors = []
        for r, n_flags, before, result in zip(alive, flags, befores, results):
            self._account(step, records[r], result, n_flags, before, counts, traces[r] if traces is not None else None)
            if isinstance(result, Reject):
                rejected.append((records[r], result, step))
            else:
                survivors.append(r)
        return survivors

    def rows(self) -> list[RuleRow]:
        return [row for s in self.steps for row in s.rows()]

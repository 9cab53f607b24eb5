"""Run statistics travel as data (not metrics), so every runner reports them the same way."""
from __future__ import annotations

from collections import Counter

import apache_beam as beam

from pipelines.core import counters as C


class MergeStats(beam.CombineFn):
    """Merges {"counts": {Count: n}, "inputs": [...], "files": {kind: [...]}} dicts: counts add up (the
    kind max keeps the largest value), inputs and the files written concatenate."""

    def create_accumulator(self):
        return {"counts": Counter(), "inputs": [], "files": {}}

    def add_input(self, acc, stats):
        C.merge(acc["counts"], stats.get("counts", {}))
        acc["inputs"].extend(stats.get("inputs", []))
        for kind, files in stats.get("files", {}).items():
            acc["files"].setdefault(kind, []).extend(files)
        return acc

    def merge_accumulators(self, accs):
        out = self.create_accumulator()
        for acc in accs:
            self.add_input(out, acc)
        return out

    def extract_output(self, acc):
        return {"counts": C.to_json(acc["counts"]), "inputs": sorted(acc["inputs"], key=lambda d: (d["source"], d["path"])),
                "files": {kind: sorted(files, key=lambda f: f["path"]) for kind, files in sorted(acc["files"].items())}}

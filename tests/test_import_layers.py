"""Imports point one way: the pure layers (records, rules and their checks, the per-record processors,
the text and dedupe functions, the schemas) load without Beam, and no module imports in a circle."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PURE = ["pipelines.core.records", "pipelines.core.rules", "pipelines.core.rule_schema", "pipelines.core.rule_checks", "pipelines.core.sources",
        "pipelines.pretrain.processor", "pipelines.sft.processor", "pipelines.sft.adapters", "pipelines.sft.taxonomy",
        "pipelines.sft.record_rules", "pipelines.dedupe.config", "pipelines.dedupe.clusters", "pipelines.dedupe.candidates",
        "pipelines.dedupe.components", "pipelines.dedupe.features", "pipelines.dedupe.sampling", "pipelines.dedupe.tables",
        "pipelines.text.tfidf", "pipelines.text.minhash", "pipelines.text.quality_signals", "pipelines.text.normalize",
        "pipelines.text.sensitive", "pipelines.text.fold", "pipelines.text.language", "pipelines.core.counters",
        "pipelines.core.steps", "pipelines.core.manifest", "pipelines.sft.record_text", "pipelines.steps.custom",
        "pipelines.steps.html", "pipelines.steps.normalize", "pipelines.steps.script", "pipelines.steps.language",
        "pipelines.steps.quality", "pipelines.steps.sensitive", "pipelines.steps.sft_clean", "pipelines.steps.sft_filters",
        "pipelines.steps.sft_label", "pipelines.steps.decontam", "pipelines.text.contamination", "training.manifest", "schemas.pretrain", "schemas.sft",
        "evaluation.benchmarks", "evaluation.cmrc_metric", "evaluation.scores", "evaluation.tasks_index"]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_load_without_beam(module):
    code = f"import sys; sys.modules['apache_beam'] = None; import {module}"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1500:]


def _project_imports(path: Path) -> set[str]:
    """The project modules a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.split(".")[0] in ("pipelines", "schemas", "training", "quant", "serving", "evaluation", "retrieval")}


def test_no_import_circles_and_schemas_import_no_pipeline_code():
    files = {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): p
             for top in ("pipelines", "schemas", "training", "quant", "serving", "evaluation", "retrieval") for p in (REPO / top).rglob("*.py")}
    graph = {name: {m for m in _project_imports(path) if m in files} for name, path in files.items()}
    assert not any(m.startswith("pipelines") for name in graph if name.startswith("schemas") for m in graph[name])
    assert not any(m.startswith("pipelines.curator") for name in graph if not name.startswith("pipelines.curator")
                   for m in graph[name] if name.startswith("pipelines"))
    # core and the steps sit below the Beam layer and the commands
    assert not any(m.startswith(("pipelines.beam", "pipelines.curator", "pipelines.report")) for name in graph
                   if name.startswith(("pipelines.core", "pipelines.steps")) for m in graph[name])
    state: dict = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])

"""The task YAMLs in evaluation/tasks/ read as plain data (without importing their hooks): which
tasks exist, the shots each defines, its headline metric, the files it reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from evaluation.data import BenchmarkDataError, file_digest, resolve

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
PREFIX = "tiger_"


class _PlainLoader(yaml.SafeLoader):
    """Reads `!function module.name` as the string it names."""


_PlainLoader.add_constructor("!function", lambda loader, node: f"!function {loader.construct_scalar(node)}")


@dataclass(frozen=True)
class TaskInfo:
    name: str
    shots: tuple[int, ...]          # the shot counts run by default (first = the headline)
    primary_metric: str
    files: tuple[str, ...]          # data-folder-relative paths it reads
    version: float
    few_shot: bool                  # has a split to draw exemplars from
    dataset_kwargs: dict = field(default_factory=dict, hash=False, compare=False)   # what its loader is called with

    @property
    def benchmark(self) -> str:
        return self.name.removeprefix(PREFIX)

    def digests(self) -> dict[str, str]:
        return {rel: file_digest(resolve(rel)) for rel in self.files}

    def missing_files(self) -> list[str]:
        missing = []
        for rel in self.files:
            try:
                resolve(rel)
            except BenchmarkDataError:
                missing.append(rel)
        return missing


@lru_cache(maxsize=1)
def all_tasks() -> dict[str, TaskInfo]:
    tasks = {}
    for path in sorted(TASKS_DIR.glob("*.yaml")):
        cfg = yaml.load(path.read_text(encoding="utf-8"), Loader=_PlainLoader)
        meta, kwargs = cfg.get("metadata", {}), cfg.get("dataset_kwargs", {})
        files = tuple(kwargs.get("files", {}).values()) + ((kwargs["mapping"],) if kwargs.get("mapping") else ())
        tasks[cfg["task"]] = TaskInfo(name=cfg["task"], shots=tuple(meta.get("shots", [0])),
                                      primary_metric=meta["primary_metric"], files=files,
                                      version=float(meta.get("version", 0)), few_shot=bool(cfg.get("fewshot_split")),
                                      dataset_kwargs=kwargs)
    return tasks


def parse_task_list(spec: str | None) -> list[tuple[TaskInfo, int]]:
    """'tiger_cmmlu:5,piqa' -> [(cmmlu, 5), (piqa, 0)]; no spec = every task at each of its shots.
    A name may leave out the tiger_ prefix; without :N a task runs at each of its default shots."""
    tasks = all_tasks()
    if not spec or spec.strip().lower() == "all":
        return [(t, s) for t in tasks.values() for s in t.shots]
    runs = []
    for item in (x.strip() for x in spec.replace(" ", ",").split(",")):
        if not item:
            continue
        name, _, shots = item.partition(":")
        info = tasks.get(name) or tasks.get(PREFIX + name)
        if info is None:
            raise ValueError(f"unknown task {name!r}; the tasks are: {', '.join(t.benchmark for t in tasks.values())}")
        if not shots:
            runs.extend((info, s) for s in info.shots)
            continue
        if not shots.isdigit():
            raise ValueError(f"{item!r}: the shot count after ':' must be a whole number")
        if int(shots) > 0 and not info.few_shot:
            raise ValueError(f"{info.name} has no split to draw few-shot exemplars from: use {info.name}:0")
        runs.append((info, int(shots)))
    if not runs:
        raise ValueError("no task given")
    return list(dict.fromkeys(runs))

"""Steps a rules file names by import path (``custom_steps``): a project's own checks, without
changing the pipelines. The class must be importable on every worker (a module of the project or
of an installed package); it is built with the entry's ``parameters`` as keyword arguments.

    custom_steps:
      - step: mypackage.checks:NoShouting     # module:Class, a subclass of pipelines.core.steps.Step
        after: language                        # the step it follows (default: the last per-record step)
        parameters: {max_upper_share: 0.5}
"""
from __future__ import annotations

import importlib

from pipelines.core.steps import Step


class CustomStepError(ValueError):
    """A custom step that cannot be imported or built."""


def build_custom_step(entry: dict) -> Step:
    spec = str(entry.get("step", ""))
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise CustomStepError(f"custom step {spec!r}: expected module:Class")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as e:
        raise CustomStepError(f"custom step {spec!r}: cannot import it: {e}") from None
    if not (isinstance(cls, type) and issubclass(cls, Step)):
        raise CustomStepError(f"custom step {spec!r} is not a pipelines.core.steps.Step")
    try:
        step = cls(**(entry.get("parameters") or {}))
    except TypeError as e:
        raise CustomStepError(f"custom step {spec!r}: bad parameters: {e}") from None
    if not step.name:
        raise CustomStepError(f"custom step {spec!r} has no name")
    return step


def insert_custom_steps(steps: list[Step], entries: list[dict] | None) -> list[Step]:
    """`steps` with the custom steps placed after the step each names (default: after the last
    per-record step, before any batch or closing step)."""
    out = list(steps)
    for entry in entries or []:
        step = build_custom_step(entry)
        after = entry.get("after")
        names = [s.name for s in out]
        if after is not None:
            if after not in names:
                raise CustomStepError(f"custom step {entry.get('step')!r}: after: {after!r} is no step "
                                      f"(steps: {', '.join(names)})")
            at = names.index(after) + 1
        else:
            at = next((i for i, s in enumerate(out) if s.batch or s.closing), len(out))
        out.insert(at, step)
    return out

"""Rule files against their JSON Schemas (schemas/*.schema.yaml): where in the YAML each value sits,
and one message per problem naming file:line:column, the field and what was expected (unknown keys
get a "did you mean")."""
from __future__ import annotations

import difflib
from pathlib import Path

import jsonschema
import referencing
import yaml

from pipelines.core import yaml_files

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def positions(node, path=(), out=None) -> dict[tuple, tuple[int, int]]:
    """Maps each key path of a composed YAML node tree to (line, column), 1-based."""
    out = {} if out is None else out
    out.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = path + (key_node.value,)
            out[child + ("<key>",)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            positions(value_node, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            positions(item, path + (i,), out)
    return out


def _dotted(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> tuple[tuple, str]:
    """Returns the path the message is about and a message a curator can act on."""
    path = tuple(error.absolute_path)
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
        key = extra[0] if extra else "?"
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        msg = f"unknown key '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else "") + (f"; expected one of: {', '.join(allowed)}" if allowed else "")
        return path + (key, "<key>"), msg
    if v == "required":
        return path, error.message.replace("is a required property", "is required here but missing")
    if v == "type":
        return path, f"expected {error.validator_value}, got {type(error.instance).__name__} {error.instance!r}"
    if v in ("enum", "const"):
        options = error.validator_value if v == "enum" else [error.validator_value]
        hint = difflib.get_close_matches(str(error.instance), [str(o) for o in options], n=1)
        return path, f"expected one of {options}, got {error.instance!r}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if v in ("minItems", "maxItems"):
        lo, hi = error.schema.get("minItems"), error.schema.get("maxItems")
        want = f"exactly {lo}" if lo == hi else (f"at least {lo}" if v == "minItems" else f"at most {hi}")
        return path, f"expected {want} entries, found {len(error.instance)}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return path, f"value {error.instance!r} out of range: {error.message}"
    return path, error.message


def _schema_registry() -> referencing.Registry:
    """Every schema in schemas/, under its file name, so one can $ref another's sections."""
    resources = [(p.name, referencing.Resource.from_contents(load_schema(p.name))) for p in sorted(SCHEMA_DIR.glob("*.schema.yaml"))]
    return referencing.Registry().with_resources(resources)


def validate(data, schema: dict, path: str, positions: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema, registry=_schema_registry())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where, msg = _describe(error)
        line, col = positions.get(where) or positions.get(where[:-1]) or positions.get(tuple(error.absolute_path)) or (1, 1)
        field = _dotted([p for p in where if p != "<key>"])
        problems.append(f"{path}:{line}:{col}: {field}: {msg}")
    return problems


def load_schema(name: str) -> dict:
    with open(SCHEMA_DIR / name, encoding="utf-8") as f:
        return yaml_files.load(f)

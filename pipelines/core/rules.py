"""Loading curator rule files: parsed, checked against their JSON Schema (pipelines/core/rule_schema.py) and
by the semantic checks `rules check` runs (pipelines/core/rule_checks.py), before any work starts. Errors
name the file, line and column of the offending value, the field's path, and what was expected."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.core.rule_checks import check_file, errors
from pipelines.core.rule_schema import SCHEMA_DIR, load_schema, positions, validate
from pipelines.core import yaml_files

__all__ = ["DEFAULT_RULES", "DEFAULT_SFT_RULES", "RULES_SCHEMA", "SFT_RULES_SCHEMA", "SCHEMA_DIR", "LoadedRules", "RulesError",
           "load_rules"]

REPO = Path(__file__).resolve().parents[2]
DEFAULT_RULES = REPO / "cleaning_rules" / "pretrain.yaml"
DEFAULT_SFT_RULES = REPO / "cleaning_rules" / "sft.yaml"
RULES_SCHEMA = "pretrain_rules.schema.yaml"
SFT_RULES_SCHEMA = "sft_rules.schema.yaml"


class RulesError(ValueError):
    """A rule file is invalid; `problems` holds one message per problem."""

    def __init__(self, path: str, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: {len(problems)} problem(s) in the rules file:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class LoadedRules:
    path: str
    data: dict
    sha256: str


def load_rules(path: str | Path, schema_name: str) -> LoadedRules:
    """Reads a YAML rule file, validates it, and returns its data and hash; raises RulesError."""
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise RulesError(path, [f"{path}: cannot read the rules file: {e.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
        node, data = yaml_files.parse(text)
    except UnicodeDecodeError as e:
        raise RulesError(path, [f"{path}: not UTF-8 at byte {e.start}"]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise RulesError(path, [f"{where}: YAML syntax error: {getattr(e, 'problem', None) or e}"]) from None
    if node is None:
        raise RulesError(path, [f"{path}:1:1: the file is empty"])
    problems = validate(data, load_schema(schema_name), path, positions(node))
    if not problems:
        # What a schema cannot say (regexes, duplicate ids, referenced files ...): the
        # same checks as `rules check`, on this file and the files it references.
        problems = [str(p) for p in errors(check_file(path, schema=False))]
    if problems:
        raise RulesError(path, problems)
    return LoadedRules(path=path, data=data, sha256=hashlib.sha256(raw).hexdigest())

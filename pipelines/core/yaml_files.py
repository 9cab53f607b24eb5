"""YAML parsing for rule, schema, sources and taxonomy files: libyaml's C parser where PyYAML has it
(the rules files and the taxonomy parse ~10x faster; a command parses them on start, and every worker
the taxonomy), else PyYAML's own. Both give the same data and the node marks (line, column) that
the rule checks point at."""
from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text) -> tuple:
    """(node tree, data) of a YAML text or stream: the tree locates each key, the data is safe_load's."""
    return yaml.compose(text, Loader=LOADER), yaml.load(text, Loader=LOADER)


def load(text):
    """yaml.safe_load, with the C parser."""
    return yaml.load(text, Loader=LOADER)

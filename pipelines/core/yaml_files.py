"""YAML parsing for rule, schema, sources and taxonomy files: libyaml's C parser where PyYAML has it
(the rules files and the taxonomy parse ~10x faster; a command parses them on start, and every worker
the taxonomy), else PyYAML's own. A text the C parser refuses is parsed again by PyYAML's own, so
what loaded before still loads (libyaml refuses escaped surrogate pairs such as "\\ud83d\\ude00"),
and a broken file is reported with PyYAML's own message and position."""
from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> tuple:
    """(node tree, data) of a YAML text: the tree locates each key, the data is safe_load's."""
    try:
        return yaml.compose(text, Loader=LOADER), yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)


def load(text):
    """yaml.safe_load (of a text or a stream), with the C parser first."""
    if not isinstance(text, (str, bytes)):
        text = text.read()
    try:
        return yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)

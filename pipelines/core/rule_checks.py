"""The semantic checks of the curator's files (`rules check`, and every pipeline at start).

Every message names file:line:column, the field and what was expected. Checked:
  * each YAML file against its JSON Schema in schemas/ (unknown or misspelled keys with a
    "did you mean", wrong types, values out of range, a taxonomy that is not 10 x 12);
  * regular expressions that do not compile or that match the empty string (SFT refusal
    patterns, replacement patterns, taxonomy `/regex/` cues);
  * duplicate rule ids, unknown SFT rule ids, taxonomy shares that do not sum to 1;
  * referenced files that are missing (word lists, replacements, taxonomy, quality model);
  * word lists: duplicate entries and risky ones (a single Chinese character hits common
    words) are warnings; a warning does not fail the check.
A file's kind is recognised by its content, so a curator's copy under another name is
checked the same way. The pipelines run check_file() on their rules file at start.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.core.rule_schema import load_schema, positions, validate
from pipelines.sft.record_text import CLEANING_IDS
from pipelines.sft.taxonomy import load_taxonomy
from pipelines.steps.sft_filters import FILTER_IDS
from pipelines.text.chinese import HAN
from pipelines.core import yaml_files

SCHEMAS = {"pretrain": "pretrain_rules.schema.yaml", "sft": "sft_rules.schema.yaml", "taxonomy": "taxonomy.schema.yaml"}
SFT_FIELDS = ("instruction", "input", "output", "history")
SHARE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    column: int
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.path}:{self.line}:{self.column}: {tag}{self.field}: {self.message}"


class YamlFile:
    """A parsed YAML file with the line and column of every key path."""

    def __init__(self, path: Path, data, positions: dict):
        self.path, self.data, self.positions = path, data, positions

    def at(self, where: tuple) -> tuple[int, int]:
        for n in range(len(where), -1, -1):
            if where[:n] in self.positions:
                return self.positions[where[:n]]
        return 1, 1

    def problem(self, where: tuple, message: str, severity: str = "error") -> Problem:
        line, col = self.at(where)
        return Problem(str(self.path), line, col, ".".join(str(p) for p in where) or "(top level)", message, severity)


def load_yaml(path: Path) -> tuple[YamlFile | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        return None, [Problem(str(path), 1, 1, "(file)", f"cannot read: {e.strerror}")]
    except UnicodeDecodeError as e:
        return None, [Problem(str(path), 1, 1, "(file)", f"not UTF-8 at byte {e.start}")]
    try:
        node, data = yaml_files.parse(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(str(path), line, col, "(syntax)", f"YAML syntax error: {getattr(e, 'problem', None) or e}")]
    if node is None or not isinstance(data, dict):
        return None, [Problem(str(path), 1, 1, "(top level)", "expected a mapping of settings")]
    return YamlFile(path, data, positions(node)), []


def kind_of(data: dict) -> str | None:
    if "categories" in data:
        return "taxonomy"
    if "filters" in data or "cleaning" in data:
        return "sft"
    if "quality" in data or "sensitive_words" in data:
        return "pretrain"
    if "replacements" in data and isinstance(data["replacements"], list):
        return "replacements"
    return None


# --------------------------------------------------------------------------- checks
def check_regex(f: YamlFile, where: tuple, pattern, flags: int = 0) -> list[Problem]:
    if not isinstance(pattern, str):
        return []
    try:
        rx = re.compile(pattern, flags)
    except re.error as e:
        return [f.problem(where, f"regular expression '{pattern}' does not compile: {e.msg}"
                                 + (f" at position {e.pos}" if e.pos is not None else ""))]
    if rx.search("") is not None:
        return [f.problem(where, f"regular expression '{pattern}' matches the empty string: it would fire on every text")]
    return []


def check_reference(f: YamlFile, where: tuple, value, base: Path, checked: set) -> list[Problem]:
    """A referenced file must exist; YAML and word lists it names are checked in turn."""
    if not isinstance(value, str) or "://" in value:
        return []
    path = Path(value) if Path(value).is_absolute() else base / value
    if not path.exists():
        return [f.problem(where, f"file not found: {path}")]
    if path.suffix in (".yaml", ".yml"):
        return check_file(path, checked)
    if path.suffix == ".txt":
        return check_wordlist(path, checked, allow_list="allow" in where[-2:-1] or "allow_paths" in where)
    return []


def check_wordlist(path: Path, checked: set, allow_list: bool = False) -> list[Problem]:
    if path.resolve() in checked:
        return []
    checked.add(path.resolve())
    problems, seen = [], {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        return [Problem(str(path), 1, 1, "(file)", f"cannot read as UTF-8 text: {e}")]
    for i, raw in enumerate(lines, 1):
        term = raw.strip()
        if not term or term.startswith("#"):
            continue
        if term in seen:
            problems.append(Problem(str(path), i, 1, repr(term), f"duplicate entry (first on line {seen[term]})", "warning"))
        seen.setdefault(term, i)
        if not allow_list and len(term) == 1 and HAN.match(term):
            problems.append(Problem(str(path), i, 1, repr(term), "a single Chinese character hits many common words "
                                    "(add allow-words, or rely on the list's min_term_chars >= 2)", "warning"))
    return problems


def _duplicate_ids(f: YamlFile, section: str) -> list[Problem]:
    problems, seen = [], {}
    for i, entry in enumerate(f.data.get(section) or []):
        rid = entry.get("id") if isinstance(entry, dict) else None
        if rid is None:
            continue
        if rid in seen:
            problems.append(f.problem((section, i, "id"), f"duplicate id {rid!r} (first at {section}.{seen[rid]})"))
        seen.setdefault(rid, i)
    return problems


def _known_ids(f: YamlFile, section: str, known: tuple) -> list[Problem]:
    problems = []
    for i, entry in enumerate(f.data.get(section) or []):
        rid = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(rid, str) and rid not in known:
            hint = difflib.get_close_matches(rid, known, n=1)
            problems.append(f.problem((section, i, "id"), f"unknown rule id {rid!r}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                                      + f"; the cleaner knows: {', '.join(known)}"))
    return problems


def _check_sft(f: YamlFile, checked: set) -> list[Problem]:
    base = f.path.parent
    problems = _duplicate_ids(f, "cleaning") + _duplicate_ids(f, "filters")
    problems += _known_ids(f, "cleaning", CLEANING_IDS) + _known_ids(f, "filters", FILTER_IDS)
    for i, rule in enumerate(f.data.get("filters") or []):
        params = rule.get("parameters") if isinstance(rule, dict) else None
        if not isinstance(params, dict):
            continue
        for key in ("patterns", "fillers"):
            for j, pattern in enumerate(params.get(key) or []):
                problems += check_regex(f, ("filters", i, "parameters", key, j), pattern)
        if rule.get("id") == "sensitive_words":
            problems += check_reference(f, ("filters", i, "parameters", "lists_from"), params.get("lists_from"), base, checked)
            for j, lst in enumerate(params.get("extra_lists") or []):
                for key in ("paths", "allow_paths"):
                    for k, p in enumerate((lst or {}).get(key) or []):
                        problems += check_reference(f, ("filters", i, "parameters", "extra_lists", j, key, k), p, base, checked)
    for key, default in (("replacements", None), ("taxonomy", "taxonomy.yaml")):
        problems += check_reference(f, (key,), f.data.get(key, default), base, checked)
    return problems


def _check_pretrain(f: YamlFile, checked: set) -> list[Problem]:
    base = f.path.parent
    problems = _duplicate_ids(f, "filters") if isinstance(f.data.get("filters"), list) else []
    model = ((f.data.get("quality") or {}).get("model") or {})
    if isinstance(model, dict) and model.get("path"):
        problems += check_reference(f, ("quality", "model", "path"), model["path"], base, checked)
    for i, lst in enumerate((f.data.get("sensitive_words") or {}).get("lists") or []):
        for key in ("paths", "allow_paths"):
            for k, p in enumerate((lst or {}).get(key) or []):
                problems += check_reference(f, ("sensitive_words", "lists", i, key, k), p, base, checked)
    return problems


def _check_taxonomy(f: YamlFile, structure_ok: bool) -> list[Problem]:
    problems, seen = [], {}
    cats = f.data.get("categories") or []
    for ci, c in enumerate(cats):
        if not isinstance(c, dict):
            continue
        entries = [((("categories", ci), c))] + [(("categories", ci, "subcategories", si), s)
                                                 for si, s in enumerate(c.get("subcategories") or []) if isinstance(s, dict)]
        for where, e in entries:
            eid = e.get("id")
            if isinstance(eid, str):
                if eid in seen:
                    problems.append(f.problem(where + ("id",), f"duplicate id {eid!r} (first at {seen[eid]})"))
                seen.setdefault(eid, ".".join(map(str, where)))
            for lang, cues in (e.get("cues") or {}).items() if isinstance(e.get("cues"), dict) else ():
                for k, cue in enumerate(cues or []):
                    if isinstance(cue, str) and len(cue) > 2 and cue.startswith("/") and cue.endswith("/"):
                        problems += check_regex(f, where + ("cues", lang, k), cue[1:-1], re.IGNORECASE | re.MULTILINE)
    if not structure_ok:          # shares of a malformed taxonomy would only repeat its schema errors
        return problems
    total = sum(c.get("share", 0) for c in cats)
    if abs(total - 1) > SHARE_TOLERANCE:
        problems.append(f.problem(("categories",), f"category shares sum to {total:.4f}, expected 1 (within {SHARE_TOLERANCE})"))
    for ci, c in enumerate(cats):
        sub_total = sum(s.get("share", 0) for s in c.get("subcategories") or [])
        if abs(sub_total - 1) > SHARE_TOLERANCE:
            problems.append(f.problem(("categories", ci, "subcategories"),
                                      f"subcategory shares of {c.get('id')!r} sum to {sub_total:.4f}, expected 1 (they are shares within the category)"))
    if not problems:
        try:
            load_taxonomy(str(f.path))
        except ValueError as e:                  # what only the loader knows (id prefixes, fallback ids, mappings)
            problems.append(f.problem((), str(e)))
    return problems


def _check_replacements(f: YamlFile) -> list[Problem]:
    problems = _duplicate_ids(f, "replacements")
    for i, r in enumerate(f.data.get("replacements") or []):
        if not isinstance(r, dict):
            problems.append(f.problem(("replacements", i), "expected a mapping {id, description, keyword | pattern, replacement, fields}"))
            continue
        for key in ("id", "description", "replacement", "fields"):
            if key not in r:
                problems.append(f.problem(("replacements", i), f"'{key}' is required here but missing"))
        if ("keyword" in r) == ("pattern" in r):
            problems.append(f.problem(("replacements", i), "give exactly one of 'keyword' (a literal) or 'pattern' (a regex)"))
        if "pattern" in r:
            problems += check_regex(f, ("replacements", i, "pattern"), r["pattern"], re.MULTILINE)
        if isinstance(r.get("keyword"), str) and not r["keyword"]:
            problems.append(f.problem(("replacements", i, "keyword"), "an empty keyword would match everywhere"))
        for j, field in enumerate(r.get("fields") or []):
            if field not in SFT_FIELDS:
                problems.append(f.problem(("replacements", i, "fields", j), f"expected one of {list(SFT_FIELDS)}, got {field!r}"))
    return problems


def check_file(path: str | Path, checked: set | None = None, schema: bool = True) -> list[Problem]:
    """All problems of one rules file and of the files it references; schema=False skips this
    file's schema validation (a caller that has just done it: pipelines.core.rules.load_rules)."""
    checked = set() if checked is None else checked
    path = Path(path)
    if path.resolve() in checked:
        return []
    checked.add(path.resolve())
    f, problems = load_yaml(path)
    if f is None:
        return problems
    kind = kind_of(f.data)
    if kind is None:
        return [f.problem((), "not a rules file this project knows (pretrain, sft, taxonomy or replacements): "
                              "expected top-level 'quality', 'filters', 'categories' or 'replacements'")]
    schema_problems = []
    if kind in SCHEMAS and schema:
        schema_problems = [_parse_message(m, f) for m in validate(f.data, load_schema(SCHEMAS[kind]), str(path), f.positions)]
    problems = schema_problems
    if kind == "sft":
        problems += _check_sft(f, checked)
    elif kind == "pretrain":
        problems += _check_pretrain(f, checked)
    elif kind == "taxonomy":
        problems += _check_taxonomy(f, structure_ok=not schema_problems)
    else:
        problems += _check_replacements(f)
    return problems


def _parse_message(message: str, f: YamlFile) -> Problem:
    """pipelines.core.rules.validate's "file:line:col: field: message" as a Problem."""
    m = re.match(r"^(.*?):(\d+):(\d+): ([^:]*): (.*)$", message, re.S)
    if not m:
        return Problem(str(f.path), 1, 1, "(top level)", message)
    return Problem(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4), m.group(5))


def check_dir(directory: str | Path) -> list[Problem]:
    """Every YAML rules file directly in `directory` and every word list under it."""
    directory = Path(directory)
    if not directory.is_dir():
        return [Problem(str(directory), 1, 1, "(folder)", "not a folder")]
    checked: set = set()
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.y*ml")):
        problems += check_file(path, checked)
    for path in sorted(directory.rglob("*.txt")):
        problems += check_wordlist(path, checked, allow_list="allow" in path.name)
    return problems


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def print_problems(problems: list[Problem], files_hint: str = "") -> int:
    for p in problems:
        print(p)
    n_err = len(errors(problems))
    n_warn = len(problems) - n_err
    if n_err:
        print(f"rules check: {n_err} error(s), {n_warn} warning(s)")
        return 1
    print(f"rules check: OK ({n_warn} warning(s))" if n_warn else "rules check: OK")
    return 0

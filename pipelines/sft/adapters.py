"""Source adapters: one decoded input object of a declared `format` -> SFT record dicts.

Pure functions: no I/O, no Beam. A source names its format in the sources file; adding a dataset in
a known format (or in one that a `field_map` renames into a known format) needs no code change.

    adapt(obj, fmt, source, line_id, field_map=None) -> list[dict]   (keys: schemas.sft.FIELDS)

Formats (FORMATS):
  alpaca     instruction, input (optional, null = ""), output; optional `history` ([user, assistant]
             pairs, LLaMA-Factory style; "" or null = none), `system`, and a `category` / `class`
             label -> source_class.
  belle      question -> instruction, std_answer -> output, class -> source_class.
  dolly      instruction, context -> input, response -> output, category -> source_class.
  instances  one instruction with `instances: [{input, output}, ...]` -> one record per instance,
             id `<id>#<k>` (k from 0, always suffixed); `motivation_app` / `category` -> source_class.
  sharegpt   `conversations: [{from, value}, ...]` (or {role, content}); roles human/user,
             gpt/assistant (also chatgpt/bard/bing/model), system -> one record per assistant
             answer: instruction = the user turn before it, output = the answer, history = the
             earlier (user, assistant) pairs. ids `<id>#<k>` (k from 0) when the conversation yields
             several records, `<id>` when it yields one. The system prompt (leading system turns,
             or a top-level `system` string) goes to the `system` column of every record of the
             conversation. Irregular turn order is repaired and flagged, not rejected:
             consecutive user turns are joined with a blank line (flag merged_user_turns), an
             assistant turn after an assistant turn is appended to the previous answer
             (merged_assistant_turns), assistant turns before the first user turn are dropped
             (dropped_leading_assistant), a final user turn without an answer is dropped
             (dropped_trailing_user_turn).
  turns      `turns: [str, ...]`: user turns only (MT-Bench questions) -> always Rejected
             (rule no_answer): there is no answer to learn from.

Outcomes:
  list of records          the object adapts (lang / category / subcategory / label_source are None,
                           filled by later steps);
  Rejected(rule, reason)   structurally valid but nothing to learn from (no_answer) or a turn kind
                           the SFT schema cannot hold (unsupported_turn): goes to rejected/;
  BadRecord(kind, msg)     malformed (missing_field, bad_type, bad_value, nul_bytes): the message
                           names the field and what was expected; goes to dead_letter/.
Empty answers ("" output) are NOT rejected here: judging content is the rules' job.

id: the object's `id` when it is a non-blank string or an integer, else the caller's `line_id`.
field_map: {"prompt": "instruction", "completion": "output"} renames top-level fields before the
format's logic; a mapped field replaces a field of the target name that the object also has.
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa

from pipelines.core.records import BadRecord
from schemas.sft import FIELDS, REJECTED, SFT_RECORD, TEXT_PREFIX_CHARS

FORMATS = ("alpaca", "belle", "instances", "turns", "sharegpt", "dolly")

USER_ROLES = frozenset({"human", "user"})
ASSISTANT_ROLES = frozenset({"gpt", "assistant", "chatgpt", "bard", "bing", "model"})
SYSTEM_ROLES = frozenset({"system"})
TOOL_ROLES = frozenset({"function_call", "observation", "tool", "function", "tool_call"})


class Rejected(Exception):
    """A structurally valid record that must not become training data; `rule` is a short stable label."""

    def __init__(self, rule: str, reason: str, id: str | None = None, text: str | None = None):
        self.rule, self.reason = rule, reason
        self.id = id          # the record's id (filled by adapt)
        self.text = text      # what the record asks (its instruction / first turn), for text_prefix
        super().__init__(f"{rule}: {reason}")


# -- field access ---------------------------------------------------------------------------------

_JSON_TYPES = {str: "string", int: "number", float: "number", bool: "boolean", list: "array",
               dict: "object", type(None): "null"}


def _jtype(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


class _Obj:
    """The (renamed) object, remembering where a renamed field came from for error messages."""

    def __init__(self, obj: dict, field_map: dict | None):
        self.renamed: dict[str, str] = {}
        if not field_map:
            self.data = obj
            return
        data = {k: v for k, v in obj.items() if k not in field_map}
        for src, dst in field_map.items():
            if src in obj:
                data[dst] = obj[src]
                self.renamed[dst] = src
        self.data = data

    def name(self, field: str) -> str:
        src = self.renamed.get(field)
        return f"'{field}' (mapped from '{src}')" if src else f"'{field}'"

    def __contains__(self, field: str) -> bool:
        return field in self.data

    def get(self, field: str, default=None):
        return self.data.get(field, default)

    def missing(self, field: str, what: str) -> BadRecord:
        fields = ", ".join(sorted(map(str, self.data))[:12])
        return BadRecord("missing_field", f"no {self.name(field)} field: expected {what} (fields: {fields})")


def _check_text(value: str, where: str) -> str:
    if "\x00" in value:
        raise BadRecord("nul_bytes", f"{where} contains NUL characters (binary data?)")
    return value


def _req_str(o: _Obj, field: str) -> str:
    if field not in o:
        raise o.missing(field, "a string")
    value = o.get(field)
    if not isinstance(value, str):
        raise BadRecord("bad_type", f"field {o.name(field)} must be a string, got {_jtype(value)}")
    return _check_text(value, f"field {o.name(field)}")


def _opt_str(o: _Obj, field: str) -> str:
    """An optional string field: missing or null -> ""."""
    value = o.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRecord("bad_type", f"field {o.name(field)} must be a string or null, got {_jtype(value)}")
    return _check_text(value, f"field {o.name(field)}")


def _req_list(o: _Obj, field: str, what: str) -> list:
    if field not in o:
        raise o.missing(field, what)
    value = o.get(field)
    if not isinstance(value, list):
        raise BadRecord("bad_type", f"field {o.name(field)} must be {what}, got {_jtype(value)}")
    return value


def _label(o: _Obj, fields: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """The dataset's own class label: the first of `fields` holding a non-blank string (numbers are
    kept as text). A label of another type does not kill the record: None and a flag."""
    for field in fields:
        value = o.get(field)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            return (value.strip() or None), []
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value), []
        return None, ["bad_source_class"]
    return None, []


def _record_id(o: _Obj, line_id: str) -> str:
    rid = o.get("id")
    if isinstance(rid, str) and rid.strip():
        return rid
    if isinstance(rid, int) and not isinstance(rid, bool):
        return str(rid)
    return line_id


def _opt_system(o: _Obj) -> str | None:
    value = o.get("system")
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord("bad_type", f"field {o.name('system')} must be a string or null, got {_jtype(value)}")
    return _check_text(value, f"field {o.name('system')}") if value.strip() else None


def _alpaca_history(o: _Obj) -> list[dict]:
    """LLaMA-Factory `history`: [[user, assistant], ...] (or [{user, assistant}, ...]); "" / null / [] = none."""
    value = o.get("history")
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    what = "a list of [user, assistant] pairs"
    if not isinstance(value, list):
        raise BadRecord("bad_type", f"field {o.name('history')} must be {what}, got {_jtype(value)}")
    out = []
    for i, pair in enumerate(value):
        if isinstance(pair, dict) and "user" in pair and "assistant" in pair:
            pair = [pair["user"], pair["assistant"]]
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            raise BadRecord("bad_type", f"field {o.name('history')}[{i}] must be a [user, assistant] pair of "
                                        f"strings, got {_jtype(pair)}" + (f" of {len(pair)}" if isinstance(pair, list) else ""))
        out.append({"user": _check_text(pair[0], f"{o.name('history')}[{i}]"),
                    "assistant": _check_text(pair[1], f"{o.name('history')}[{i}]")})
    return out


def _record(rid: str, source: str, instruction: str, input: str, output: str, *, source_class=None,
            history=None, system=None, flags=None) -> dict:
    return {"id": rid, "source": source, "lang": None, "category": None, "subcategory": None,
            "label_source": None, "source_class": source_class, "instruction": instruction, "input": input,
            "output": output, "history": history or [], "system": system, "flags": list(flags or []),
            "source_file": None, "source_line": None}


# -- formats --------------------------------------------------------------------------------------

def _alpaca(o: _Obj, rid: str, source: str) -> list[dict]:
    instruction = _req_str(o, "instruction")
    input_ = _opt_str(o, "input")
    output = _req_str(o, "output")
    source_class, flags = _label(o, ("category", "class"))
    return [_record(rid, source, instruction, input_, output, source_class=source_class,
                    history=_alpaca_history(o), system=_opt_system(o), flags=flags)]


def _belle(o: _Obj, rid: str, source: str) -> list[dict]:
    instruction = _req_str(o, "question")
    output = _req_str(o, "std_answer")
    source_class, flags = _label(o, ("class",))
    return [_record(rid, source, instruction, "", output, source_class=source_class, flags=flags)]


def _dolly(o: _Obj, rid: str, source: str) -> list[dict]:
    instruction = _req_str(o, "instruction")
    input_ = _opt_str(o, "context")
    output = _req_str(o, "response")
    source_class, flags = _label(o, ("category",))
    return [_record(rid, source, instruction, input_, output, source_class=source_class, flags=flags)]


def _instances(o: _Obj, rid: str, source: str) -> list[dict]:
    instruction = _req_str(o, "instruction")
    instances = _req_list(o, "instances", "a list of {input, output} objects")
    if not instances:
        raise Rejected("no_answer", "the record has an instruction and 0 instances: no output to learn from",
                       text=instruction)
    source_class, flags = _label(o, ("motivation_app", "category"))
    out = []
    for k, inst in enumerate(instances):
        where = f"{o.name('instances')}[{k}]"
        if not isinstance(inst, dict):
            raise BadRecord("bad_type", f"{where} must be an object with input and output, got {_jtype(inst)}")
        if "output" not in inst:
            raise BadRecord("missing_field", f"{where} has no 'output' field: expected a string "
                                             f"(fields: {', '.join(sorted(map(str, inst)))})")
        output, input_ = inst["output"], inst.get("input")
        if not isinstance(output, str):
            raise BadRecord("bad_type", f"field {where}.output must be a string, got {_jtype(output)}")
        if input_ is None:
            input_ = ""
        elif not isinstance(input_, str):
            raise BadRecord("bad_type", f"field {where}.input must be a string or null, got {_jtype(input_)}")
        out.append(_record(f"{rid}#{k}", source, instruction, _check_text(input_, f"{where}.input"),
                           _check_text(output, f"{where}.output"), source_class=source_class, flags=flags))
    return out


def _turns(o: _Obj, rid: str, source: str) -> list[dict]:
    turns = _req_list(o, "turns", "a list of user turns (strings)")
    for i, t in enumerate(turns):
        if not isinstance(t, str):
            raise BadRecord("bad_type", f"field {o.name('turns')}[{i}] must be a string, got {_jtype(t)}")
    reason = f"the record has {len(turns)} user turn{'s' if len(turns) != 1 else ''} and no answers: nothing to learn from"
    ref = o.get("reference")
    if isinstance(ref, list) and ref:
        reason += f" (its 'reference' holds {len(ref)} judge reference answer{'s' if len(ref) != 1 else ''}, not used as answers)"
    raise Rejected("no_answer", reason, text=turns[0] if turns else None)


def _turn(turn: Any, where: str) -> tuple[str, str]:
    if not isinstance(turn, dict):
        raise BadRecord("bad_type", f"{where} must be an object with from and value, got {_jtype(turn)}")
    if "from" in turn or "value" in turn:
        rk, vk = "from", "value"
    else:
        rk, vk = "role", "content"
    for key in (rk, vk):
        if key not in turn:
            raise BadRecord("missing_field", f"{where} has no '{key}' field: expected a string "
                                             f"(fields: {', '.join(sorted(map(str, turn)))})")
        if not isinstance(turn[key], str):
            raise BadRecord("bad_type", f"field {where}.{key} must be a string, got {_jtype(turn[key])}")
    return turn[rk].strip().lower(), _check_text(turn[vk], f"{where}.{vk}")


def _sharegpt(o: _Obj, rid: str, source: str) -> list[dict]:
    conv = _req_list(o, "conversations", "a list of {from, value} turns")
    system = _opt_system(o)
    systems = [system] if system else []
    pairs: list[list[str]] = []
    pending: str | None = None
    flags: list[str] = []
    n_user = 0

    def flag(f):
        if f not in flags:
            flags.append(f)

    for i, turn in enumerate(conv):
        where = f"{o.name('conversations')}[{i}]"
        role, text = _turn(turn, where)
        if role in SYSTEM_ROLES:
            if pairs or pending is not None:
                raise BadRecord("bad_value", f"{where} is a system turn after the conversation started; "
                                             "expected system turns only at the start")
            if text.strip():
                systems.append(text)
        elif role in USER_ROLES:
            n_user += 1
            if pending is None:
                pending = text
            else:
                pending += "\n\n" + text
                flag("merged_user_turns")
        elif role in ASSISTANT_ROLES:
            if pending is not None:
                pairs.append([pending, text])
                pending = None
            elif pairs:
                pairs[-1][1] += "\n\n" + text
                flag("merged_assistant_turns")
            else:
                flag("dropped_leading_assistant")
        elif role in TOOL_ROLES:
            raise Rejected("unsupported_turn", f"{where} is a '{role}' turn (tool use); the SFT schema holds "
                                               "only user / assistant / system turns", text=pending)
        else:
            raise BadRecord("bad_value", f"field {where} has role '{role}'; expected one of "
                                         f"{sorted(USER_ROLES | ASSISTANT_ROLES | SYSTEM_ROLES)}")
    if pending is not None and pairs:
        flag("dropped_trailing_user_turn")
    if not pairs:
        raise Rejected("no_answer", f"the conversation has {n_user} user turn{'s' if n_user != 1 else ''} "
                                    "and no assistant answer: nothing to learn from", text=pending)
    system = "\n\n".join(systems) or None
    source_class, label_flags = _label(o, ("category", "class"))
    flags += label_flags
    out = []
    for k, (user, answer) in enumerate(pairs):
        history = [{"user": u, "assistant": a} for u, a in pairs[:k]]
        out.append(_record(f"{rid}#{k}" if len(pairs) > 1 else rid, source, user, "", answer,
                           source_class=source_class, history=history, system=system, flags=flags))
    return out


_ADAPTERS = {"alpaca": _alpaca, "belle": _belle, "instances": _instances, "turns": _turns,
             "sharegpt": _sharegpt, "dolly": _dolly}
assert set(_ADAPTERS) == set(FORMATS)


def check_field_map(field_map: Any) -> dict[str, str]:
    """Validates a rules-file field mapping ({source field: format field}); raises ValueError."""
    if field_map is None:
        return {}
    if not isinstance(field_map, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v
                                                  for k, v in field_map.items()):
        raise ValueError(f"field_map must map field names to field names, got {field_map!r}")
    targets = list(field_map.values())
    dup = sorted({t for t in targets if targets.count(t) > 1})
    if dup:
        raise ValueError(f"field_map maps several fields to {dup}")
    return field_map


def adapt(obj: dict, fmt: str, source: str, line_id: str, field_map: dict | None = None, *,
          source_file: str | None = None, source_line: int | None = None) -> list[dict]:
    """SFT record dicts (keys = schemas.sft.FIELDS) for one decoded input object of format `fmt`.

    Raises Rejected (structurally valid, must not be trained on) or BadRecord (malformed).
    ValueError for a caller's mistake (unknown format, bad field_map)."""
    try:
        adapter = _ADAPTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown SFT format {fmt!r}; expected one of {list(FORMATS)}") from None
    if not isinstance(obj, dict):
        raise BadRecord("not_an_object", f"expected a JSON object, got a JSON {_jtype(obj)}")
    o = _Obj(obj, check_field_map(field_map))
    rid = _record_id(o, line_id)
    try:
        records = adapter(o, rid, source)
    except Rejected as e:
        e.id = rid
        raise
    for r in records:
        r["source_file"], r["source_line"] = source_file, source_line
    return records


def records_to_table(records: list[dict]) -> pa.Table:
    """The records as an Arrow table with the SFT_RECORD schema (missing keys are null)."""
    return pa.Table.from_pylist([{f: r.get(f) for f in FIELDS} for r in records], schema=SFT_RECORD)


def rejected_row(e: Rejected, source: str, source_file: str | None = None, source_line: int | None = None) -> dict:
    """A REJECTED row for an adapter rejection."""
    text = e.text
    return {"id": e.id or "", "source": source, "rule": e.rule, "reason": e.reason, "value": None,
            "threshold": None, "text_prefix": text[:TEXT_PREFIX_CHARS] if text is not None else None,
            "lang": None, "source_file": source_file, "source_line": source_line, "dup_of": None}


assert set(rejected_row(Rejected("r", "x"), "s")) == set(REJECTED.names)

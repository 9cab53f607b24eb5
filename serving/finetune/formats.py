"""What an uploaded training file is: JSON lines in OpenAI's chat format (`messages`) or in any
format the SFT pipeline's adapters read. The upload is refused (400 naming the line) when the
file as a whole cannot be used: not UTF-8, no JSON object on any line, or a first record whose
format is none of these. Single bad lines are kept: the job's SFT pipeline makes them dead
letters and the job's events list them with their line numbers."""
from __future__ import annotations

import json
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 64 << 20


class UploadError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Detected:
    format: str                    # an SFT adapter format
    field_map: dict[str, str]      # file field -> format field
    lines: int                     # non-empty lines
    json_lines: int                # of which parse as JSON objects

    def meta(self) -> dict:
        return {"format": self.format, "field_map": self.field_map, "lines": self.lines, "json_lines": self.json_lines}


# (fields the first record must have, SFT format, field map), first match wins
_SIGNATURES = (
    (("messages",), "sharegpt", {"messages": "conversations"}),          # OpenAI chat fine-tuning format
    (("conversations",), "sharegpt", {}),
    (("instances",), "instances", {}),
    (("question", "std_answer"), "belle", {}),
    (("instruction", "response"), "dolly", {}),
    (("instruction", "output"), "alpaca", {}),
    (("prompt", "completion"), "alpaca", {"prompt": "instruction", "completion": "output"}),  # OpenAI legacy format
)
FORMAT_HELP = ("one JSON object per line in OpenAI's chat format {\"messages\": [{\"role\", \"content\"}, ...]}, "
               "or prompt/completion, alpaca (instruction, input, output), belle, dolly, instances or sharegpt")


def detect(content: bytes) -> Detected:
    if not content.strip():
        raise UploadError("the file is empty")
    first, first_line, lines, objects = None, None, 0, 0
    for n, raw in enumerate(content.split(b"\n"), 1):
        if not raw.strip():
            continue
        lines += 1
        try:
            text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as e:
            raise UploadError(f"not UTF-8 (byte {e.start + 1}); the file must be UTF-8 JSON lines", n) from None
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict):
            objects += 1
            if first is None:
                first, first_line = obj, n
    if first is None:
        head = content.decode("utf-8-sig").lstrip().split("\n", 1)[0]
        try:
            json.loads(head)
        except (ValueError, RecursionError) as e:
            raise UploadError(f"not valid JSON ({e}); expected {FORMAT_HELP}", 1) from None
        raise UploadError(f"no line is a JSON object; expected {FORMAT_HELP}", 1)
    for fields, fmt, field_map in _SIGNATURES:
        if all(f in first for f in fields):
            return Detected(fmt, field_map, lines, objects)
    raise UploadError(f"a record with fields {', '.join(sorted(first)) or 'none'} is in no known format; "
                      f"expected {FORMAT_HELP}", first_line)


def sources_yaml(name: str, path: str, detected: dict) -> str:
    """The SFT pipeline's sources file for one uploaded file."""
    source = {"format": detected["format"], "files": [path]}
    if detected.get("field_map"):
        source["field_map"] = detected["field_map"]
    return json.dumps({name: source}, ensure_ascii=False)      # JSON is YAML

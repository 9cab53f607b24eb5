"""Documents for a knowledge base, cleaned by the pretraining pipeline's own rules.

An upload (JSON lines with `text` or `html` and optional `id` / `source`, one HTML page, or plain
text) is written as a pipeline input and run through `pipelines.pretrain` (HTML extraction,
normalisation, Traditional-to-Simplified, language, quality, sensitive words, dedupe) exactly as
a curated corpus is; its kept documents come back as (id, source, text). A pipeline output folder
(`make run`'s) is read through its manifest directly.
"""
from __future__ import annotations

import json
from pathlib import Path

UPLOAD_SOURCE = "upload"


class DocumentError(ValueError):
    """An upload that cannot become documents; the message names the line or field."""


def parse_upload(filename: str, content: bytes) -> tuple[str, list[dict]]:
    """(pipeline format "jsonl" | "html", rows {"id", "text"|"html", "source"})."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(f"{filename}: not UTF-8 (byte {e.start + 1})") from None
    if not text.strip():
        raise DocumentError(f"{filename}: the file is empty")
    name = filename.lower()
    if name.endswith((".html", ".htm")):
        return "html", [{"id": Path(filename).stem or "page", "html": text, "source": filename}]
    if name.endswith((".jsonl", ".json")):
        return documents_rows([_json_line(filename, n, line) for n, line in enumerate(text.split("\n"), 1)
                               if line.strip()], filename)
    return "jsonl", [{"id": Path(filename).stem or "doc", "text": text, "source": filename}]


def _json_line(filename: str, n: int, line: str) -> dict:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as e:
        raise DocumentError(f"{filename} line {n}: not valid JSON ({e})") from None
    if not isinstance(obj, dict):
        raise DocumentError(f"{filename} line {n}: expected a JSON object with 'text' or 'html'")
    obj["_line"] = n
    return obj


def documents_rows(docs: list, where: str = "documents") -> tuple[str, list[dict]]:
    """Rows from [{"id"?, "text" | "html", "source"?}]: all text or all HTML."""
    if not isinstance(docs, list) or not docs:
        raise DocumentError(f"{where}: expected a non-empty list of documents")
    kinds = set()
    rows = []
    for i, d in enumerate(docs):
        at = f"{where} line {d['_line']}" if isinstance(d, dict) and "_line" in d else f"{where}[{i}]"
        if not isinstance(d, dict):
            raise DocumentError(f"{at}: expected an object with 'text' or 'html'")
        field = "text" if isinstance(d.get("text"), str) and d["text"].strip() else \
            "html" if isinstance(d.get("html"), str) and d["html"].strip() else None
        if field is None:
            raise DocumentError(f"{at}: needs a non-empty string 'text' or 'html'")
        kinds.add(field)
        rows.append({"id": str(d.get("id") or f"doc-{i + 1}"), field: d[field], "source": str(d.get("source") or UPLOAD_SOURCE)})
    if len(kinds) > 1:
        raise DocumentError(f"{where}: mix of 'text' and 'html' documents; send them in two requests")
    return ("html" if kinds == {"html"} else "jsonl"), rows


def clean(rows: list[dict], fmt: str, workdir: str | Path) -> tuple[list[tuple[str, str, str]], dict]:
    """Runs the pretraining pipeline on the rows; (kept documents, counts incl. rejections by rule)."""
    from pipelines.pretrain import run as pretrain

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / "input.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            # the source is the upload's own field, not the pipeline's: it comes back through by_id below
            f.write(json.dumps({k: v for k, v in row.items() if k != "source"}, ensure_ascii=False) + "\n")
    sources = {UPLOAD_SOURCE: {"lang": "und", "category": "web", "files": [str((workdir / "input.jsonl").resolve())],
                               "format": fmt}}
    (workdir / "sources.yaml").write_text(json.dumps(sources), encoding="utf-8")
    manifest = pretrain.run(["--sources", str(workdir / "sources.yaml"), "--output", str(workdir / "output"), "--overwrite"])
    by_id = {row["id"]: row["source"] for row in rows}
    kept = read_output_documents(workdir / "output") if manifest["counts"]["written"] else []
    docs = [(doc_id, by_id.get(doc_id, UPLOAD_SOURCE), text) for doc_id, _source, text in kept]
    c = manifest["counts"]
    return docs, {"read": c["read"], "kept": len(docs), "rejected": c["rejected"], "dead_letter": c["dead_letter"],
                  "by_rule": c.get("by_rule", {})}


def read_output_documents(output: str | Path) -> list[tuple[str, str, str]]:
    """(id, source, text) of every kept document of a pretraining pipeline output."""
    import pyarrow.parquet as pq

    from training.manifest import read_output
    docs = []
    for path in read_output(output, "pretrain").data_files:
        table = pq.read_table(path, columns=["id", "source", "text"], use_threads=False)
        docs.extend(zip(table["id"].to_pylist(), table["source"].to_pylist(), table["text"].to_pylist()))
    return sorted(docs)

"""Knowledge bases behind the API ("Rethink" / "Custom Rethink"): their registry in the serving
database, their folders under DATA_DIR/kb/<id>/ (retrieval's manifest.json + chunks.jsonl, and the
pipeline runs that cleaned their documents), and the bases loaded in memory.

    python -m serving.knowledge build --output out/pretrain --name sample [--data-dir out/serving] [--owner KEY]

builds a base from a pipeline output (make kb). Bases belong to the key that made them (the CLI's
--owner: a key id or name; none: the no-key owner of a loopback server without keys).
"""
from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path

from retrieval.chunking import ChunkConfig, chunk_text
from retrieval.knowledge_base import MAX_TOP_K, KnowledgeBase
from retrieval.mixture import Weights
from serving.keys import connect

DEFAULT_PREFIX = "请根据以下资料回答问题；资料不相关时照常回答。Answer from these references when they are relevant:\n"
DEFAULT_TOP_K = 3
REFERENCE_ROOM = 64             # tokens left for the answer when references are fitted into a model's context
MAX_LOADED = 8                  # bases kept in memory; the least recently used is reloaded from disk when asked


class KnowledgeError(ValueError):
    def __init__(self, message: str, param: str | None = None, status: int = 400):
        super().__init__(message)
        self.param, self.status = param, status


def weights_from(raw, default: Weights, param: str = "weights") -> Weights:
    if raw is None:
        return default
    if not isinstance(raw, dict) or set(raw) - {"lexical", "dense"}:
        raise KnowledgeError(f"'{param}' must be an object with 'lexical' and/or 'dense' numbers", param)
    try:
        return Weights(raw.get("lexical", 0.0), raw.get("dense", 0.0))
    except ValueError as e:
        raise KnowledgeError(f"'{param}': {e}", param) from None


def top_k_from(raw, default: int, param: str = "top_k") -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_TOP_K:
        raise KnowledgeError(f"'{param}' must be a whole number from 1 to {MAX_TOP_K}, got {raw!r}", param)
    return raw


class KnowledgeStore:
    def __init__(self, data_dir: str | Path, embedding_model: str | None = None):
        """embedding_model: a sentence-transformers folder for new bases' dense side (None: LSA)."""
        self.root = Path(data_dir)
        self.embedding_model = embedding_model
        (self.root / "kb").mkdir(parents=True, exist_ok=True)
        self.con = connect(self.root / "serving.db")
        self.con.execute("""CREATE TABLE IF NOT EXISTS knowledge_bases (id TEXT PRIMARY KEY, owner TEXT NOT NULL,
            name TEXT NOT NULL, created_at INTEGER NOT NULL, settings TEXT NOT NULL, documents INTEGER NOT NULL DEFAULT 0,
            chunks INTEGER NOT NULL DEFAULT 0, UNIQUE (owner, name))""")
        self.loaded: OrderedDict[str, KnowledgeBase] = OrderedDict()   # id -> base, least recently used first
        self.lock = threading.Lock()              # guards `loaded` only: indexes are built outside it
        self.writers: dict[str, threading.Lock] = {}     # one per base: its document additions one at a time

    def folder(self, kb_id: str) -> Path:
        return self.root / "kb" / kb_id

    # ------------------------------------------------------------------ registry
    def create(self, owner: str, body: dict) -> dict:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise KnowledgeError("'name' must be a non-empty string of at most 64 characters", "name")
        unknown = sorted(set(body) - {"name", "chunk_size", "chunk_overlap", "weights", "top_k", "prompt_prefix"})
        if unknown:
            raise KnowledgeError(f"'{unknown[0]}' is not a knowledge base field", unknown[0])
        size, overlap = body.get("chunk_size", 300), body.get("chunk_overlap", 50)
        for field, value, hi in (("chunk_size", size, 10_000), ("chunk_overlap", overlap, 9_999)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= hi:
                raise KnowledgeError(f"'{field}' must be a whole number from 0 to {hi}, got {value!r}", field)
        try:
            chunking = ChunkConfig(size, overlap)
        except ValueError as e:
            raise KnowledgeError(str(e), "chunk_size") from None
        prefix = body.get("prompt_prefix", DEFAULT_PREFIX)
        if not isinstance(prefix, str):
            raise KnowledgeError("'prompt_prefix' must be a string", "prompt_prefix")
        weights = weights_from(body.get("weights"), Weights())
        settings = {"chunk_size": chunking.size, "chunk_overlap": chunking.overlap, "top_k": top_k_from(body.get("top_k"), DEFAULT_TOP_K),
                    "weights": {"lexical": weights.lexical, "dense": weights.dense}, "prompt_prefix": prefix}
        kb_id = f"kb-{secrets.token_hex(8)}"
        try:
            self.con.execute("INSERT INTO knowledge_bases (id, owner, name, created_at, settings) VALUES (?,?,?,?,?)",
                             (kb_id, owner, name.strip(), int(time.time()), json.dumps(settings)))
        except sqlite3.IntegrityError:          # UNIQUE (owner, name)
            raise KnowledgeError(f"you already have a knowledge base named {name.strip()!r}", "name") from None
        return self.get(owner, kb_id)

    def _row(self, owner: str, ident: str):
        return self.con.execute("SELECT id, name, created_at, settings, documents, chunks FROM knowledge_bases "
                                "WHERE owner = ? AND (id = ? OR name = ?)", (owner, ident, ident)).fetchone()

    @staticmethod
    def _obj(row) -> dict:
        settings = json.loads(row[3])
        return {"id": row[0], "object": "knowledge_base", "name": row[1], "created_at": row[2], "documents": row[4],
                "chunks": row[5], "chunking": {"size": settings["chunk_size"], "overlap": settings["chunk_overlap"]},
                "defaults": {"top_k": settings["top_k"], "weights": settings["weights"],
                             "prompt_prefix": settings["prompt_prefix"]}}

    def get(self, owner: str, ident: str) -> dict:
        row = self._row(owner, ident) if isinstance(ident, str) else None
        if row is None:
            raise KnowledgeError(f"no knowledge base {ident!r}", "knowledge_base", 404)
        return self._obj(row)

    def list(self, owner: str) -> list[dict]:
        rows = self.con.execute("SELECT id, name, created_at, settings, documents, chunks FROM knowledge_bases "
                                "WHERE owner = ? ORDER BY created_at, id", (owner,)).fetchall()
        return [self._obj(r) for r in rows]

    def delete(self, owner: str, ident: str) -> str:
        kb_id = self.get(owner, ident)["id"]
        self.con.execute("DELETE FROM knowledge_bases WHERE id = ?", (kb_id,))
        with self.lock:
            self.loaded.pop(kb_id, None)
        shutil.rmtree(self.folder(kb_id), ignore_errors=True)
        return kb_id

    # ------------------------------------------------------------------ documents and search
    def add_documents(self, owner: str, ident: str, documents: list[tuple[str, str, str]], counts: dict) -> dict:
        """Adds cleaned documents (a document id already there is replaced) and rebuilds the index."""
        info = self.get(owner, ident)
        kb_id = info["id"]
        with self.lock:
            writer = self.writers.setdefault(kb_id, threading.Lock())
        with writer:                              # searches (of this base too) go on meanwhile, on the old index
            current = self._base(kb_id)
            replaced = {doc_id for doc_id, _, _ in documents}
            keep = [] if current is None else [c for c in current.chunks if c.doc_id not in replaced]
            config = ChunkConfig(info["chunking"]["size"], info["chunking"]["overlap"])
            chunks = keep + [c for doc_id, source, text in documents for c in chunk_text(doc_id, source, text, config)]
            if not chunks:
                raise KnowledgeError("no document survived cleaning: nothing to index "
                                     f"({counts.get('rejected', 0)} rejected, {counts.get('dead_letter', 0)} dead letters)",
                                     "documents")
            w = info["defaults"]["weights"]
            model = current.embedding_model if current is not None else self.embedding_model
            kb = KnowledgeBase(info["name"], chunks, config, Weights(w["lexical"], w["dense"]), embedding_model=model)
            kb.save(self.folder(kb_id))
            self._keep(kb_id, kb)
            n_docs = len({c.doc_id for c in chunks})
            self.con.execute("UPDATE knowledge_bases SET documents = ?, chunks = ? WHERE id = ?", (n_docs, len(chunks), kb_id))
        return {**self.get(owner, kb_id), "added": counts}

    def _base(self, kb_id: str) -> KnowledgeBase | None:
        """The base in memory, loaded from its folder on first use (after a restart too)."""
        with self.lock:
            if kb_id in self.loaded:
                self.loaded.move_to_end(kb_id)
                return self.loaded[kb_id]
        if not (self.folder(kb_id) / "manifest.json").is_file():
            return None
        kb = KnowledgeBase.load(self.folder(kb_id))       # outside the lock: other bases answer meanwhile
        self._keep(kb_id, kb)
        return kb

    def _keep(self, kb_id: str, kb: KnowledgeBase) -> None:
        with self.lock:
            self.loaded[kb_id] = kb
            self.loaded.move_to_end(kb_id)
            while len(self.loaded) > MAX_LOADED:
                self.loaded.popitem(last=False)

    def search(self, owner: str, ident: str, query, top_k=None, weights=None) -> tuple[dict, list]:
        info = self.get(owner, ident)
        if not isinstance(query, str) or not query.strip():
            raise KnowledgeError("'query' must be a non-empty string", "query")
        k = top_k_from(top_k, info["defaults"]["top_k"])
        w = weights_from(weights, Weights(**info["defaults"]["weights"]))
        kb = self._base(info["id"])
        if kb is None:
            return info, []
        return info, kb.search(query, k, w)


def hit_json(hit, index: int | None = None) -> dict:
    out = {"document_id": hit.chunk.doc_id, "source": hit.chunk.source, "position": hit.chunk.position,
           "start": hit.chunk.start, "end": hit.chunk.end, "score": round(hit.score, 6),
           "lexical_score": round(hit.lexical, 6), "dense_score": round(hit.dense, 6), "text": hit.chunk.text}
    return out if index is None else {"index": index, **out}


def retrieve_for_chat(store: KnowledgeStore, owner: str, spec, messages: list[dict]) -> tuple[list[dict], str]:
    """The chat extension `knowledge_base`: a base id/name, or {"id", "top_k", "weights", "prompt_prefix"}.
    Retrieves with the last user message; returns (references, prompt prefix)."""
    if isinstance(spec, str):
        spec = {"id": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("id") or spec.get("name"), str):
        raise KnowledgeError("'knowledge_base' must be a knowledge base id or name, or an object with 'id'",
                             "knowledge_base")
    unknown = sorted(set(spec) - {"id", "name", "top_k", "weights", "prompt_prefix"})
    if unknown:
        raise KnowledgeError(f"knowledge_base.{unknown[0]} is not supported", f"knowledge_base.{unknown[0]}")
    prefix = spec.get("prompt_prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise KnowledgeError("knowledge_base.prompt_prefix must be a string", "knowledge_base.prompt_prefix")
    try:
        info, hits = store.search(owner, spec.get("id") or spec.get("name"), messages[-1]["content"], spec.get("top_k"),
                                  spec.get("weights"))
    except KnowledgeError as e:
        if e.param in ("top_k", "weights"):
            e.param = f"knowledge_base.{e.param}"
        raise
    return [hit_json(h, i + 1) for i, h in enumerate(hits)], (info["defaults"]["prompt_prefix"] if prefix is None else prefix)


def with_references(messages: list[dict], references: list[dict], prefix: str) -> list[dict]:
    """The numbered chunks after the prefix, in a system message before any given one."""
    if not references:
        return messages
    context = prefix + "\n".join(f"[{r['index']}] {r['text']}" for r in references)
    if messages[0]["role"] == "system":
        return [{"role": "system", "content": context + "\n\n" + messages[0]["content"]}] + messages[1:]
    return [{"role": "system", "content": context}] + messages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m serving.knowledge", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="a knowledge base from a pretraining pipeline output")
    b.add_argument("--output", required=True, help="a pipeline output folder (make run's out/pretrain)")
    b.add_argument("--name", required=True)
    b.add_argument("--data-dir", default="out/serving")
    b.add_argument("--owner", default="", help="the API key (id or name) the base belongs to (default: no key)")
    b.add_argument("--chunk-size", type=int, default=300)
    b.add_argument("--chunk-overlap", type=int, default=50)
    b.add_argument("--embedding-model", default=None,
                   help="a local sentence-transformers folder for the dense retriever (default: LSA, no model)")
    args = ap.parse_args(argv)
    from retrieval.ingest import read_output_documents
    store = KnowledgeStore(args.data_dir, args.embedding_model)
    owner = args.owner
    if owner:
        from serving.keys import KeyStore
        match = KeyStore(store.root / "serving.db").active_ids(owner)
        if not match:
            ap.error(f"--owner {owner!r}: no active key with that id or name")
        owner = match[0]
    try:
        documents = read_output_documents(args.output)
    except Exception as e:  # noqa: BLE001 - a missing or unfinished output, named
        ap.error(f"--output {args.output}: {e}")
    try:
        existing = store.get(owner, args.name)
        store.delete(owner, existing["id"])
        print(f"replacing knowledge base {args.name!r}", file=sys.stderr)
    except KnowledgeError:
        pass
    info = store.create(owner, {"name": args.name, "chunk_size": args.chunk_size, "chunk_overlap": args.chunk_overlap})
    started = time.perf_counter()
    info = store.add_documents(owner, info["id"], documents, {"read": len(documents)})
    print(f"knowledge base {info['name']} ({info['id']}): {info['documents']} documents, {info['chunks']} chunks, "
          f"indexed in {time.perf_counter() - started:.1f} s -> {store.folder(info['id'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

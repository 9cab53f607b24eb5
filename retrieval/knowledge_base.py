"""A knowledge base: chunks of documents, their words (computed once), the BM25 and LSA indexes,
and search with the mixture of both. Saved as a folder (manifest.json + chunks.jsonl); loading
rebuilds the indexes from the saved chunks, deterministically."""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from retrieval.chunking import Chunk, ChunkConfig, chunk_text
from retrieval.dense import LsaIndex, SentenceEmbeddings
from retrieval.lexical import LexicalIndex, words
from retrieval.mixture import Weights, mix, scaled, top

MANIFEST, CHUNKS = "manifest.json", "chunks.jsonl"
MAX_TOP_K = 50


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    lexical: float           # scaled to [0, 1] by the best chunk's
    dense: float


class KnowledgeBase:
    def __init__(self, name: str, chunks: list[Chunk], config: ChunkConfig = ChunkConfig(),
                 weights: Weights = Weights(), dimensions: int = 256, embedding_model: str | None = None):
        """embedding_model: a sentence-transformers folder for the dense side; None: LSA."""
        if not chunks:
            raise ValueError(f"knowledge base {name!r} has no text to index")
        self.name, self.chunks, self.config, self.weights, self.dimensions = name, chunks, config, weights, dimensions
        self.embedding_model = embedding_model
        started = time.perf_counter()
        corpus = [words(c.text) for c in chunks]
        self.lexical = LexicalIndex(corpus)
        self.dense = (SentenceEmbeddings([c.text for c in chunks], embedding_model) if embedding_model
                      else LsaIndex(corpus, dimensions=dimensions))
        self.build_seconds = time.perf_counter() - started

    @classmethod
    def from_documents(cls, name: str, documents, config: ChunkConfig = ChunkConfig(), **kwargs) -> "KnowledgeBase":
        """documents: (doc_id, source, text) triples."""
        chunks = [c for doc_id, source, text in documents for c in chunk_text(str(doc_id), str(source), text, config)]
        return cls(name, chunks, config, **kwargs)

    def search(self, query: str, top_k: int = 5, weights: Weights | None = None) -> list[Hit]:
        if not isinstance(query, str) or not query.strip():
            raise ValueError("the query is empty")
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
            raise ValueError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, got {top_k!r}")
        weights = weights or self.weights
        q = words(query)
        lexical, dense = scaled(self.lexical.scores(q)), scaled(self.dense.scores(query, q))
        mixed = mix(lexical, dense, weights)
        # a chunk neither retriever finds anything in (score 0) is no answer
        return [Hit(self.chunks[i], float(mixed[i]), float(lexical[i]), float(dense[i])) for i in top(mixed, top_k)
                if mixed[i] > 0]

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / CHUNKS, "w", encoding="utf-8") as f:
            for c in self.chunks:
                f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
        manifest = {"name": self.name, "chunks": len(self.chunks), "documents": len({c.doc_id for c in self.chunks}),
                    "chunking": asdict(self.config), "weights": asdict(self.weights),
                    "dense": f"sentence-transformers {self.embedding_model}" if self.embedding_model else "lsa",
                    "embedding_model": self.embedding_model,
                    "dimensions": self.dimensions, "lexical": "bm25 (bm25s, jieba words)",
                    "build_seconds": round(self.build_seconds, 3)}
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "KnowledgeBase":
        folder = Path(folder)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        with open(folder / CHUNKS, encoding="utf-8") as f:
            chunks = [Chunk(**json.loads(line)) for line in f if line.strip()]
        return cls(manifest["name"], chunks, ChunkConfig(**manifest["chunking"]), Weights(**manifest["weights"]),
                   dimensions=manifest["dimensions"], embedding_model=manifest.get("embedding_model"))

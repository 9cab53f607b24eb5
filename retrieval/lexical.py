"""BM25 over words: jieba's words for Chinese, lower-cased letters/digits runs for the rest.
The corpus is tokenized once, when the index is built (bm25s holds the sparse score matrix);
a query is tokenized when it comes."""
from __future__ import annotations

import re

import numpy as np

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+", re.UNICODE)
_PUNCT_WORDS = frozenset("的 了 是 在 和 与 及 或 也 就 都 而 被 把 之 其 这 那 有 为 于 以 等".split())


def words(text: str) -> list[str]:
    import jieba
    out = []
    for m in _WORD.finditer(text.lower()):
        piece = m.group(0)
        if _HAN.fullmatch(piece):
            out.extend(w for w in jieba.lcut(piece) if w not in _PUNCT_WORDS)
        else:
            out.append(piece)
    return out


class LexicalIndex:
    """BM25 over chunks given as word lists (`words` of each chunk's text, computed once)."""

    def __init__(self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75):
        import bm25s
        self.n = len(corpus)
        corpus = [doc or ["∅"] for doc in corpus]
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(w, len(vocab)) for w in doc] for doc in corpus]
        self.vocab = vocab
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        self.bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)

    def scores(self, query_words: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no query word occurs)."""
        q = [w for w in query_words if w in self.vocab]
        if not q:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(q), dtype=np.float32)

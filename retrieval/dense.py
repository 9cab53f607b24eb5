"""Dense retrieval without a download: LSA, i.e. the chunks' TF-IDF vectors (over the same words
BM25 uses) projected onto their top singular vectors and normalised; a query is scored by cosine.
It matches on co-occurring words rather than shared ones, which is what a dense retriever adds to
BM25. With a sentence-transformers model folder (`SentenceEmbeddings`), that model is used instead."""
from __future__ import annotations

import numpy as np


class LsaIndex:
    def __init__(self, corpus: list[list[str]], dimensions: int = 256, seed: int = 0):
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        self.vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, min_df=1)
        tfidf = self.vectorizer.fit_transform(corpus)
        k = max(1, min(dimensions, tfidf.shape[0] - 1, tfidf.shape[1] - 1))
        self.svd = TruncatedSVD(n_components=k, random_state=seed)
        self.vectors = _unit(self.svd.fit_transform(tfidf).astype(np.float32))

    def scores(self, query: str, query_words: list[str]) -> np.ndarray:
        q = _unit(self.svd.transform(self.vectorizer.transform([query_words])).astype(np.float32))[0]
        return self.vectors @ q


class SentenceEmbeddings:
    """A sentence-transformers model from a local folder (nothing is downloaded)."""

    def __init__(self, texts: list[str], model_dir: str, batch_size: int = 64):
        from pathlib import Path

        from sentence_transformers import SentenceTransformer
        if not Path(model_dir).is_dir():
            raise ValueError(f"embedding model {model_dir!r} is not a local folder (nothing is downloaded)")
        self.model = SentenceTransformer(str(model_dir), local_files_only=True, device="cpu")
        self.vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True).astype(np.float32)

    def scores(self, query: str, query_words: list[str]) -> np.ndarray:
        q = self.model.encode([query], normalize_embeddings=True, convert_to_numpy=True)[0]
        return self.vectors @ q


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)

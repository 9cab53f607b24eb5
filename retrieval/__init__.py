"""Knowledge bases for retrieval-augmented answers ("Rethink"): chunks of curated text, a lexical
(BM25) and a dense retriever, and their weighted mixture.

chunking.py (sentence-aware chunks with their document id, source and position), lexical.py
(BM25 over jieba words / English words, via bm25s), dense.py (LSA over the index's own TF-IDF: no
download), mixture.py (min-max normalised scores, weighted sum).
"""

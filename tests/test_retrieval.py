"""Knowledge-base retrieval (retrieval/): sentence-aware chunks, BM25 and LSA, their mixture,
persistence, bad queries, and lexical recall on the real CMRC 2018 contexts."""
import pytest

from retrieval.chunking import ChunkConfig, chunk_text, sentences
from retrieval.knowledge_base import KnowledgeBase
from retrieval.mixture import Weights, mix, scaled, top
from tests.conftest import needs_shared

DOCS = [("d1", "wiki", "长城是中国古代的军事防御工程。它东起山海关，西至嘉峪关。长城全长两万多公里。"),
        ("d2", "wiki", "The Great Wall of China is an ancient defensive fortification. It stretches thousands of kilometres."),
        ("d3", "news", "上海是中国最大的城市之一。黄浦江穿过上海市区。外滩是著名的景点。"),
        ("d4", "news", "Python is a programming language. It is popular for data science and machine learning.")]


def test_chunks_end_at_sentence_boundaries_overlap_and_keep_their_place():
    text = "第一句话很短。第二句话也不长！Third sentence here. Fourth one? 第五句。"
    assert [text[a:b].strip() for a, b in sentences(text)] == ["第一句话很短。", "第二句话也不长！", "Third sentence here.",
                                                            "Fourth one?", "第五句。"]
    chunks = chunk_text("doc", "src", text, ChunkConfig(size=25, overlap=10))
    assert [c.position for c in chunks] == list(range(len(chunks))) and all(c.doc_id == "doc" for c in chunks)
    for c in chunks:
        assert len(c.text) <= 25 and text[c.start:c.end].strip() == c.text
        assert c.text[-1] in "。！.?"                                  # whole sentences only
    assert chunks[1].start < chunks[0].end                              # the overlap carries a sentence over
    long = chunk_text("d", "s", "字" * 70, ChunkConfig(size=30, overlap=0))
    assert [len(c.text) for c in long] == [30, 30, 10]
    with pytest.raises(ValueError, match="overlap < size"):
        ChunkConfig(size=30, overlap=30)


def test_search_finds_by_words_in_both_languages_and_returns_sources():
    kb = KnowledgeBase.from_documents("t", DOCS, ChunkConfig(size=60, overlap=0))
    assert kb.search("长城有多长", top_k=1)[0].chunk.doc_id == "d1"
    assert kb.search("great wall fortification", top_k=1)[0].chunk.doc_id == "d2"
    hit = kb.search("黄浦江", top_k=2)[0]
    assert hit.chunk.doc_id == "d3" and hit.chunk.source == "news" and 0 < hit.score <= 1 and hit.lexical == 1.0


def test_the_mixture_weights_decide_the_order():
    lexical, dense = [1.0, 0.0, 0.5], [0.0, 1.0, 0.6]
    import numpy as np
    lex, den = np.array(lexical), np.array(dense)
    assert top(mix(lex, den, Weights(1, 0)), 3) == [0, 2, 1]
    assert top(mix(lex, den, Weights(0, 1)), 3) == [1, 2, 0]
    assert top(mix(lex, den, Weights(0.5, 0.5)), 3) == [2, 0, 1]         # (0.5 + 0.6) / 2 beats 0.5
    assert list(scaled(np.array([2.0, 2.0]))) == [1.0, 1.0] and list(scaled(np.array([-1.0, 0.0]))) == [0.0, 0.0]
    assert list(scaled(np.array([4.0, 1.0, -2.0]))) == [1.0, 0.25, 0.0]
    for bad in ((0, 0), (-1, 1), ("a", 1)):
        with pytest.raises(ValueError):
            Weights(*bad)
    kb = KnowledgeBase.from_documents("t", DOCS, ChunkConfig(size=60, overlap=0))
    only_lexical = kb.search("中国", top_k=4, weights=Weights(1, 0))
    assert all(h.score == pytest.approx(h.lexical) for h in only_lexical)
    only_dense = kb.search("中国", top_k=4, weights=Weights(0, 1))
    assert all(h.score == pytest.approx(h.dense) for h in only_dense)


def test_bad_queries_and_an_empty_base_are_clear_errors():
    kb = KnowledgeBase.from_documents("t", DOCS)
    for query, top_k, message in (("", 3, "empty"), ("   ", 3, "empty"), ("长城", 0, "top_k"), ("长城", 51, "top_k"),
                                  ("长城", True, "top_k")):
        with pytest.raises(ValueError, match=message):
            kb.search(query, top_k=top_k)
    assert kb.search("zzzz qqqq", top_k=2) == []                         # no word known: nothing is relevant
    with pytest.raises(ValueError, match="no text"):
        KnowledgeBase.from_documents("empty", [("d", "s", "   ")])


def test_a_base_of_one_chunk_answers_and_every_matching_chunk_is_returned():
    one = KnowledgeBase.from_documents("one", [("d", "s", "The Eiffel Tower is in Paris.")])
    assert [h.chunk.doc_id for h in one.search("Eiffel Tower Paris", 3)] == ["d"]
    two = KnowledgeBase.from_documents("two", [("a", "s", "Paris is the capital city of France."),
                                               ("b", "s", "Rome is the capital city of Italy.")])
    assert {h.chunk.doc_id for h in two.search("capital city", 5, Weights(1, 0))} == {"a", "b"}


def test_a_saved_base_loads_with_the_same_answers(tmp_path):
    kb = KnowledgeBase.from_documents("saved", DOCS, ChunkConfig(size=60, overlap=10), weights=Weights(0.7, 0.3))
    kb.save(tmp_path / "kb")
    again = KnowledgeBase.load(tmp_path / "kb")
    assert again.name == "saved" and again.weights == Weights(0.7, 0.3) and again.config == ChunkConfig(60, 10)
    for q in ("长城", "machine learning", "上海景点"):
        assert [(h.chunk, round(h.score, 6)) for h in kb.search(q, 3)] == [(h.chunk, round(h.score, 6)) for h in again.search(q, 3)]


@needs_shared
def test_lexical_recall_at_5_on_cmrc_contexts_is_at_least_085():
    from bench.retrieval_bench import cmrc, rank_of
    docs, queries = cmrc(None)
    kb = KnowledgeBase.from_documents("cmrc", docs)
    sample = queries[::16]                                               # 200 questions across the set
    ranks = [rank_of(kb.search(q, top_k=20, weights=Weights(1, 0)), doc) for q, doc in sample]
    assert sum(r is not None and r <= 5 for r in ranks) / len(ranks) >= 0.85


@pytest.fixture(scope="module")
def tiny_embedder(tmp_path_factory):
    """A sentence-transformers model built here: a tiny BERT with a WordPiece vocabulary trained on
    the test documents, mean pooling (no download)."""
    st = pytest.importorskip("sentence_transformers")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast
    import torch
    root = tmp_path_factory.mktemp("st")
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator([d[2] for d in DOCS] * 3, trainers.WordPieceTrainer(
        vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]")
    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=64, max_position_embeddings=128))
    bert.save_pretrained(root / "bert")
    fast.save_pretrained(root / "bert")
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    model = st.SentenceTransformer(modules=[Transformer(str(root / "bert"), max_seq_length=128), Pooling(32, "mean")],
                                   device="cpu")
    model.save(str(root / "st"))
    return str(root / "st")


def test_a_local_sentence_transformers_model_is_the_dense_side_and_survives_a_reload(tiny_embedder, tmp_path):
    kb = KnowledgeBase.from_documents("st", DOCS, ChunkConfig(size=60, overlap=0), embedding_model=tiny_embedder)
    hits = kb.search("长城", top_k=3, weights=Weights(0, 1))
    assert hits and all(h.score == pytest.approx(h.dense) for h in hits)
    kb.save(tmp_path / "kb")
    again = KnowledgeBase.load(tmp_path / "kb")
    assert again.embedding_model == tiny_embedder
    assert [h.chunk for h in again.search("长城", 3)] == [h.chunk for h in kb.search("长城", 3)]
    with pytest.raises(ValueError, match="not a local folder"):
        KnowledgeBase.from_documents("x", DOCS, embedding_model=str(tmp_path / "missing"))
